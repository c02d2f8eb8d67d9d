/** The server: composes the services, builds the app and the realtime endpoint, listens. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { Scheduler } from '../engine/scheduler.js';
import type { CloningService } from '../speakers/cloning.js';
import { collectGarbage } from '../util/idle-collector.js';
import { createApp } from './app.js';
import { composeServices } from './compose.js';
import { resolveConfig, type ServerConfig } from './config.js';
import { ServerMetrics } from './metrics.js';
import { readiness } from './node-lifecycle.js';
import { attachRealtime, type RealtimeEndpoint } from './realtime/realtime-server.js';
import { startWyoming, type WyomingEndpoint } from './wyoming/wyoming-server.js';

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
  /** The Wyoming endpoint, when `wyomingPort` is set. */
  wyoming: WyomingEndpoint | undefined;
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
  // Responses not yet fully written: a drain waits for them too, not only for synthesis (a streamed
  // response's last bytes may still be in an encoder when its synthesis is done).
  let responsesInFlight = 0;
  http.on('request', (_request, response: ServerResponse) => {
    responsesInFlight++;
    response.once('close', () => {
      responsesInFlight--;
    });
  });
  const realtime = attachRealtime(http, { ...services, metrics, version: VERSION });
  metrics.countRealtimeSessions(() => realtime.sessions.size);
  http.listen(resolved.port, resolved.host);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  let wyoming: WyomingEndpoint | undefined;
  try {
    wyoming =
      resolved.wyomingPort === undefined
        ? undefined
        : await startWyoming(
            { ...services, metrics, version: VERSION, url },
            { host: resolved.wyomingHost, port: resolved.wyomingPort },
          );
  } catch (error) {
    await realtime.close();
    http.close();
    await services.close();
    throw error;
  }
  if (wyoming && !isLoopback(resolved.wyomingHost)) {
    log.warn(
      { wyoming: wyoming.uri },
      'The Wyoming server has no authentication (the API key does not apply to it): anyone who can reach it can use this server',
    );
  }
  log.info(
    {
      ...(wyoming ? { wyoming: wyoming.uri } : {}),
      url,
      workers: scheduler.options.workers,
      onnxThreads: scheduler.options.onnxThreads,
      auth: resolved.apiKey !== undefined,
      models: services.models,
      defaultEngine: catalog.defaultEngine,
    },
    `Flash-TTS listening on ${url}${wyoming ? `, Wyoming on ${wyoming.uri}` : ''}`,
  );
  // Starting left garbage behind (module bytes read and compiled, the instance Flite's image was
  // taken from): return it to the system now rather than at some later request.
  collectGarbage();
  const close = async (): Promise<void> => {
    await Promise.all([realtime.close(services.lifecycle.draining ? 'service_restart' : 'going_away'), wyoming?.close()]);
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
    wyoming,
    log,
    metrics,
    close,
    async drain(graceMs = resolved.drainS * 1000) {
      services.lifecycle.startDraining();
      // HTTP keeps listening until the drain ends, so that probes and scrapes still see /readyz
      // turn 503 and flash_tts_draining at 1 (and a liveness probe does not fail): new work gets
      // 503 with Connection: close. Idle keep-alive connections close; Wyoming (Home Assistant)
      // takes no new connection.
      http.closeIdleConnections();
      wyoming?.stopAccepting();
      const idle = (): boolean =>
        scheduler.openStreams === 0 && responsesInFlight === 0 && ![...realtime.sessions].some((s) => s.inFlight);
      const deadline = Date.now() + graceMs;
      while (!idle() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const finished = idle();
      log.info({ finished, openStreams: scheduler.openStreams }, finished ? 'drained' : 'drain deadline passed');
      await close();
      return finished;
    },
  };
}

/** True for an address only this machine reaches. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
