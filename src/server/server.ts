/** Composition root: starts engine workers, builds the app, listens. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { stopEncoderPool, warmEncoderPool } from '../audio/encoder-pool.js';
import { enginesFor } from '../engine/engine-selection.js';
import { Scheduler } from '../engine/scheduler.js';
import { TtsService } from '../engine/tts-service.js';
import { loadManifests, scanInstalled } from '../models/manifest.js';
import { CLONING_ENGINE, CloningService } from '../speakers/cloning.js';
import { SpeakerStore } from '../speakers/speaker-store.js';
import { VoiceCatalog } from '../speakers/voice-catalog.js';
import { createApp } from './app.js';
import { resolveConfig, type ServerConfig } from './config.js';
import { attachRealtime, type RealtimeEndpoint } from './realtime/realtime-server.js';
import { warmUp } from './warm-up.js';

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
  service: TtsService;
  scheduler: Scheduler;
  cloning: CloningService;
  realtime: RealtimeEndpoint;
  log: Logger;
  /** Stops accepting, ends open connections and stops the engine workers. */
  close(): Promise<void>;
}

/** Starts a server with `config` over the defaults. */
export async function startServer(config: Partial<ServerConfig> = {}, logger?: Logger): Promise<RunningServer> {
  const resolved = resolveConfig(config);
  const log = logger ?? pino({ level: resolved.logLevel });
  const models = scanInstalled(resolved.modelsDir);
  // The encoder pool warms up beside the engines, so the first request pays for neither.
  const [scheduler] = await Promise.all([
    Scheduler.start({
      workers: resolved.workers,
      maxStreams: resolved.maxStreams,
      engines: enginesFor(models),
      models,
      onnxThreads: resolved.onnxThreads,
    }),
    warmEncoderPool(),
  ]);
  const service = new TtsService(scheduler);
  const store = await SpeakerStore.open(resolved.speakersDir);
  const cloning = new CloningService(scheduler, store);
  const catalog = new VoiceCatalog(scheduler.engines, {
    defaultEngine: resolved.defaultEngine,
    available: [...loadManifests().values()],
    speakers: () => store.list(),
    speakerVoice: (digest) => store.embeddingPath(CLONING_ENGINE, digest),
  });
  await warmUp(scheduler, catalog, resolved.workers, log);
  const app = createApp({ config: resolved, scheduler, service, catalog, cloning, log }, VERSION);
  const http = createServer(app);
  const realtime = attachRealtime(http, { config: resolved, scheduler, catalog, log, version: VERSION, apiKey: resolved.apiKey });
  http.listen(resolved.port, resolved.host);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  log.info(
    {
      url,
      workers: resolved.workers,
      auth: resolved.apiKey !== undefined,
      models: models.map((m) => m.name),
      defaultEngine: catalog.defaultEngine,
    },
    `Flash-TTS listening on ${url}`,
  );
  return {
    url,
    port,
    http,
    service,
    scheduler,
    cloning,
    realtime,
    log,
    async close() {
      await realtime.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await scheduler.stop();
      await stopEncoderPool();
    },
  };
}
