/**
 * A fixed-size pool of module worker threads: the one primitive behind the engine workers and the
 * encoder workers. It starts the workers and waits for each one's `ready`, replaces a worker that
 * dies, and stops them by message (a worker is never terminated inside a native call, which would
 * abort the process; `terminate()` is only the fallback for one that does not exit in time). What
 * the workers are asked to do, and which one, is the owner's business.
 */
import type { Transferable, Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker.js';

/** What every pooled worker posts first: its facts once loaded, or why it could not load. */
export type WorkerHello<Ready> = { type: 'ready'; ready: Ready } | { type: 'failed'; message: string };

/** Every pooled worker understands this message: finish the current step, then exit. */
export interface StopMessage {
  type: 'stop';
}

/** One worker of a pool, as its owner sees it. */
export interface PoolWorker<In> {
  /** Posts a message to the worker (transferring `transfer`). */
  post(message: In, transfer?: readonly Transferable[]): void;
}

/** Options of {@link WorkerPool.start}; defaults in {@link DEFAULT_WORKER_POOL_OPTIONS}. */
export interface WorkerPoolOptions<In, Out, Ready> {
  /** Module URL the workers run (a `.ts` source or its `.js` build). */
  module: URL;
  /** Workers in the pool. */
  size: number;
  /** `workerData` of every worker. Default `{}`. */
  workerData: unknown;
  /** Niceness of the workers' threads (see util/thread-priority.ts). Default 0: the main thread's priority. */
  niceness: number;
  /** Whether the workers keep the process alive. Default `true`. */
  keepAlive: boolean;
  /** How long a stopping worker may take to finish its step before it is terminated, in ms. Default 5000. */
  stopGraceMs: number;
  /** A ready worker's message (anything but the hello). */
  onMessage(worker: PoolWorker<In>, message: Out): void;
  /** A worker is ready (at start, and each replacement later). Default: nothing. */
  onReady(worker: PoolWorker<In>, ready: Ready): void;
  /** A worker exited other than by {@link WorkerPool.stop}; a replacement is starting. Default: nothing. */
  onExit(worker: PoolWorker<In>, code: number): void;
}

/** Defaults of {@link WorkerPoolOptions}. */
export const DEFAULT_WORKER_POOL_OPTIONS = {
  workerData: {},
  niceness: 0,
  keepAlive: true,
  stopGraceMs: 5000,
  onReady: () => undefined,
  onExit: () => undefined,
} satisfies Partial<WorkerPoolOptions<unknown, unknown, unknown>>;

type RequiredOptions<In, Out, Ready> = Pick<WorkerPoolOptions<In, Out, Ready>, 'module' | 'size' | 'onMessage'>;

/** A started pool of worker threads. */
export class WorkerPool<In, Out, Ready> {
  readonly #options: WorkerPoolOptions<In, Out, Ready>;
  readonly #workers = new Map<PoolWorker<In>, Worker>();
  #stopping = false;

  private constructor(options: WorkerPoolOptions<In, Out, Ready>) {
    this.#options = options;
  }

  /**
   * Starts `options.size` workers and resolves once every one is ready, with the first one's
   * ready facts; rejects if any fails to load.
   */
  static async start<In, Out, Ready>(
    options: RequiredOptions<In, Out, Ready> & Partial<WorkerPoolOptions<In, Out, Ready>>,
  ): Promise<{ pool: WorkerPool<In, Out, Ready>; ready: Ready }> {
    const merged: WorkerPoolOptions<In, Out, Ready> = { ...DEFAULT_WORKER_POOL_OPTIONS, ...options };
    if (merged.size < 1) throw new TypeError('A worker pool needs at least one worker.');
    const pool = new WorkerPool(merged);
    try {
      const ready = await Promise.all(Array.from({ length: merged.size }, () => pool.#spawn()));
      return { pool, ready: ready[0] as Ready };
    } catch (error) {
      await pool.stop();
      throw error;
    }
  }

  /** Workers ready now. */
  get size(): number {
    return this.#workers.size;
  }

  /** Asks every worker to stop and resolves once all have exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const { stopGraceMs } = this.#options;
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void worker.terminate(), stopGraceMs);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.postMessage({ type: 'stop' } satisfies StopMessage);
          }),
      ),
    );
  }

  #spawn(): Promise<Ready> {
    const { module, workerData, niceness, keepAlive, onMessage, onReady, onExit } = this.#options;
    const worker = startModuleWorker(module, workerData, { niceness });
    if (!keepAlive) worker.unref();
    const handle: PoolWorker<In> = { post: (message, transfer = []) => worker.postMessage(message, transfer) };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: Out | WorkerHello<Ready>) => {
        if (ready) {
          onMessage(handle, message as Out);
          return;
        }
        const hello = message as WorkerHello<Ready>;
        if (hello.type === 'failed') {
          reject(new Error(`worker failed to start: ${hello.message}`));
          return;
        }
        ready = true;
        if (this.#stopping) {
          worker.postMessage({ type: 'stop' } satisfies StopMessage);
          return;
        }
        this.#workers.set(handle, worker);
        resolve(hello.ready);
        onReady(handle, hello.ready);
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`worker exited with code ${code} before it was ready`));
        if (!this.#workers.delete(handle) || this.#stopping) return;
        onExit(handle, code);
        this.#spawn().catch(() => {
          // The pool goes on with one worker fewer.
        });
      });
    });
  }
}
