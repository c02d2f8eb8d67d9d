#!/usr/bin/env node
/**
 * The `flash-tts` command: `serve` starts the server; `say` writes speech to a file.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AUDIO_FORMATS, type AudioFormat, concatFloat32, encodeAudio, encoderInputRate, isAudioFormat } from '../audio/index.js';
import { Scheduler } from '../engine/scheduler.js';
import { TtsService } from '../engine/tts-service.js';
import { configFromEnv, DEFAULT_SERVER_CONFIG, resolveConfig, type ServerConfig } from '../server/config.js';
import { startServer, VERSION } from '../server/server.js';
import { LEVELS, type Level, outputRate, PITCH_SEMITONES } from '../server/speech-params.js';
import { VoiceCatalog } from '../speakers/voice-catalog.js';

const integer =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return n;
  };

const program = new Command()
  .name('flash-tts')
  .description('Realtime text-to-speech server (REST compatible with Flash-TTS and OpenAI).')
  .version(VERSION);

program
  .command('serve', { isDefault: true })
  .description(`start the server (default http://${DEFAULT_SERVER_CONFIG.host}:${DEFAULT_SERVER_CONFIG.port})`)
  .option('--host <host>', 'interface to listen on (env HOST)')
  .option('--port <port>', 'port to listen on, 0 for any free one (env PORT)', integer('port'))
  .option('--api-key <key>', 'require "Authorization: Bearer <key>" on every route (env FLASH_TTS_API_KEY)')
  .option('--workers <n>', 'engine worker threads (env FLASH_TTS_WORKERS)', integer('workers'))
  .option('--max-streams <n>', 'requests synthesizing or waiting at once (env FLASH_TTS_MAX_STREAMS)', integer('max-streams'))
  .option('--sample-rate <hz>', 'default rate of /speak and /clone_voice (env FLASH_TTS_SAMPLE_RATE)', integer('sample-rate'))
  .action(
    async (flags: {
      host?: string;
      port?: number;
      apiKey?: string;
      workers?: number;
      maxStreams?: number;
      sampleRate?: number;
    }) => {
      const fromFlags: Partial<ServerConfig> = {};
      if (flags.host !== undefined) fromFlags.host = flags.host;
      if (flags.port !== undefined) fromFlags.port = flags.port;
      if (flags.apiKey !== undefined) fromFlags.apiKey = flags.apiKey;
      if (flags.workers !== undefined) fromFlags.workers = flags.workers;
      if (flags.maxStreams !== undefined) fromFlags.maxStreams = flags.maxStreams;
      if (flags.sampleRate !== undefined) fromFlags.defaultSampleRate = flags.sampleRate;
      const server = await startServer(resolveConfig(configFromEnv(), fromFlags));
      const stop = (): void => {
        server.log.info('shutting down');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  );

program
  .command('say')
  .description('speak text into an audio file')
  .argument('<text>', 'what to say')
  .requiredOption('-o, --output <file>', 'output file ("-" for standard output)')
  .option('-v, --voice <name>', 'voice or role name', 'female')
  .addOption(
    new Option('-f, --format <format>', 'audio format (default: from the file name, else mp3)').choices([...AUDIO_FORMATS]),
  )
  .option('--speed <factor>', 'speaking rate, 0.25–4', Number.parseFloat, 1)
  .addOption(new Option('--pitch <level>', 'pitch level').choices([...LEVELS]).default('moderate'))
  .option('--sample-rate <hz>', 'output sample rate', integer('sample-rate'))
  .action(
    async (
      text: string,
      flags: { output: string; voice: string; format?: AudioFormat; speed: number; pitch: Level; sampleRate?: number },
    ) => {
      const fromName = extname(flags.output).slice(1).toLowerCase();
      const format: AudioFormat = flags.format ?? (isAudioFormat(fromName) ? fromName : 'mp3');
      if (!(flags.speed >= 0.25 && flags.speed <= 4)) throw new InvalidArgumentError('--speed must be between 0.25 and 4.');
      const scheduler = await Scheduler.start({ workers: 1 });
      try {
        const catalog = new VoiceCatalog(scheduler.engines);
        const voice = catalog.resolve(flags.voice);
        if (!voice) {
          throw new InvalidArgumentError(
            `No voice is called "${flags.voice}". Voices: ${catalog
              .list()
              .map((v) => v.id)
              .join(', ')}.`,
          );
        }
        const rate = outputRate(format, flags.sampleRate, DEFAULT_SERVER_CONFIG.openaiSampleRate);
        const inputRate = encoderInputRate(format, rate);
        const parts: Float32Array[] = [];
        const service = new TtsService(scheduler);
        for await (const chunk of service.speak(text, {
          voice,
          speed: flags.speed,
          pitchSemitones: PITCH_SEMITONES[flags.pitch],
          sampleRate: inputRate,
        })) {
          parts.push(chunk.pcm);
        }
        const bytes = await encodeAudio(format, concatFloat32(parts), inputRate, 1, rate);
        if (flags.output === '-') process.stdout.write(bytes);
        else await writeFile(flags.output, bytes);
      } finally {
        await scheduler.stop();
      }
    },
  );

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`flash-tts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
