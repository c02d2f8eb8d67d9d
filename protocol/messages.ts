/** The protocol's messages, from the client package (packages/client) where it lives. */
export * from '../packages/client/src/protocol/messages.js';
