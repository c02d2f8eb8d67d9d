/**
 * Sends synthesized speech over HTTP, whole (exact headers, Content-Length), streamed (chunked,
 * unbuffered, first bytes as soon as the first segment is ready), or as OpenAI's server-sent
 * events (`speech.audio.delta` with base64 audio, then `speech.audio.done` with usage). A client
 * that disconnects cancels its synthesis. Every audio answer says `Cache-Control: no-cache`.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import {
  type AudioFormat,
  CONTENT_TYPES,
  concatFloat32,
  type EncoderFactory,
  EncoderUnavailableError,
  encodeAudio,
  encoderInputRate,
  findFfmpeg,
} from '../audio/index.js';
import { type SpeakOptions, type SpeechPart, type SpeechStream, speakParts } from '../engine/speech-stream.js';
import { TtsError } from '../errors.js';
import type { AppContext } from './app-context.js';
import type { ServerMetrics } from './metrics.js';
import { speechUsage } from './openai-compat.js';

/** How the audio goes out: one file, a chunked stream of it, or server-sent events. */
export type SpeechDelivery = 'whole' | 'stream' | 'sse';

/** What to say and how to send it. */
export interface SpeechRequest {
  text: string;
  /** Text spoken with other voice settings (multi-role text); when given, `text` is only what is logged and counted. */
  parts?: readonly SpeechPart[];
  format: AudioFormat;
  /** The rate the client asked for (or the route's default). */
  sampleRate: number;
  /** `true` = `'stream'`, `false` = `'whole'`. */
  stream: boolean | SpeechDelivery;
  options: Omit<SpeakOptions, 'sampleRate' | 'firstAudioFirst'>;
}

/** Options of {@link sendSpeech}. */
export interface SendSpeechOptions {
  req: Request;
  res: Response;
  ctx: AppContext;
  request: SpeechRequest;
  /** The route, for the log. */
  route: string;
}

function checkFormat(format: AudioFormat): void {
  if (format === 'aac' && !findFfmpeg()) {
    throw new TtsError(
      'unsupported_format',
      'AAC output needs ffmpeg, which this server cannot find: install ffmpeg (or set FLASH_TTS_FFMPEG), or ask for mp3, opus, flac, wav or pcm.',
      { param: 'response_format' },
    );
  }
}

function audioHeaders(res: Response, format: AudioFormat): void {
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', `attachment; filename=speech.${format}`);
  res.setHeader('Cache-Control', 'no-cache');
}

/** Synthesizes `request` and writes it to `res`. */
export async function sendSpeech({ req, res, ctx, request, route }: SendSpeechOptions): Promise<void> {
  const { format, sampleRate } = request;
  const mode: SpeechDelivery = request.stream === true ? 'stream' : request.stream === false ? 'whole' : request.stream;
  checkFormat(format);
  const inputRate = encoderInputRate(format, sampleRate);
  // Synthesis starts here, before the encoder exists; any failure below must cancel to free its slot.
  const speech = speakParts(ctx.scheduler, request.parts ?? [{ text: request.text }], {
    ...request.options,
    sampleRate: inputRate,
    firstAudioFirst: mode !== 'whole',
  });
  const onClose = (): void => {
    if (!res.writableFinished) speech.cancel();
  };
  res.on('close', onClose);
  req.on('aborted', onClose);
  const delivery: Delivery = {
    res,
    speech,
    format,
    sampleRate,
    inputRate,
    create: ctx.encode,
    log: ctx.log.child({ route }),
    started: performance.now(),
    route,
    engine: request.options.voice.engine,
    metrics: ctx.metrics,
    input: request.text,
  };
  try {
    await (mode === 'whole' ? sendWhole(delivery) : streamSpeech(delivery, mode === 'sse'));
  } catch (error) {
    speech.cancel();
    throw error;
  }
}

const encoderError = (error: unknown): never => {
  if (error instanceof EncoderUnavailableError)
    throw new TtsError('unsupported_format', error.message, { param: 'response_format' });
  throw error;
};

/** One response being sent: where, what, and how it is encoded. */
interface Delivery {
  res: Response;
  speech: SpeechStream;
  format: AudioFormat;
  /** The rate the client asked for. */
  sampleRate: number;
  /** The rate the encoder is fed (see encoderInputRate). */
  inputRate: number;
  create: EncoderFactory;
  log: Logger;
  started: number;
  route: string;
  /** The engine of the (first) voice, for the metrics. */
  engine: string;
  metrics: ServerMetrics | undefined;
  /** The text, for the usage of server-sent events. */
  input: string;
}

async function sendWhole(delivery: Delivery): Promise<void> {
  const { res, speech, format, sampleRate, inputRate, create, log, started, metrics } = delivery;
  const parts: Float32Array[] = [];
  for await (const event of speech) if (event.type === 'audio') parts.push(event.pcm);
  if (speech.cancelled) return;
  const body = await encodeAudio(concatFloat32(parts), {
    format,
    sampleRate: inputRate,
    requestedRate: sampleRate,
    create,
  }).catch(encoderError);
  audioHeaders(res, format);
  res.setHeader('Content-Length', body.length);
  res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  metrics?.firstAudio(delivery.engine, delivery.route, (performance.now() - started) / 1000);
  metrics?.bytesSent(delivery.route, format, body.length);
  log.info({ format, bytes: body.length, ms: Math.round(performance.now() - started) }, 'speech sent');
}

/** Server-sent events carry audio as JSON lines: one event per piece of encoded audio. */
function sseEvent(event: object): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

function streamHeaders(res: Response, format: AudioFormat, sse: boolean): void {
  if (sse) {
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
  } else audioHeaders(res, format);
  res.setHeader('X-Accel-Buffering', 'no');
}

async function streamSpeech(delivery: Delivery, sse: boolean): Promise<void> {
  const { res, speech, format, sampleRate, inputRate, create, log, started, metrics } = delivery;
  let firstByteMs: number | undefined;
  let draining: Promise<void> | undefined;
  let audioSamples = 0;
  const encoder = await create(
    { kind: 'file', format },
    {
      sampleRate: inputRate,
      channels: 1,
      requestedRate: sampleRate,
      onData: (bytes) => {
        if (res.destroyed) return;
        if (!res.headersSent) {
          streamHeaders(res, format, sse);
          res.flushHeaders();
          firstByteMs = performance.now() - started;
          metrics?.firstAudio(delivery.engine, delivery.route, firstByteMs / 1000);
        }
        metrics?.bytesSent(delivery.route, format, bytes.byteLength);
        const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const written = sse
          ? res.write(sseEvent({ type: 'speech.audio.delta', audio: chunk.toString('base64') }))
          : res.write(chunk);
        if (!written) {
          draining ??= new Promise((resolve) => {
            const done = (): void => {
              draining = undefined;
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      },
    },
  ).catch(encoderError);
  try {
    for await (const event of speech) {
      if (event.type !== 'audio') continue;
      audioSamples += event.pcm.length;
      encoder.write(event.pcm);
      // Respect the socket: wait while the client is behind instead of buffering without end.
      if (draining) await draining;
    }
    if (speech.cancelled) {
      encoder.destroy();
      return;
    }
    await encoder.end();
  } catch (error) {
    encoder.destroy();
    throw error;
  }
  if (!res.headersSent) streamHeaders(res, format, sse);
  if (sse) res.write(sseEvent({ type: 'speech.audio.done', usage: speechUsage(delivery.input, audioSamples / inputRate) }));
  res.end();
  log.info(
    { format, firstByteMs: firstByteMs && Math.round(firstByteMs), ms: Math.round(performance.now() - started) },
    'speech streamed',
  );
}
