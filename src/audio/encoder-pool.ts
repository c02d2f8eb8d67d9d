/**
 * Encoders in worker threads: every encoding of the server runs here — codecs and plain PCM, WAV
 * or µ-law conversions alike — so the main thread never touches a sample and stays free for its
 * sockets. {@link EncoderPool.create} has the shape of {@link createEncoder}
 * (write / end / destroy, bytes through onData), and each encoder lives in one worker so its state
 * (MP3 reservoir, Ogg pages, Opus) stays in order. Creation does not wait for the worker: the
 * worker takes `create` and the first `write` in order, and a failure to create surfaces at `end()`.
 */
import { availableParallelism } from 'node:os';
import { TtsError } from '../errors.js';
import { siblingModule } from '../util/module-worker.js';
import { type PoolWorker, WorkerPool } from '../util/worker-pool.js';
import type { EncoderTarget } from './create-encoder.js';
import { type AudioEncoder, type EncoderOptions, EncoderUnavailableError } from './encoder.js';
import type { FromEncoder, ToEncoder } from './encoder-worker.js';
import { checkOpusOptions, DEFAULT_OPUS_OPTIONS, type OpusOptions } from './opus-encoder.js';
import type { ReferenceAudio, ReferenceLimits } from './reference-audio.js';

const WORKER_URL = siblingModule(import.meta.url, 'encoder-worker');

/** Options of {@link EncoderPool.start}; defaults in {@link DEFAULT_ENCODER_POOL_OPTIONS}. */
export interface EncoderPoolOptions {
  /**
   * Most encoder worker threads. Default: one per CPU core, like the engine workers — Opus at
   * 48 kHz costs about as much as Flite's synthesis, and with half the cores the encoders held 16
   * realtime streams to about 80 % of the engine's pace.
   */
  workers: number;
  /**
   * How every encoder of the pool encodes Opus, unless its own options say otherwise. Default
   * {@link DEFAULT_OPUS_OPTIONS}.
   */
  opus: OpusOptions;
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
  opus: DEFAULT_OPUS_OPTIONS,
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
  readonly #decodes = new Map<
    number,
    { worker: EncoderWorker; resolve: (r: ReferenceAudio) => void; reject: (e: Error) => void }
  >();
  #pool: WorkerPool<ToEncoder, FromEncoder, null> | undefined;
  readonly #opus: OpusOptions;
  #nextId = 1;
  /** Called as each encoder that ended (not destroyed) reports its cost; for metrics. Default none. */
  onEncoded: ((stats: EncodeStats) => void) | undefined;

  private constructor(opus: OpusOptions) {
    this.#opus = opus;
  }

  /** Starts the workers, each with its codecs loaded. */
  static async start(options: Partial<EncoderPoolOptions> = {}): Promise<EncoderPool> {
    const { workers, opus } = { ...DEFAULT_ENCODER_POOL_OPTIONS, ...options };
    const encoders = new EncoderPool(checkOpusOptions({ ...DEFAULT_OPUS_OPTIONS, ...opus }));
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
        for (const [id, decode] of encoders.#decodes) {
          if (decode.worker !== worker) continue;
          encoders.#decodes.delete(id);
          decode.reject(new Error('encoder worker exited while decoding reference audio'));
        }
      },
    });
    encoders.#pool = pool;
    return encoders;
  }

  /** An encoder in one of the workers (same contract as {@link createEncoder}). */
  readonly create = async (target: EncoderTarget, options: EncoderOptions): Promise<AudioEncoder> => {
    const worker = this.#leastBusy();
    if (!worker) throw new Error('the encoder pool is stopped');
    const id = this.#nextId++;
    const remote: Remote = { worker, target, onData: options.onData };
    this.#remotes.set(id, remote);
    const { onData: _, ...settings } = options;
    worker.post({ type: 'create', id, target, settings: { ...settings, opus: { ...this.#opus, ...settings.opus } } });
    let destroyed = false;
    return {
      write(pcm, given = false) {
        if (destroyed || remote.error) return;
        // A given buffer is taken as it is (whole buffers only); otherwise the caller keeps it and the worker gets a copy.
        const owned = given && pcm.byteOffset === 0 && pcm.byteLength === pcm.buffer.byteLength ? pcm : pcm.slice();
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

  /** Workers running now. */
  get workers(): number {
    return this.#workers.length;
  }

  /** The worker with the fewest live encoders. */
  #leastBusy(): EncoderWorker | undefined {
    const load = new Map(this.#workers.map((worker) => [worker, 0]));
    for (const remote of this.#remotes.values()) load.set(remote.worker, (load.get(remote.worker) ?? 0) + 1);
    let best: EncoderWorker | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const [worker, n] of load) {
      if (n < bestLoad) {
        best = worker;
        bestLoad = n;
      }
    }
    return best;
  }

  /**
   * Decodes reference audio for cloning in a worker (see `prepareReference`): the main thread
   * never decodes an upload. Rejects with the `TtsError` that says what is wrong with the audio.
   */
  decodeReference(
    bytes: Uint8Array,
    rate: number,
    field: string,
    limits: Partial<ReferenceLimits> = {},
  ): Promise<ReferenceAudio> {
    const worker = this.#leastBusy();
    if (!worker) return Promise.reject(new Error('the encoder pool is stopped'));
    const id = this.#nextId++;
    return new Promise<ReferenceAudio>((resolve, reject) => {
      this.#decodes.set(id, { worker, resolve, reject });
      worker.post({ type: 'decodeReference', id, bytes, rate, field, limits });
    });
  }

  /** Stops the workers. */
  async stop(): Promise<void> {
    this.#workers.length = 0;
    for (const remote of this.#remotes.values()) this.#fail(remote, new Error('the encoder pool stopped'));
    this.#remotes.clear();
    for (const decode of this.#decodes.values()) decode.reject(new Error('the encoder pool stopped'));
    this.#decodes.clear();
    await this.#pool?.stop();
  }

  #fail(remote: Remote, error: Error): void {
    remote.error = error;
    remote.ended?.reject(error);
  }

  #receive(message: FromEncoder): void {
    const decode = this.#decodes.get(message.id);
    if (decode) {
      this.#decodes.delete(message.id);
      if (message.type === 'decoded') {
        decode.resolve({ samples: message.samples, sampleRate: message.sampleRate, originalSeconds: message.originalSeconds });
      } else if (message.type === 'error') {
        decode.reject(
          message.user
            ? new TtsError(message.user.code, message.message, { param: message.user.param })
            : new Error(message.message),
        );
      }
      return;
    }
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
      case 'decoded':
        return;
    }
  }
}
