import { getPriority } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { startServer } from '../../src/server/server.js';
import { threadsAtNiceness } from '../helpers/threads.js';

// Linux sets priorities per thread; elsewhere the setting does nothing.
const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('worker thread priority', () => {
  it('runs the engine workers at FLASH_TTS_WORKER_NICENESS, the encoders and the main thread as before', async () => {
    const mainPriority = getPriority();
    const before = threadsAtNiceness(19);
    const server = await startServer({ port: 0, logLevel: 'silent', workers: 1 });
    try {
      // The one engine worker asked for; its encoder worker keeps the normal priority.
      expect(threadsAtNiceness(19) - before).toBe(1);
      expect(getPriority()).toBe(mainPriority);
    } finally {
      await server.close();
    }
  });

  it('leaves them at normal priority with niceness 0', async () => {
    const before = threadsAtNiceness(19);
    const server = await startServer({ port: 0, logLevel: 'silent', workers: 1, workerNiceness: 0 });
    try {
      expect(threadsAtNiceness(19)).toBe(before);
    } finally {
      await server.close();
    }
  });
});
