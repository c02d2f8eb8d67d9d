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
  type EncoderFactory,
  EncoderUnavailableError,
  encoderInputRate,
  findFfmpeg,
} from '../audio/index.js';
import { type SpeakOptions, type SpeechEvent, type SpeechStream, speak } from '../engine/speech-stream.js';
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
    // Text can expand (numbers, money) far past what its length suggests: the audio is capped.
    maxSeconds: Math.min(request.options.maxSeconds ?? Number.POSITIVE_INFINITY, ctx.config.maxSpeechSeconds),
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
    events: speech[Symbol.asyncIterator](),
    format,
    sampleRate,
    inputRate,
    create: ctx.encode,
    log: ctx.log.child({ route }),
    started: performance.now(),
    sendTimeoutMs: ctx.config.httpSendTimeoutMs,
  };
  try {
    await (request.stream ? streamSpeech(delivery, []) : sendWhole(delivery, ctx.config.wholeResponseMaxBytes));
  } catch (error) {
    speech.cancel();
    throw error;
  } finally {
    await delivery.events.return?.();
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
  /** The speech's one iteration, shared by the whole-file path and the streamed path it may turn into. */
  events: AsyncIterator<SpeechEvent>;
  format: AudioFormat;
  /** The rate the client asked for. */
  sampleRate: number;
  /** The rate the encoder is fed (see encoderInputRate). */
  inputRate: number;
  create: EncoderFactory;
  log: Logger;
  started: number;
  /** How long the client may read nothing before it is cut off. */
  sendTimeoutMs: number;
}

/** The audio pieces of the speech, in order, from its shared iteration. */
async function* audioOf(events: AsyncIterator<SpeechEvent>): AsyncGenerator<Float32Array> {
  for (let next = await events.next(); !next.done; next = await events.next()) {
    if (next.value.type === 'audio') yield next.value.pcm;
  }
}

/**
 * Resolves once `res` drained; a client that reads nothing for `timeoutMs` is cut off (its socket
 * destroyed, which cancels its synthesis and frees its slot) instead of holding them forever.
 */
function drained(res: Response, timeoutMs: number, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      log.info({ sendTimeoutMs: timeoutMs }, 'client read nothing for the send timeout; response cut off');
      res.destroy();
      done();
    }, timeoutMs);
    res.on('drain', done);
    res.on('close', done);
  });
}

function streamHeaders(res: Response, format: AudioFormat): void {
  audioHeaders(res, format);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
}

/**
 * A whole file: the audio is kept (as the engine's PCM) until it is complete, then encoded with
 * exact headers and sent with its Content-Length. Audio longer than `maxBytes` of PCM is not held:
 * the response turns into a chunked stream of the same format, starting with what was kept.
 */
async function sendWhole(delivery: Delivery, maxBytes: number): Promise<void> {
  const { res, speech, events, format, sampleRate, inputRate, create, log, started, sendTimeoutMs } = delivery;
  const parts: Float32Array[] = [];
  let held = 0;
  for await (const pcm of audioOf(events)) {
    parts.push(pcm);
    held += pcm.byteLength;
    if (held > maxBytes) {
      log.info({ format, heldBytes: held, maxBytes }, 'whole-file response too long to hold: sent chunked');
      return streamSpeech(delivery, parts);
    }
  }
  if (speech.cancelled || res.destroyed) return;
  const out: Uint8Array[] = [];
  const encoder = await create(
    { kind: 'file', format },
    {
      sampleRate: inputRate,
      channels: 1,
      requestedRate: sampleRate,
      totalFrames: parts.reduce((n, p) => n + p.length, 0),
      onData: (bytes) => out.push(bytes),
    },
  ).catch(encoderError);
  try {
    for (let i = 0; i < parts.length; i++) {
      encoder.write(parts[i] as Float32Array, true);
      parts[i] = EMPTY; // each piece goes to the encoder, not copied
    }
    await encoder.end();
  } catch (error) {
    encoder.destroy();
    encoderError(error);
  }
  audioHeaders(res, format);
  const length = out.reduce((n, b) => n + b.length, 0);
  res.setHeader('Content-Length', length);
  for (const bytes of out) {
    if (res.destroyed) return;
    if (!res.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) await drained(res, sendTimeoutMs, log);
  }
  res.end();
  log.info({ format, bytes: length, ms: Math.round(performance.now() - started), capped: speech.capped }, 'speech sent');
}

const EMPTY = new Float32Array(0);

/** Streams the speech as it is made (after `prelude`, audio already taken from it), encoded on the way. */
async function streamSpeech(delivery: Delivery, prelude: Float32Array[]): Promise<void> {
  const { res, speech, events, format, sampleRate, inputRate, create, log, started, sendTimeoutMs } = delivery;
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
          streamHeaders(res, format);
          firstByteMs = performance.now() - started;
        }
        if (!res.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
          draining ??= drained(res, sendTimeoutMs, log).then(() => {
            draining = undefined;
          });
        }
      },
    },
  ).catch(encoderError);
  try {
    for (const pcm of prelude.splice(0)) {
      encoder.write(pcm, true);
      if (draining) await draining;
    }
    for await (const pcm of audioOf(events)) {
      encoder.write(pcm, true);
      // Respect the socket: wait while the client is behind instead of buffering without end.
      if (draining) await draining;
      if (res.destroyed) break;
    }
    if (speech.cancelled || res.destroyed) {
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
    {
      format,
      firstByteMs: firstByteMs && Math.round(firstByteMs),
      ms: Math.round(performance.now() - started),
      capped: speech.capped,
    },
    'speech streamed',
  );
}
