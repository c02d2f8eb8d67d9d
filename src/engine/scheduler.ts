/**
 * Engine workers and the scheduler in front of them. Each request is a stream of segment jobs;
 * when a worker frees up, the next job is taken from the streams in turn (round-robin at segment
 * granularity), so a long text never starves a short one. The number of open streams is bounded:
 * past it, `openStream()` refuses at once instead of making everyone wait.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { TtsError } from '../errors.js';
import type { InstalledModel } from '../models/manifest.js';
import { AsyncQueue } from '../util/async-queue.js';
import { siblingModule, startModuleWorker } from '../util/module-worker.js';
import type { EngineInfo } from './types.js';
import type { EngineWorkerData, FromWorker, SegmentChunk, SegmentJob, ToWorker } from './worker-messages.js';

/** Options of {@link Scheduler}; defaults in {@link DEFAULT_SCHEDULER_OPTIONS}. */
export interface SchedulerOptions {
  /** Engine worker threads. Default: the number of CPU cores. */
  workers: number;
  /** Engines each worker loads. Default `['flite']`. */
  engines: string[];
  /** Installed models the engines load from. Default none. */
  models: InstalledModel[];
  /** Threads one ONNX inference may use. Default 1: the workers are the parallelism. */
  onnxThreads: number;
  /** Streams (requests) that may be open at once, running or waiting. Default `32`. */
  maxStreams: number;
}

/** Defaults of {@link SchedulerOptions}. */
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  workers: availableParallelism(),
  engines: ['flite'],
  models: [],
  onnxThreads: 1,
  maxStreams: 32,
};

interface Job {
  id: number;
  stream: SchedulerStream;
  segment: SegmentJob;
  output: AsyncQueue<SegmentChunk>;
}

interface WorkerSlot {
  worker: Worker;
  job: Job | undefined;
  /** Cancelled jobs still running: their chunks are dropped. */
  cancelled: boolean;
}

/** How long a stopping worker may take to finish its current step before it is terminated. */
const STOP_GRACE_MS = 5000;

const WORKER_URL = siblingModule(import.meta.url, 'engine-worker');

/** A request's view of the scheduler: submit its segments, close when done. */
export class SchedulerStream {
  /** @internal */ readonly pending: Job[] = [];
  #closed = false;

  constructor(private readonly scheduler: Scheduler) {}

  /** Queues a segment; its PCM chunks arrive on the returned iterable, in order. */
  submit(segment: SegmentJob): AsyncIterable<SegmentChunk> {
    if (this.#closed) throw new Error('stream is closed');
    return this.scheduler.enqueue(this, segment);
  }

  /** Drops the stream's waiting jobs and stops its running one; frees its slot. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.scheduler.closeStream(this);
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/** Owns the engine workers and decides which segment runs next. */
export class Scheduler {
  readonly options: SchedulerOptions;
  #slots: WorkerSlot[] = [];
  #streams: SchedulerStream[] = [];
  #nextTurn = 0;
  #nextJobId = 1;
  #engines: EngineInfo[] = [];
  #stopping = false;

  private constructor(options: SchedulerOptions) {
    this.options = options;
  }

  /** Starts the workers and waits until each has loaded its engines. */
  static async start(options: Partial<SchedulerOptions> = {}): Promise<Scheduler> {
    const merged = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    if (merged.workers < 1) throw new TypeError('workers must be at least 1.');
    const scheduler = new Scheduler(merged);
    await Promise.all(Array.from({ length: merged.workers }, () => scheduler.#spawn()));
    return scheduler;
  }

  /** What the loaded engines say about themselves. */
  get engines(): readonly EngineInfo[] {
    return this.#engines;
  }

  /** Streams open now (running or waiting). */
  get openStreams(): number {
    return this.#streams.length;
  }

  /** Segment jobs on a worker now. */
  get runningJobs(): number {
    return this.#slots.filter((slot) => slot.job !== undefined).length;
  }

  /** Segment jobs waiting for a worker. */
  get queuedJobs(): number {
    return this.#streams.reduce((n, s) => n + s.pending.length, 0);
  }

  /** Opens a stream, or throws `server_busy` when {@link SchedulerOptions.maxStreams} are open. */
  openStream(): SchedulerStream {
    if (this.#streams.length >= this.options.maxStreams) {
      throw new TtsError('server_busy', `The server is synthesizing ${this.#streams.length} requests, its limit; retry shortly.`);
    }
    const stream = new SchedulerStream(this);
    this.#streams.push(stream);
    return stream;
  }

  /** @internal */
  enqueue(stream: SchedulerStream, segment: SegmentJob): AsyncIterable<SegmentChunk> {
    const job: Job = { id: this.#nextJobId++, stream, segment, output: new AsyncQueue() };
    stream.pending.push(job);
    this.#pump();
    return job.output;
  }

  /** @internal */
  closeStream(stream: SchedulerStream): void {
    for (const job of stream.pending.splice(0)) job.output.end();
    for (const slot of this.#slots) {
      if (slot.job?.stream === stream && !slot.cancelled) {
        slot.cancelled = true;
        slot.job.output.end();
        slot.worker.postMessage({ type: 'cancel', id: slot.job.id } satisfies ToWorker);
      }
    }
    this.#streams = this.#streams.filter((s) => s !== stream);
  }

  /**
   * Encodes cloning reference audio (24 kHz mono) into a voice embedding with `engine`. Takes a
   * stream slot like a request (throws `server_busy` when full).
   */
  async encode(engine: string, audio: Float32Array): Promise<{ data: Float32Array; dims: number[] }> {
    const stream = this.openStream();
    try {
      const job: SegmentJob = {
        engine,
        request: { text: '', voice: '', speed: 1 },
        effects: { pitch: 1, tempo: 1 },
        outputRate: 0,
        encode: audio,
      };
      for await (const chunk of stream.submit(job)) if (chunk.embedding) return chunk.embedding;
      throw new Error('the engine returned no embedding');
    } finally {
      stream.close();
    }
  }

  /** Stops every worker; open streams end with an error. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const stream of [...this.#streams]) {
      for (const job of stream.pending) job.output.fail(new TtsError('server_busy', 'The server is shutting down.'));
      stream.close();
    }
    // Workers are asked to exit rather than terminated: terminating a thread inside a native call
    // (libopus through N-API) aborts the whole process. terminate() is the fallback for a stuck one.
    await Promise.all(
      this.#slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void slot.worker.terminate(), STOP_GRACE_MS);
            slot.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            slot.worker.postMessage({ type: 'stop' } satisfies ToWorker);
          }),
      ),
    );
    this.#slots = [];
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (slot.job) continue;
      const job = this.#nextJob();
      if (!job) return;
      slot.job = job;
      slot.cancelled = false;
      slot.worker.postMessage({ type: 'synthesize', id: job.id, job: job.segment } satisfies ToWorker);
    }
  }

  /** Round-robin over streams that have a waiting job. */
  #nextJob(): Job | undefined {
    const count = this.#streams.length;
    for (let k = 0; k < count; k++) {
      const index = (this.#nextTurn + k) % count;
      const stream = this.#streams[index] as SchedulerStream;
      const job = stream.pending.shift();
      if (job) {
        this.#nextTurn = (index + 1) % count;
        return job;
      }
    }
    return undefined;
  }

  #spawn(): Promise<void> {
    const workerData: EngineWorkerData = {
      engines: this.options.engines,
      models: this.options.models,
      onnxThreads: this.options.onnxThreads,
    };
    const worker = startModuleWorker(WORKER_URL, workerData);
    const slot: WorkerSlot = { worker, job: undefined, cancelled: false };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            this.#engines = message.engines;
            this.#slots.push(slot);
            resolve();
            this.#pump();
            return;
          case 'failed':
            reject(new Error(`engine worker failed to start: ${message.message}`));
            return;
          case 'chunk':
            if (slot.job?.id === message.id && !slot.cancelled) slot.job.output.push(message.chunk);
            return;
          case 'done':
          case 'error': {
            const job = slot.job;
            if (job?.id !== message.id) return;
            if (message.type === 'error') job.output.fail(new Error(`engine error: ${message.message}`));
            else job.output.end();
            slot.job = undefined;
            this.#pump();
            return;
          }
        }
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        // A worker that dies fails its job; a new one takes its place.
        slot.job?.output.fail(new Error(`engine worker exited with code ${code}`));
        this.#slots = this.#slots.filter((s) => s !== slot);
        if (ready && !this.#stopping) {
          this.#spawn().catch(() => {
            // the next request's job waits for the remaining workers
          });
        }
      });
    });
  }
}
