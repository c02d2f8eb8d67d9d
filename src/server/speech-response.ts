/**
 * Sends synthesized speech over HTTP, whole (exact headers, Content-Length) or streamed
 * (chunked, unbuffered, first bytes as soon as the first segment is ready). A client that
 * disconnects cancels its synthesis.
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
import { type SpeakOptions, type SpeechStream, speak } from '../engine/speech-stream.js';
import { TtsError } from '../errors.js';
import type { AppContext } from './app-context.js';

/** What to say and how to send it. */
export interface SpeechRequest {
  text: string;
  format: AudioFormat;
  /** The rate the client asked for (or the route's default). */
  sampleRate: number;
  stream: boolean;
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
}

/** Synthesizes `request` and writes it to `res`. */
export async function sendSpeech({ req, res, ctx, request, route }: SendSpeechOptions): Promise<void> {
  const { format, sampleRate } = request;
  checkFormat(format);
  const inputRate = encoderInputRate(format, sampleRate);
  // Synthesis starts here, before the encoder exists; any failure below must cancel to free its slot.
  const speech = speak(ctx.scheduler, request.text, {
    ...request.options,
    sampleRate: inputRate,
    firstAudioFirst: request.stream,
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
  };
  try {
    await (request.stream ? streamSpeech(delivery) : sendWhole(delivery));
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
}

async function sendWhole({ res, speech, format, sampleRate, inputRate, create, log, started }: Delivery): Promise<void> {
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
  log.info({ format, bytes: body.length, ms: Math.round(performance.now() - started) }, 'speech sent');
}

async function streamSpeech({ res, speech, format, sampleRate, inputRate, create, log, started }: Delivery): Promise<void> {
  let firstByteMs: number | undefined;
  let draining: Promise<void> | undefined;
  const encoder = await create(
    { kind: 'file', format },
    {
      sampleRate: inputRate,
      channels: 1,
      requestedRate: sampleRate,
      onData: (bytes) => {
        if (res.destroyed) return;
        if (!res.headersSent) {
          audioHeaders(res, format);
          res.setHeader('Cache-Control', 'no-cache');
          res.setHeader('X-Accel-Buffering', 'no');
          res.flushHeaders();
          firstByteMs = performance.now() - started;
        }
        if (!res.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
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
  if (!res.headersSent) audioHeaders(res, format);
  res.end();
  log.info(
    { format, firstByteMs: firstByteMs && Math.round(firstByteMs), ms: Math.round(performance.now() - started) },
    'speech streamed',
  );
}
