/**
 * The client side of flash-tts, without the server: the realtime client, the Discord and LLM
 * adapters. `import { createRealtimeClient, speakForDiscord } from 'flash-tts/adapters'` loads no
 * engine code.
 */
export * from '../../protocol/index.js';
export * from './discord.js';
export * from './llm.js';
export * from './markdown-speech.js';
export * from './realtime-client.js';
