/** Re-exported from the client package `@flash-tts/client` (packages/client), where it lives. */
export * from '../../packages/client/src/realtime-client.js';
