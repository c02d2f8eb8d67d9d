/** The server: composes the services, builds the app and the realtime endpoint, listens. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { Scheduler } from '../engine/scheduler.js';
import type { CloningService } from '../speakers/cloning.js';
import { createApp } from './app.js';
import { composeServices } from './compose.js';
import { resolveConfig, type ServerConfig } from './config.js';
import { ServerMetrics } from './metrics.js';
import { readiness } from './node-lifecycle.js';
import { attachRealtime, type RealtimeEndpoint } from './realtime/realtime-server.js';

/** The package version, from the nearest package.json above this file (src/ or dist/src/). */
export const VERSION: string = (() => {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'flash-tts' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return '0.0.0';
})();

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8000. */
  url: string;
  port: number;
  http: Server;
  scheduler: Scheduler;
  cloning: CloningService;
  realtime: RealtimeEndpoint;
  log: Logger;
  /** The node's Prometheus metrics (served at GET /metrics). */
  metrics: ServerMetrics;
  /** Stops accepting, ends open connections and stops the engine workers. */
  close(): Promise<void>;
  /**
   * Graceful shutdown (SIGTERM): stops accepting (new requests get 503, `/readyz` turns 503), lets
   * REST streams and open realtime contexts finish — an open context keeps taking text — for up
   * to `graceMs` (default `drainS` of the config), then closes WebSocket clients with 1012
   * (service restart) and {@link close}s. Resolves with whether everything finished in time.
   */
  drain(graceMs?: number): Promise<boolean>;
}

/** Starts a server with `config` over the defaults. */
export async function startServer(config: Partial<ServerConfig> = {}, logger?: Logger): Promise<RunningServer> {
  const resolved = resolveConfig(config);
  const log = logger ?? pino({ level: resolved.logLevel });
  const services = await composeServices(resolved, log);
  const { scheduler, cloning, catalog } = services;
  const metrics = new ServerMetrics({
    scheduler,
    ready: () => readiness(services).ready,
    draining: () => services.lifecycle.draining,
  });
  scheduler.onJobDone = metrics.jobDone;
  services.encoders.onEncoded = metrics.encoded;
  const app = createApp({ ...services, metrics }, VERSION);
  const http = createServer(
    {
      // Set on purpose rather than left to Node's defaults (a slow-header socket held 90 s, a slow body 330 s).
      headersTimeout: resolved.httpHeadersTimeoutMs,
      requestTimeout: resolved.httpRequestTimeoutMs,
      keepAliveTimeout: resolved.httpKeepAliveTimeoutMs,
      // How often those timeouts are checked (Node's default, 30 s, would let each run that much longer).
      connectionsCheckingInterval: Math.min(1000, resolved.httpHeadersTimeoutMs, resolved.httpRequestTimeoutMs),
    },
    app,
  );
  const realtime = attachRealtime(http, { ...services, version: VERSION });
  metrics.countRealtimeSessions(() => realtime.sessions.size);
  http.listen(resolved.port, resolved.host);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  log.info(
    {
      url,
      workers: scheduler.options.workers,
      onnxThreads: scheduler.options.onnxThreads,
      auth: resolved.apiKey !== undefined,
      models: services.models,
      defaultEngine: catalog.defaultEngine,
    },
    `Flash-TTS listening on ${url}`,
  );
  const close = async (): Promise<void> => {
    await realtime.close(services.lifecycle.draining ? 'service_restart' : 'going_away');
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await services.close();
  };
  return {
    url,
    port,
    http,
    scheduler,
    cloning,
    realtime,
    log,
    metrics,
    close,
    async drain(graceMs = resolved.drainS * 1000) {
      services.lifecycle.startDraining();
      // No new connections; idle keep-alive ones close, busy ones end after their response.
      http.close();
      http.closeIdleConnections();
      const idle = (): boolean => scheduler.openStreams === 0 && ![...realtime.sessions].some((s) => s.inFlight);
      const deadline = Date.now() + graceMs;
      while (!idle() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const finished = idle();
      log.info({ finished, openStreams: scheduler.openStreams }, finished ? 'drained' : 'drain deadline passed');
      await close();
      return finished;
    },
  };
}
