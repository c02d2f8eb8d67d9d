/** The single-consumer async queue, from the client package (packages/client) where it lives. */
export * from '../../packages/client/src/async-queue.js';
