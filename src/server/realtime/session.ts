/**
 * One realtime WebSocket session: decodes and checks every client message, owns the session's
 * contexts, and guards the socket — limits, idle timeout, and backpressure (audio production
 * pauses while the socket's queue is over `max_buffered_bytes`; a client that leaves it there for
 * `slow_consumer_ms` is closed instead of growing the server's memory).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { type Codec, getCodec } from '../../../protocol/codec.js';
import { CLOSE_CODES, type CloseCodeName, type ErrorCode } from '../../../protocol/errors.js';
import {
  CLIENT_MESSAGE_SCHEMAS,
  type ContextMessage,
  type Limits,
  type ParsedClientMessage,
  PCM_SAMPLE_RATES,
  PROTOCOL_VERSION,
  type ResolvedFormat,
  type ServerMessage,
} from '../../../protocol/messages.js';
import type { Scheduler, SchedulerStream } from '../../engine/scheduler.js';
import type { EngineInfo } from '../../engine/types.js';
import { TtsError } from '../../errors.js';
import type { VoiceCatalog, VoiceEntry } from '../../speakers/voice-catalog.js';
import type { ServerConfig } from '../config.js';
import { type ContextHost, RealtimeContext } from './context.js';

/** What sessions share. */
export interface SessionDeps {
  config: ServerConfig;
  scheduler: Scheduler;
  catalog: VoiceCatalog;
  log: Logger;
  version: string;
  /** Checks an `init.token` against the API key. */
  checkToken(token: string | undefined): boolean;
}

/** Protocol errors a session may make before it is closed with `over_limits`. */
const MAX_CLIENT_ERRORS = 100;
const DEFAULT_VOICE = 'female';

type Init = Extract<ParsedClientMessage, { type: 'init' }>;

interface SessionSettings {
  format: ResolvedFormat;
  voice: VoiceEntry;
  speed: number;
  pitch: number;
  segmentation: boolean;
  timestamps: boolean;
  idleFlushMs: number;
}

export class RealtimeSession {
  readonly id = randomUUID();
  readonly #codec: Codec;
  readonly #contexts = new Map<string, RealtimeContext>();
  #settings: SessionSettings | undefined;
  #authenticated: boolean;
  #closing = false;
  #lastActivity = Date.now();
  #idleTimer: NodeJS.Timeout;
  #clientErrors = 0;
  #drainWaiters: (() => void)[] = [];
  #drainTimer: NodeJS.Timeout | undefined;
  #blockedSince = 0;
  readonly #log: Logger;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
    options: { codec: 'msgpack' | 'json'; authenticated: boolean },
  ) {
    this.#codec = getCodec(options.codec);
    this.#authenticated = options.authenticated;
    this.#log = deps.log.child({ session: this.id });
    const { wsIdleTimeoutMs } = deps.config;
    this.#idleTimer = setInterval(() => this.#checkIdle(), Math.max(50, Math.min(1000, wsIdleTimeoutMs / 4)));
    ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    ws.on('close', (code) => this.#onClose(code));
    ws.on('error', (error) => this.#log.debug({ err: error }, 'socket error'));
    this.#log.debug({ codec: options.codec }, 'realtime session opened');
  }

  /** The limits this session runs under, as announced in `ready`. */
  get limits(): Limits {
    const c = this.deps.config;
    return {
      max_contexts: c.wsMaxContexts,
      max_message_bytes: c.wsMaxMessageBytes,
      max_text_chars: c.maxTextChars,
      idle_timeout_ms: c.wsIdleTimeoutMs,
      idle_flush_ms: this.#settings?.idleFlushMs ?? c.wsIdleFlushMs,
      max_buffered_bytes: c.wsMaxBufferedBytes,
      slow_consumer_ms: c.wsSlowConsumerMs,
    };
  }

  /** True once the session is closing (by either side). */
  get closing(): boolean {
    return this.#closing;
  }

  /** Closes the session (server shutdown); resolves once closed, cutting it off after `graceMs`. */
  shutdown(graceMs = 1000): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) resolve();
      else this.ws.once('close', () => resolve());
    });
    this.#fatal('server_busy', 'The server is shutting down; reconnect shortly.', 'going_away');
    const timer = setTimeout(() => this.ws.terminate(), graceMs);
    return closed.finally(() => clearTimeout(timer));
  }

  // ─── Incoming ───────────────────────────────────────────────────────────────────────────────

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.#closing) return;
    this.#lastActivity = Date.now();
    try {
      this.#handle(data, isBinary);
    } catch (error) {
      if (error instanceof TtsError) {
        this.#clientError(error);
      } else {
        this.#log.error({ err: error }, 'realtime message failed');
        this.#sendError('internal_error', 'The server failed to handle that message (a bug); the session goes on.', false);
      }
    }
  }

  #handle(data: Buffer, isBinary: boolean): void {
    const { wsMaxMessageBytes } = this.deps.config;
    if (data.length > wsMaxMessageBytes) {
      throw new TtsError(
        'payload_too_large',
        `The message is ${data.length} bytes; the limit is ${wsMaxMessageBytes} (limits.max_message_bytes). Send long text in several messages.`,
      );
    }
    let value: unknown;
    try {
      value = this.#codec.decode(isBinary ? data : data.toString('utf8'));
    } catch {
      throw new TtsError(
        'invalid_message',
        isBinary ? 'A binary frame must be one msgpack-encoded message.' : 'A text frame must be one JSON message.',
      );
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TtsError('invalid_message', 'A message must be an object with a "type" field.');
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string') throw new TtsError('invalid_message', 'A message must have a string "type" field.', 'type');
    const schema = (
      CLIENT_MESSAGE_SCHEMAS as Record<string, (typeof CLIENT_MESSAGE_SCHEMAS)[keyof typeof CLIENT_MESSAGE_SCHEMAS]>
    )[type];
    if (!schema) {
      throw new TtsError(
        'unknown_message_type',
        `Unknown message type "${type.slice(0, 40)}"; known: ${Object.keys(CLIENT_MESSAGE_SCHEMAS).join(', ')}.`,
        'type',
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'message';
      const missing = issue?.path.length === 1 && (value as Record<string, unknown>)[String(issue.path[0])] === undefined;
      const contextId = (value as { context_id?: unknown }).context_id;
      throw Object.assign(
        new TtsError(
          'invalid_request',
          `${type}: "${field}" ${missing ? 'is required' : (issue?.message ?? 'is invalid')}.`,
          field,
        ),
        typeof contextId === 'string' ? { contextId } : {},
      );
    }
    const message = parsed.data as ParsedClientMessage;
    if (!this.#settings) {
      if (message.type !== 'init') {
        this.#fatal('not_initialized', `The first message must be "init", not "${message.type}".`, 'bad_init');
        return;
      }
      this.#init(message);
      return;
    }
    this.#dispatch(message);
  }

  #init(init: Init): void {
    if (init.version !== PROTOCOL_VERSION) {
      this.#fatal(
        'unsupported_version',
        `This server speaks protocol version ${PROTOCOL_VERSION}, not ${init.version}.`,
        'bad_init',
      );
      return;
    }
    if (!this.#authenticated) {
      if (!this.deps.checkToken(init.token)) {
        this.#fatal(
          'unauthorized',
          init.token === undefined
            ? 'This server needs an API key: send "Authorization: Bearer <key>" when connecting, or "token" in init.'
            : 'The API key is wrong.',
          'unauthorized',
        );
        return;
      }
      this.#authenticated = true;
    }
    let format: ResolvedFormat;
    let voice: VoiceEntry;
    try {
      format = resolveFormat(init.format);
      voice = this.#voice(init.voice ?? DEFAULT_VOICE);
    } catch (error) {
      if (!(error instanceof TtsError)) throw error;
      this.#fatal(error.code, `init: ${error.message}`, 'bad_init', error.param);
      return;
    }
    this.#settings = {
      format,
      voice,
      speed: init.speed,
      pitch: init.pitch,
      segmentation: init.segmentation,
      timestamps: init.timestamps,
      idleFlushMs: init.idle_flush_ms ?? this.deps.config.wsIdleFlushMs,
    };
    this.#send({
      type: 'ready',
      protocol_version: PROTOCOL_VERSION,
      server_version: this.deps.version,
      session_id: this.id,
      codec: this.#codec.name,
      format,
      voice: voice.id,
      segmentation: init.segmentation,
      timestamps: init.timestamps,
      limits: this.limits,
    });
  }

  #dispatch(message: ParsedClientMessage): void {
    switch (message.type) {
      case 'init':
        throw new TtsError(
          'invalid_request',
          'The session is already initialized; open a new socket to change its settings.',
          'type',
        );
      case 'ping':
        this.#send(
          message.id === undefined
            ? { type: 'pong', server_time_ms: Date.now() }
            : { type: 'pong', id: message.id, server_time_ms: Date.now() },
        );
        return;
      case 'text':
      case 'speak': {
        this.#checkText(message.text, message.context_id);
        const voice = message.voice === undefined ? undefined : this.#voice(message.voice, message.context_id);
        const context = this.#context(message.context_id, voice);
        if (context.ended) {
          throw Object.assign(
            new TtsError(
              'context_closed',
              `Context "${message.context_id}" has ended; use a new context_id for more text.`,
              'context_id',
            ),
            { contextId: message.context_id },
          );
        }
        context.pushText(message.text, voice);
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
        else this.#send({ type: 'cancelled', context_id: message.context_id });
        return;
      }
    }
  }

  #checkText(text: string, contextId: string): void {
    const { maxTextChars } = this.deps.config;
    if (text.length > maxTextChars) {
      throw Object.assign(
        new TtsError(
          'text_too_long',
          `The text is ${text.length} characters; the limit per message is ${maxTextChars} (limits.max_text_chars). Send it in pieces.`,
          'text',
        ),
        { contextId },
      );
    }
  }

  #voice(name: string, contextId?: string): VoiceEntry {
    const voice = this.deps.catalog.resolve(name);
    if (voice) return voice;
    const hint = this.deps.catalog.installHint(name);
    if (hint) throw Object.assign(new TtsError('voice_not_found', hint, 'voice'), contextId ? { contextId } : {});
    const known = this.deps.catalog
      .list()
      .map((v) => v.id)
      .join(', ');
    throw Object.assign(
      new TtsError('voice_not_found', `Unknown voice "${name}"; available: ${known}.`, 'voice'),
      contextId ? { contextId } : {},
    );
  }

  /** The open context of that id, or a new one. */
  #context(id: string, voice?: VoiceEntry): RealtimeContext {
    const existing = this.#contexts.get(id);
    if (existing) return existing;
    const settings = this.#settings as SessionSettings;
    if (this.#contexts.size >= this.deps.config.wsMaxContexts) {
      throw Object.assign(
        new TtsError(
          'too_many_contexts',
          `This session has ${this.#contexts.size} open contexts, its limit (limits.max_contexts); end or cancel one first.`,
          'context_id',
        ),
        { contextId: id },
      );
    }
    const context = new RealtimeContext(id, voice ?? settings.voice, this.#contextHost(settings));
    this.#contexts.set(id, context);
    return context;
  }

  #contextHost(settings: SessionSettings): ContextHost {
    const { scheduler } = this.deps;
    return {
      format: settings.format,
      speed: settings.speed,
      pitch: settings.pitch,
      timestamps: settings.timestamps,
      segmentation: settings.segmentation,
      idleFlushMs: settings.idleFlushMs,
      get engines(): readonly EngineInfo[] {
        return scheduler.engines;
      },
      openStream: (): SchedulerStream => scheduler.openStream(),
      send: (message: ContextMessage) => this.#send(message),
      writable: () => this.#writable(),
      finished: (context) => {
        if (this.#contexts.get(context.id) === context) this.#contexts.delete(context.id);
        this.#lastActivity = Date.now();
      },
      failed: (context, error) => {
        if (error instanceof TtsError) {
          this.#sendError(error.code, error.message, false, context.id);
        } else {
          this.#log.error({ err: error, context: context.id }, 'realtime context failed');
          this.#sendError(
            'internal_error',
            'Synthesis failed (a bug in the server); the context was stopped.',
            false,
            context.id,
          );
        }
        context.cancel();
      },
    };
  }

  // ─── Outgoing ───────────────────────────────────────────────────────────────────────────────

  #send(message: ServerMessage): void {
    if (this.#closing || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(this.#codec.encode(message));
  }

  #sendError(code: ErrorCode, message: string, fatal: boolean, contextId?: string, param?: string): void {
    this.#send({
      type: 'error',
      code,
      message,
      fatal,
      ...(contextId === undefined ? {} : { context_id: contextId }),
      ...(param === undefined ? {} : { param }),
    });
  }

  #clientError(error: TtsError): void {
    const contextId = (error as TtsError & { contextId?: string }).contextId;
    if (!this.#settings && error.code !== 'server_busy') {
      // Nothing valid arrived yet: the client is not speaking this protocol.
      this.#fatal(error.code, error.message, 'bad_init', error.param);
      return;
    }
    this.#sendError(error.code, error.message, false, contextId, error.param);
    if (++this.#clientErrors >= MAX_CLIENT_ERRORS) {
      this.#fatal('invalid_request', `${MAX_CLIENT_ERRORS} invalid messages on one session; closing it.`, 'over_limits');
    }
  }

  /** Sends a fatal error, stops every context and closes with `closeCode`. */
  #fatal(code: ErrorCode, message: string, closeCode: CloseCodeName, param?: string): void {
    if (this.#closing) return;
    this.#sendError(code, message, true, undefined, param);
    this.#log.info({ code, closeCode }, 'realtime session closed by server');
    this.#closing = true;
    this.#stopAll();
    // The close frame follows any audio still queued; a client that never reads is cut off by ws.
    this.ws.close(CLOSE_CODES[closeCode], message.slice(0, 120));
  }

  /** Resolves when the socket's queue is under the limit again; undefined when it is now. */
  #writable(): Promise<void> | undefined {
    if (this.ws.bufferedAmount <= this.deps.config.wsMaxBufferedBytes || this.#closing) return undefined;
    if (this.#drainWaiters.length === 0) this.#blockedSince = Date.now();
    const waiting = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.#drainTimer ??= setInterval(() => this.#checkDrain(), 5);
    return waiting;
  }

  #checkDrain(): void {
    const { wsMaxBufferedBytes, wsSlowConsumerMs } = this.deps.config;
    const drained = this.ws.bufferedAmount <= wsMaxBufferedBytes / 2;
    if (!drained && !this.#closing && Date.now() - this.#blockedSince > wsSlowConsumerMs) {
      this.#fatal(
        'slow_consumer',
        `Audio waited unread for ${wsSlowConsumerMs} ms (limits.slow_consumer_ms); read the socket faster.`,
        'slow_consumer',
      );
    }
    if (drained || this.#closing) this.#releaseWaiters();
  }

  #releaseWaiters(): void {
    clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #checkIdle(): void {
    if (this.#closing) return;
    const busy = [...this.#contexts.values()].some((c) => c.busy);
    if (busy) {
      this.#lastActivity = Date.now();
      return;
    }
    const { wsIdleTimeoutMs } = this.deps.config;
    if (Date.now() - this.#lastActivity >= wsIdleTimeoutMs) {
      this.#fatal(
        'idle_timeout',
        `Nothing was sent or spoken for ${wsIdleTimeoutMs} ms (limits.idle_timeout_ms).`,
        'idle_timeout',
      );
    }
  }

  #stopAll(): void {
    for (const context of [...this.#contexts.values()]) context.cancel(false);
    this.#contexts.clear();
    this.#releaseWaiters();
  }

  #onClose(code: number): void {
    this.#closing = true;
    clearInterval(this.#idleTimer);
    this.#stopAll();
    this.#log.debug({ code }, 'realtime session ended');
  }
}

/** The session's audio format from what `init` asked, with defaults; a 400 naming the field otherwise. */
export function resolveFormat(format: Init['format']): ResolvedFormat {
  const { encoding, channels } = format;
  if (encoding === 'opus') {
    if (format.sample_rate !== undefined && format.sample_rate !== 48000) {
      throw new TtsError(
        'unsupported_format',
        `Opus runs at 48000 Hz only, not ${format.sample_rate}; omit format.sample_rate or use pcm_s16le.`,
        'format.sample_rate',
      );
    }
    if (format.frame_ms !== undefined && format.frame_ms !== 20) {
      throw new TtsError(
        'unsupported_format',
        `Opus audio comes in 20 ms packets only, not ${format.frame_ms} ms; omit format.frame_ms.`,
        'format.frame_ms',
      );
    }
    return { encoding, sample_rate: 48000, channels, frame_ms: 20 };
  }
  const rate = format.sample_rate ?? (encoding === 'mulaw' ? 8000 : 24000);
  if (!(PCM_SAMPLE_RATES as readonly number[]).includes(rate)) {
    throw new TtsError(
      'unsupported_format',
      `format.sample_rate must be one of ${PCM_SAMPLE_RATES.join(', ')}, not ${rate}.`,
      'format.sample_rate',
    );
  }
  const frameMs = format.frame_ms ?? 20;
  if (frameMs < 20 || frameMs > 100) {
    throw new TtsError('unsupported_format', `format.frame_ms must be between 20 and 100, not ${frameMs}.`, 'format.frame_ms');
  }
  return { encoding, sample_rate: rate, channels, frame_ms: frameMs };
}
