#!/usr/bin/env node
/**
 * The `flash-tts` command: `serve` starts the server; `say` writes speech to a file; `models`
 * lists, pulls and removes neural models.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import {
  AUDIO_FORMATS,
  type AudioFormat,
  concatFloat32,
  encodeAudio,
  encoderInputRate,
  isAudioFormat,
  OPUS_APPLICATIONS,
  type OpusApplication,
} from '../audio/index.js';
import { speak } from '../engine/speech-stream.js';
import { importModel } from '../models/import-model.js';
import { defaultModelsDir, loadManifests, type ModelManifest, scanInstalled } from '../models/manifest.js';
import { pullModel, removeModel } from '../models/pull.js';
import { composeServices } from '../server/compose.js';
import {
  configFromEnv,
  DEFAULT_SERVER_CONFIG,
  LIMIT_SETTINGS,
  parseOrigins,
  resolveConfig,
  type ServerConfig,
} from '../server/config.js';
import { voiceName } from '../server/openai-compat.js';
import { findVoice } from '../server/request-checks.js';
import { startServer, VERSION } from '../server/server.js';
import {
  LEVELS,
  type Level,
  openaiSpeechBodySchema,
  outputRate,
  PITCH_SEMITONES,
  parseBody,
  speedFactor,
} from '../server/speech-params.js';

const integer =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return n;
  };

/** A number flag, named in its error: `--speed fast` is refused as "fast", not as NaN. */
const decimal =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number such as 1.25, not "${value}".`);
    return n;
  };

/** File extensions that name one of our formats by another name. */
const EXTENSION_FORMATS: Readonly<Record<string, AudioFormat>> = { ogg: 'opus', oga: 'opus', raw: 'pcm' };

/** The format `say` writes to `output` when no --format is given: from its extension, mp3 when it has none. */
function formatOfFile(output: string): AudioFormat {
  const extension = output === '-' ? '' : extname(output).slice(1).toLowerCase();
  if (extension === '') return 'mp3';
  const format = isAudioFormat(extension) ? extension : EXTENSION_FORMATS[extension];
  if (format) return format;
  throw new InvalidArgumentError(
    `cannot tell the audio format from ".${extension}": name the file .${[...AUDIO_FORMATS, ...Object.keys(EXTENSION_FORMATS)].join(', .')}, or give --format (${AUDIO_FORMATS.join(', ')}).`,
  );
}

const program = new Command()
  .name('flash-tts')
  .description('Realtime text-to-speech server (REST compatible with Flash-TTS and OpenAI).')
  .version(VERSION);

/** commander's property name of a flag: `max-text-chars` → `maxTextChars`. */
const flagProperty = (flag: string): string => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

const serve = program
  .command('serve', { isDefault: true })
  .description(`start the server (default http://${DEFAULT_SERVER_CONFIG.host}:${DEFAULT_SERVER_CONFIG.port})`)
  .option('--host <host>', 'interface to listen on (env HOST)')
  .option('--port <port>', 'port to listen on, 0 for any free one (env PORT)', integer('port'))
  .option('--api-key <key>', 'require "Authorization: Bearer <key>" on every route (env FLASH_TTS_API_KEY)')
  .option('--workers <n>', 'engine worker threads (env FLASH_TTS_WORKERS)', integer('workers'))
  .option('--max-streams <n>', 'requests synthesizing or waiting at once (env FLASH_TTS_MAX_STREAMS)', integer('max-streams'))
  .option('--sample-rate <hz>', 'default rate of /speak and /clone_voice (env FLASH_TTS_SAMPLE_RATE)', integer('sample-rate'))
  .option('--models-dir <dir>', 'where models are installed (env FLASH_TTS_MODELS_DIR)')
  .option('--speakers-dir <dir>', 'where saved speakers are stored (env FLASH_TTS_SPEAKERS_DIR)')
  .addOption(
    new Option('--default-engine <engine>', 'engine of the roles and OpenAI voice names (env FLASH_TTS_DEFAULT_ENGINE)').choices([
      'auto',
      'kokoro',
      'piper',
      'flite',
    ]),
  )
  .option('--onnx-threads <n>', 'threads per ONNX inference (env FLASH_TTS_ONNX_THREADS)', integer('onnx-threads'))
  .option(
    '--opus-complexity <0-10>',
    'libopus complexity of all Opus output (env FLASH_TTS_OPUS_COMPLEXITY)',
    integer('opus-complexity'),
  )
  .addOption(
    new Option('--opus-application <mode>', 'libopus application of all Opus output (env FLASH_TTS_OPUS_APPLICATION)').choices([
      ...OPUS_APPLICATIONS,
    ]),
  )
  .option(
    '--cors-origins <origins>',
    'origins (comma-separated, or *) whose pages may call the API and open the realtime socket (env FLASH_TTS_CORS_ORIGINS)',
  )
  .option('--private-lists', 'with an API key, require it for the model and voice lists too (env FLASH_TTS_PUBLIC_LISTS=0)')
  .option(
    '--wyoming-port <port>',
    'also serve the Wyoming protocol (Home Assistant) on this TCP port, 0 for any free one; off by default (env FLASH_TTS_WYOMING_PORT)',
    integer('wyoming-port'),
  )
  .option(
    '--wyoming-host <host>',
    `interface of the Wyoming server, which has no authentication (default ${DEFAULT_SERVER_CONFIG.wyomingHost}; env FLASH_TTS_WYOMING_HOST)`,
  );
for (const setting of LIMIT_SETTINGS) {
  serve.option(
    `--${setting.flag} <n>`,
    `${setting.help} (env ${setting.env}; default ${DEFAULT_SERVER_CONFIG[setting.key]})`,
    integer(setting.flag),
  );
}
serve.action(
  async (
    flags: {
      host?: string;
      port?: number;
      apiKey?: string;
      workers?: number;
      maxStreams?: number;
      sampleRate?: number;
      modelsDir?: string;
      speakersDir?: string;
      defaultEngine?: string;
      onnxThreads?: number;
      opusComplexity?: number;
      opusApplication?: OpusApplication;
      corsOrigins?: string;
      privateLists?: boolean;
      wyomingPort?: number;
      wyomingHost?: string;
    } & Record<string, unknown>,
  ) => {
    const fromFlags: Partial<ServerConfig> = {};
    for (const setting of LIMIT_SETTINGS) {
      const value = flags[flagProperty(setting.flag)];
      if (typeof value === 'number') (fromFlags as Record<string, unknown>)[setting.key] = value;
    }
    if (flags.host !== undefined) fromFlags.host = flags.host;
    if (flags.port !== undefined) fromFlags.port = flags.port;
    if (flags.apiKey !== undefined) fromFlags.apiKey = flags.apiKey;
    if (flags.workers !== undefined) fromFlags.workers = flags.workers;
    if (flags.maxStreams !== undefined) fromFlags.maxStreams = flags.maxStreams;
    if (flags.sampleRate !== undefined) fromFlags.defaultSampleRate = flags.sampleRate;
    if (flags.modelsDir !== undefined) fromFlags.modelsDir = flags.modelsDir;
    if (flags.speakersDir !== undefined) fromFlags.speakersDir = flags.speakersDir;
    if (flags.defaultEngine !== undefined) fromFlags.defaultEngine = flags.defaultEngine;
    if (flags.onnxThreads !== undefined) fromFlags.onnxThreads = flags.onnxThreads;
    if (flags.opusComplexity !== undefined) fromFlags.opusComplexity = flags.opusComplexity;
    if (flags.opusApplication !== undefined) fromFlags.opusApplication = flags.opusApplication;
    if (flags.corsOrigins !== undefined) fromFlags.corsOrigins = parseOrigins(flags.corsOrigins);
    if (flags.privateLists) fromFlags.publicLists = false;
    if (flags.wyomingPort !== undefined) fromFlags.wyomingPort = flags.wyomingPort;
    if (flags.wyomingHost !== undefined) fromFlags.wyomingHost = flags.wyomingHost;
    const config = resolveConfig(configFromEnv(), fromFlags);
    const server = await startServer(config);
    const stop = (): void => {
      server.log.info('shutting down');
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    // SIGTERM is how orchestrators and `kill` ask a node to leave: drain, then exit 0. A second
    // SIGTERM (or SIGINT) stops at once.
    const drain = (): void => {
      server.log.info({ drainS: config.drainS }, 'draining');
      process.once('SIGTERM', stop);
      server.drain().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', drain);
  },
);

program
  .command('say')
  .description('speak text into an audio file')
  .argument('<text>', 'what to say')
  .requiredOption('-o, --output <file>', 'output file ("-" for standard output)')
  .option('-v, --voice <name>', 'voice or role name', 'female')
  .addOption(
    new Option(
      '-f, --format <format>',
      'audio format (default: from the file name — .ogg is Opus, .raw is PCM — else mp3)',
    ).choices([...AUDIO_FORMATS]),
  )
  .option('--speed <factor>', 'speaking rate, 0.25–4', decimal('speed'), 1)
  .addOption(new Option('--pitch <level>', 'pitch level').choices([...LEVELS]).default('moderate'))
  .option('--sample-rate <hz>', 'output sample rate', integer('sample-rate'))
  .action(
    async (
      text: string,
      flags: { output: string; voice: string; format?: AudioFormat; speed: number; pitch: Level; sampleRate?: number },
    ) => {
      if (text.trim() === '')
        throw new InvalidArgumentError('<text> is empty: give the words to say, e.g. flash-tts say "Hello there." -o hello.mp3');
      const format: AudioFormat = flags.format ?? formatOfFile(flags.output);
      // The flags are checked as the same request over REST would be.
      const request = parseBody(openaiSpeechBodySchema, {
        model: 'flash-tts',
        input: text,
        voice: flags.voice,
        speed: flags.speed,
        response_format: format,
        ...(flags.sampleRate === undefined ? {} : { sample_rate: flags.sampleRate }),
      });
      const config = resolveConfig(configFromEnv(), { workers: 1 });
      const services = await composeServices(config, pino({ level: 'warn' }, pino.destination(2)), { warmUp: false });
      try {
        const voice = findVoice(services.catalog, voiceName(request.voice), { field: 'voice' });
        const rate = outputRate(format, request.sample_rate, DEFAULT_SERVER_CONFIG.openaiSampleRate);
        const inputRate = encoderInputRate(format, rate);
        const parts: Float32Array[] = [];
        const speech = speak(services.scheduler, request.input, {
          voice,
          speed: speedFactor(request.speed),
          pitchSemitones: PITCH_SEMITONES[flags.pitch],
          sampleRate: inputRate,
          firstAudioFirst: false,
          maxSeconds: config.maxSpeechSeconds,
        });
        for await (const event of speech) if (event.type === 'audio') parts.push(event.pcm);
        const bytes = await encodeAudio(concatFloat32(parts), {
          format,
          sampleRate: inputRate,
          requestedRate: rate,
          create: services.encode,
        });
        if (flags.output === '-') process.stdout.write(bytes);
        else await writeFile(flags.output, bytes);
      } finally {
        await services.close();
      }
    },
  );

const models = program.command('models').description('list, install and remove neural models');
const modelsDirOption = (): Option => new Option('--models-dir <dir>', 'where models are installed (env FLASH_TTS_MODELS_DIR)');
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

models
  .command('list')
  .description('the models that can be pulled, and which are installed')
  .addOption(modelsDirOption())
  .action((flags: { modelsDir?: string }) => {
    const dir = flags.modelsDir ?? defaultModelsDir();
    const installed = new Set(scanInstalled(dir).map((m) => m.name));
    for (const manifest of loadManifests().values()) {
      // A publisher that gives no size for a file leaves the total open: said so, not summed as 0.
      const known = manifest.files.reduce((n, f) => n + (f.size ?? 0), 0);
      const open = manifest.files.some((f) => f.size === null);
      const size = !open ? megabytes(known) : known > 0 ? `≥ ${megabytes(known)}` : 'unknown';
      process.stdout.write(
        `${installed.has(manifest.name) ? '*' : ' '} ${manifest.name.padEnd(34)} ${manifest.engine.padEnd(10)} ${size.padStart(11)}  ${manifest.voices.length} voice(s), ${manifest.licence}\n`,
      );
    }
    process.stdout.write(`\n* installed in ${dir}\n`);
  });

/** The manifest called `name`, or an error listing the names there are. */
function manifestNamed(name: string): ModelManifest {
  const manifests = loadManifests();
  const manifest = manifests.get(name);
  if (!manifest) throw new InvalidArgumentError(`No model is called "${name}". Models: ${[...manifests.keys()].join(', ')}.`);
  return manifest;
}

models
  .command('pull')
  .description('download and install a model (resumes an interrupted download)')
  .argument('<name>', 'model name (see `flash-tts models list`)')
  .addOption(modelsDirOption())
  .action(async (name: string, flags: { modelsDir?: string }) => {
    const manifest = manifestNamed(name);
    const dir = flags.modelsDir ?? defaultModelsDir();
    const total = manifest.files.reduce((n, f) => n + (f.size ?? 0), 0);
    const bar = process.stderr.isTTY
      ? new SingleBar(
          { format: `${name} [{bar}] {percentage}% {value}/{total} MB {file}`, hideCursor: true },
          Presets.shades_classic,
        )
      : undefined;
    bar?.start(Math.round(total / 1e6), 0, { file: '' });
    let lastLogged = -1;
    const installed = await pullModel(manifest, {
      modelsDir: dir,
      onProgress: (p) => {
        bar?.update(Math.round(p.received / 1e6), { file: p.file });
        const percent = Math.floor((p.received / p.total) * 10) * 10;
        if (!bar && percent > lastLogged) {
          lastLogged = percent;
          process.stderr.write(`${name}: ${percent}% (${megabytes(p.received)} of ${megabytes(p.total)})\n`);
        }
      },
      onNote: (note) => process.stderr.write(`${note}\n`),
    }).finally(() => bar?.stop());
    process.stdout.write(`installed ${installed.name} in ${installed.dir}; restart the server to use it\n`);
  });

models
  .command('import')
  .description('install a model from a folder holding its files under their manifest paths (no download)')
  .argument('<name>', 'model name (see `flash-tts models list`)')
  .requiredOption('--from <dir>', 'folder with the files, e.g. model.onnx, config.json, voices/<id>.bin')
  .addOption(modelsDirOption())
  .action(async (name: string, flags: { from: string; modelsDir?: string }) => {
    const manifest = manifestNamed(name);
    const installed = await importModel(manifest, {
      modelsDir: flags.modelsDir ?? defaultModelsDir(),
      from: flags.from,
      onNote: (note) => process.stderr.write(`${note}\n`),
    });
    process.stdout.write(`installed ${installed.name} in ${installed.dir}; restart the server to use it\n`);
  });

models
  .command('remove')
  .description('delete an installed model')
  .argument('<name>', 'model name')
  .addOption(modelsDirOption())
  .action(async (name: string, flags: { modelsDir?: string }) => {
    const removed = await removeModel(flags.modelsDir ?? defaultModelsDir(), name);
    process.stdout.write(removed ? `removed ${name}\n` : `${name} was not installed\n`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`flash-tts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
