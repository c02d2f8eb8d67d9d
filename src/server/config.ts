/** Server settings: defaults, then environment variables, then command-line flags. */

import { PCM_SAMPLE_RATES } from '../../protocol/messages.js';
import { checkOpusOptions, DEFAULT_OPUS_OPTIONS, type OpusApplication } from '../audio/opus-encoder.js';
import { defaultModelsDir } from '../models/manifest.js';

/** Every server setting; defaults in {@link DEFAULT_SERVER_CONFIG}. */
export interface ServerConfig {
  /** Interface to listen on. Default `127.0.0.1` (env `HOST`). */
  host: string;
  /** TCP port; 0 picks a free one. Default `8000` (env `PORT`). */
  port: number;
  /** When set, every route requires `Authorization: Bearer <key>`. Default none (env `FLASH_TTS_API_KEY`). */
  apiKey: string | undefined;
  /**
   * Engine worker threads (env `FLASH_TTS_WORKERS`). Default: 1 when an ONNX engine (Kokoro, Piper,
   * Pocket-TTS) is installed, its inferences using every core; else one per core (see
   * engine/thread-plan.ts for the measurements behind it).
   */
  workers: number | undefined;
  /** Requests synthesizing or waiting at once; more get 503. Default `32` (env `FLASH_TTS_MAX_STREAMS`). */
  maxStreams: number;
  /**
   * Requests one client (address) may have synthesizing at once; more get 429 `rate_limited`.
   * 0 = half of `maxStreams` (the default), so that one client cannot take every slot (env
   * `FLASH_TTS_MAX_STREAMS_PER_CLIENT`).
   */
  maxStreamsPerClient: number;
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
  /** Threads one ONNX inference may use (env `FLASH_TTS_ONNX_THREADS`). Default: the cores shared among the workers. */
  onnxThreads: number | undefined;
  /**
   * libopus complexity (0–10) of Ogg Opus responses and realtime Opus frames: CPU per frame for
   * quality. Default {@link DEFAULT_OPUS_OPTIONS} (env `FLASH_TTS_OPUS_COMPLEXITY`).
   */
  opusComplexity: number;
  /**
   * libopus application of all Opus output: `audio` or `voip`. Default {@link DEFAULT_OPUS_OPTIONS}
   * (env `FLASH_TTS_OPUS_APPLICATION`).
   */
  opusApplication: OpusApplication;
  /**
   * Niceness (0–19) of the engine worker threads on Linux: the main thread, which serves
   * every socket, runs first when they want more cores than there are. Relative to this process's
   * own group where the system groups processes (containers, systemd services). `0` runs them at
   * the main thread's priority. Default `19` (env `FLASH_TTS_WORKER_NICENESS`).
   */
  workerNiceness: number;
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
  /** Realtime: pings answered per second; more are refused (`rate_limited`). Default `20`. */
  wsMaxPingsPerSecond: number;
  /**
   * Longest audio one request (a REST request, or one realtime context) may produce, in seconds;
   * synthesis stops there. Default `1200` (20 minutes) (env `FLASH_TTS_MAX_SPEECH_SECONDS`).
   */
  maxSpeechSeconds: number;
  /**
   * Most audio a whole-file (not streamed) response holds in memory before it is sent, in bytes of
   * 32-bit PCM; longer audio is sent chunked as it is made. Default 16 MiB (env `FLASH_TTS_WHOLE_RESPONSE_MAX_BYTES`).
   */
  wholeResponseMaxBytes: number;
  /** Longest reference audio accepted for cloning, in seconds (read from its header before decoding). Default `300`. */
  referenceMaxSeconds: number;
  /**
   * HTTP: a response whose client reads nothing for this long is cut off and its synthesis slot
   * freed (ms). Default 10 s (env `FLASH_TTS_HTTP_SEND_TIMEOUT_MS`).
   */
  httpSendTimeoutMs: number;
  /** HTTP: time a client has to send its request headers (ms). Default 10 s. */
  httpHeadersTimeoutMs: number;
  /** HTTP: time a client has to send its whole request, body included (ms). Default 60 s. */
  httpRequestTimeoutMs: number;
  /** HTTP: how long an idle keep-alive connection stays open (ms). Default 5 s. */
  httpKeepAliveTimeoutMs: number;
  /**
   * Origins whose browser pages may call the REST API (CORS) and open the realtime WebSocket, e.g.
   * `https://app.example.com`; `['*']` allows any. A page of the server's own origin always may;
   * clients that send no Origin (programs, not browsers) are not affected. Default none
   * (env `FLASH_TTS_CORS_ORIGINS`, comma-separated).
   */
  corsOrigins: string[];
  /**
   * With an API key set, the model and voice lists (`/v1/models`, `/v1/audio/models`,
   * `/v1/audio/voices`, `/audio_roles`) still answer without it: Open WebUI asks for them with no
   * key and hides the voices otherwise. `false` requires the key there too. Default `true`
   * (env `FLASH_TTS_PUBLIC_LISTS=0` turns it off).
   */
  publicLists: boolean;
  /**
   * Wyoming (Home Assistant) TCP port; 0 picks a free one. Default none: Wyoming is off
   * (env `FLASH_TTS_WYOMING_PORT`).
   */
  wyomingPort: number | undefined;
  /**
   * Interface the Wyoming server listens on. Default `127.0.0.1`, whatever `host` is: Wyoming has
   * no authentication (env `FLASH_TTS_WYOMING_HOST`).
   */
  wyomingHost: string;
  /** Wyoming: most bytes one client event may take (header line; data and payload). Default 256 KiB (env `FLASH_TTS_WYOMING_MAX_EVENT_BYTES`). */
  wyomingMaxEventBytes: number;
}

/**
 * Largest JSON body of every other route: its text at max_text_chars with every character escaped
 * (`\uXXXX`), and room for the other fields; at least 1 MiB. Parsing JSON blocks the main
 * thread, which serves every socket: 40 MB of nested arrays took 9 s.
 */
export function jsonBodyLimit(config: Pick<ServerConfig, 'maxBodyBytes' | 'maxTextChars'>): number {
  return Math.min(config.maxBodyBytes, Math.max(1024 * 1024, config.maxTextChars * 6 + 64 * 1024));
}

/** The streams one client may have open at once: {@link ServerConfig.maxStreamsPerClient}, or half of maxStreams. */
export function streamsPerClient(config: Pick<ServerConfig, 'maxStreams' | 'maxStreamsPerClient'>): number {
  return Math.min(config.maxStreams, config.maxStreamsPerClient || Math.max(1, Math.ceil(config.maxStreams / 2)));
}

/** Defaults of {@link ServerConfig}. */
export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8000,
  apiKey: undefined,
  workers: undefined,
  maxStreams: 32,
  maxStreamsPerClient: 0,
  maxTextChars: 20000,
  maxBodyBytes: 50 * 1024 * 1024,
  defaultSampleRate: 16000,
  openaiSampleRate: 24000,
  logLevel: 'info',
  modelsDir: defaultModelsDir({}),
  speakersDir: '.flash-tts/speakers',
  allowReferenceUrls: false,
  defaultEngine: 'auto',
  onnxThreads: undefined,
  opusComplexity: DEFAULT_OPUS_OPTIONS.complexity,
  opusApplication: DEFAULT_OPUS_OPTIONS.application,
  workerNiceness: 19,
  databaseUrl: undefined,
  drainS: 30,
  wsMaxContexts: 16,
  wsMaxMessageBytes: 256 * 1024,
  wsIdleTimeoutMs: 60_000,
  wsIdleFlushMs: 500,
  wsMaxBufferedBytes: 1024 * 1024,
  wsSlowConsumerMs: 10_000,
  wsMaxPingsPerSecond: 20,
  maxSpeechSeconds: 1200,
  wholeResponseMaxBytes: 16 * 1024 * 1024,
  referenceMaxSeconds: 300,
  httpSendTimeoutMs: 10_000,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 60_000,
  httpKeepAliveTimeoutMs: 5_000,
  corsOrigins: [],
  publicLists: true,
  wyomingPort: undefined,
  wyomingHost: '127.0.0.1',
  wyomingMaxEventBytes: 256 * 1024,
};

/** A numeric setting with its environment variable and command-line flag. */
export interface LimitSetting {
  key: keyof ServerConfig & string;
  env: string;
  /** The `serve` flag, without its dashes. */
  flag: string;
  /** What it limits, for `--help`. */
  help: string;
  /** Smallest value accepted. */
  min: number;
}

/** The limits a server runs under, each settable by environment variable and `serve` flag. */
export const LIMIT_SETTINGS: readonly LimitSetting[] = [
  {
    key: 'maxStreamsPerClient',
    env: 'FLASH_TTS_MAX_STREAMS_PER_CLIENT',
    flag: 'max-streams-per-client',
    help: 'requests one client address may have synthesizing at once (0: half of max-streams)',
    min: 0,
  },
  { key: 'maxTextChars', env: 'FLASH_TTS_MAX_TEXT_CHARS', flag: 'max-text-chars', help: 'longest text accepted', min: 1 },
  {
    key: 'maxSpeechSeconds',
    env: 'FLASH_TTS_MAX_SPEECH_SECONDS',
    flag: 'max-speech-seconds',
    help: 'longest audio of one request or realtime context, in seconds',
    min: 1,
  },
  {
    key: 'wholeResponseMaxBytes',
    env: 'FLASH_TTS_WHOLE_RESPONSE_MAX_BYTES',
    flag: 'whole-response-max-bytes',
    help: 'PCM bytes a whole-file response holds before it is sent chunked',
    min: 1024,
  },
  {
    key: 'referenceMaxSeconds',
    env: 'FLASH_TTS_REFERENCE_MAX_SECONDS',
    flag: 'reference-max-seconds',
    help: 'longest reference audio for cloning, in seconds',
    min: 1,
  },
  { key: 'maxBodyBytes', env: 'FLASH_TTS_MAX_BODY_BYTES', flag: 'max-body-bytes', help: 'largest request body', min: 1024 },
  {
    key: 'httpSendTimeoutMs',
    env: 'FLASH_TTS_HTTP_SEND_TIMEOUT_MS',
    flag: 'http-send-timeout-ms',
    help: 'cut off a response whose client reads nothing this long',
    min: 1,
  },
  {
    key: 'httpHeadersTimeoutMs',
    env: 'FLASH_TTS_HTTP_HEADERS_TIMEOUT_MS',
    flag: 'http-headers-timeout-ms',
    help: 'time to send request headers',
    min: 1,
  },
  {
    key: 'httpRequestTimeoutMs',
    env: 'FLASH_TTS_HTTP_REQUEST_TIMEOUT_MS',
    flag: 'http-request-timeout-ms',
    help: 'time to send a whole request',
    min: 1,
  },
  {
    key: 'httpKeepAliveTimeoutMs',
    env: 'FLASH_TTS_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    flag: 'http-keep-alive-timeout-ms',
    help: 'idle keep-alive connection lifetime',
    min: 1,
  },
  {
    key: 'wsMaxContexts',
    env: 'FLASH_TTS_WS_MAX_CONTEXTS',
    flag: 'ws-max-contexts',
    help: 'realtime contexts per socket',
    min: 1,
  },
  {
    key: 'wsMaxMessageBytes',
    env: 'FLASH_TTS_WS_MAX_MESSAGE_BYTES',
    flag: 'ws-max-message-bytes',
    help: 'largest realtime client message',
    min: 64,
  },
  {
    key: 'wsIdleTimeoutMs',
    env: 'FLASH_TTS_WS_IDLE_TIMEOUT_MS',
    flag: 'ws-idle-timeout-ms',
    help: 'close a silent, idle realtime session',
    min: 1,
  },
  {
    key: 'wsIdleFlushMs',
    env: 'FLASH_TTS_WS_IDLE_FLUSH_MS',
    flag: 'ws-idle-flush-ms',
    help: 'speak pending realtime text after an input pause (0 = off)',
    min: 0,
  },
  {
    key: 'wsMaxBufferedBytes',
    env: 'FLASH_TTS_WS_MAX_BUFFERED_BYTES',
    flag: 'ws-max-buffered-bytes',
    help: 'unsent realtime bytes before production pauses',
    min: 1024,
  },
  {
    key: 'wsSlowConsumerMs',
    env: 'FLASH_TTS_WS_SLOW_CONSUMER_MS',
    flag: 'ws-slow-consumer-ms',
    help: 'close a realtime client that stays over the buffered limit this long',
    min: 1,
  },
  {
    key: 'wsMaxPingsPerSecond',
    env: 'FLASH_TTS_WS_MAX_PINGS_PER_SECOND',
    flag: 'ws-max-pings-per-second',
    help: 'realtime pings answered per second',
    min: 1,
  },
  {
    key: 'wyomingMaxEventBytes',
    env: 'FLASH_TTS_WYOMING_MAX_EVENT_BYTES',
    flag: 'wyoming-max-event-bytes',
    help: 'largest Wyoming client event (header line, data and payload)',
    min: 1024,
  },
];

/** Reads a comma-separated origin list (`*` = any), checking each is an origin (`scheme://host[:port]`). */
export function parseOrigins(list: string): string[] {
  const origins = list
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new TypeError(
        `"${origin}" is not an origin: write scheme, host and port only, e.g. https://app.example.com or http://localhost:3000.`,
      );
    }
  }
  return origins;
}

function intFromEnv(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a whole number, not "${raw}".`);
  return value;
}

/** A yes/no setting: 1/true/yes/on or 0/false/no/off (any case); anything else is refused. */
function flagFromEnv(name: string, env: NodeJS.ProcessEnv): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new TypeError(`${name} must be 1 or 0 (true/false, yes/no, on/off), not "${raw}".`);
}

/** The log levels `LOG_LEVEL` may name (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings from environment variables (only those that are set). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ServerConfig> {
  const out: Partial<ServerConfig> = {};
  if (env.HOST) out.host = env.HOST;
  const port = intFromEnv('PORT', env);
  if (port !== undefined) out.port = port;
  if (env.FLASH_TTS_API_KEY) out.apiKey = env.FLASH_TTS_API_KEY;
  // Zero is refused by resolveConfig with the rest, not read as "unset".
  const workers = intFromEnv('FLASH_TTS_WORKERS', env);
  if (workers !== undefined) out.workers = workers;
  const maxStreams = intFromEnv('FLASH_TTS_MAX_STREAMS', env);
  if (maxStreams !== undefined) out.maxStreams = maxStreams;
  const rate = intFromEnv('FLASH_TTS_SAMPLE_RATE', env);
  if (rate !== undefined) out.defaultSampleRate = rate;
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  if (env.FLASH_TTS_MODELS_DIR) out.modelsDir = env.FLASH_TTS_MODELS_DIR;
  if (env.FLASH_TTS_SPEAKERS_DIR) out.speakersDir = env.FLASH_TTS_SPEAKERS_DIR;
  const allowReferenceUrls = flagFromEnv('FLASH_TTS_ALLOW_REFERENCE_URLS', env);
  if (allowReferenceUrls !== undefined) out.allowReferenceUrls = allowReferenceUrls;
  if (env.FLASH_TTS_CORS_ORIGINS) out.corsOrigins = parseOrigins(env.FLASH_TTS_CORS_ORIGINS);
  const publicLists = flagFromEnv('FLASH_TTS_PUBLIC_LISTS', env);
  if (publicLists !== undefined) out.publicLists = publicLists;
  if (env.FLASH_TTS_DEFAULT_ENGINE) out.defaultEngine = env.FLASH_TTS_DEFAULT_ENGINE;
  const onnxThreads = intFromEnv('FLASH_TTS_ONNX_THREADS', env);
  if (onnxThreads !== undefined) out.onnxThreads = onnxThreads;
  if (env.FLASH_TTS_DATABASE_URL) out.databaseUrl = env.FLASH_TTS_DATABASE_URL;
  const drainS = intFromEnv('FLASH_TTS_DRAIN_S', env);
  if (drainS !== undefined) out.drainS = drainS;
  const opusComplexity = intFromEnv('FLASH_TTS_OPUS_COMPLEXITY', env);
  if (opusComplexity !== undefined) out.opusComplexity = opusComplexity;
  const workerNiceness = intFromEnv('FLASH_TTS_WORKER_NICENESS', env);
  if (workerNiceness !== undefined) out.workerNiceness = workerNiceness;
  // Checked with the other settings in resolveConfig, which says what the choices are.
  if (env.FLASH_TTS_OPUS_APPLICATION) out.opusApplication = env.FLASH_TTS_OPUS_APPLICATION as OpusApplication;
  for (const setting of LIMIT_SETTINGS) {
    const value = intFromEnv(setting.env, env);
    if (value !== undefined) (out as Record<string, unknown>)[setting.key] = value;
  }
  const wyomingPort = intFromEnv('FLASH_TTS_WYOMING_PORT', env);
  if (wyomingPort !== undefined) out.wyomingPort = wyomingPort;
  if (env.FLASH_TTS_WYOMING_HOST) out.wyomingHost = env.FLASH_TTS_WYOMING_HOST;
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
  if (config.wyomingPort !== undefined && config.wyomingPort > 65535) {
    throw new TypeError(`wyomingPort must be between 0 and 65535, not ${config.wyomingPort}.`);
  }
  if (config.workers !== undefined && config.workers < 1) throw new TypeError('workers (FLASH_TTS_WORKERS) must be at least 1.');
  if (!Number.isInteger(config.maxStreams) || config.maxStreams < 1) {
    throw new TypeError(
      `maxStreams (FLASH_TTS_MAX_STREAMS) must be a whole number of at least 1, not ${String(config.maxStreams)}.`,
    );
  }
  if (!(PCM_SAMPLE_RATES as readonly number[]).includes(config.defaultSampleRate)) {
    throw new TypeError(
      `the default sample rate (FLASH_TTS_SAMPLE_RATE) must be one of ${PCM_SAMPLE_RATES.join(', ')} (the rates a request may ask for), not ${String(config.defaultSampleRate)}.`,
    );
  }
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel)) {
    throw new TypeError(`the log level (LOG_LEVEL) must be one of ${LOG_LEVELS.join(', ')}, not "${config.logLevel}".`);
  }
  if (config.onnxThreads !== undefined && config.onnxThreads < 1) {
    throw new TypeError('onnxThreads (FLASH_TTS_ONNX_THREADS) must be at least 1.');
  }
  for (const { key, env, min } of LIMIT_SETTINGS) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new TypeError(`${key} (${env}) must be a whole number of at least ${min}, not ${String(value)}.`);
    }
  }
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    throw new TypeError(
      `httpHeadersTimeoutMs (${config.httpHeadersTimeoutMs}) must not be longer than httpRequestTimeoutMs (${config.httpRequestTimeoutMs}): the headers are part of the request.`,
    );
  }
  if (!['auto', 'kokoro', 'piper', 'flite'].includes(config.defaultEngine)) {
    throw new TypeError(`defaultEngine must be auto, kokoro, piper or flite, not "${config.defaultEngine}".`);
  }
  checkOpusOptions({ complexity: config.opusComplexity, application: config.opusApplication });
  if (!Number.isInteger(config.workerNiceness) || config.workerNiceness < 0 || config.workerNiceness > 19) {
    throw new TypeError(
      `workerNiceness (FLASH_TTS_WORKER_NICENESS) must be a whole number from 0 to 19, not ${String(config.workerNiceness)}.`,
    );
  }
  if (!Number.isInteger(config.drainS) || config.drainS < 0) {
    throw new TypeError(
      `drainS (FLASH_TTS_DRAIN_S) must be a whole number of seconds, at least 0, not ${String(config.drainS)}.`,
    );
  }
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new TypeError('databaseUrl (FLASH_TTS_DATABASE_URL) must start with postgres:// or postgresql://.');
  }
  return config;
}
