/**
 * A node's life behind a balancer: `/healthz` (liveness: the process answers) and `/readyz`
 * (readiness: engines loaded, not draining, and a stream slot free), and the draining state a
 * SIGTERM starts. While draining, new HTTP requests get 503 `server_busy` with `Retry-After` and
 * `Connection: close` (the balancer retries them on another node) and new realtime sessions are
 * refused; streams in flight go on.
 */
import { type Router as ExpressRouter, type RequestHandler, Router } from 'express';
import { TtsError } from '../errors.js';
import type { AppContext } from './app-context.js';

/** Whether this node still takes new work. */
export class NodeLifecycle {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  /** From now on, refuse new requests and sessions. */
  startDraining(): void {
    this.#draining = true;
  }
}

/** Whether the node can take another stream now, and why not. */
export function readiness(ctx: AppContext): { ready: boolean; reason?: string } {
  const { scheduler } = ctx;
  if (ctx.lifecycle?.draining) return { ready: false, reason: 'draining' };
  if (scheduler.engines.length === 0) return { ready: false, reason: 'engines not loaded' };
  if (scheduler.openStreams >= scheduler.options.maxStreams) return { ready: false, reason: 'every stream slot is taken' };
  return { ready: true };
}

/** `/healthz` and `/readyz`. Mounted before auth: probes carry no key. */
export function healthRoutes(ctx: AppContext): ExpressRouter {
  const router = Router();
  const { scheduler } = ctx;
  router.use((_req, res, next) => {
    // A probe's connection is not kept while the node drains.
    if (ctx.lifecycle?.draining) res.setHeader('Connection', 'close');
    next();
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', workers: scheduler.options.workers, open_streams: scheduler.openStreams });
  });
  router.get('/readyz', (_req, res) => {
    const { ready, reason } = readiness(ctx);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      ...(reason ? { reason } : {}),
      open_streams: scheduler.openStreams,
      max_streams: scheduler.options.maxStreams,
      queued_jobs: scheduler.queuedJobs,
    });
  });
  return router;
}

/** While draining, every request past this point gets 503 `server_busy` and `Connection: close`. */
export function refuseWhileDraining(ctx: AppContext): RequestHandler {
  return (_req, res, next) => {
    if (!ctx.lifecycle?.draining) {
      next();
      return;
    }
    res.setHeader('Connection', 'close');
    next(new TtsError('server_busy', 'This node is shutting down; retry and another node will answer.'));
  };
}
