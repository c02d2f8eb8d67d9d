/**
 * The client side of flash-tts, without the server: the realtime client, REST helpers, the Discord
 * and LLM adapters. They live in the client package `@flash-tts/client` (packages/client); this
 * re-export keeps `import { createRealtimeClient, speakForDiscord } from 'flash-tts/adapters'`
 * working. It loads no engine code.
 */
export * from '../../packages/client/src/index.js';
