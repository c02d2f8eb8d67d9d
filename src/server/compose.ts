/**
 * The composition function: engine workers, encoder workers, speaker store, cloning and voice
 * catalog, wired once for whoever speaks — the server and the `say` command alike.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { EncoderPool } from '../audio/encoder-pool.js';
import { enginesFor } from '../engine/engine-selection.js';
import { Scheduler } from '../engine/scheduler.js';
import { planThreads } from '../engine/thread-plan.js';
import { loadManifests, scanInstalled } from '../models/manifest.js';
import { CloningService } from '../speakers/cloning.js';
import { PostgresSpeakerStore } from '../speakers/postgres-speaker-store.js';
import type { SpeakerBackend } from '../speakers/speaker-backend.js';
import { SpeakerStore } from '../speakers/speaker-store.js';
import { VoiceCatalog } from '../speakers/voice-catalog.js';
import type { AppContext } from './app-context.js';
import { DEFAULT_SERVER_CONFIG, type ServerConfig, streamsPerClient } from './config.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { warmUp } from './warm-up.js';

/** Options of {@link composeServices}. */
export interface ComposeOptions {
  /**
   * Have every engine worker speak once before returning, so the first request does not pay for
   * JIT compilation and arena allocation. A server does; a one-shot command need not. Default `true`.
   */
  warmUp: boolean;
}

/** The composed services, and how to stop them. */
export interface Services extends AppContext {
  lifecycle: NodeLifecycle;
  /** Names of the installed models. */
  models: string[];
  /** The encoder workers (their `onEncoded` hook feeds metrics). */
  encoders: EncoderPool;
  /** Stops the engine and encoder workers. */
  close(): Promise<void>;
}

/**
 * Says when a setting asked for something the server does not have: a models folder that is not
 * there (a typo leaves only the embedded engine), or a default engine that is not installed.
 */
function warnAboutSettings(config: ServerConfig, catalog: VoiceCatalog, log: Logger): void {
  if (config.modelsDir !== DEFAULT_SERVER_CONFIG.modelsDir && !existsSync(config.modelsDir)) {
    log.warn(
      { modelsDir: config.modelsDir },
      'the models folder does not exist: only the embedded engine speaks (check --models-dir / FLASH_TTS_MODELS_DIR, or install models with `flash-tts models pull`)',
    );
  }
  if (config.defaultEngine !== 'auto' && catalog.defaultEngine !== config.defaultEngine) {
    log.warn(
      { asked: config.defaultEngine, speaking: catalog.defaultEngine },
      `the default engine ${config.defaultEngine} is not installed: the roles speak with ${catalog.defaultEngine} (see \`flash-tts models list\`)`,
    );
  }
}

/** Starts and wires everything that speaks, from `config`. */
export async function composeServices(
  config: ServerConfig,
  log: Logger,
  options: Partial<ComposeOptions> = {},
): Promise<Services> {
  const models = scanInstalled(config.modelsDir);
  const engines = enginesFor(models);
  const plan = planThreads({ engines, cores: availableParallelism(), workers: config.workers, onnxThreads: config.onnxThreads });
  // The encoder workers load their codecs beside the engines, so the first request pays for neither.
  const [scheduler, encoders] = await Promise.all([
    Scheduler.start({
      ...plan,
      maxStreams: config.maxStreams,
      maxStreamsPerClient: streamsPerClient(config),
      engines,
      models,
      niceness: config.workerNiceness,
    }),
    EncoderPool.start({
      // One encoder worker per engine worker: what one engine worker makes keeps at most one
      // encoder busy (Flite: encoding 48 kHz Opus costs about what synthesis does; Kokoro: a
      // twentieth). With Kokoro's one worker this saves an encoder thread's ~20 MB.
      workers: plan.workers,
      opus: { complexity: config.opusComplexity, application: config.opusApplication },
      // Encoders keep the normal priority: AAC runs in an ffmpeg child, which would inherit a
      // low one and fall behind on a busy machine (a streamed AAC's first bytes came late in CI).
    }),
  ]);
  const store: SpeakerBackend =
    config.databaseUrl === undefined
      ? await SpeakerStore.open(config.speakersDir)
      : await PostgresSpeakerStore.open({
          url: config.databaseUrl,
          cacheDir: config.speakersDir,
          onError: (error) => log.warn({ err: error }, 'speaker database'),
        });
  const cloning = new CloningService(scheduler, store, (...args) => encoders.decodeReference(...args), {
    maxSeconds: config.referenceMaxSeconds,
  });
  const repaired = await cloning.repair();
  if (repaired.length > 0) log.info({ speakers: repaired }, 'speakers of an older store embedded again from their audio');
  const catalog = new VoiceCatalog(scheduler.engines, {
    defaultEngine: config.defaultEngine,
    available: [...loadManifests().values()],
    speakers: () => store.list().filter((s) => cloning.speakerVoice(s) !== undefined),
    speakerVoice: (speaker) => cloning.speakerVoice(speaker) ?? '',
  });
  warnAboutSettings(config, catalog, log);
  if (options.warmUp ?? true) await warmUp(scheduler, catalog, scheduler.options.workers, log);
  return {
    config,
    scheduler,
    encode: encoders.create,
    catalog,
    cloning,
    log,
    lifecycle: new NodeLifecycle(),
    models: models.map((m) => m.name),
    encoders,
    async close() {
      await Promise.all([scheduler.stop(), encoders.stop(), store.close?.()]);
    },
  };
}
