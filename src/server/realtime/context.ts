/**
 * One realtime context: an ordered stream of text in and audio out, inside a session. Text is
 * segmented once, here; segments, flush marks and the end mark are consumed in order by one loop
 * that plays segment i while segment i+1 is already synthesizing. `cancel()` is final: from that
 * moment nothing of this context reaches the socket except its `cancelled`.
 */
import type { ContextMessage, ResolvedFormat } from '../../../protocol/messages.js';
import type { SchedulerStream } from '../../engine/scheduler.js';
import { type SegmentSettings, segmentJob } from '../../engine/tts-service.js';
import type { EngineInfo } from '../../engine/types.js';
import type { SegmentChunk } from '../../engine/worker-messages.js';
import { TtsError } from '../../errors.js';
import type { VoiceEntry } from '../../speakers/voice-catalog.js';
import { normalizeText } from '../../text/normalize.js';
import { SentenceSegmenter } from '../../text/segmenter.js';

/**
 * Segments synthesizing at once per context: the one playing and the next. The next one starts
 * once the first has produced audio, so it never competes with the first for a CPU core.
 */
const LOOKAHEAD = 2;

interface SegmentItem {
  kind: 'segment';
  written: string;
  spoken: string;
  voice: VoiceEntry;
  audio?: AsyncIterable<SegmentChunk>;
  /** Its first audio has arrived: the next segment may start synthesizing. */
  started?: boolean;
}
type Item = SegmentItem | { kind: 'flush'; flushId: string | number } | { kind: 'end' };

/** What a context needs from its session. */
export interface ContextHost {
  readonly format: ResolvedFormat;
  readonly speed: number;
  readonly pitch: number;
  readonly timestamps: boolean;
  readonly segmentation: boolean;
  readonly idleFlushMs: number;
  readonly engines: readonly EngineInfo[];
  /** Opens a scheduler stream (throws `server_busy` when the server is full). */
  openStream(): SchedulerStream;
  /** Sends a message of this context. */
  send(message: ContextMessage): void;
  /** Resolves when the socket can take more audio; undefined when it can now. */
  writable(): Promise<void> | undefined;
  /** The context finished (done or cancelled): forget it. */
  finished(context: RealtimeContext): void;
  /** A context failed for a reason of ours. */
  failed(context: RealtimeContext, error: unknown): void;
}

export class RealtimeContext {
  #items: Item[] = [];
  #segmenter: SentenceSegmenter | undefined;
  #voice: VoiceEntry;
  #stream: SchedulerStream | undefined;
  #wake: (() => void) | undefined;
  #idleFlush: NodeJS.Timeout | undefined;
  #nextFlushId = 1;
  #nextSegmentId = 0;
  #seq = 0;
  /** Samples sent so far, per channel, at the format's rate: the context's timeline. */
  #samples = 0;
  #ended = false;
  #cancelled = false;
  #playing = false;

  constructor(
    readonly id: string,
    voice: VoiceEntry,
    private readonly host: ContextHost,
  ) {
    this.#voice = voice;
    this.#segmenter = host.segmentation ? new SentenceSegmenter() : undefined;
    void this.#run();
  }

  /** True once `end` was received: no more text may come. */
  get ended(): boolean {
    return this.#ended;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Has text queued or audio playing. */
  get busy(): boolean {
    return this.#playing || this.#items.length > 0 || (this.#segmenter?.pending.trim() ?? '') !== '';
  }

  /** Adds text (with the voice it should be spoken in from now on). */
  pushText(text: string, voice?: VoiceEntry): void {
    if (voice && voice.id !== this.#voice.id) {
      // Text already received keeps the voice it was sent with.
      this.#enqueueSegments(this.#segmenter?.flush() ?? []);
      this.#voice = voice;
    }
    this.#enqueueSegments(this.#segmenter ? this.#segmenter.push(text) : [text]);
    this.#armIdleFlush();
  }

  /** Speaks everything received so far, then sends `flushed` with `flushId`. Returns the id used. */
  flush(flushId?: string | number): string | number {
    const id = flushId ?? this.#nextFlushId++;
    this.#enqueueSegments(this.#segmenter?.flush() ?? []);
    this.#push({ kind: 'flush', flushId: id });
    return id;
  }

  /** Speaks everything received, then sends `done` and closes. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#idleFlush);
    this.#enqueueSegments(this.#segmenter?.flush() ?? []);
    this.#push({ kind: 'end' });
  }

  /**
   * Stops at once: queued text is dropped, the engine stops at its next step, and `cancelled` is
   * this context's last message. `notify: false` when the socket is going away anyway.
   */
  cancel(notify = true): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    clearTimeout(this.#idleFlush);
    this.#items = [];
    this.#stream?.close();
    this.#stream = undefined;
    if (notify) this.host.send({ type: 'cancelled', context_id: this.id });
    this.#wakeUp();
    this.host.finished(this);
  }

  #enqueueSegments(segments: string[]): void {
    for (const written of segments) {
      const spoken = normalizeText(written);
      if (!/[\p{L}\p{N}]/u.test(spoken)) continue; // nothing to say ("...", emoji)
      this.#push({ kind: 'segment', written, spoken, voice: this.#voice });
    }
  }

  #push(item: Item): void {
    if (this.#cancelled) return;
    this.#items.push(item);
    this.#submitAhead();
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #armIdleFlush(): void {
    clearTimeout(this.#idleFlush);
    const segmenter = this.#segmenter;
    if (!segmenter || this.host.idleFlushMs <= 0 || segmenter.pending.trim() === '') return;
    this.#idleFlush = setTimeout(() => {
      if (!this.#cancelled) this.#enqueueSegments(segmenter.flush());
    }, this.host.idleFlushMs);
  }

  /**
   * Starts synthesis of the first {@link LOOKAHEAD} queued segments not yet started. A full
   * server (`server_busy`) fails the context, which the session reports and cancels.
   */
  #submitAhead(): void {
    try {
      this.#startSegments();
    } catch (error) {
      this.host.failed(this, error);
    }
  }

  #startSegments(): void {
    let seen = 0;
    let previous: SegmentItem | undefined;
    for (const item of this.#items) {
      if (item.kind !== 'segment') continue;
      if (++seen > LOOKAHEAD || (previous && !previous.started)) return;
      previous = item;
      if (item.audio) continue;
      this.#stream ??= this.host.openStream();
      const settings: SegmentSettings = {
        voice: item.voice,
        speed: this.host.speed,
        pitchSemitones: this.host.pitch,
        sampleRate: this.host.format.sample_rate,
      };
      const job = { ...segmentJob(item.spoken, settings, this.host.engines), framing: this.host.format };
      item.audio = this.#stream.submit(job);
    }
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const item = this.#items[0];
        if (this.#cancelled) return;
        if (!item) {
          // Nothing queued: give the scheduler slot back until text arrives.
          this.#stream?.close();
          this.#stream = undefined;
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        if (item.kind === 'segment') {
          this.#playing = true;
          await this.#play(item);
          this.#playing = false;
        } else if (item.kind === 'flush') {
          this.#send({ type: 'flushed', context_id: this.id, flush_id: item.flushId });
        } else {
          this.#send({ type: 'done', context_id: this.id, duration_ms: this.#ms(this.#samples) });
          this.#stream?.close();
          this.host.finished(this);
          return;
        }
        if (this.#cancelled) return;
        this.#items.shift();
        this.#submitAhead();
      }
    } catch (error) {
      this.#playing = false;
      if (this.#cancelled) return;
      this.host.failed(this, error);
    }
  }

  async #play(item: SegmentItem): Promise<void> {
    const segmentId = this.#nextSegmentId++;
    const startMs = this.#ms(this.#samples);
    const audio = item.audio;
    if (!audio) throw new Error('segment played before it was submitted');
    this.#send({ type: 'segment', context_id: this.id, segment_id: segmentId, text: item.written, start_ms: startMs });
    let received = false;
    for await (const chunk of audio) {
      if (this.#cancelled) return;
      received = true;
      const first = !item.started;
      item.started = true;
      if (this.host.timestamps && chunk.words && chunk.words.length > 0) {
        const words = chunk.words.map((w) => ({
          word: w.word,
          start_ms: round(startMs + w.start * 1000),
          end_ms: round(startMs + w.end * 1000),
        }));
        this.#send({ type: 'words', context_id: this.id, segment_id: segmentId, words });
      }
      const sent = chunk.frames ? this.#sendFrames(segmentId, chunk.frames) : true;
      // The next segment starts once this one's first audio is on its way, not before: an engine
      // thread starting beside the one sending it would only slow that first audio down.
      if (first) this.#submitAhead();
      if (!(await sent)) return;
    }
    if (this.#cancelled) return;
    // Audio that stops without a cancel means the scheduler dropped the job: the server is stopping.
    if (!received && (this.#stream === undefined || this.#stream.closed)) {
      throw new TtsError('server_busy', 'The server stopped synthesizing (shutting down).');
    }
    this.#send({
      type: 'segment_end',
      context_id: this.id,
      segment_id: segmentId,
      start_ms: startMs,
      end_ms: this.#ms(this.#samples),
    });
  }

  /** Sends frames as fast as the socket takes them. False once cancelled. */
  async #sendFrames(segmentId: number, frames: { data: Uint8Array; samples: number }[]): Promise<boolean> {
    for (const frame of frames) {
      const wait = this.host.writable();
      if (wait) await wait;
      if (this.#cancelled) return false;
      this.#send({
        type: 'audio',
        context_id: this.id,
        segment_id: segmentId,
        seq: this.#seq++,
        pts_ms: this.#ms(this.#samples),
        dur_ms: this.#ms(frame.samples),
        data: frame.data,
      });
      this.#samples += frame.samples;
    }
    return true;
  }

  #send(message: ContextMessage): void {
    if (!this.#cancelled) this.host.send(message);
  }

  #ms(samples: number): number {
    return round((samples * 1000) / this.host.format.sample_rate);
  }
}

/** Milliseconds to 0.01 ms. */
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
