/**
 * Encoders in worker threads: every encoding of the server runs here — codecs and plain PCM, WAV
 * or µ-law conversions alike — so the main thread never touches a sample and stays free for its
 * sockets. {@link EncoderPool.create} has the shape of {@link createEncoder}
 * (write / end / destroy, bytes through onData), and each encoder lives in one worker so its state
 * (MP3 reservoir, Ogg pages, Opus) stays in order. Creation does not wait for the worker: the
 * worker takes `create` and the first `write` in order, and a failure to create surfaces at `end()`.
 */
import { availableParallelism } from 'node:os';
import { siblingModule } from '../util/module-worker.js';
import { type PoolWorker, WorkerPool } from '../util/worker-pool.js';
import type { EncoderTarget } from './create-encoder.js';
import { type AudioEncoder, type EncoderOptions, EncoderUnavailableError } from './encoder.js';
import type { FromEncoder, ToEncoder } from './encoder-worker.js';

const WORKER_URL = siblingModule(import.meta.url, 'encoder-worker');

/** Options of {@link EncoderPool.start}; defaults in {@link DEFAULT_ENCODER_POOL_OPTIONS}. */
export interface EncoderPoolOptions {
  /**
   * Encoder worker threads. Default: one per CPU core, like the engine workers — Opus at 48 kHz
   * costs about as much as Flite's synthesis, and with half the cores the encoders held 16
   * realtime streams to about 80 % of the engine's pace.
   */
  workers: number;
}

/** What an encoding cost: reported to {@link EncoderPool.onEncoded} (metrics). */
export interface EncodeStats {
  target: EncoderTarget;
  /** Time its worker spent encoding it, in ms. */
  busyMs: number;
}

/** Defaults of {@link EncoderPoolOptions}. */
export const DEFAULT_ENCODER_POOL_OPTIONS: EncoderPoolOptions = {
  workers: availableParallelism(),
};

type EncoderWorker = PoolWorker<ToEncoder>;

interface Remote {
  worker: EncoderWorker;
  target: EncoderTarget;
  onData: (bytes: Uint8Array) => void;
  /** Set once the worker reported a failure (or died). */
  error?: Error;
  ended?: { resolve: () => void; reject: (error: Error) => void };
}

/** A started pool of encoder workers; stop it when done. */
export class EncoderPool {
  readonly #workers: EncoderWorker[] = [];
  readonly #remotes = new Map<number, Remote>();
  #pool: WorkerPool<ToEncoder, FromEncoder, null> | undefined;
  #next = 0;
  #nextId = 1;
  /** Called as each encoder that ended (not destroyed) reports its cost; for metrics. Default none. */
  onEncoded: ((stats: EncodeStats) => void) | undefined;

  private constructor() {}

  /** Starts the workers, each with its codecs loaded. */
  static async start(options: Partial<EncoderPoolOptions> = {}): Promise<EncoderPool> {
    const { workers } = { ...DEFAULT_ENCODER_POOL_OPTIONS, ...options };
    const encoders = new EncoderPool();
    const { pool } = await WorkerPool.start<ToEncoder, FromEncoder, null>({
      module: WORKER_URL,
      size: workers,
      onReady: (worker) => encoders.#workers.push(worker),
      onMessage: (_worker, message) => encoders.#receive(message),
      onExit: (worker) => {
        encoders.#workers.splice(encoders.#workers.indexOf(worker), 1);
        for (const remote of encoders.#remotes.values()) {
          if (remote.worker === worker) encoders.#fail(remote, new Error('encoder worker exited'));
        }
      },
    });
    encoders.#pool = pool;
    return encoders;
  }

  /** An encoder in one of the workers (same contract as {@link createEncoder}). */
  readonly create = async (target: EncoderTarget, options: EncoderOptions): Promise<AudioEncoder> => {
    const worker = this.#workers[this.#next++ % this.#workers.length];
    if (!worker) throw new Error('the encoder pool is stopped');
    const id = this.#nextId++;
    const remote: Remote = { worker, target, onData: options.onData };
    this.#remotes.set(id, remote);
    const { onData: _, ...settings } = options;
    worker.post({ type: 'create', id, target, settings });
    let destroyed = false;
    return {
      write(pcm) {
        if (destroyed || remote.error) return;
        const owned = pcm.slice(); // the caller keeps its buffer
        worker.post({ type: 'write', id, pcm: owned }, [owned.buffer as ArrayBuffer]);
      },
      end: () =>
        new Promise<void>((resolve, reject) => {
          if (remote.error) reject(remote.error);
          else if (destroyed) resolve();
          else {
            remote.ended = { resolve, reject };
            worker.post({ type: 'end', id });
          }
        }),
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        this.#remotes.delete(id);
        remote.ended?.resolve();
        worker.post({ type: 'destroy', id });
      },
    };
  };

  /** Stops the workers. */
  async stop(): Promise<void> {
    this.#workers.length = 0;
    for (const remote of this.#remotes.values()) this.#fail(remote, new Error('the encoder pool stopped'));
    this.#remotes.clear();
    await this.#pool?.stop();
  }

  #fail(remote: Remote, error: Error): void {
    remote.error = error;
    remote.ended?.reject(error);
  }

  #receive(message: FromEncoder): void {
    const remote = this.#remotes.get(message.id);
    if (!remote) return;
    switch (message.type) {
      case 'data':
        for (const part of message.parts) remote.onData(part);
        return;
      case 'ended':
        this.#remotes.delete(message.id);
        this.onEncoded?.({ target: remote.target, busyMs: message.busyMs });
        remote.ended?.resolve();
        return;
      case 'error':
        this.#fail(remote, message.unavailable ? new EncoderUnavailableError(message.message) : new Error(message.message));
        return;
    }
  }
}
