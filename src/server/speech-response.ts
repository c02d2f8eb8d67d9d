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
  type EncoderFactory,
  EncoderUnavailableError,
  encoderInputRate,
  findFfmpeg,
} from '../audio/index.js';
import { type SpeakOptions, type SpeechEvent, type SpeechPart, type SpeechStream, speakParts } from '../engine/speech-stream.js';
import { TtsError } from '../errors.js';
import type { AppContext } from './app-context.js';
import { clientAddress } from './client-address.js';
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
  /** The body field that held the text, for errors about it (default "text"). */
  textField?: string;
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
  const speech = speakParts(
    ctx.scheduler,
    request.parts ?? [{ text: request.text }],
    {
      ...request.options,
      // Text can expand (numbers, money) far past what its length suggests: the audio is capped.
      maxSeconds: Math.min(request.options.maxSeconds ?? Number.POSITIVE_INFINITY, ctx.config.maxSpeechSeconds),
      sampleRate: inputRate,
      firstAudioFirst: mode !== 'whole',
      client: clientAddress(req),
    },
    request.textField,
  );
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
    route,
    engine: request.options.voice.engine,
    metrics: ctx.metrics,
    input: request.text,
  };
  try {
    await (mode === 'whole' ? sendWhole(delivery, ctx.config.wholeResponseMaxBytes) : streamSpeech(delivery, [], mode === 'sse'));
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
  route: string;
  /** The engine of the (first) voice, for the metrics. */
  engine: string;
  metrics: ServerMetrics | undefined;
  /** The text, for the usage of server-sent events. */
  input: string;
}

/** The audio pieces of the speech, in order, from its shared iteration. */
async function* audioOf(events: AsyncIterator<SpeechEvent>): AsyncGenerator<Float32Array> {
  for (let next = await events.next(); !next.done; next = await events.next()) {
    if (next.value.type === 'audio') yield next.value.pcm;
  }
}

/** What {@link drained} needs of a response. */
export interface Drainable {
  readonly writableLength: number;
  destroy(): void;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Resolves once `res` drained. A client that reads nothing for `timeoutMs` is cut off (its socket
 * destroyed, which cancels its synthesis and frees its slot) instead of holding them forever; one
 * that reads, however slowly (a player reading at playback rate), is not: what is buffered for it
 * shrinking counts as reading.
 */
export function drained(res: Drainable, timeoutMs: number, log: Pick<Logger, 'info'>): Promise<void> {
  return new Promise((resolve) => {
    let buffered = res.writableLength;
    let lastRead = performance.now();
    const done = (): void => {
      clearInterval(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setInterval(
      () => {
        const now = performance.now();
        if (res.writableLength < buffered) lastRead = now;
        buffered = res.writableLength;
        if (now - lastRead < timeoutMs) return;
        log.info({ sendTimeoutMs: timeoutMs }, 'client read nothing for the send timeout; response cut off');
        res.destroy();
        done();
      },
      Math.max(10, Math.min(1000, timeoutMs / 4)),
    );
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Server-sent events carry audio as JSON lines: one event per piece of encoded audio. */
function sseEvent(event: object): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

function streamHeaders(res: Response, format: AudioFormat, sse: boolean): void {
  if (sse) res.setHeader('Content-Type', 'text/event-stream');
  else audioHeaders(res, format);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Accel-Buffering', 'no');
}

/**
 * A whole file: the audio is kept (as the engine's PCM) until it is complete, then encoded with
 * exact headers and sent with its Content-Length. Audio longer than `maxBytes` of PCM is not held:
 * the response turns into a chunked stream of the same format, starting with what was kept.
 */
async function sendWhole(delivery: Delivery, maxBytes: number): Promise<void> {
  const { res, speech, events, format, sampleRate, inputRate, create, log, started, sendTimeoutMs, metrics } = delivery;
  const parts: Float32Array[] = [];
  let held = 0;
  for await (const pcm of audioOf(events)) {
    parts.push(pcm);
    held += pcm.byteLength;
    if (held > maxBytes) {
      log.info({ format, heldBytes: held, maxBytes }, 'whole-file response too long to hold: sent chunked');
      return streamSpeech(delivery, parts, false);
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
  metrics?.firstAudio(delivery.engine, delivery.route, (performance.now() - started) / 1000);
  metrics?.bytesSent(delivery.route, format, length);
  log.info({ format, bytes: length, ms: Math.round(performance.now() - started), capped: speech.capped }, 'speech sent');
}

const EMPTY = new Float32Array(0);

/** Streams the speech as it is made (after `prelude`, audio already taken from it), encoded on the way. */
async function streamSpeech(delivery: Delivery, prelude: Float32Array[], sse: boolean): Promise<void> {
  const { res, speech, events, format, sampleRate, inputRate, create, log, started, sendTimeoutMs, metrics } = delivery;
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
          draining ??= drained(res, sendTimeoutMs, log).then(() => {
            draining = undefined;
          });
        }
      },
    },
  ).catch(encoderError);
  try {
    for (const pcm of prelude.splice(0)) {
      audioSamples += pcm.length;
      encoder.write(pcm, true);
      if (draining) await draining;
    }
    for await (const pcm of audioOf(events)) {
      audioSamples += pcm.length;
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
  if (!res.headersSent) streamHeaders(res, format, sse);
  if (sse) res.write(sseEvent({ type: 'speech.audio.done', usage: speechUsage(delivery.input, audioSamples / inputRate) }));
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
