/** The public entry of the flash-tts package: the server, the realtime client, the protocol. */
export * from '../protocol/index.js';
export {
  type ContextEvent,
  createRealtimeClient,
  RealtimeClient,
  type RealtimeClientOptions,
  RealtimeClosedError,
  RealtimeContextHandle,
  RealtimeRequestError,
} from './adapters/realtime-client.js';
export type { ServerConfig } from './server/config.js';
export { type RunningServer, startServer, VERSION } from './server/server.js';
