/**
 * One realtime WebSocket session: its lifecycle and flow control. A session waits for `init`,
 * is open, or is closing — one state at a time, changed by one transition that clears what the
 * state held. It guards the socket: limits, the idle timeout, and backpressure (production waits
 * while more than `max_buffered_bytes` are unsent, counted by `ws.send` callbacks; a client that
 * leaves it there for `slow_consumer_ms` is closed instead of growing the server's memory).
 * Frames are decoded by message-decoder.ts; what messages do is session-dispatch.ts's.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { type Codec, getCodec } from '../../../protocol/codec.js';
import { CLOSE_CODES, type CloseCodeName, type ErrorCode } from '../../../protocol/errors.js';
import { type Limits, type ParsedClientMessage, PROTOCOL_VERSION, type ServerMessage } from '../../../protocol/messages.js';
import { TtsError } from '../../errors.js';
import type { AppContext } from '../app-context.js';
import { decodeClientFrame } from './message-decoder.js';
import { SessionDispatch, sessionSettings } from './session-dispatch.js';

/** What sessions share. */
export interface SessionDeps extends AppContext {
  version: string;
  /** Checks an `init.token` against the API key. */
  checkToken(token: string | undefined): boolean;
}

/** Protocol errors a session may make before it is closed with `over_limits`. */
export const MAX_CLIENT_ERRORS = 100;

type Init = Extract<ParsedClientMessage, { type: 'init' }>;

/**
 * Where a session is. The idle timer runs until `closing`; the slow-consumer timer runs while the
 * socket is over its buffer limit.
 */
type SessionState =
  | { kind: 'awaitingInit'; authenticated: boolean }
  | { kind: 'open'; dispatch: SessionDispatch }
  | { kind: 'closing' };

/** A fatal error: what to tell the client, and how to close. */
interface Fatal {
  code: ErrorCode;
  message: string;
  close: CloseCodeName;
  param?: string | undefined;
}

export class RealtimeSession {
  readonly id = randomUUID();
  #codec: Codec;
  /** The client named a codec; else the first frame decides (a text frame: JSON). */
  #codecSettled: boolean;
  readonly #log: Logger;
  #state: SessionState;
  #lastActivity = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;
  #clientErrors = 0;
  /** Bytes handed to `ws.send` whose callback has not come yet. */
  #unsent = 0;
  #drainWaiters: (() => void)[] = [];
  #slowConsumerTimer: NodeJS.Timeout | undefined;
  /** Pings that may be answered now (refilled at `wsMaxPingsPerSecond`), and when they were last refilled. */
  #pingTokens: number;
  #pingsRefilledAt = Date.now();

  /** The client's address, for the per-client stream limit. */
  readonly #client: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
    options: { codec: 'msgpack' | 'json'; codecAsked?: boolean; authenticated: boolean; client?: string | undefined },
  ) {
    this.#client = options.client;
    this.#codec = getCodec(options.codec);
    this.#codecSettled = options.codecAsked ?? true;
    this.#state = { kind: 'awaitingInit', authenticated: options.authenticated };
    this.#pingTokens = deps.config.wsMaxPingsPerSecond;
    this.#log = deps.log.child({ session: this.id });
    this.#armIdleTimer(deps.config.wsIdleTimeoutMs);
    ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    ws.on('close', (code) => {
      this.#setState({ kind: 'closing' });
      this.#log.debug({ code }, 'realtime session ended');
    });
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
      idle_flush_ms: this.#state.kind === 'open' ? this.#state.dispatch.settings.idleFlushMs : c.wsIdleFlushMs,
      max_buffered_bytes: c.wsMaxBufferedBytes,
      slow_consumer_ms: c.wsSlowConsumerMs,
      max_speech_seconds: c.maxSpeechSeconds,
      max_pings_per_second: c.wsMaxPingsPerSecond,
      max_invalid_messages: MAX_CLIENT_ERRORS,
    };
  }

  /** True once the session is closing (by either side). */
  get closing(): boolean {
    return this.#state.kind === 'closing';
  }

  /** Has a context open (text may still come, or audio is still to be sent): a draining node waits for it. */
  get inFlight(): boolean {
    return this.#state.kind === 'open' && this.#state.dispatch.openContexts > 0;
  }

  /**
   * Closes the session (server shutdown) with `close` (default going away; 1012 after a drain);
   * resolves once closed, cutting it off after `graceMs`.
   */
  shutdown(graceMs = 1000, close: CloseCodeName = 'going_away'): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) resolve();
      else this.ws.once('close', () => resolve());
    });
    this.#fatal({ code: 'server_busy', message: 'The server is shutting down; reconnect shortly.', close });
    const timer = setTimeout(() => this.ws.terminate(), graceMs);
    return closed.finally(() => clearTimeout(timer));
  }

  /**
   * The one transition. Leaving `open` stops every context; `closing` also stops the timers and
   * releases whoever waits for the socket.
   */
  #setState(next: SessionState): void {
    const previous = this.#state;
    if (previous.kind === 'closing') return;
    this.#state = next;
    if (previous.kind === 'open' && next.kind !== 'open') previous.dispatch.stopAll();
    if (next.kind === 'closing') {
      clearTimeout(this.#idleTimer);
      this.#releaseWriters();
    }
  }

  // ─── Incoming ───────────────────────────────────────────────────────────────────────────────

  #onFrame(data: Buffer, isBinary: boolean): void {
    const state = this.#state;
    if (state.kind === 'closing') return;
    this.#touch();
    if (!this.#codecSettled) {
      // No codec asked for: a client whose first frame is JSON text reads JSON replies.
      this.#codecSettled = true;
      if (!isBinary) this.#codec = getCodec('json');
    }
    try {
      const message = decodeClientFrame(data, isBinary, { codec: this.#codec, maxBytes: this.deps.config.wsMaxMessageBytes });
      if (message.type === 'ping') this.#takePing();
      if (state.kind === 'open') state.dispatch.handle(message);
      else if (message.type === 'init') this.#init(message, state.authenticated);
      else {
        this.#fatal({
          code: 'not_initialized',
          message: `The first message must be "init", not "${message.type}".`,
          close: 'bad_init',
        });
      }
    } catch (error) {
      if (error instanceof TtsError) this.#clientError(error);
      else {
        this.#log.error({ err: error }, 'realtime message failed');
        this.#sendError(new TtsError('internal_error', 'The server failed to handle that message (a bug); the session goes on.'));
      }
    }
  }

  /** Spends one ping of the rate; throws `rate_limited` when there is none left this second. */
  #takePing(): void {
    const perSecond = this.deps.config.wsMaxPingsPerSecond;
    const now = Date.now();
    this.#pingTokens = Math.min(perSecond, this.#pingTokens + ((now - this.#pingsRefilledAt) * perSecond) / 1000);
    this.#pingsRefilledAt = now;
    if (this.#pingTokens >= 1) {
      this.#pingTokens--;
      return;
    }
    throw new TtsError(
      'rate_limited',
      `More than ${perSecond} pings a second (limits.max_pings_per_second); this one is not answered. Ping less often.`,
      { param: 'type' },
    );
  }

  #init(init: Init, authenticated: boolean): void {
    if (init.version !== PROTOCOL_VERSION) {
      this.#fatal({
        code: 'unsupported_version',
        message: `This server speaks protocol version ${PROTOCOL_VERSION}, not ${init.version}.`,
        close: 'bad_init',
      });
      return;
    }
    if (!authenticated && !this.deps.checkToken(init.token)) {
      this.#fatal({
        code: 'unauthorized',
        message:
          init.token === undefined
            ? 'This server needs an API key: send "Authorization: Bearer <key>" when connecting, or "token" in init.'
            : 'The API key is wrong.',
        close: 'unauthorized',
      });
      return;
    }
    let settings: ReturnType<typeof sessionSettings>;
    try {
      settings = sessionSettings(init, this.deps);
    } catch (error) {
      if (!(error instanceof TtsError)) throw error;
      this.#fatal({ code: error.code, message: `init: ${error.message}`, close: 'bad_init', param: error.param });
      return;
    }
    const dispatch = new SessionDispatch(settings, this.deps, {
      client: this.#client,
      send: (message) => this.#send(message),
      reportError: (error) => this.#sendError(error),
      writable: () => this.#writable(),
      touch: () => this.#touch(),
      log: this.#log,
    });
    this.#setState({ kind: 'open', dispatch });
    this.#send({
      type: 'ready',
      protocol_version: PROTOCOL_VERSION,
      server_version: this.deps.version,
      session_id: this.id,
      codec: this.#codec.name,
      format: settings.format,
      voice: settings.voice.id,
      segmentation: settings.segmentation,
      timestamps: settings.timestamps,
      limits: this.limits,
    });
  }

  // ─── Outgoing ───────────────────────────────────────────────────────────────────────────────

  #send(message: ServerMessage): void {
    if (this.#state.kind === 'closing' || this.ws.readyState !== this.ws.OPEN) return;
    const bytes = this.#codec.encode(message);
    const { wsMaxBufferedBytes } = this.deps.config;
    // Every message counts, not only audio: replies to a flood of pings or cancels that the
    // client never reads are held to the same limit and the same slow-consumer rule.
    this.#unsent += bytes.length;
    if (this.#unsent > wsMaxBufferedBytes) this.#armSlowConsumer();
    this.ws.send(bytes, () => {
      this.#unsent -= bytes.length;
      if (this.#slowConsumerTimer !== undefined && this.#unsent <= wsMaxBufferedBytes / 2) this.#releaseWriters();
    });
  }

  /** Closes the session with `slow_consumer` unless its backlog drains within `slow_consumer_ms`. */
  #armSlowConsumer(): void {
    if (this.#slowConsumerTimer !== undefined || this.#state.kind === 'closing') return;
    const { wsSlowConsumerMs } = this.deps.config;
    this.#slowConsumerTimer = setTimeout(
      () =>
        this.#fatal({
          code: 'slow_consumer',
          message: `Replies waited unread for ${wsSlowConsumerMs} ms (limits.slow_consumer_ms); read the socket faster.`,
          close: 'slow_consumer',
        }),
      wsSlowConsumerMs,
    );
  }

  #sendError(error: TtsError, fatal = false): void {
    this.#send({
      type: 'error',
      code: error.code,
      message: error.message,
      fatal,
      ...(error.contextId === undefined ? {} : { context_id: error.contextId }),
      ...(error.param === undefined ? {} : { param: error.param }),
    });
  }

  #clientError(error: TtsError): void {
    if (this.#state.kind === 'awaitingInit' && error.code !== 'server_busy') {
      // Nothing valid arrived yet: the client is not speaking this protocol.
      this.#fatal({ code: error.code, message: error.message, close: 'bad_init', param: error.param });
      return;
    }
    this.#sendError(error);
    if (++this.#clientErrors >= MAX_CLIENT_ERRORS) {
      this.#fatal({
        code: 'invalid_request',
        message: `${MAX_CLIENT_ERRORS} invalid messages on one session; closing it.`,
        close: 'over_limits',
      });
    }
  }

  /** Sends a fatal error, stops every context and closes with its close code. */
  #fatal(fatal: Fatal): void {
    if (this.#state.kind === 'closing') return;
    this.#sendError(new TtsError(fatal.code, fatal.message, { param: fatal.param }), true);
    this.#log.info({ code: fatal.code, closeCode: fatal.close }, 'realtime session closed by server');
    this.#setState({ kind: 'closing' });
    // The close frame follows any audio still queued; a client that never reads is cut off by ws.
    this.ws.close(CLOSE_CODES[fatal.close], fatal.message.slice(0, 120));
  }

  /** Resolves when the socket's backlog is under the limit again; undefined when it is now. */
  #writable(): Promise<void> | undefined {
    if (this.#unsent <= this.deps.config.wsMaxBufferedBytes || this.#state.kind === 'closing') return undefined;
    this.#armSlowConsumer();
    return new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  #releaseWriters(): void {
    clearTimeout(this.#slowConsumerTimer);
    this.#slowConsumerTimer = undefined;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  // ─── Idle ───────────────────────────────────────────────────────────────────────────────────

  #touch(): void {
    this.#lastActivity = Date.now();
  }

  /** Closes the session once nothing was sent and nothing spoken for the idle timeout. */
  #armIdleTimer(delayMs: number): void {
    this.#idleTimer = setTimeout(() => {
      const { wsIdleTimeoutMs } = this.deps.config;
      if (this.#state.kind === 'open' && this.#state.dispatch.busy) this.#touch();
      const idleFor = Date.now() - this.#lastActivity;
      if (idleFor < wsIdleTimeoutMs) {
        this.#armIdleTimer(wsIdleTimeoutMs - idleFor);
        return;
      }
      this.#fatal({
        code: 'idle_timeout',
        message: `Nothing was sent or spoken for ${wsIdleTimeoutMs} ms (limits.idle_timeout_ms).`,
        close: 'idle_timeout',
      });
    }, delayMs);
  }
}
