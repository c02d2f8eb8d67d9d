/**
 * `@flash-tts/client`: the client side of Flash-TTS without the server — the realtime protocol,
 * the realtime client (`createRealtimeClient`), REST helpers (`createRestClient`) and the Discord
 * and LLM adapters. No engine, no native build.
 */
export * from './async-queue.js';
export * from './discord.js';
export * from './llm.js';
export * from './markdown-speech.js';
export * from './protocol/index.js';
export * from './realtime-client.js';
export * from './rest.js';
