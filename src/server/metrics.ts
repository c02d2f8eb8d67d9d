/**
 * Prometheus metrics (prom-client), served at GET /metrics: requests by route and status, queue
 * depth, open streams and realtime sessions, time to first audio and realtime factor per engine,
 * engine-worker busy time, encoder time, and bytes sent; and what a balancer or an autoscaler
 * needs of one node next to those: its capacity (stream slots, engine workers), whether it is
 * ready (as `/readyz` says) and whether it is draining. Each server has its own registry.
 */
import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EncodeStats } from '../audio/encoder-pool.js';
import type { JobStats, Scheduler } from '../engine/scheduler.js';

/** Sources of the gauges, read at each scrape. */
export interface MetricsSources {
  scheduler: Scheduler;
  /** Realtime sessions open now. Default: none counted. */
  realtimeSessions?: () => number;
  /** Whether the node takes another stream now (`/readyz`). Default: always. */
  ready?: () => boolean;
  /** Whether the node is draining (SIGTERM). Default: never. */
  draining?: () => boolean;
}

/** The server's metrics and the hooks that feed them. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #requestSeconds: Histogram<'method' | 'route'>;
  readonly #firstAudio: Histogram<'engine' | 'route'>;
  readonly #realtimeFactor: Histogram<'engine'>;
  readonly #workerBusy: Counter<'engine' | 'kind'>;
  readonly #audioSeconds: Counter<'engine'>;
  readonly #encoderSeconds: Counter<'format'>;
  readonly #bytesOut: Counter<'route' | 'format'>;
  #realtimeSessions: () => number;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const { scheduler } = sources;
    this.#realtimeSessions = sources.realtimeSessions ?? (() => 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'flash_tts_process_' });
    this.#requests = new Counter({
      name: 'flash_tts_http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: 'flash_tts_http_request_duration_seconds',
      help: 'Time from a request to the end of its answer (whole audio included).',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    new Gauge({
      name: 'flash_tts_queue_depth',
      help: 'Segments waiting for an engine worker.',
      registers,
      collect() {
        this.set(scheduler.queuedJobs);
      },
    });
    new Gauge({
      name: 'flash_tts_running_jobs',
      help: 'Segments being synthesized now (busy engine workers).',
      registers,
      collect() {
        this.set(scheduler.runningJobs);
      },
    });
    new Gauge({
      name: 'flash_tts_active_streams',
      help: 'Speech streams open now (REST requests and realtime contexts, running or waiting).',
      registers,
      collect() {
        this.set(scheduler.openStreams);
      },
    });
    new Gauge({
      name: 'flash_tts_max_streams',
      help: 'Speech streams this node holds at most (its capacity; more get 503 server_busy).',
      registers,
      collect() {
        this.set(scheduler.options.maxStreams);
      },
    });
    new Gauge({
      name: 'flash_tts_engine_workers',
      help: 'Engine worker threads of this node (segments it synthesizes at once).',
      registers,
      collect() {
        this.set(scheduler.options.workers);
      },
    });
    const ready = sources.ready ?? (() => true);
    new Gauge({
      name: 'flash_tts_ready',
      help: '1 while the node takes another stream (as GET /readyz answers 200), else 0.',
      registers,
      collect() {
        this.set(ready() ? 1 : 0);
      },
    });
    const draining = sources.draining ?? (() => false);
    new Gauge({
      name: 'flash_tts_draining',
      help: '1 once the node drains (SIGTERM: finishing its streams, taking no new ones), else 0.',
      registers,
      collect() {
        this.set(draining() ? 1 : 0);
      },
    });
    const sessions = (): number => this.#realtimeSessions();
    new Gauge({
      name: 'flash_tts_realtime_sessions',
      help: 'Realtime WebSocket sessions open now.',
      registers,
      collect() {
        this.set(sessions());
      },
    });
    this.#firstAudio = new Histogram({
      name: 'flash_tts_time_to_first_audio_seconds',
      help: "From an accepted request (realtime: a context's first sentence ready) to its first audio leaving the server, per engine.",
      labelNames: ['engine', 'route'],
      buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
      registers,
    });
    this.#realtimeFactor = new Histogram({
      name: 'flash_tts_realtime_factor',
      help: 'Seconds of audio per second of engine-worker time, per synthesized segment and engine.',
      labelNames: ['engine'],
      buckets: [0.5, 1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    });
    this.#workerBusy = new Counter({
      name: 'flash_tts_engine_worker_busy_seconds_total',
      help: 'Engine-worker time spent on jobs (synthesis, reference embedding), per engine.',
      labelNames: ['engine', 'kind'],
      registers,
    });
    this.#audioSeconds = new Counter({
      name: 'flash_tts_audio_seconds_total',
      help: 'Seconds of audio synthesized, per engine.',
      labelNames: ['engine'],
      registers,
    });
    this.#encoderSeconds = new Counter({
      name: 'flash_tts_encoder_busy_seconds_total',
      help: 'Encoder-worker time spent encoding, per output format.',
      labelNames: ['format'],
      registers,
    });
    this.#bytesOut = new Counter({
      name: 'flash_tts_audio_bytes_sent_total',
      help: 'Audio bytes sent to clients, per route and format.',
      labelNames: ['route', 'format'],
      registers,
    });
  }

  /** Counts realtime sessions from `count` (set once the realtime endpoint exists). */
  countRealtimeSessions(count: () => number): void {
    this.#realtimeSessions = count;
  }

  /**
   * Counts every answered request by its route's pattern (not its URL: no unbounded labels).
   * `routes` lists the app's plain route paths: a request refused before routing (a body that is
   * not JSON, too large, of the wrong type) is counted under its path when that is one of them, and
   * under "other" when not (any path can carry a bad body: labels stay bounded).
   */
  middleware(routes: () => ReadonlySet<string> = () => new Set()): RequestHandler {
    return (req, res, next) => {
      const started = performance.now();
      res.on('finish', () => {
        const route = routeLabel(req.route?.path ?? (routes().has(req.path) ? req.path : undefined), res.statusCode);
        this.#requests.inc({ method: req.method, route, status: String(res.statusCode) });
        this.#requestSeconds.observe({ method: req.method, route }, (performance.now() - started) / 1000);
      });
      next();
    };
  }

  /** A finished engine job (the scheduler's hook). */
  readonly jobDone = (stats: JobStats): void => {
    const busy = stats.busyMs / 1000;
    this.#workerBusy.inc({ engine: stats.engine, kind: stats.kind }, busy);
    if (stats.kind !== 'synthesize' || stats.audioSeconds <= 0) return;
    this.#audioSeconds.inc({ engine: stats.engine }, stats.audioSeconds);
    if (!stats.cancelled && !stats.failed && busy > 0)
      this.#realtimeFactor.observe({ engine: stats.engine }, stats.audioSeconds / busy);
  };

  /** A finished encoding (the encoder pool's hook). */
  readonly encoded = (stats: EncodeStats): void => {
    const format = stats.target.kind === 'file' ? stats.target.format : stats.target.format.encoding;
    this.#encoderSeconds.inc({ format }, stats.busyMs / 1000);
  };

  /** The first audio of a request left after `seconds`. */
  firstAudio(engine: string, route: string, seconds: number): void {
    this.#firstAudio.observe({ engine, route }, seconds);
  }

  /** `bytes` of audio were sent. */
  bytesSent(route: string, format: string, bytes: number): void {
    this.#bytesOut.inc({ route, format }, bytes);
  }
}

/** The route label: the matched pattern, or one label for everything unmatched. */
function routeLabel(pattern: unknown, status: number): string {
  if (typeof pattern === 'string') return pattern;
  return status === 404 ? 'unmatched' : 'other';
}
