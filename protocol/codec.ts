/** The protocol's codec, from the client package (packages/client) where it lives. */
export * from '../packages/client/src/protocol/codec.js';
