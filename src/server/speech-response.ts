/**
 * Sends synthesized speech over HTTP, whole (exact headers, Content-Length) or streamed
 * (chunked, unbuffered, first bytes as soon as the first segment is ready). A client that
 * disconnects cancels its synthesis.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { createRemoteEncoder } from '../audio/encoder-pool.js';
import {
  type AudioFormat,
  CONTENT_TYPES,
  concatFloat32,
  createAudioEncoder,
  type EncoderFactory,
  EncoderUnavailableError,
  encodeAudio,
  encoderInputRate,
  findFfmpeg,
} from '../audio/index.js';
import type { SpeechChunk, SpeechOptions, TtsService } from '../engine/tts-service.js';
import { TtsError } from '../errors.js';

/** What to say and how to send it. */
export interface SpeechRequest {
  text: string;
  format: AudioFormat;
  /** The rate the client asked for (or the route's default). */
  sampleRate: number;
  stream: boolean;
  options: Omit<SpeechOptions, 'sampleRate' | 'signal'>;
}

function checkFormat(format: AudioFormat): void {
  if (format === 'aac' && !findFfmpeg()) {
    throw new TtsError(
      'unsupported_format',
      'AAC output needs ffmpeg, which this server cannot find: install ffmpeg (or set FLASH_TTS_FFMPEG), or ask for mp3, opus, flac, wav or pcm.',
      'response_format',
    );
  }
}

function audioHeaders(res: Response, format: AudioFormat): void {
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', `attachment; filename=speech.${format}`);
}

/**
 * Raw PCM and WAV cost a multiply per sample: a thread hop would cost more than it saves, so they
 * are encoded here, whole or streamed; every other format is encoded in the encoder pool.
 */
const IN_PROCESS: ReadonlySet<AudioFormat> = new Set(['pcm', 'wav']);

/** Synthesizes `request` and writes it to `res`. */
export async function sendSpeech(
  req: Request,
  res: Response,
  service: TtsService,
  request: SpeechRequest,
  log: Logger,
): Promise<void> {
  const { format, sampleRate } = request;
  checkFormat(format);
  const inputRate = encoderInputRate(format, sampleRate);
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  req.on('aborted', onClose);
  // Synthesis starts here, before the encoder exists; any failure below must abort to free its slot.
  const chunks = service.speak(request.text, {
    ...request.options,
    sampleRate: inputRate,
    signal: controller.signal,
    firstAudioFirst: request.stream,
  });
  const delivery: Delivery = {
    res,
    chunks,
    format,
    sampleRate,
    inputRate,
    create: IN_PROCESS.has(format) ? createAudioEncoder : createRemoteEncoder,
    signal: controller.signal,
    log,
    started: performance.now(),
  };
  try {
    await (request.stream ? streamSpeech(delivery) : sendWhole(delivery));
  } catch (error) {
    controller.abort();
    throw error;
  }
}

const encoderError = (error: unknown): never => {
  if (error instanceof EncoderUnavailableError) throw new TtsError('unsupported_format', error.message, 'response_format');
  throw error;
};

/** One response being sent: where, what, and how it is encoded. */
interface Delivery {
  res: Response;
  chunks: AsyncIterable<SpeechChunk>;
  format: AudioFormat;
  /** The rate the client asked for. */
  sampleRate: number;
  /** The rate the encoder is fed (see encoderInputRate). */
  inputRate: number;
  create: EncoderFactory;
  signal: AbortSignal;
  log: Logger;
  started: number;
}

async function sendWhole({ res, chunks, format, sampleRate, inputRate, create, signal, log, started }: Delivery): Promise<void> {
  const parts: Float32Array[] = [];
  for await (const chunk of chunks) parts.push(chunk.pcm);
  if (signal.aborted) return;
  const body = await encodeAudio(format, concatFloat32(parts), inputRate, 1, sampleRate, create).catch(encoderError);
  audioHeaders(res, format);
  res.setHeader('Content-Length', body.length);
  res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  log.info({ format, bytes: body.length, ms: Math.round(performance.now() - started) }, 'speech sent');
}

async function streamSpeech({
  res,
  chunks,
  format,
  sampleRate,
  inputRate,
  create,
  signal,
  log,
  started,
}: Delivery): Promise<void> {
  let firstByteMs: number | undefined;
  let draining: Promise<void> | undefined;
  const encoder = await create(
    format,
    {
      sampleRate: inputRate,
      channels: 1,
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
    sampleRate,
  ).catch(encoderError);
  try {
    for await (const chunk of chunks) {
      encoder.write(chunk.pcm);
      // Respect the socket: wait while the client is behind instead of buffering without end.
      if (draining) await draining;
    }
    if (signal.aborted) {
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
