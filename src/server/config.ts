/** Server settings: defaults, then environment variables, then command-line flags. */
import { availableParallelism } from 'node:os';
import { defaultModelsDir } from '../models/manifest.js';

/** Every server setting; defaults in {@link DEFAULT_SERVER_CONFIG}. */
export interface ServerConfig {
  /** Interface to listen on. Default `127.0.0.1` (env `HOST`). */
  host: string;
  /** TCP port; 0 picks a free one. Default `8000` (env `PORT`). */
  port: number;
  /** When set, every route requires `Authorization: Bearer <key>`. Default none (env `FLASH_TTS_API_KEY`). */
  apiKey: string | undefined;
  /** Engine worker threads. Default: CPU cores (env `FLASH_TTS_WORKERS`). */
  workers: number;
  /** Requests synthesizing or waiting at once; more get 503. Default `32` (env `FLASH_TTS_MAX_STREAMS`). */
  maxStreams: number;
  /** Longest text accepted, in characters; longer gets 413. Default `20000` (env `FLASH_TTS_MAX_TEXT_CHARS`). */
  maxTextChars: number;
  /** Largest request body (base64 or uploaded reference audio), in bytes. Default 50 MiB. */
  maxBodyBytes: number;
  /**
   * Sample rate of /speak and /clone_voice when the request names none. Default `16000`, the
   * original service's rate, which its client guide plays streamed WAV at (env `FLASH_TTS_SAMPLE_RATE`).
   */
  defaultSampleRate: number;
  /** Sample rate of /v1/audio/speech when the request names none. Default `24000`, as OpenAI's PCM. */
  openaiSampleRate: number;
  /** pino log level. Default `info` (env `LOG_LEVEL`). */
  logLevel: string;
  /** Where models are installed. Default: the package's models/ (env `FLASH_TTS_MODELS_DIR`). */
  modelsDir: string;
  /** Where saved speakers are stored. Default `.flash-tts/speakers` in the working directory (env `FLASH_TTS_SPEAKERS_DIR`). */
  speakersDir: string;
  /** Accept http(s) URLs as reference audio (public addresses only, capped). Default off (env `FLASH_TTS_ALLOW_REFERENCE_URLS=1`). */
  allowReferenceUrls: boolean;
  /** Engine of the roles and OpenAI voice names: `auto` = Kokoro, else Piper, else Flite (env `FLASH_TTS_DEFAULT_ENGINE`). */
  defaultEngine: string;
  /** Threads one ONNX inference may use. Default 1: one engine worker per core is the parallelism (env `FLASH_TTS_ONNX_THREADS`). */
  onnxThreads: number;
  /**
   * Saved speakers on PostgreSQL (`postgres://…`) instead of {@link speakersDir}, so several nodes
   * share them; `speakersDir` then only caches embeddings. Default none (env `FLASH_TTS_DATABASE_URL`).
   */
  databaseUrl: string | undefined;
  /** On SIGTERM: seconds streams in flight may take to finish before sessions are closed (1012). Default `30` (env `FLASH_TTS_DRAIN_S`). */
  drainS: number;
  /** Realtime: contexts one WebSocket may have open at once. Default `16`. */
  wsMaxContexts: number;
  /** Realtime: largest client message, in bytes; larger ones get a `payload_too_large` error. Default 256 KiB. */
  wsMaxMessageBytes: number;
  /** Realtime: close a session that sent nothing and had nothing to say this long (ms). Default 60 s. */
  wsIdleTimeoutMs: number;
  /** Realtime: speak pending text after this long without new text (ms, 0 = off); a session may change it. Default 500. */
  wsIdleFlushMs: number;
  /** Realtime: audio bytes queued on a socket before the server stops producing for it. Default 1 MiB. */
  wsMaxBufferedBytes: number;
  /** Realtime: close a session whose queue stays over `wsMaxBufferedBytes` this long (ms). Default 10 s. */
  wsSlowConsumerMs: number;
}

/** Defaults of {@link ServerConfig}. */
export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8000,
  apiKey: undefined,
  workers: Math.max(1, availableParallelism()),
  maxStreams: 32,
  maxTextChars: 20000,
  maxBodyBytes: 50 * 1024 * 1024,
  defaultSampleRate: 16000,
  openaiSampleRate: 24000,
  logLevel: 'info',
  modelsDir: defaultModelsDir({}),
  speakersDir: '.flash-tts/speakers',
  allowReferenceUrls: false,
  defaultEngine: 'auto',
  onnxThreads: 1,
  databaseUrl: undefined,
  drainS: 30,
  wsMaxContexts: 16,
  wsMaxMessageBytes: 256 * 1024,
  wsIdleTimeoutMs: 60_000,
  wsIdleFlushMs: 500,
  wsMaxBufferedBytes: 1024 * 1024,
  wsSlowConsumerMs: 10_000,
};

function intFromEnv(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a whole number, not "${raw}".`);
  return value;
}

/** Settings from environment variables (only those that are set). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ServerConfig> {
  const out: Partial<ServerConfig> = {};
  if (env.HOST) out.host = env.HOST;
  const port = intFromEnv('PORT', env);
  if (port !== undefined) out.port = port;
  if (env.FLASH_TTS_API_KEY) out.apiKey = env.FLASH_TTS_API_KEY;
  const workers = intFromEnv('FLASH_TTS_WORKERS', env);
  if (workers) out.workers = workers;
  const maxStreams = intFromEnv('FLASH_TTS_MAX_STREAMS', env);
  if (maxStreams) out.maxStreams = maxStreams;
  const maxText = intFromEnv('FLASH_TTS_MAX_TEXT_CHARS', env);
  if (maxText) out.maxTextChars = maxText;
  const rate = intFromEnv('FLASH_TTS_SAMPLE_RATE', env);
  if (rate) out.defaultSampleRate = rate;
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  if (env.FLASH_TTS_MODELS_DIR) out.modelsDir = env.FLASH_TTS_MODELS_DIR;
  if (env.FLASH_TTS_SPEAKERS_DIR) out.speakersDir = env.FLASH_TTS_SPEAKERS_DIR;
  if (env.FLASH_TTS_ALLOW_REFERENCE_URLS) out.allowReferenceUrls = /^(1|true|yes)$/i.test(env.FLASH_TTS_ALLOW_REFERENCE_URLS);
  if (env.FLASH_TTS_DEFAULT_ENGINE) out.defaultEngine = env.FLASH_TTS_DEFAULT_ENGINE;
  const onnxThreads = intFromEnv('FLASH_TTS_ONNX_THREADS', env);
  if (onnxThreads) out.onnxThreads = onnxThreads;
  if (env.FLASH_TTS_DATABASE_URL) out.databaseUrl = env.FLASH_TTS_DATABASE_URL;
  const drainS = intFromEnv('FLASH_TTS_DRAIN_S', env);
  if (drainS !== undefined) out.drainS = drainS;
  const wsSettings = [
    ['FLASH_TTS_WS_MAX_CONTEXTS', 'wsMaxContexts'],
    ['FLASH_TTS_WS_MAX_MESSAGE_BYTES', 'wsMaxMessageBytes'],
    ['FLASH_TTS_WS_IDLE_TIMEOUT_MS', 'wsIdleTimeoutMs'],
    ['FLASH_TTS_WS_IDLE_FLUSH_MS', 'wsIdleFlushMs'],
    ['FLASH_TTS_WS_MAX_BUFFERED_BYTES', 'wsMaxBufferedBytes'],
    ['FLASH_TTS_WS_SLOW_CONSUMER_MS', 'wsSlowConsumerMs'],
  ] as const;
  for (const [name, key] of wsSettings) {
    const value = intFromEnv(name, env);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Merges settings over the defaults, checking them. */
export function resolveConfig(...layers: Partial<ServerConfig>[]): ServerConfig {
  const config: ServerConfig = { ...DEFAULT_SERVER_CONFIG };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (config.port > 65535) throw new TypeError(`port must be between 0 and 65535, not ${config.port}.`);
  if (config.workers < 1) throw new TypeError('workers must be at least 1.');
  if (!['auto', 'kokoro', 'piper', 'flite'].includes(config.defaultEngine)) {
    throw new TypeError(`defaultEngine must be auto, kokoro, piper or flite, not "${config.defaultEngine}".`);
  }
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new TypeError('databaseUrl (FLASH_TTS_DATABASE_URL) must start with postgres:// or postgresql://.');
  }
  return config;
}
