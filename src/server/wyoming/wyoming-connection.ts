/**
 * One Wyoming connection (Home Assistant's TTS client): events read with the protocol's bounded
 * reader and handled in order, each answered on the socket.
 *
 * - `describe` → `info` (every voice); `ping` → `pong`.
 * - `synthesize` → `audio-start`, `audio-chunk`… as the speech stream yields it, `audio-stop`.
 *   Later events wait their turn (the socket is paused while many wait).
 * - `synthesize-start`, `synthesize-chunk`…, `synthesize-stop`: one speech stream fed chunk by
 *   chunk; each segment is spoken as soon as the segmenter has it (`audio-start` … `audio-stop`
 *   per segment, as Wyoming's own servers do per sentence), then `synthesize-stopped`. A
 *   `synthesize` inside the stream is the copy Home Assistant sends for older servers: ignored.
 *
 * Mistakes are answered with an `error` event. One that fails a request (`synthesize` or a text
 * stream: unknown voice, bad field, full server, oversized) then ends the connection, as Wyoming's
 * own servers do: Home Assistant does not read `error` events, it waits for `audio-stop` or
 * `synthesize-stopped`, or for the connection to end. Any other (a line that is not JSON, an
 * oversized event of another type) leaves the connection serving. A client that goes away cancels
 * its speech (its scheduler slot is freed); one that stops reading is closed after `wsSlowConsumerMs`.
 */
import type { Socket } from 'node:net';
import type { z } from 'zod';
import {
  encodeWyomingEvent,
  type WyomingEvent,
  WyomingEventReader,
  type WyomingReadItem,
  wyomingInfoData,
  wyomingSynthesizeChunkSchema,
  wyomingSynthesizeSchema,
  wyomingSynthesizeStartSchema,
} from '../../../protocol/wyoming.js';
import type { AudioEncoder } from '../../audio/encoder.js';
import { SpeechStream } from '../../engine/speech-stream.js';
import { TtsError } from '../../errors.js';
import type { VoiceEntry } from '../../speakers/voice-catalog.js';
import type { AppContext } from '../app-context.js';
import { checkLanguage } from '../language-check.js';
import { checkTextLength, schemaProblem } from '../request-checks.js';
import { resolveWyomingVoice, wyomingProgram } from './wyoming-voices.js';

/** What a connection needs from the server. */
export interface WyomingConnectionDeps extends AppContext {
  /** The package version, announced in `info`. */
  version: string;
  /** The HTTP server's URL, the program's attribution in `info`. */
  url: string;
}

/** Sample width of the audio sent: 16-bit PCM. */
const WIDTH = 2;
/** Events waiting their turn before the socket stops being read. */
const MAX_WAITING = 32;
/** How long a closing connection may take to flush before it is cut off. */
const CLOSE_GRACE_MS = 1000;
/** Events that ask for speech: an error about one of them ends the connection. */
const REQUEST_EVENTS: ReadonlySet<string> = new Set(['synthesize', 'synthesize-start', 'synthesize-chunk', 'synthesize-stop']);

type Queued = WyomingReadItem | { kind: 'end' };

/** A text stream between `synthesize-start` and `synthesize-stop`. */
interface TextStream {
  /** Undefined once the stream failed (its error was sent): further chunks are ignored. */
  speech: SpeechStream | undefined;
  /** Resolves when everything pushed has been sent. */
  played: Promise<void>;
  /** Characters pushed so far (bounded by `maxTextChars`). */
  chars: number;
  /** The stream's voice, once resolved. */
  voice?: VoiceEntry;
}

/** Where a connection is: idle, speaking one `synthesize`, inside a text stream, or closed. */
type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'speaking'; speech: SpeechStream }
  | { kind: 'streaming'; stream: TextStream }
  | { kind: 'closed' };

export class WyomingConnection {
  readonly #socket: Socket;
  readonly #deps: WyomingConnectionDeps;
  readonly #reader: WyomingEventReader;
  readonly #queue: Queued[] = [];
  #state: ConnectionState = { kind: 'idle' };
  #working = false;
  #slowTimer: NodeJS.Timeout | undefined;
  readonly #closed: Promise<void>;

  constructor(socket: Socket, deps: WyomingConnectionDeps) {
    this.#socket = socket;
    this.#deps = deps;
    this.#reader = new WyomingEventReader({ maxEventBytes: deps.config.wyomingMaxEventBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.#state.kind !== 'closed') this.#enqueue(this.#reader.push(chunk));
    });
    socket.on('end', () => this.#enqueue([{ kind: 'end' }]));
    socket.on('error', (error) => deps.log.debug({ err: error }, 'wyoming socket error'));
    // A connection that sends and receives nothing for the idle timeout holds a socket for nothing:
    // it is told and closed (Home Assistant opens one per request). While speech is being sent
    // the socket is not idle; a reader that stalls it is the slow-consumer rule's.
    socket.setTimeout(deps.config.wsIdleTimeoutMs, () => {
      if (this.#state.kind === 'speaking') return;
      this.#sendError(
        new TtsError(
          'idle_timeout',
          `Nothing was sent or said on this connection for ${deps.config.wsIdleTimeoutMs} ms; it is closed (reconnect to speak again).`,
        ),
      );
      this.#endAfterError();
    });
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.#setState({ kind: 'closed' }));
  }

  /** Resolves once the socket is closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Server shutdown: tells a client that is being answered, stops its speech, closes within a second. */
  async shutdown(): Promise<void> {
    if (this.#state.kind === 'speaking' || this.#state.kind === 'streaming') {
      this.#sendError(new TtsError('server_busy', 'The server is shutting down; ask again later.'));
    }
    this.#stop();
    this.#socket.end();
    const cutOff = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
    await this.#closed;
    clearTimeout(cutOff);
  }

  /** The one transition: leaving a state that speaks cancels its speech; `closed` drops what waits. */
  #setState(next: ConnectionState): void {
    const previous = this.#state;
    if (previous.kind === 'closed') return;
    this.#state = next;
    if (previous.kind === 'speaking' && next.kind !== 'idle') previous.speech.cancel();
    if (previous.kind === 'streaming' && next.kind !== 'idle') previous.stream.speech?.cancel();
    if (next.kind === 'closed') {
      this.#queue.length = 0;
      clearTimeout(this.#slowTimer);
    }
  }

  /** Stops listening to the client: no more events are handled. */
  #stop(): void {
    this.#setState({ kind: 'closed' });
  }

  /** A request failed (its `error` is on its way): the connection ends once that is sent. */
  #endAfterError(): void {
    this.#stop();
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  #enqueue(items: readonly Queued[]): void {
    if (this.#state.kind === 'closed') return;
    this.#queue.push(...items);
    if (this.#queue.length > MAX_WAITING) this.#socket.pause();
    if (!this.#working) void this.#work();
  }

  /** Handles queued events one at a time, in order. */
  async #work(): Promise<void> {
    this.#working = true;
    try {
      for (let item = this.#queue.shift(); item; item = this.#queue.shift()) {
        if (this.#queue.length <= MAX_WAITING / 2 && this.#socket.isPaused()) this.#socket.resume();
        try {
          await this.#handle(item);
        } catch (error) {
          this.#sendError(error);
          const type = item.kind === 'event' ? item.event.type : item.kind === 'problem' ? item.problem.type : undefined;
          if (type !== undefined && REQUEST_EVENTS.has(type)) this.#endAfterError();
        }
        if (this.#state.kind === 'closed') return;
      }
    } finally {
      this.#working = false;
    }
  }

  async #handle(item: Queued): Promise<void> {
    if (item.kind === 'end') {
      // The client sent all it will: a text stream it never stopped is dropped, the socket ends.
      this.#stop();
      this.#socket.end();
      return;
    }
    if (item.kind === 'problem') throw new TtsError(item.problem.code, item.problem.message);
    const { event } = item;
    const state = this.#state;
    switch (event.type) {
      case 'describe': {
        const program = wyomingProgram(this.#deps.catalog, this.#deps.version, this.#deps.url);
        this.#send({ type: 'info', data: wyomingInfoData(program) });
        return;
      }
      case 'ping':
        this.#send({ type: 'pong', data: { text: typeof event.data.text === 'string' ? event.data.text : null } });
        return;
      case 'synthesize': {
        if (state.kind === 'streaming') return;
        const request = parse(wyomingSynthesizeSchema, event);
        checkTextLength(request.text, this.#deps.config.maxTextChars, { field: 'text' });
        const voice = resolveWyomingVoice(this.#deps.catalog, request.voice);
        // Text the voice cannot read (Chinese for an English-only voice) is refused, not spoken as silence.
        checkLanguage(request.text, voice, this.#deps.catalog, { field: 'text' });
        const speech = this.#openSpeech(voice);
        speech.pushText(request.text, {}, true);
        speech.end();
        // A full server refuses at once: say so before any audio-start.
        if (speech.failure !== undefined) throw speech.failure;
        this.#setState({ kind: 'speaking', speech });
        try {
          await this.#play(speech, voice, 'whole');
        } finally {
          if (this.#state.kind === 'speaking') this.#setState({ kind: 'idle' });
        }
        return;
      }
      case 'synthesize-start': {
        if (state.kind === 'streaming') {
          throw new TtsError('invalid_request', 'A text stream is already open: send synthesize-stop before synthesize-start.');
        }
        const request = parse(wyomingSynthesizeStartSchema, event);
        const stream: TextStream = { speech: undefined, played: Promise.resolve(), chars: 0 };
        this.#setState({ kind: 'streaming', stream });
        // An unknown voice fails the stream; its chunks are then ignored until synthesize-stop.
        const voice = resolveWyomingVoice(this.#deps.catalog, request.voice);
        const speech = this.#openSpeech(voice);
        stream.speech = speech;
        stream.voice = voice;
        stream.played = this.#play(speech, voice, 'segments').catch((error: unknown) => {
          stream.speech = undefined;
          speech.cancel();
          this.#sendError(error);
          this.#endAfterError();
        });
        return;
      }
      case 'synthesize-chunk': {
        if (state.kind !== 'streaming') {
          throw new TtsError('invalid_request', 'synthesize-chunk came outside a text stream: send synthesize-start first.');
        }
        const { text } = parse(wyomingSynthesizeChunkSchema, event);
        const { stream } = state;
        if (!stream.speech) return;
        stream.chars += text.length;
        const max = this.#deps.config.maxTextChars;
        if (stream.chars > max) {
          stream.speech.cancel();
          stream.speech = undefined;
          throw new TtsError(
            'text_too_long',
            `This text stream has reached ${stream.chars} characters; this server speaks at most ${max} in one (max_text_chars). The rest of the stream is dropped.`,
            { param: 'text' },
          );
        }
        if (stream.voice) {
          try {
            checkLanguage(text, stream.voice, this.#deps.catalog, { field: 'text' });
          } catch (error) {
            stream.speech.cancel();
            stream.speech = undefined;
            throw error;
          }
        }
        stream.speech.pushText(text);
        return;
      }
      case 'synthesize-stop': {
        if (state.kind !== 'streaming') {
          throw new TtsError('invalid_request', 'synthesize-stop came outside a text stream: send synthesize-start first.');
        }
        state.stream.speech?.end();
        await state.stream.played;
        if (this.#state !== state) return;
        this.#setState({ kind: 'idle' });
        this.#send({ type: 'synthesize-stopped', data: {} });
        return;
      }
      default:
        // Wyoming peers ignore the events they do not know.
        return;
    }
  }

  #openSpeech(voice: VoiceEntry): SpeechStream {
    // Text can expand (numbers, money) far past its length: the audio is capped as over HTTP.
    return new SpeechStream(this.#deps.scheduler, {
      voice,
      sampleRate: this.#rate(voice),
      maxSeconds: this.#deps.config.maxSpeechSeconds,
      client: this.#socket.remoteAddress,
    });
  }

  /** The voice's engine rate: no resampling, and Home Assistant converts what it needs. */
  #rate(voice: VoiceEntry): number {
    return this.#deps.scheduler.engines.find((e) => e.id === voice.engine)?.sampleRate ?? 22050;
  }

  /**
   * Sends `speech` as it comes: one `audio-start` … `audio-stop` around all of it (`whole`), or
   * around each segment (`segments`). Audio is converted to 16-bit PCM in the encoder pool.
   */
  async #play(speech: SpeechStream, voice: VoiceEntry, blocks: 'whole' | 'segments'): Promise<void> {
    const rate = this.#rate(voice);
    const format = { rate, width: WIDTH, channels: 1 };
    let encoder: AudioEncoder | undefined;
    let samples = 0;
    const open = async (): Promise<void> => {
      this.#send({ type: 'audio-start', data: { ...format, timestamp: Math.round((samples * 1000) / rate) } });
      encoder = await this.#deps.encode(
        { kind: 'file', format: 'pcm' },
        {
          sampleRate: rate,
          channels: 1,
          onData: (bytes) => {
            const readyAt = speech.firstSegmentAt;
            if (samples === 0 && readyAt !== undefined) {
              this.#deps.metrics?.firstAudio(voice.engine, 'wyoming', (performance.now() - readyAt) / 1000);
            }
            this.#send({
              type: 'audio-chunk',
              data: { ...format, timestamp: Math.round((samples * 1000) / rate) },
              payload: bytes,
            });
            samples += bytes.length / WIDTH;
          },
        },
      );
    };
    const close = async (): Promise<void> => {
      const ending = encoder;
      encoder = undefined;
      await ending?.end();
      this.#send({ type: 'audio-stop', data: { timestamp: Math.round((samples * 1000) / rate) } });
    };
    try {
      if (blocks === 'whole') await open();
      for await (const event of speech) {
        if (this.#state.kind === 'closed') return;
        if (event.type === 'segment' && blocks === 'segments') await open();
        else if (event.type === 'audio') {
          // Nothing more is converted while the client is behind.
          const wait = this.#writable();
          if (wait) await wait;
          encoder?.write(event.pcm);
        } else if (event.type === 'segmentEnd' && blocks === 'segments') await close();
      }
      if (this.#state.kind === 'closed' || speech.cancelled) return;
      if (blocks === 'whole') await close();
    } finally {
      encoder?.destroy();
      // A stream never iterated (the encoder failed) still holds its scheduler slot; a finished one ignores this.
      speech.cancel();
    }
  }

  #send(event: WyomingEvent): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.write(encodeWyomingEvent(event));
  }

  #sendError(error: unknown): void {
    if (error instanceof TtsError) {
      this.#send({ type: 'error', data: { text: error.message, code: error.code } });
      return;
    }
    this.#deps.log.error({ err: error }, 'wyoming request failed');
    this.#send({ type: 'error', data: { text: 'Synthesis failed (a bug in the server).', code: 'internal_error' } });
  }

  /** Resolves when the socket can take more; undefined when it can now. A client that stays behind too long is cut off. */
  #writable(): Promise<void> | undefined {
    const socket = this.#socket;
    if (!socket.writableNeedDrain || socket.destroyed) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.#slowTimer);
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
      clearTimeout(this.#slowTimer);
      this.#slowTimer = setTimeout(() => {
        this.#deps.log.info('wyoming client read too slowly; closing it');
        socket.destroy();
      }, this.#deps.config.wsSlowConsumerMs);
    });
  }
}

/** The event's data checked against `schema`, or the `invalid_request` naming the field. */
function parse<T extends z.ZodType>(schema: T, event: WyomingEvent): z.infer<T> {
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) throw schemaProblem(parsed.error, event.data, { message: event.type });
  return parsed.data;
}
