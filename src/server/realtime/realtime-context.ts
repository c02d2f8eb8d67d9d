/**
 * One realtime context: a speech stream (engine/speech-stream.ts) turned into protocol messages.
 * Text goes into the stream as it arrives; what the stream yields becomes `segment`, `words`,
 * `audio` (each segment framed by its own encoder), `segment_end`, `flushed` and finally `done`,
 * sent in order at the pace the socket takes them. `cancel()` is final: from that moment nothing
 * of this context reaches the socket except its `cancelled`.
 */
import type { ContextMessage, ResolvedFormat } from '../../../protocol/messages.js';
import { frameSamples } from '../../audio/audio-framer.js';
import type { AudioEncoder } from '../../audio/encoder.js';
import type { EngineVoiceRef, FlushMark, SpeechStream } from '../../engine/speech-stream.js';

/** What a context needs from its session. */
export interface ContextHost {
  readonly format: ResolvedFormat;
  readonly timestamps: boolean;
  /** The context's speech stream, speaking `voice` unless told otherwise. */
  openStream(voice: EngineVoiceRef): SpeechStream;
  /** An encoder of one segment's frames in the session's format, each frame to `onFrame`. */
  frameEncoder(onFrame: (frame: Uint8Array) => void): Promise<AudioEncoder>;
  /** Sends a message of this context. */
  send(message: ContextMessage): void;
  /** Resolves when the socket can take more audio; undefined when it can now. */
  writable(): Promise<void> | undefined;
  /** The context is over (done or cancelled): forget it. */
  finished(context: RealtimeContext): void;
  /** A context failed for a reason of ours: report it (the context is then cancelled). */
  failed(context: RealtimeContext, error: unknown): void;
  /** The context's first audio went to the socket `seconds` after its first sentence was ready (for metrics). */
  firstAudio?(engine: string, seconds: number): void;
}

/** Where a context is: taking text, ended (speaking the rest), or over (done or cancelled). */
type ContextState = { kind: 'open' } | { kind: 'ended' } | { kind: 'over'; how: 'done' | 'cancelled' };

export class RealtimeContext {
  readonly #stream: SpeechStream;
  #state: ContextState = { kind: 'open' };
  /** The current segment's encoder. */
  #encoder: AudioEncoder | undefined;
  /** Messages waiting for the socket, in order; an audio frame gets its place on the timeline when sent. */
  readonly #outbox: (ContextMessage | { segmentId: number; frame: Uint8Array })[] = [];
  #pumping = false;
  /** Waiting for the outbox to empty. */
  readonly #emptied: (() => void)[] = [];
  #nextFlushId = 1;
  #nextSegmentId = 0;
  #seq = 0;
  /** Samples sent so far, per channel, at the format's rate: the context's timeline. */
  #samples = 0;

  constructor(
    readonly id: string,
    private readonly voice: EngineVoiceRef,
    private readonly host: ContextHost,
  ) {
    this.#stream = host.openStream(voice);
    void this.#run();
  }

  /** True once `end` was received: no more text may come. */
  get ended(): boolean {
    return this.#state.kind !== 'open';
  }

  /** Has text queued or audio playing. */
  get busy(): boolean {
    return this.#state.kind !== 'over' && this.#stream.busy;
  }

  /** Characters sent and not yet spoken (see SpeechStream.unspokenChars). */
  get unspokenChars(): number {
    return this.#stream.unspokenChars;
  }

  /** Adds text (with the voice it should be spoken in from now on); `final`: a flush or the end follows at once. */
  pushText(text: string, voice?: EngineVoiceRef, final = false): void {
    this.#stream.pushText(text, voice ? { voice } : {}, final);
  }

  /** Speaks everything received so far, then sends `flushed` with `flushId`. */
  flush(flushId?: FlushMark): void {
    this.#stream.flush(flushId ?? this.#nextFlushId++);
  }

  /** Speaks everything received, then sends `done` and closes. */
  end(): void {
    if (this.#state.kind !== 'open') return;
    this.#setState({ kind: 'ended' });
  }

  /**
   * Stops at once: queued text is dropped, the engine stops at its next step, and `cancelled` is
   * this context's last message. `notify: false` when the socket is going away anyway.
   */
  cancel(options: { notify: boolean } = { notify: true }): void {
    if (this.#state.kind === 'over') return;
    this.#setState({ kind: 'over', how: 'cancelled' });
    if (options.notify) this.host.send({ type: 'cancelled', context_id: this.id });
  }

  /** The one transition: `ended` ends the stream; `over` stops it and its encoder and lets the session forget it. */
  #setState(next: ContextState): void {
    if (this.#state.kind === 'over') return;
    this.#state = next;
    if (next.kind === 'ended') this.#stream.end();
    if (next.kind === 'over') {
      this.#outbox.length = 0;
      this.#stream.cancel();
      this.#encoder?.destroy();
      this.#encoder = undefined;
      this.host.finished(this);
    }
  }

  get #over(): boolean {
    return this.#state.kind === 'over';
  }

  async #run(): Promise<void> {
    let segmentId = 0;
    let startMs = 0;
    try {
      for await (const event of this.#stream) {
        if (this.#over) return;
        switch (event.type) {
          case 'segment':
            segmentId = this.#nextSegmentId++;
            startMs = this.#ms(this.#samples);
            this.#post({ type: 'segment', context_id: this.id, segment_id: segmentId, text: event.text, start_ms: startMs });
            this.#encoder = await this.host.frameEncoder((frame) => this.#post({ segmentId, frame }));
            if (this.#over) this.#encoder.destroy();
            break;
          case 'audio': {
            const { words } = event;
            if (this.host.timestamps && words && words.length > 0) {
              const timed = words.map((w) => ({
                word: w.word,
                start_ms: round(startMs + w.start * 1000),
                end_ms: round(startMs + w.end * 1000),
              }));
              this.#post({ type: 'words', context_id: this.id, segment_id: segmentId, words: timed });
            }
            // Production pauses while the socket is full: nothing more is encoded until it drains.
            const wait = this.host.writable();
            if (wait) await wait;
            this.#encoder?.write(event.pcm);
            break;
          }
          case 'segmentEnd':
            await this.#encoder?.end();
            await this.#sent();
            this.#encoder = undefined;
            this.#post({
              type: 'segment_end',
              context_id: this.id,
              segment_id: segmentId,
              start_ms: startMs,
              end_ms: this.#ms(this.#samples),
            });
            break;
          case 'flushed':
            this.#post({ type: 'flushed', context_id: this.id, flush_id: event.mark });
            break;
        }
      }
      if (this.#over) return;
      await this.#sent();
      this.#deliver({ type: 'done', context_id: this.id, duration_ms: this.#ms(this.#samples) });
      this.#setState({ kind: 'over', how: 'done' });
    } catch (error) {
      if (!this.#over) this.host.failed(this, error);
    }
  }

  /** Sends a message or an audio frame in order, after what was posted before it. */
  #post(item: ContextMessage | { segmentId: number; frame: Uint8Array }): void {
    this.#outbox.push(item);
    if (!this.#pumping) this.#pump().catch((error: unknown) => this.host.failed(this, error));
  }

  /** Hands the outbox to the socket in order; audio waits while the socket is full. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let item = this.#outbox.shift(); item; item = this.#outbox.shift()) {
        if (!('frame' in item)) {
          this.#deliver(item);
          continue;
        }
        const wait = this.host.writable();
        if (wait) await wait;
        const samples = frameSamples(this.host.format, item.frame.length);
        const readyAt = this.#stream.firstSegmentAt;
        if (this.#seq === 0 && readyAt !== undefined) {
          this.host.firstAudio?.(this.voice.engine, (performance.now() - readyAt) / 1000);
        }
        this.#deliver({
          type: 'audio',
          context_id: this.id,
          segment_id: item.segmentId,
          seq: this.#seq++,
          pts_ms: this.#ms(this.#samples),
          dur_ms: this.#ms(samples),
          data: item.frame,
        });
        this.#samples += samples;
      }
    } finally {
      this.#pumping = false;
      for (const resolve of this.#emptied.splice(0)) resolve();
    }
  }

  /** Resolves once everything posted so far is on the socket. */
  #sent(): Promise<void> {
    if (!this.#pumping && this.#outbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptied.push(resolve));
  }

  /** Hands a message to the socket now; nothing once the context is over. */
  #deliver(message: ContextMessage): void {
    if (this.#state.kind !== 'over') this.host.send(message);
  }

  #ms(samples: number): number {
    return round((samples * 1000) / this.host.format.sample_rate);
  }
}

/** Milliseconds to 0.01 ms. */
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
