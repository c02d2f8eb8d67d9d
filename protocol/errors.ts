/** The protocol's errors, from the client package (packages/client) where it lives. */
export * from '../packages/client/src/protocol/errors.js';
