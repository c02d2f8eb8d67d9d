/**
 * Dispatch of an initialized realtime session: the settings `init` asked for, the session's
 * contexts, and what each client message does to them. Client mistakes are thrown as `TtsError`
 * (the session reports them); the socket and its lifecycle are the session's.
 */
import type { Logger } from 'pino';
import type { ContextMessage, ParsedClientMessage, ResolvedFormat, ServerMessage } from '../../../protocol/messages.js';
import { PCM_SAMPLE_RATES, REALTIME_PATH } from '../../../protocol/messages.js';
import { MAX_SPOKEN_CHARS, SpeechStream } from '../../engine/speech-stream.js';
import { TtsError } from '../../errors.js';
import type { VoiceEntry } from '../../speakers/voice-catalog.js';
import type { AppContext } from '../app-context.js';
import { checkLanguage } from '../language-check.js';
import { checkTextLength, findVoice } from '../request-checks.js';
import { type ContextHost, RealtimeContext } from './realtime-context.js';

type Init = Extract<ParsedClientMessage, { type: 'init' }>;

const DEFAULT_VOICE = 'female';
/** Longest spoken segment of a session with `segmentation: false`, in characters (about a minute). */
export const MAX_CLIENT_SEGMENT_CHARS = 1000;

/** What `init` settled for the whole session. */
export interface SessionSettings {
  format: ResolvedFormat;
  voice: VoiceEntry;
  speed: number;
  pitch: number;
  segmentation: boolean;
  timestamps: boolean;
  idleFlushMs: number;
}

/** The session's settings from its `init` (throws what the client must change). */
export function sessionSettings(init: Init, ctx: AppContext): SessionSettings {
  return {
    format: resolveFormat(init.format),
    voice: findVoice(ctx.catalog, init.voice ?? DEFAULT_VOICE, { field: 'voice' }),
    speed: init.speed,
    pitch: init.pitch,
    segmentation: init.segmentation,
    timestamps: init.timestamps,
    idleFlushMs: init.idle_flush_ms ?? ctx.config.wsIdleFlushMs,
  };
}

/** The session's audio format from what `init` asked, with defaults; a 400 naming the field otherwise. */
export function resolveFormat(format: Init['format']): ResolvedFormat {
  const { encoding, channels } = format;
  if (encoding === 'opus') {
    if (format.sample_rate !== undefined && format.sample_rate !== 48000) {
      throw new TtsError(
        'unsupported_format',
        `Opus runs at 48000 Hz only, not ${format.sample_rate}; omit format.sample_rate or use pcm_s16le.`,
        { param: 'format.sample_rate' },
      );
    }
    if (format.frame_ms !== undefined && format.frame_ms !== 20) {
      throw new TtsError(
        'unsupported_format',
        `Opus audio comes in 20 ms packets only, not ${format.frame_ms} ms; omit format.frame_ms.`,
        { param: 'format.frame_ms' },
      );
    }
    return { encoding, sample_rate: 48000, channels, frame_ms: 20 };
  }
  const rate = format.sample_rate ?? (encoding === 'mulaw' ? 8000 : 24000);
  if (!(PCM_SAMPLE_RATES as readonly number[]).includes(rate)) {
    throw new TtsError('unsupported_format', `format.sample_rate must be one of ${PCM_SAMPLE_RATES.join(', ')}, not ${rate}.`, {
      param: 'format.sample_rate',
    });
  }
  const frameMs = format.frame_ms ?? 20;
  if (frameMs < 20 || frameMs > 100) {
    throw new TtsError('unsupported_format', `format.frame_ms must be between 20 and 100, not ${frameMs}.`, {
      param: 'format.frame_ms',
    });
  }
  return { encoding, sample_rate: rate, channels, frame_ms: frameMs };
}

/** What dispatch needs from its session. */
export interface DispatchHost {
  /** Sends a message if the session is open. */
  send(message: ServerMessage): void;
  /** Reports a non-fatal error. */
  reportError(error: TtsError): void;
  /** Resolves when the socket can take more audio; undefined when it can now. */
  writable(): Promise<void> | undefined;
  /** Something happened: the session is not idle. */
  touch(): void;
  log: Logger;
  /** The client's address, for the per-client stream limit. */
  client?: string | undefined;
}

/** The contexts of one initialized session, and what client messages do to them. */
export class SessionDispatch {
  readonly #contexts = new Map<string, RealtimeContext>();
  readonly #contextHost: ContextHost;
  /** The voice each open context speaks now, where a message named one. */
  readonly #voices = new Map<string, VoiceEntry>();

  constructor(
    readonly settings: SessionSettings,
    private readonly ctx: AppContext,
    private readonly host: DispatchHost,
  ) {
    this.#contextHost = this.#makeContextHost();
  }

  /** Contexts open now (not ended and done, nor cancelled). */
  get openContexts(): number {
    return this.#contexts.size;
  }

  /** Has a context with text queued or audio playing. */
  get busy(): boolean {
    return [...this.#contexts.values()].some((c) => c.busy);
  }

  /** Acts on one message; throws a `TtsError` when the client got it wrong. */
  handle(message: ParsedClientMessage): void {
    switch (message.type) {
      case 'init':
        throw new TtsError('invalid_request', 'The session is already initialized; open a new socket to change its settings.', {
          param: 'type',
        });
      case 'ping':
        this.host.send(
          message.id === undefined
            ? { type: 'pong', server_time_ms: Date.now() }
            : { type: 'pong', id: message.id, server_time_ms: Date.now() },
        );
        return;
      case 'text':
      case 'speak': {
        const site = { field: 'text', contextId: message.context_id };
        checkTextLength(message.text, this.ctx.config.maxTextChars, site);
        const voice =
          message.voice === undefined ? undefined : findVoice(this.ctx.catalog, message.voice, { ...site, field: 'voice' });
        const context = this.#context(message.context_id, voice);
        if (context.ended) {
          throw new TtsError('context_closed', `Context "${message.context_id}" has ended; use a new context_id for more text.`, {
            param: 'context_id',
            contextId: message.context_id,
          });
        }
        // Text sent faster than it is spoken waits in the context: at most max_text_chars of it.
        const unspoken = context.unspokenChars;
        if (unspoken + message.text.length > this.ctx.config.maxTextChars) {
          throw new TtsError(
            'text_too_long',
            `Context "${message.context_id}" already holds ${unspoken} characters not yet spoken; with these ${message.text.length} it would pass ${this.ctx.config.maxTextChars} (max_text_chars). This text was not taken: send it again once more of the context has been spoken (its audio has arrived), or use another context.`,
            { ...site, param: 'text' },
          );
        }
        // Text the voice cannot read (Chinese for an English-only voice) is refused, not spoken as silence.
        const speaking = voice ?? this.#voices.get(message.context_id) ?? this.settings.voice;
        checkLanguage(message.text, speaking, this.ctx.catalog, site);
        try {
          context.pushText(message.text, voice, message.type === 'speak' || Boolean(message.flush));
        } catch (error) {
          if (error instanceof TtsError) throw new TtsError(error.code, error.message, { ...site, param: error.param });
          throw error;
        }
        if (voice) this.#voices.set(message.context_id, voice);
        if (message.type === 'speak') context.end();
        else if (message.flush) context.flush(message.flush_id);
        return;
      }
      case 'flush':
        this.#context(message.context_id).flush(message.flush_id);
        return;
      case 'end':
        this.#context(message.context_id).end();
        return;
      case 'cancel': {
        const context = this.#contexts.get(message.context_id);
        // Cancelling a context that already finished (or never was) is harmless: it is over.
        if (context) context.cancel();
        else this.host.send({ type: 'cancelled', context_id: message.context_id });
        return;
      }
    }
  }

  /** Stops every context without a word (the socket is going away). */
  stopAll(): void {
    for (const context of [...this.#contexts.values()]) context.cancel({ notify: false });
    this.#contexts.clear();
    this.#voices.clear();
  }

  /** The open context of that id, or a new one. */
  #context(id: string, voice?: VoiceEntry): RealtimeContext {
    const existing = this.#contexts.get(id);
    if (existing) return existing;
    if (this.#contexts.size >= this.ctx.config.wsMaxContexts) {
      throw new TtsError(
        'too_many_contexts',
        `This session has ${this.#contexts.size} open contexts, its limit (limits.max_contexts); end or cancel one first.`,
        { param: 'context_id', contextId: id },
      );
    }
    const context = new RealtimeContext(id, voice ?? this.settings.voice, this.#contextHost);
    this.#contexts.set(id, context);
    return context;
  }

  #makeContextHost(): ContextHost {
    const { scheduler, encode } = this.ctx;
    const { format, ...settings } = this.settings;
    return {
      format,
      timestamps: settings.timestamps,
      openStream: (voice) =>
        new SpeechStream(scheduler, {
          voice,
          sampleRate: format.sample_rate,
          speed: settings.speed,
          pitchSemitones: settings.pitch,
          segmentation: settings.segmentation,
          // A client that segments its own text gets its segments, within a larger bound.
          maxSegmentChars: settings.segmentation ? MAX_SPOKEN_CHARS : MAX_CLIENT_SEGMENT_CHARS,
          idleFlushMs: settings.idleFlushMs,
          firstPieceMs: format.frame_ms,
          maxSeconds: this.ctx.config.maxSpeechSeconds,
          client: this.host.client,
        }),
      frameEncoder: (onFrame) =>
        encode({ kind: 'frames', format }, { sampleRate: format.sample_rate, channels: 1, onData: onFrame }),
      send: (message: ContextMessage) => this.host.send(message),
      writable: () => this.host.writable(),
      finished: (context) => {
        if (this.#contexts.get(context.id) === context) {
          this.#contexts.delete(context.id);
          this.#voices.delete(context.id);
        }
        this.host.touch();
      },
      firstAudio: (engine, seconds) => this.ctx.metrics?.firstAudio(engine, REALTIME_PATH, seconds),
      failed: (context, error) => {
        if (error instanceof TtsError) {
          this.host.reportError(new TtsError(error.code, error.message, { contextId: context.id }));
        } else {
          this.host.log.error({ err: error, context: context.id }, 'realtime context failed');
          this.host.reportError(
            new TtsError('internal_error', 'Synthesis failed (a bug in the server); the context was stopped.', {
              contextId: context.id,
            }),
          );
        }
        context.cancel();
      },
    };
  }
}
