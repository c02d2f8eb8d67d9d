/**
 * A typed client of the realtime protocol, for Node (it uses the `ws` package).
 *
 *   const client = await createRealtimeClient('ws://127.0.0.1:8000/v1/realtime', { format: { encoding: 'opus' } });
 *   const reply = client.context();
 *   reply.pushText('Hello ');
 *   reply.pushText('there.');
 *   reply.end();
 *   for await (const event of reply) if (event.type === 'audio') play(event.data);
 *
 * Each context is an async iterable of its server messages, in order, ending after `done` or
 * `cancelled`; it throws {@link RealtimeClosedError} if the socket closes first. Reconnecting is
 * the caller's choice: create a new client.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { AsyncQueue } from './async-queue.js';
import { type CodecName, getCodec, SUBPROTOCOLS } from './protocol/codec.js';
import type { ErrorCode } from './protocol/errors.js';
import {
  type AudioMessage,
  type CancelledMessage,
  type ClientMessage,
  type ContextMessage,
  type DoneMessage,
  type ErrorMessage,
  type FlushedMessage,
  type OutputFormatRequest,
  PROTOCOL_VERSION,
  REALTIME_PATH,
  type ReadyMessage,
  type ServerMessage,
} from './protocol/messages.js';

/** Options of {@link createRealtimeClient}. */
export interface RealtimeClientOptions {
  /** API key of the server, if it has one. */
  apiKey?: string;
  /** Send the key in `init.token` instead of an `Authorization` header (what browsers must do). */
  tokenInInit?: boolean;
  /** Wire codec. Default `msgpack`. */
  codec?: CodecName;
  /** Default voice of every context. */
  voice?: string;
  speed?: number;
  /** Pitch shift in semitones. */
  pitch?: number;
  /** Audio format. Default Opus, 48 kHz mono, 20 ms packets. */
  format?: OutputFormatRequest;
  /** Server-side sentence segmentation. Default `true`. */
  segmentation?: boolean;
  /** Ask for word timestamps. Default `false`. */
  timestamps?: boolean;
  idleFlushMs?: number;
  /** Give up connecting after this long. Default 10 s. */
  connectTimeoutMs?: number;
}

/** The socket closed while something was still waiting on it. */
export class RealtimeClosedError extends Error {
  override readonly name = 'RealtimeClosedError';
  constructor(
    readonly code: number,
    readonly reason: string,
    /** The fatal `error` message that preceded the close, if any. */
    readonly error?: ErrorMessage,
  ) {
    super(error ? `${error.code}: ${error.message}` : `realtime socket closed (${code}${reason ? `: ${reason}` : ''})`);
  }
}

/** An `error` message about a request, as an exception. */
export class RealtimeRequestError extends Error {
  override readonly name = 'RealtimeRequestError';
  readonly code: ErrorCode;
  constructor(readonly error: ErrorMessage) {
    super(error.message);
    this.code = error.code;
  }
}

/** Server messages of one context, as a context iterates them. */
export type ContextEvent = ContextMessage;

/** One context: push text in, iterate its events out. */
export class RealtimeContextHandle implements AsyncIterable<ContextEvent> {
  readonly #queue = new AsyncQueue<ContextEvent>();
  readonly #flushes = new Map<string | number, { resolve: (m: FlushedMessage) => void; reject: (e: Error) => void }>();
  #nextFlushId = 1;
  #finished: Promise<DoneMessage | CancelledMessage>;
  #finish!: { resolve: (m: DoneMessage | CancelledMessage) => void; reject: (e: Error) => void };
  #over = false;
  /** Something of this context has arrived from the server (so its messages were accepted). */
  #heard = false;

  constructor(
    readonly id: string,
    private readonly client: RealtimeClient,
    /** Opened by `speak()`: text and end in one message, so its refusal ends the context. */
    private readonly oneShot = false,
  ) {
    this.#finished = new Promise((resolve, reject) => {
      this.#finish = { resolve, reject };
    });
    // Nobody may await it; a close must not become an unhandled rejection.
    this.#finished.catch(() => {});
  }

  /** Resolves with `done` or `cancelled`, whichever ends the context. */
  get finished(): Promise<DoneMessage | CancelledMessage> {
    return this.#finished;
  }

  /** Sends text (`flush` speaks everything up to it now). Throws once the context is over. */
  pushText(text: string, options: { flush?: boolean; voice?: string } = {}): void {
    this.#assertOpen();
    this.client.send({
      type: 'text',
      context_id: this.id,
      text,
      ...(options.flush ? { flush: true } : {}),
      ...(options.voice === undefined ? {} : { voice: options.voice }),
    });
  }

  /** Asks the server to speak everything sent so far; resolves when its last audio has been sent. */
  flush(flushId: string | number = `f${this.#nextFlushId++}`): Promise<FlushedMessage> {
    this.#assertOpen();
    const flushed = new Promise<FlushedMessage>((resolve, reject) => this.#flushes.set(flushId, { resolve, reject }));
    flushed.catch(() => {});
    this.client.send({ type: 'flush', context_id: this.id, flush_id: flushId });
    return flushed;
  }

  /** No more text: the server speaks the rest, then sends `done`. */
  end(): Promise<DoneMessage | CancelledMessage> {
    if (!this.#over) this.client.send({ type: 'end', context_id: this.id });
    return this.#finished;
  }

  #assertOpen(): void {
    if (this.#over) throw new Error(`context "${this.id}" is over (done or cancelled); open a new one for more text`);
  }

  /** Stops now (barge-in). Resolves on `cancelled`, after which nothing of this context arrives. */
  cancel(): Promise<DoneMessage | CancelledMessage> {
    if (!this.#over) this.client.send({ type: 'cancel', context_id: this.id });
    return this.#finished;
  }

  /** Only the audio messages. */
  async *audio(): AsyncGenerator<AudioMessage> {
    for await (const event of this) if (event.type === 'audio') yield event;
  }

  [Symbol.asyncIterator](): AsyncIterator<ContextEvent> {
    return this.#queue[Symbol.asyncIterator]();
  }

  /** @internal */
  deliver(message: ContextMessage): void {
    if (this.#over) return;
    this.#heard = true;
    this.#queue.push(message);
    if (message.type === 'flushed') {
      this.#flushes.get(message.flush_id)?.resolve(message);
      this.#flushes.delete(message.flush_id);
    } else if (message.type === 'done' || message.type === 'cancelled') {
      this.#over = true;
      this.#queue.end();
      this.#finish.resolve(message);
      for (const waiter of this.#flushes.values()) waiter.reject(new Error(`context ${message.type} before the flush`));
      this.#flushes.clear();
    }
  }

  /**
   * @internal An `error` naming this context. Ends it when it refused the one `speak` message
   * (an unknown voice, say: nothing will follow); returns whether it did.
   */
  refused(error: ErrorMessage): boolean {
    if (this.#over || !this.oneShot || this.#heard) return false;
    this.abort(new RealtimeRequestError(error));
    return true;
  }

  /** @internal */
  abort(error: Error): void {
    if (this.#over) return;
    this.#over = true;
    this.#queue.fail(error);
    this.#finish.reject(error);
    for (const waiter of this.#flushes.values()) waiter.reject(error);
    this.#flushes.clear();
  }

  /** @internal */
  get over(): boolean {
    return this.#over;
  }
}

/**
 * A connected realtime session. Emits `message` (every server message), `error` only with a
 * listener attached (session-level `error` messages), and `close` (code, reason).
 */
export class RealtimeClient extends EventEmitter {
  readonly #contexts = new Map<string, RealtimeContextHandle>();
  readonly #pings = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  #nextContext = 1;
  #nextPing = 1;
  #fatal: ErrorMessage | undefined;
  #closed: RealtimeClosedError | undefined;

  /** @internal */
  constructor(
    private readonly ws: WebSocket,
    private readonly codec: ReturnType<typeof getCodec>,
    /** The server's `ready`: the session's format, voice and limits. */
    readonly ready: ReadyMessage,
  ) {
    super();
    ws.on('message', (data, isBinary) => {
      const message = codec.decode(isBinary ? (data as Buffer) : data.toString()) as ServerMessage;
      this.#receive(message);
    });
    ws.on('close', (code, reason) => {
      this.#closed = new RealtimeClosedError(code, reason.toString(), this.#fatal);
      for (const context of this.#contexts.values()) context.abort(this.#closed);
      this.#contexts.clear();
      for (const ping of this.#pings.values()) ping.reject(this.#closed);
      this.#pings.clear();
      this.emit('close', code, reason.toString());
    });
  }

  /** Set once the socket has closed. */
  get closed(): RealtimeClosedError | undefined {
    return this.#closed;
  }

  /** Opens a context (the server creates it with its first message). */
  context(id = `ctx-${this.#nextContext++}`): RealtimeContextHandle {
    return this.#open(id, false);
  }

  #open(id: string, oneShot: boolean): RealtimeContextHandle {
    const existing = this.#contexts.get(id);
    if (existing && !existing.over) return existing;
    const context = new RealtimeContextHandle(id, this, oneShot);
    this.#contexts.set(id, context);
    return context;
  }

  /**
   * Speaks `text` in a new context (text + end in one message). If the server refuses it (an
   * unknown voice, text the voice cannot read), iterating the context and `finished` fail with
   * {@link RealtimeRequestError}.
   */
  speak(text: string, options: { contextId?: string; voice?: string } = {}): RealtimeContextHandle {
    const context = this.#open(options.contextId ?? `ctx-${this.#nextContext++}`, true);
    this.send({ type: 'speak', context_id: context.id, text, ...(options.voice === undefined ? {} : { voice: options.voice }) });
    return context;
  }

  /** Round-trip time to the server, in ms. Rejects with {@link RealtimeClosedError} if the socket closes first. */
  ping(): Promise<number> {
    const id = `p${this.#nextPing++}`;
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      this.send({ type: 'ping', id });
      this.#pings.set(id, { resolve: () => resolve(performance.now() - sentAt), reject });
    });
  }

  /** Sends a raw protocol message. */
  send(message: ClientMessage): void {
    if (this.#closed) throw this.#closed;
    this.ws.send(this.codec.encode(message));
  }

  /** Closes the socket (1000); open contexts end with {@link RealtimeClosedError}. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(1000);
    await closed;
  }

  #receive(message: ServerMessage): void {
    this.emit('message', message);
    if (message.type === 'pong') {
      const id = String(message.id);
      this.#pings.get(id)?.resolve();
      this.#pings.delete(id);
      return;
    }
    if (message.type === 'error' && message.fatal) this.#fatal = message;
    if ('context_id' in message && message.context_id !== undefined) {
      const context = this.#contexts.get(message.context_id);
      if (context && message.type === 'error' && context.refused(message)) {
        this.#contexts.delete(message.context_id);
        return;
      }
      if (context) {
        context.deliver(message as ContextMessage);
        if (context.over) this.#contexts.delete(message.context_id);
        return;
      }
    }
    if (message.type === 'error' && this.listenerCount('error') > 0) this.emit('error', new RealtimeRequestError(message));
  }
}

function realtimeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = REALTIME_PATH;
  return parsed.toString();
}

/**
 * Connects to a Flash-TTS realtime endpoint (a server's base URL or its `/v1/realtime` URL) and
 * resolves once the server is `ready`. Rejects with {@link RealtimeClosedError} when the server
 * refuses (wrong key, bad format…), or an Error when it cannot be reached.
 */
export function createRealtimeClient(url: string, options: RealtimeClientOptions = {}): Promise<RealtimeClient> {
  const codecName = options.codec ?? 'msgpack';
  const codec = getCodec(codecName);
  const headers: Record<string, string> = {};
  if (options.apiKey !== undefined && !options.tokenInInit) headers.authorization = `Bearer ${options.apiKey}`;
  const ws = new WebSocket(realtimeUrl(url), [SUBPROTOCOLS[codecName]], { headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    let fatal: ErrorMessage | undefined;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no "ready" from ${url} within ${options.connectTimeoutMs ?? 10_000} ms`));
    }, options.connectTimeoutMs ?? 10_000);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      const message = codec.decode(isBinary ? (data as Buffer) : data.toString()) as ServerMessage;
      if (message.type === 'error') fatal = message;
      if (message.type !== 'ready') return;
      cleanup();
      resolve(new RealtimeClient(ws, codec, message));
    };
    const onClose = (code: number, reason: Buffer): void => {
      cleanup();
      reject(new RealtimeClosedError(code, reason.toString(), fatal));
    };
    const onError = (error: Error): void => {
      cleanup();
      ws.terminate();
      reject(error);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
      ws.on('error', () => {}); // later socket errors surface as 'close'
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    ws.on('open', () => {
      const init: ClientMessage = {
        type: 'init',
        version: PROTOCOL_VERSION,
        ...(options.apiKey !== undefined && options.tokenInInit ? { token: options.apiKey } : {}),
        ...(options.voice === undefined ? {} : { voice: options.voice }),
        ...(options.speed === undefined ? {} : { speed: options.speed }),
        ...(options.pitch === undefined ? {} : { pitch: options.pitch }),
        ...(options.format === undefined ? {} : { format: options.format }),
        ...(options.segmentation === undefined ? {} : { segmentation: options.segmentation }),
        ...(options.timestamps === undefined ? {} : { timestamps: options.timestamps }),
        ...(options.idleFlushMs === undefined ? {} : { idle_flush_ms: options.idleFlushMs }),
      };
      ws.send(codec.encode(init));
    });
  });
}
