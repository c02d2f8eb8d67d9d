/**
 * Encoders in worker threads, for the REST routes. `createRemoteEncoder` has the same shape as a
 * local encoder (write / end / destroy, bytes through onData), and each encoder lives in one worker
 * so its state (MP3 reservoir, Ogg pages) stays in order. The pool starts lazily and never keeps
 * the process alive; it is stopped by message, never terminated mid-call (a thread terminated inside
 * a native codec call aborts the process).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../util/module-worker.js';
import { type AudioEncoder, type EncoderOptions, EncoderUnavailableError } from './encoder.js';
import type { FromEncoder, ToEncoder } from './encoder-worker.js';
import type { AudioFormat } from './formats.js';

const WORKER_URL = siblingModule(import.meta.url, 'encoder-worker');

interface Pending {
  onData: (bytes: Uint8Array) => void;
  created: { resolve: () => void; reject: (error: Error) => void };
  ended?: { resolve: () => void; reject: (error: Error) => void };
}

class EncoderPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, { worker: Worker; state: Pending }>();
  #next = 0;
  #nextId = 1;

  constructor(private readonly size: number) {}

  #worker(): Worker {
    if (this.#workers.length < this.size) {
      const worker = startModuleWorker(WORKER_URL, {});
      worker.unref();
      worker.on('message', (message: FromEncoder) => this.#receive(message));
      worker.on('error', (error) => this.#failWorker(worker, error));
      worker.on('exit', () => {
        this.#failWorker(worker, new Error('encoder worker exited'));
        this.#workers.splice(this.#workers.indexOf(worker), 1);
      });
      this.#workers.push(worker);
      return worker;
    }
    const worker = this.#workers[this.#next % this.#workers.length] as Worker;
    this.#next++;
    return worker;
  }

  #failWorker(worker: Worker, error: Error): void {
    for (const [id, entry] of this.#pending) {
      if (entry.worker !== worker) continue;
      entry.state.created.reject(error);
      entry.state.ended?.reject(error);
      this.#pending.delete(id);
    }
  }

  #receive(message: FromEncoder): void {
    if (message.type === 'warm') return;
    const entry = this.#pending.get(message.id);
    if (!entry) return;
    const { state } = entry;
    switch (message.type) {
      case 'created':
        state.created.resolve();
        return;
      case 'data':
        state.onData(message.bytes);
        return;
      case 'ended':
        this.#pending.delete(message.id);
        state.ended?.resolve();
        return;
      case 'error': {
        this.#pending.delete(message.id);
        const error = message.unavailable ? new EncoderUnavailableError(message.message) : new Error(message.message);
        state.created.reject(error);
        state.ended?.reject(error);
        return;
      }
    }
  }

  async create(format: AudioFormat, options: EncoderOptions, requestedRate: number): Promise<AudioEncoder> {
    const worker = this.#worker();
    const id = this.#nextId++;
    const send = (message: ToEncoder, transfer: ArrayBuffer[] = []): void => worker.postMessage(message, transfer);
    const created = new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { worker, state: { onData: options.onData, created: { resolve, reject } } });
    });
    send({
      type: 'create',
      id,
      format,
      sampleRate: options.sampleRate,
      channels: options.channels,
      ...(options.totalFrames === undefined ? {} : { totalFrames: options.totalFrames }),
      requestedRate,
    });
    await created;
    let destroyed = false;
    return {
      write(pcm) {
        if (destroyed) return;
        const copy = pcm.slice();
        send({ type: 'write', id, pcm: copy }, [copy.buffer as ArrayBuffer]);
      },
      end: () =>
        new Promise<void>((resolve, reject) => {
          const entry = this.#pending.get(id);
          if (!entry) {
            resolve();
            return;
          }
          entry.state.ended = { resolve, reject };
          send({ type: 'end', id });
        }),
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        this.#pending.delete(id);
        send({ type: 'destroy', id });
      },
    };
  }

  /** Starts every worker and has each load its codecs, so the first requests pay for neither. */
  async warm(): Promise<void> {
    while (this.#workers.length < this.size) this.#worker();
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const done = (message?: FromEncoder): void => {
              if (message && message.type !== 'warm') return;
              worker.off('message', done);
              worker.off('exit', done);
              resolve();
            };
            worker.on('message', done);
            worker.once('exit', () => done());
            worker.postMessage({ type: 'warm' } satisfies ToEncoder);
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.splice(0).map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void worker.terminate(), 5000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.postMessage({ type: 'stop' } satisfies ToEncoder);
          }),
      ),
    );
  }
}

let pool: EncoderPool | undefined;
const thePool = (): EncoderPool => {
  pool ??= new EncoderPool(Math.max(1, Math.floor(availableParallelism() / 2)));
  return pool;
};

/** An encoder running in the shared encoder worker pool (same contract as createAudioEncoder). */
export function createRemoteEncoder(
  format: AudioFormat,
  options: EncoderOptions,
  requestedRate = options.sampleRate,
): Promise<AudioEncoder> {
  return thePool().create(format, options, requestedRate);
}

/** Starts the pool's workers with their codecs loaded (server start-up). */
export function warmEncoderPool(): Promise<void> {
  return thePool().warm();
}

/** Stops the pool's workers (server shutdown); a later encoder starts a fresh pool. */
export async function stopEncoderPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.stop();
}
