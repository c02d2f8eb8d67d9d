/**
 * Sends synthesized speech over HTTP, whole (exact headers, Content-Length) or streamed
 * (chunked, unbuffered, first bytes as soon as the first segment is ready). A client that
 * disconnects cancels its synthesis.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { createRemoteEncoder, encodeAudioRemote } from '../audio/encoder-pool.js';
import {
  type AudioFormat,
  CONTENT_TYPES,
  concatFloat32,
  EncoderUnavailableError,
  encoderInputRate,
  findFfmpeg,
} from '../audio/index.js';
import type { SpeechOptions, TtsService } from '../engine/tts-service.js';
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
  const chunks = service.speak(request.text, { ...request.options, sampleRate: inputRate, signal: controller.signal });
  const started = performance.now();

  if (!request.stream) {
    const parts: Float32Array[] = [];
    for await (const chunk of chunks) parts.push(chunk.pcm);
    if (controller.signal.aborted) return;
    const body = await encodeAudioRemote(format, concatFloat32(parts), inputRate, 1, sampleRate).catch((error: unknown) => {
      if (error instanceof EncoderUnavailableError) throw new TtsError('unsupported_format', error.message, 'response_format');
      throw error;
    });
    audioHeaders(res, format);
    res.setHeader('Content-Length', body.length);
    res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    log.info({ format, bytes: body.length, ms: Math.round(performance.now() - started) }, 'speech sent');
    return;
  }

  let firstByteMs: number | undefined;
  let draining: Promise<void> | undefined;
  const encoder = await createRemoteEncoder(
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
  ).catch((error: unknown) => {
    if (error instanceof EncoderUnavailableError) throw new TtsError('unsupported_format', error.message, 'response_format');
    throw error;
  });
  try {
    for await (const chunk of chunks) {
      encoder.write(chunk.pcm);
      // Respect the socket: wait while the client is behind instead of buffering without end.
      if (draining) await draining;
    }
    if (controller.signal.aborted) {
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
