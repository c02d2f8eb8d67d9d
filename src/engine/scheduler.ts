/**
 * The scheduler in front of the engine workers. Each request is a stream of jobs; when a worker
 * frees up, it takes the waiting job whose stream runs out of audio first (earliest deadline
 * first: a stream's deadline is when its listener will have heard everything sent so far, a new
 * stream's is now), streams with equal deadlines in turn. So a new stream's first fragment goes
 * ahead of segments whose stream is seconds ahead, and a long text never starves a short one.
 * Streams that have not spoken yet and started about together wait for their first audio alike:
 * of their first fragments, the shortest runs first (see FIRST_SHORTEST_WINDOW_MS).
 * The number of open streams is bounded: past it, `openStream()` refuses at once instead of
 * making everyone wait. It also learns how fast each engine starts speaking, per character.
 */
import { availableParallelism } from 'node:os';
import { pauseAfter } from '../audio/trim-silence.js';
import { TtsError } from '../errors.js';
import type { InstalledModel } from '../models/manifest.js';
import { AsyncQueue } from '../util/async-queue.js';
import { IdleCollector } from '../util/idle-collector.js';
import { siblingModule } from '../util/module-worker.js';
import { type PoolWorker, WorkerPool } from '../util/worker-pool.js';
import { fliteShared } from './flite/flite-module.js';
import { planThreads, type ThreadPlan } from './thread-plan.js';
import type { EngineId, EngineInfo, VoiceEmbedding } from './types.js';
import type {
  AudioOutput,
  EngineJob,
  EngineWorkerData,
  EngineWorkerReady,
  FromEngineWorker,
  JobOutput,
  SynthesizeJob,
  ToEngineWorker,
} from './worker-messages.js';

/** Options of {@link Scheduler}; defaults in {@link DEFAULT_SCHEDULER_OPTIONS}. */
export interface SchedulerOptions {
  /** Engine worker threads. Default: planned from the engines and cores ({@link planThreads}: 1 with an ONNX engine, else one per core). */
  workers: number | undefined;
  /** Engines each worker loads. Default `['flite']`. */
  engines: EngineId[];
  /** Installed models the engines load from. Default none. */
  models: InstalledModel[];
  /** Threads one ONNX inference may use. Default: planned ({@link planThreads}: the cores shared among the workers). */
  onnxThreads: number | undefined;
  /** Streams (requests) that may be open at once, running or waiting. Default `32`. */
  maxStreams: number;
  /**
   * Streams one client (see {@link Scheduler.openStream}) may have open at once, so that no client
   * holds every slot. Default: `maxStreams` (no limit of its own).
   */
  maxStreamsPerClient: number | undefined;
  /** Niceness of the worker threads (util/thread-priority.ts). Default 0: the main thread's priority. */
  niceness: number;
}

/** Defaults of {@link SchedulerOptions}. */
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  workers: undefined,
  engines: ['flite'],
  models: [],
  onnxThreads: undefined,
  maxStreams: 32,
  maxStreamsPerClient: undefined,
  niceness: 0,
};

/** {@link SchedulerOptions} with the thread plan settled. */
export type ResolvedSchedulerOptions = SchedulerOptions & ThreadPlan;

interface Job {
  id: number;
  stream: SchedulerStream;
  job: EngineJob;
  output: AsyncQueue<JobOutput>;
  /** When it was queued, and when it went to a worker (performance.now() ms). */
  queuedAt: number;
  startedAt: number | undefined;
}

/**
 * When the job due first is the first fragment of a stream that has not spoken, another silent
 * stream's first fragment that is due too, queued at most this long after it, runs first if it is
 * predicted shorter. Started together, N listeners are all waiting: shortest first, each waits for
 * the fragments shorter than its own, not for longer ones that happened to arrive a few ms
 * sooner (with one worker, the second of "I checked the" and "Sure!" then waits for "Sure!"). A
 * fragment is overtaken only by those queued within this window after it, so newcomers cannot
 * starve it. About one first fragment's synthesis budget (SpeechStreamOptions.firstAudioMs).
 */
export const FIRST_SHORTEST_WINDOW_MS = 250;

/** Weight of the newest measurement in an engine's running speed. */
const SPEED_WEIGHT = 0.3;

/**
 * How much slower than its best the learned speed may say an engine is. A loaded machine makes
 * every job slower (5× under a busy CI run); sized by that, first fragments and the fragments that
 * grow from them shrink to a few words, and every sentence is spoken in pieces whose seams are
 * heard (Piper's joe lost the first syllable of "around noon" said alone). Capped, a loaded machine
 * still cuts sooner than an idle one, but not into pieces.
 */
export const SPEED_LOAD_CAP = 2;

/** An engine's speed before first audio, ms per character: a running average, capped at {@link SPEED_LOAD_CAP}× its best. */
export class SpeedEstimate {
  #average: number | undefined;
  #best = Number.POSITIVE_INFINITY;

  add(sample: number): void {
    if (!(sample > 0) || !Number.isFinite(sample)) return;
    this.#average = this.#average === undefined ? sample : this.#average + SPEED_WEIGHT * (sample - this.#average);
    this.#best = Math.min(this.#best, sample);
  }

  /** Undefined before the first sample. */
  get value(): number | undefined {
    return this.#average === undefined ? undefined : Math.min(this.#average, SPEED_LOAD_CAP * this.#best);
  }
}

/** When `job` of `stream` is due: its stream's deadline, or when it was queued if that is later. */
function dueAt(stream: SchedulerStream, job: Job): number {
  return Math.max(stream.deadline, job.queuedAt);
}

/** Adds `sample` to `engine`'s estimate in `estimates`, starting one at its first sample. */
function learn(estimates: Map<EngineId, SpeedEstimate>, engine: EngineId, sample: number): void {
  const estimate = estimates.get(engine) ?? new SpeedEstimate();
  estimates.set(engine, estimate);
  estimate.add(sample);
}

interface WorkerSlot {
  job: Job | undefined;
  /** The running job was cancelled: its output is dropped. */
  cancelled: boolean;
  /** When the running job was posted to the worker (performance.now()). */
  startedAt: number;
  /** Seconds of audio the running job has produced. */
  audioSeconds: number;
}

/** What a finished job cost: reported to {@link Scheduler.onJobDone} (metrics). */
export interface JobStats {
  engine: EngineId;
  kind: EngineJob['kind'];
  /** From posting the job to its worker to its last message, in ms: the worker's busy time. */
  busyMs: number;
  /** Seconds of audio it produced (synthesis jobs). */
  audioSeconds: number;
  /** It was cancelled while it ran (its output was dropped). */
  cancelled: boolean;
  /** It ended with an engine error. */
  failed: boolean;
}

type EngineWorker = PoolWorker<ToEngineWorker>;

const WORKER_URL = siblingModule(import.meta.url, 'engine-worker');

/** A request's view of the scheduler: submit its segments, close when done. */
export class SchedulerStream {
  /** @internal */ readonly pending: Job[] = [];
  /**
   * When this stream's listener runs out of audio (performance.now() ms); its owner moves it on
   * as audio is delivered. A job is due at this time or when it was queued, whichever is later.
   */
  deadline = performance.now();
  /** @internal Audio of one of its jobs has reached the stream. */ spoken = false;
  #closed = false;

  constructor(
    private readonly scheduler: Scheduler,
    /** Who asked for it (an address), for the per-client limit; undefined: counted only in the total. */
    readonly client?: string,
  ) {}

  /** Queues a segment; its audio arrives on the returned iterable, in order. */
  submit(job: SynthesizeJob): AsyncIterable<AudioOutput> {
    if (this.#closed) throw new Error('stream is closed');
    return this.scheduler.enqueue(this, job) as AsyncIterable<AudioOutput>;
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

/** Owns the engine workers and decides which job runs next. */
export class Scheduler {
  readonly options: ResolvedSchedulerOptions;
  readonly #slots = new Map<EngineWorker, WorkerSlot>();
  /** The main thread collects its garbage once no stream has been open for a while. */
  readonly #idle = new IdleCollector();
  #pool: WorkerPool<ToEngineWorker, FromEngineWorker, EngineWorkerReady> | undefined;
  #streams: SchedulerStream[] = [];
  #nextTurn = 0;
  #nextJobId = 1;
  #engines: readonly EngineInfo[] = [];
  /** Per engine: synthesis ms before the first audio, per character of text. */
  readonly #msPerChar = new Map<EngineId, SpeedEstimate>();
  readonly #audioMsPerChar = new Map<EngineId, SpeedEstimate>();
  /** Called as each job ends (done, failed or cancelled); for metrics. Default none. */
  onJobDone: ((stats: JobStats) => void) | undefined;

  private constructor(options: ResolvedSchedulerOptions) {
    this.options = options;
  }

  /** Starts the workers and waits until each has loaded its engines. */
  static async start(options: Partial<SchedulerOptions> = {}): Promise<Scheduler> {
    const given = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    const merged: ResolvedSchedulerOptions = { ...given, ...planThreads({ ...given, cores: availableParallelism() }) };
    if (merged.workers < 1) throw new TypeError('workers must be at least 1.');
    if (merged.onnxThreads < 1) throw new TypeError('onnxThreads must be at least 1.');
    const scheduler = new Scheduler(merged);
    // Flite speaks, and spells the words the neural front ends' dictionaries lack: one compiled
    // copy for every worker.
    const workerData: EngineWorkerData = {
      engines: merged.engines,
      models: merged.models,
      onnxThreads: merged.onnxThreads,
      flite: await fliteShared(),
    };
    const { pool, ready } = await WorkerPool.start<ToEngineWorker, FromEngineWorker, EngineWorkerReady>({
      module: WORKER_URL,
      size: merged.workers,
      workerData,
      niceness: merged.niceness,
      onReady: (worker) => {
        scheduler.#slots.set(worker, { job: undefined, cancelled: false, startedAt: 0, audioSeconds: 0 });
        scheduler.#pump();
      },
      onMessage: (worker, message) => scheduler.#receive(worker, message),
      onExit: (worker, code) => {
        // A worker that dies fails its job; the pool starts a new one in its place.
        scheduler.#slots.get(worker)?.job?.output.fail(new Error(`engine worker exited with code ${code}`));
        scheduler.#slots.delete(worker);
      },
    });
    scheduler.#pool = pool;
    scheduler.#engines = ready.engines;
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

  /** Jobs on a worker now. */
  get runningJobs(): number {
    return [...this.#slots.values()].filter((slot) => slot.job !== undefined).length;
  }

  /** Jobs waiting for a worker. */
  get queuedJobs(): number {
    return this.#streams.reduce((n, s) => n + s.pending.length, 0);
  }

  /**
   * How fast `engine` has started speaking lately: ms of synthesis before its first audio, per
   * character of text (undefined before it has spoken).
   */
  msPerChar(engine: EngineId): number | undefined {
    return this.#msPerChar.get(engine)?.value;
  }

  /**
   * How much audio `engine` has lately made per character of text at speed 1, in ms, the pause it
   * keeps after the text's last mark not counted (undefined before it has finished a job).
   */
  audioMsPerChar(engine: EngineId): number | undefined {
    return this.#audioMsPerChar.get(engine)?.value;
  }

  /**
   * Predicted ms until the oldest job of `stream` has its first audio (0 when it has none): on a
   * worker, what is left of it; waiting, also what the workers have left of their running jobs
   * and the other streams' waiting jobs due before it, shared among the workers. Each job is its
   * characters at its engine's learned speed.
   */
  predictedFirstAudioMs(stream: SchedulerStream): number {
    const now = performance.now();
    let ahead = 0;
    for (const slot of this.#slots.values()) {
      if (!slot.job) continue;
      const left = Math.max(0, this.#predictedMs(slot.job) - (now - slot.startedAt));
      if (slot.job.stream === stream && !slot.cancelled) return left;
      ahead += left;
    }
    const job = stream.pending[0];
    if (!job) return 0;
    const due = dueAt(stream, job);
    for (const other of this.#streams) {
      const head = other.pending[0];
      if (other !== stream && head && dueAt(other, head) <= due) ahead += this.#predictedMs(head);
    }
    return ahead / Math.max(1, this.#slots.size) + this.#predictedMs(job);
  }

  /**
   * Opens a stream for `client`, or throws `server_busy` when {@link SchedulerOptions.maxStreams}
   * are open, and `rate_limited` when that client has {@link SchedulerOptions.maxStreamsPerClient}.
   */
  openStream(client?: string): SchedulerStream {
    if (this.#streams.length >= this.options.maxStreams) {
      throw new TtsError('server_busy', `The server is synthesizing ${this.#streams.length} requests, its limit; retry shortly.`);
    }
    const perClient = this.options.maxStreamsPerClient;
    if (client !== undefined && perClient !== undefined) {
      const own = this.#streams.filter((s) => s.client === client).length;
      if (own >= perClient) {
        throw new TtsError(
          'rate_limited',
          `This client (${client}) has ${own} requests synthesizing, the most one client may have at once (limits.max_streams_per_client), so that others are served too; retry when one has finished.`,
        );
      }
    }
    const stream = new SchedulerStream(this, client);
    this.#streams.push(stream);
    this.#idle.begin();
    return stream;
  }

  /** @internal */
  enqueue(stream: SchedulerStream, job: EngineJob): AsyncIterable<JobOutput> {
    const queued: Job = {
      id: this.#nextJobId++,
      stream,
      job,
      output: new AsyncQueue(),
      queuedAt: performance.now(),
      startedAt: undefined,
    };
    stream.pending.push(queued);
    this.#pump();
    return queued.output;
  }

  /** @internal */
  closeStream(stream: SchedulerStream): void {
    for (const job of stream.pending.splice(0)) job.output.end();
    for (const [worker, slot] of this.#slots) {
      if (slot.job?.stream === stream && !slot.cancelled) {
        slot.cancelled = true;
        slot.job.output.end();
        worker.post({ type: 'cancel', id: slot.job.id });
      }
    }
    this.#streams = this.#streams.filter((s) => s !== stream);
    this.#idle.end();
  }

  /**
   * The voice embedding of reference audio (mono, at the engine's rate), computed by `engine`.
   * Takes a stream slot like a request (throws `server_busy` when full).
   */
  async embedReference(engine: EngineId, audio: Float32Array): Promise<VoiceEmbedding> {
    const stream = this.openStream();
    try {
      for await (const output of this.enqueue(stream, { kind: 'embedReference', engine, audio })) {
        if (output.kind === 'embedding') return output.embedding;
      }
      throw new TtsError('server_busy', 'The server stopped before the reference was embedded (shutting down).');
    } finally {
      stream.close();
    }
  }

  /** Stops every worker; the jobs of open streams fail with `server_busy`. */
  async stop(): Promise<void> {
    const stopping = new TtsError('server_busy', 'The server stopped synthesizing (shutting down).');
    for (const stream of [...this.#streams]) {
      for (const job of stream.pending) job.output.fail(stopping);
      for (const slot of this.#slots.values()) if (slot.job?.stream === stream) slot.job.output.fail(stopping);
      stream.close();
    }
    this.#idle.stop();
    await this.#pool?.stop();
    this.#slots.clear();
  }

  #receive(worker: EngineWorker, message: FromEngineWorker): void {
    const slot = this.#slots.get(worker);
    const job = slot?.job;
    if (!slot || job?.id !== message.id) return;
    switch (message.type) {
      case 'output':
        if (message.output.kind === 'audio' && job.job.kind === 'synthesize') {
          slot.audioSeconds += message.output.pcm.length / job.job.outputRate;
        }
        if (slot.cancelled) return;
        if (message.output.kind === 'audio') job.stream.spoken = true;
        if (job.startedAt !== undefined) this.#learnSpeed(job, job.startedAt);
        job.startedAt = undefined;
        job.output.push(message.output);
        return;
      case 'error':
        job.output.fail(
          message.code === undefined
            ? new Error(`engine error: ${message.message}`)
            : new TtsError(message.code, message.message),
        );
        break;
      case 'done':
        job.output.end();
        if (!slot.cancelled) this.#learnAudio(job, slot.audioSeconds);
        break;
    }
    this.onJobDone?.({
      engine: job.job.engine,
      kind: job.job.kind,
      busyMs: performance.now() - slot.startedAt,
      audioSeconds: slot.audioSeconds,
      cancelled: slot.cancelled,
      failed: message.type === 'error',
    });
    slot.job = undefined;
    this.#pump();
  }

  #pump(): void {
    for (const [worker, slot] of this.#slots) {
      if (slot.job) continue;
      const job = this.#nextJob();
      if (!job) return;
      slot.job = job;
      slot.cancelled = false;
      job.startedAt = performance.now();
      slot.startedAt = performance.now();
      slot.audioSeconds = 0;
      worker.post({ type: 'run', id: job.id, job: job.job });
    }
  }

  /** The first audio of a synthesis job arrived `startedAt` ms after it went to a worker. */
  #learnSpeed(job: Job, startedAt: number): void {
    if (job.job.kind !== 'synthesize') return;
    const chars = job.job.request.text.length;
    if (chars === 0) return;
    learn(this.#msPerChar, job.job.engine, (performance.now() - startedAt) / chars);
  }

  /** A synthesis job made `audioSeconds` of audio: learn the engine's audio per character. */
  #learnAudio(job: Job, audioSeconds: number): void {
    if (job.job.kind !== 'synthesize') return;
    const { text, speed } = job.job.request;
    const spoken = audioSeconds - pauseAfter(text);
    if (text.length === 0 || !(spoken > 0)) return;
    learn(this.#audioMsPerChar, job.job.engine, ((spoken * 1000) / text.length) * speed * job.job.effects.tempo);
  }

  /**
   * The waiting job due first (see the module comment); equal ones taken from the streams in
   * turn; among silent streams' first fragments, the shortest (see FIRST_SHORTEST_WINDOW_MS).
   */
  #nextJob(): Job | undefined {
    const count = this.#streams.length;
    let chosen: number | undefined;
    let due = Number.POSITIVE_INFINITY;
    for (let k = 0; k < count; k++) {
      const index = (this.#nextTurn + k) % count;
      const stream = this.#streams[index] as SchedulerStream;
      const job = stream.pending[0];
      if (!job) continue;
      const jobDue = dueAt(stream, job);
      if (jobDue < due) {
        due = jobDue;
        chosen = index;
      }
    }
    if (chosen === undefined) return undefined;
    const first = this.#streams[chosen] as SchedulerStream;
    if (!first.spoken && first.pending[0]?.job.kind === 'synthesize') chosen = this.#shortestFirst(chosen, due);
    this.#nextTurn = (chosen + 1) % count;
    return (this.#streams[chosen] as SchedulerStream).pending.shift();
  }

  /**
   * Of the silent streams whose first fragment is due now, queued within FIRST_SHORTEST_WINDOW_MS
   * after `due` (that of stream `chosen`'s), the index of the one predicted to synthesize soonest.
   */
  #shortestFirst(chosen: number, due: number): number {
    const now = performance.now();
    let best = chosen;
    let bestCost = this.#predictedMs((this.#streams[chosen] as SchedulerStream).pending[0] as Job);
    this.#streams.forEach((stream, index) => {
      const job = stream.pending[0];
      if (!job || stream.spoken || index === chosen || job.job.kind !== 'synthesize') return;
      const jobDue = dueAt(stream, job);
      if (jobDue > now || jobDue > due + FIRST_SHORTEST_WINDOW_MS) return;
      const cost = this.#predictedMs(job);
      if (cost < bestCost) {
        best = index;
        bestCost = cost;
      }
    });
    return best;
  }

  /** How long synthesis `job` should take to its first audio: its characters at its engine's learned speed (or 1 ms each). */
  #predictedMs(job: Job): number {
    const text = job.job.kind === 'synthesize' ? job.job.request.text : '';
    return text.length * (this.msPerChar(job.job.engine) ?? 1);
  }
}
