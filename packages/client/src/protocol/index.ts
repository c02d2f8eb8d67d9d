/** The realtime protocol: messages, codecs, error and close codes. See PROTOCOL.md. */
export * from './codec.js';
export * from './errors.js';
export * from './messages.js';
