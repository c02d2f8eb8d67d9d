import { getPriority } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { type PoolWorker, WorkerPool } from '../../src/util/worker-pool.js';
import { threadsAtNiceness } from '../helpers/threads.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

type In = { type: 'echo'; value: number } | { type: 'crash' } | { type: 'hang' };
type Out = { type: 'echo'; value: number; threadId: number };

const MODULE = new URL('../helpers/pool-worker.ts', import.meta.url);

describe('worker pool', () => {
  it('starts every worker, replaces one that dies, and stops them by message', async () => {
    const ready: PoolWorker<In>[] = [];
    const exited: number[] = [];
    let replaced!: () => void;
    const replacement = new Promise<void>((resolve) => {
      replaced = resolve;
    });
    const echoes: Out[] = [];
    const { pool } = await WorkerPool.start<In, Out, { threadId: number }>({
      module: MODULE,
      size: 2,
      onReady: (worker) => {
        ready.push(worker);
        if (ready.length === 3) replaced();
      },
      onMessage: (_worker, message) => echoes.push(message),
      onExit: (_worker, code) => exited.push(code),
    });
    expect(ready).toHaveLength(2);
    expect(pool.size).toBe(2);
    (ready[0] as PoolWorker<In>).post({ type: 'crash' });
    await withDeadline(replacement, 'a replacement worker ready');
    expect(exited).toEqual([3]);
    expect(pool.size).toBe(2);
    (ready[2] as PoolWorker<In>).post({ type: 'echo', value: 7 });
    await waitFor(() => echoes.length > 0, 'the echo of the new worker');
    expect(echoes[0]?.value).toBe(7);
    await pool.stop();
    expect(pool.size).toBe(0);
    expect(exited).toEqual([3]); // stopping is not dying
  });

  it('terminates a worker that does not stop within the grace period', async () => {
    const workers: PoolWorker<In>[] = [];
    const { pool } = await WorkerPool.start<In, Out, { threadId: number }>({
      module: MODULE,
      size: 1,
      stopGraceMs: 200,
      onReady: (worker) => workers.push(worker),
      onMessage: () => undefined,
    });
    workers[0]?.post({ type: 'hang' });
    const started = performance.now();
    await withDeadline(pool.stop(), 'the hung worker terminated', 5000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });

  // Linux sets priorities per thread; elsewhere the option does nothing.
  (process.platform === 'linux' ? it : it.skip)(
    'runs its workers at the niceness asked, and the main thread as before',
    async () => {
      const mainPriority = getPriority();
      const before = threadsAtNiceness(7);
      const { pool } = await WorkerPool.start<In, Out, { threadId: number }>({
        module: MODULE,
        size: 2,
        niceness: 7,
        onMessage: () => undefined,
      });
      try {
        expect(threadsAtNiceness(7) - before).toBe(2);
        expect(getPriority()).toBe(mainPriority);
      } finally {
        await pool.stop();
      }
    },
  );
});
