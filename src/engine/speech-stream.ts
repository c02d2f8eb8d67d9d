/**
 * The one synthesis pipeline: text in (all at once, or token by token), segment audio out.
 *
 *   pushText / flush / end / cancel → segment (streaming, idle flush) → normalize → scheduler
 *   → engine workers (synthesize → pitch / tempo → resample) → PCM with word times, in order
 *
 * REST pushes all its text and ends; a realtime context pushes text as it arrives. A stream is an
 * async iterable of {@link SpeechEvent}s for one consumer: each segment's start, its audio pieces,
 * its end, and flush marks where they fall. Segment i+1 synthesizes while segment i is consumed;
 * with `firstAudioFirst` the next segment starts only once the one before has produced audio, so
 * on a small machine a second engine thread does not slow the first audio down. `cancel()` is
 * final: the engine stops at its next step and nothing more is yielded.
 */
import { MarkdownSpeechFilter, markdownToSpeech } from '../../packages/client/src/markdown-speech.js';
import { pauseStretch } from '../audio/trim-silence.js';
import { TtsError } from '../errors.js';
import { normalizeText } from '../text/normalize.js';
import { GROWTH_HEADROOM, type SegmenterOptions, SentenceSegmenter, segmentText } from '../text/segmenter.js';
import { frontEndProblem, spokenText } from './front-ends.js';
import type { Scheduler, SchedulerStream } from './scheduler.js';
import { ONNX_ENGINES } from './thread-plan.js';
import type { EngineId, EngineInfo, WordTiming } from './types.js';
import type { AudioOutput, SynthesizeJob } from './worker-messages.js';

/** The voice to speak with, as the engine knows it. */
export interface EngineVoiceRef {
  engine: EngineId;
  engineVoice: string;
}

/**
 * Longest spoken form of one segment by default, in characters (about 25 s of speech). Written
 * text can expand many times over ("$99999999999.99" is sixteen words), and an engine makes a
 * segment's audio whole before it is sent: a longer spoken form is split at the spaces of its
 * written text. See {@link SpeechStreamOptions.maxSegmentChars}.
 */
export const MAX_SPOKEN_CHARS = 400;

/** Options of a {@link SpeechStream}; defaults in {@link DEFAULT_SPEECH_STREAM_OPTIONS}. */
export interface SpeechStreamOptions {
  /** The voice of text pushed without one. Required. */
  voice: EngineVoiceRef;
  /** Rate of the PCM to produce, in Hz. Required. */
  sampleRate: number;
  /** Speaking-rate factor, 1 = normal. Default 1. */
  speed: number;
  /** Pitch shift in semitones, 0 = none. Default 0. */
  pitchSemitones: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  /** Stop after this much audio, in seconds. Default: no limit. */
  maxSeconds?: number;
  /** Split pushed text into sentences (true), or speak each push as one segment (false). Default `true`. */
  segmentation: boolean;
  /**
   * Longest spoken form of a segment, in characters; a longer one is split at its spaces (an
   * engine makes a segment's audio whole, so this bounds its memory). Default {@link MAX_SPOKEN_CHARS}.
   */
  maxSegmentChars: number;
  /** Segmenter settings. Default {@link DEFAULT_SEGMENTER_OPTIONS}. */
  segmenter: Partial<SegmenterOptions>;
  /** Speak a pending unfinished sentence after the input pauses this long, in ms; 0 = never. Default 0. */
  idleFlushMs: number;
  /**
   * Start a segment only once the one before has produced audio (streams, where the first audio
   * counts). `false` (whole files, where only the total time counts) starts two at once. A stream
   * also lengthens the pause after a sentence or clause, within PAUSE_STRETCH, when the
   * next segment will not be ready before the listener reaches it. Default `true`.
   */
  firstAudioFirst: boolean;
  /** The first audio piece of a segment, in ms: one frame of what the consumer makes of it. Default 20. */
  firstPieceMs: number;
  /**
   * Synthesis time the first fragment of an utterance should fit in, in ms: a run-on first
   * sentence is cut (at a phrase or word boundary) to the length the engine has lately spoken in
   * that time, and the fragments after it double. 0 = cut only at sentences and clauses, as a whole
   * file (`firstAudioFirst: false`) always is. Default 250.
   */
  firstAudioMs: number;
  /**
   * Read markdown as the words it stands for (LLM answers are markdown): emphasis, heading, list
   * and quote markers, inline code ticks, link targets and HTML tags are dropped, code blocks
   * skipped (see MarkdownSpeechFilter). Default `true`.
   */
  markdown: boolean;
  /** Who asks (an address): the scheduler limits the streams one client has open. Default: none. */
  client?: string | undefined;
}

/** Defaults of {@link SpeechStreamOptions} (`voice` and `sampleRate` have none). */
export const DEFAULT_SPEECH_STREAM_OPTIONS = {
  speed: 1,
  pitchSemitones: 0,
  segmentation: true,
  maxSegmentChars: MAX_SPOKEN_CHARS,
  segmenter: {},
  idleFlushMs: 0,
  firstAudioFirst: true,
  firstPieceMs: 20,
  firstAudioMs: 250,
  markdown: true,
} satisfies Partial<SpeechStreamOptions>;

/** A place in the text a consumer asked to hear about once everything before it is spoken. */
export type FlushMark = string | number;

/** What a stream yields, in order. */
export type SpeechEvent =
  /** A segment is about to be spoken: its text as written. */
  | { type: 'segment'; index: number; text: string }
  /** A piece of its audio: mono PCM at the stream's rate, and the word times that start in it (from the segment's start). */
  | { type: 'audio'; index: number; pcm: Float32Array; words?: WordTiming[] }
  /** The segment's last audio has been yielded. */
  | { type: 'segmentEnd'; index: number }
  /** Everything pushed before {@link SpeechStream.flush} with this mark has been yielded. */
  | { type: 'flushed'; mark: FlushMark };

/** How many segments of one stream may be synthesizing at once: the one being consumed and the next. */
const LOOKAHEAD = 2;

/**
 * The next segment's synthesis time, predicted from the engine's learned speed, is multiplied by
 * this before the pause before it is stretched to cover it (see PAUSE_STRETCH): the inverse of the
 * share of the audio ahead the segmenter plans a fragment's synthesis to take.
 */
const PAUSE_STRETCH_HEADROOM = 1 / GROWTH_HEADROOM;

/**
 * Engines whose first fragment is cut by time: the neural ones, which on a CPU take tens of ms per
 * character. Flite says a long clause within any budget, and its learned speed swings with the
 * machine's load (5× on a busy CI machine): cut by it, the same text would be split differently
 * from one request to the next.
 */
const TIME_SIZED_ENGINES: ReadonlySet<EngineId> = new Set(ONNX_ENGINES);

/** Bounds of a time-sized first fragment, in characters: about two words, and a long clause. */
const FIRST_FRAGMENT_CHARS = { min: 12, max: 200 };

/**
 * The segmenter settings of a stream: the first fragment sized so that `engine`, at the speed it
 * has lately shown, starts speaking within `firstAudioMs` (no size limit before it has spoken,
 * or for an engine fast enough to say a long clause in that time), and, when a worker is free for
 * it, the fragments after it sized by the audio they leave ahead of the listener (the engine's
 * learned pace, see SegmenterOptions.pace).
 */
export function segmenterFor(
  scheduler: Pick<Scheduler, 'msPerChar' | 'audioMsPerChar' | 'openStreams'> & { options: { workers: number } },
  options: SpeechStreamOptions,
): Partial<SegmenterOptions> {
  const msPerChar = scheduler.msPerChar(options.voice.engine);
  if (
    // A whole file waits for all of it: a first fragment cut short would only add a model call.
    !options.firstAudioFirst ||
    options.segmenter.firstMaxChars !== undefined ||
    !msPerChar ||
    !TIME_SIZED_ENGINES.has(options.voice.engine) ||
    options.firstAudioMs <= 0
  )
    return options.segmenter;
  const chars = Math.max(FIRST_FRAGMENT_CHARS.min, Math.floor(options.firstAudioMs / msPerChar));
  if (chars >= FIRST_FRAGMENT_CHARS.max) return options.segmenter;
  // Paced growth when the stream has a worker to itself. Under load, larger fragments give more
  // audio per worker second (every call has a fixed cost), and the deadlines share the workers.
  const audioMsPerChar = scheduler.audioMsPerChar(options.voice.engine);
  const alone = scheduler.openStreams < scheduler.options.workers;
  const pace =
    audioMsPerChar && alone ? { synthMsPerChar: msPerChar, audioMsPerChar: audioMsPerChar / options.speed } : undefined;
  return { ...options.segmenter, firstMaxChars: chars, ...(options.segmenter.pace === undefined && pace ? { pace } : {}) };
}

/**
 * The spoken form of a written segment for `voice` (see spokenText: English and Chinese
 * normalization, or the text as written for voices read through espeak-ng), or undefined when it
 * has nothing to say ("...", emoji).
 */
function spokenForm(written: string, voice?: EngineVoiceRef): string | undefined {
  const spoken = voice ? spokenText(voice, written) : normalizeText(written);
  return /[\p{L}\p{N}]/u.test(spoken) ? spoken : undefined;
}

/**
 * A written segment as the segments that will be spoken (silent ones dropped): itself, or, when it
 * speaks longer than `maxChars`, its words grouped so that each group does not.
 */
function spokenPieces(
  written: string,
  maxChars = MAX_SPOKEN_CHARS,
  voice?: EngineVoiceRef,
): { written: string; spoken: string }[] {
  const spoken = spokenForm(written, voice);
  if (spoken === undefined) return [];
  if (spoken.length <= maxChars) return [{ written, spoken }];
  const pieces: { written: string; spoken: string }[] = [];
  let current = '';
  const close = (): void => {
    const said = spokenForm(current.trim(), voice);
    if (said !== undefined) pieces.push({ written: current.trim(), spoken: said });
    current = '';
  };
  for (const word of written.split(/(?<=\s)/)) {
    if (current !== '' && (spokenForm(current + word, voice)?.length ?? 0) > maxChars) close();
    current += word;
  }
  close();
  return pieces;
}

/** Splits text into the segments that will be spoken (silent ones dropped), with their spoken form. */
export function planSegments(text: string, options: Partial<SegmenterOptions> = {}): { written: string; spoken: string }[] {
  return segmentText(text, options).flatMap((written) => spokenPieces(written));
}

/** Voice and sound settings of a segment. */
export type SegmentSettings = Pick<
  SpeechStreamOptions,
  'voice' | 'speed' | 'pitchSemitones' | 'sampleRate' | 'temperature' | 'topK' | 'topP' | 'firstPieceMs'
>;

/**
 * The worker job for one segment: the engine changes speed itself when it can, else the worker
 * time-stretches after it; pitch is always shifted after the engine.
 */
export function segmentJob(spoken: string, settings: SegmentSettings, engines: readonly EngineInfo[]): SynthesizeJob {
  const engine = engines.find((e) => e.id === settings.voice.engine);
  const engineSpeed = engine?.capabilities.speed ?? false;
  return {
    kind: 'synthesize',
    engine: settings.voice.engine,
    request: {
      text: spoken,
      voice: settings.voice.engineVoice,
      speed: engineSpeed ? settings.speed : 1,
      ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
      ...(settings.topK === undefined ? {} : { topK: settings.topK }),
      ...(settings.topP === undefined ? {} : { topP: settings.topP }),
    },
    effects: { pitch: 2 ** (settings.pitchSemitones / 12), tempo: engineSpeed ? 1 : settings.speed },
    outputRate: settings.sampleRate,
    firstPieceMs: settings.firstPieceMs,
  };
}

/** The settings a push may change mid-stream: voice, speed and pitch. */
export interface VoiceSettings {
  voice: EngineVoiceRef;
  speed: number;
  pitchSemitones: number;
}

interface SegmentItem {
  kind: 'segment';
  written: string;
  spoken: string;
  /** The voice, speed and pitch it is spoken with. */
  settings: VoiceSettings;
  /** Its audio, once submitted. */
  audio?: AsyncIterable<AudioOutput>;
  /** Its first audio has arrived: with firstAudioFirst, the next segment may start. */
  started?: boolean;
  /** When it was submitted (performance.now() ms). */
  submittedAt?: number;
}
type Item = SegmentItem | { kind: 'flush'; mark: FlushMark } | { kind: 'end' };

/**
 * Where a stream is. `open`: text may come (the idle-flush timer runs here); `ended`: no more
 * text, the rest is being spoken; `over`: fully consumed, cancelled, or failed.
 */
type StreamState =
  | { kind: 'open'; idleFlush: NodeJS.Timeout | undefined }
  | { kind: 'ended' }
  | { kind: 'over'; why: 'finished' | 'cancelled' | 'failed'; error?: unknown };

/** One stream of speech; see the module comment. Iterate it once. */
export class SpeechStream implements AsyncIterable<SpeechEvent> {
  readonly #scheduler: Scheduler;
  readonly #options: SpeechStreamOptions;
  readonly #segmenter: SentenceSegmenter | undefined;
  /** Markdown cleaner of a segmented stream, which may hold a link or code span until it closes. */
  readonly #markdown: MarkdownSpeechFilter | undefined;
  #state: StreamState = { kind: 'open', idleFlush: undefined };
  #items: Item[] = [];
  #settings: VoiceSettings;
  /** The scheduler slot, held while there is something to synthesize. */
  #jobs: SchedulerStream | undefined;
  #wake: (() => void) | undefined;
  #segments = 0;
  #firstSegmentAt: number | undefined;
  /** When the listener will have heard all audio yielded so far (performance.now() ms). */
  #heardBy: number | undefined;
  #capped = false;

  constructor(scheduler: Scheduler, options: Pick<SpeechStreamOptions, 'voice' | 'sampleRate'> & Partial<SpeechStreamOptions>) {
    this.#scheduler = scheduler;
    this.#options = { ...DEFAULT_SPEECH_STREAM_OPTIONS, ...options };
    this.#settings = { voice: options.voice, speed: this.#options.speed, pitchSemitones: this.#options.pitchSemitones };
    this.#segmenter = this.#options.segmentation ? new SentenceSegmenter(segmenterFor(scheduler, this.#options)) : undefined;
    this.#markdown = this.#segmenter && this.#options.markdown ? new MarkdownSpeechFilter() : undefined;
  }

  /** True once `end()` was called (or the stream is over): no more text may come. */
  get ended(): boolean {
    return this.#state.kind !== 'open';
  }

  /** Has text queued, pending or being spoken. */
  get busy(): boolean {
    return this.#state.kind !== 'over' && (this.#items.length > 0 || this.#pending.trim() !== '');
  }

  /** True once `cancel()` was called. */
  get cancelled(): boolean {
    return this.#state.kind === 'over' && this.#state.why === 'cancelled';
  }

  /** True when the audio stopped at `maxSeconds` with text left unsaid. */
  get capped(): boolean {
    return this.#capped;
  }

  /**
   * When the first segment with something to say was ready to synthesize (performance.now() ms):
   * where the server's part of a stream's first-audio time starts (before it, the client was still
   * sending its first sentence).
   */
  get firstSegmentAt(): number | undefined {
    return this.#firstSegmentAt;
  }

  /** Segments with something to say, so far. */
  get segmentCount(): number {
    return this.#segments;
  }

  /** Why the stream failed (a full server, say), if it did. */
  get failure(): unknown {
    return this.#state.kind === 'over' && this.#state.why === 'failed' ? this.#state.error : undefined;
  }

  /**
   * Adds text; `voice`, `speed` and `pitchSemitones` apply to it and what follows (text already
   * pushed keeps its own). A change ends the pending sentence first, so no segment mixes two voices.
   * Throws `language_not_supported` when the voice cannot read the text (see front-ends.ts).
   * With `final`, the text ends the utterance (a flush or `end()` follows at once): its segments
   * are cut knowing where it ends, so no word or two is left to be said alone.
   */
  pushText(text: string, options: Partial<VoiceSettings> = {}, final = false): void {
    if (this.#state.kind === 'ended') throw new Error('text pushed after end()');
    if (this.#state.kind === 'over') return;
    const next: VoiceSettings = { ...this.#settings, ...options };
    const current = this.#settings;
    const problem = frontEndProblem(
      this.#scheduler.engines.find((e) => e.id === next.voice.engine),
      next.voice.engineVoice,
      text,
    );
    if (problem) throw problem;
    if (
      next.voice.engine !== current.voice.engine ||
      next.voice.engineVoice !== current.voice.engineVoice ||
      next.speed !== current.speed ||
      next.pitchSemitones !== current.pitchSemitones
    ) {
      this.#enqueue(this.#flushText());
      this.#settings = next;
    }
    if (this.#markdown) text = this.#markdown.push(text) + (final ? this.#markdown.end() : '');
    else if (this.#options.markdown) text = markdownToSpeech(text);
    this.#enqueue(this.#segmenter ? this.#segmenter.push(text, final) : [text]);
    this.#armIdleFlush();
  }

  /**
   * Characters pushed and not yet spoken: held, queued in segments, or being spoken now. A
   * realtime context bounds it (text sent faster than it is spoken would otherwise pile up).
   */
  get unspokenChars(): number {
    if (this.#state.kind === 'over') return 0;
    let chars = this.#pending.length;
    for (const item of this.#items) if (item.kind === 'segment') chars += item.written.length;
    return chars;
  }

  /** Text pushed but not yet in a segment: held by the markdown cleaner or the segmenter. */
  get #pending(): string {
    return (this.#markdown?.pending ?? '') + (this.#segmenter?.pending ?? '');
  }

  /** Everything pushed so far, as segments: what the markdown cleaner holds, then the segmenter's rest. */
  #flushText(): string[] {
    if (!this.#segmenter) return [];
    const held = this.#markdown?.end() ?? '';
    return [...(held === '' ? [] : this.#segmenter.push(held, true)), ...this.#segmenter.flush()];
  }

  /** Speaks everything pushed so far, then yields `flushed` with `mark`. */
  flush(mark: FlushMark): void {
    if (this.#state.kind === 'over') return;
    this.#enqueue(this.#flushText());
    this.#push({ kind: 'flush', mark });
  }

  /** No more text: speaks the rest; the iteration ends after it. */
  end(): void {
    if (this.#state.kind !== 'open') return;
    this.#enqueue(this.#flushText());
    this.#push({ kind: 'end' });
    if (this.#state.kind === 'open') this.#setState({ kind: 'ended' });
  }

  /** Stops now: queued text is dropped, the engine stops at its next step, the iteration ends. */
  cancel(): void {
    this.#setState({ kind: 'over', why: 'cancelled' });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SpeechEvent> {
    let index = 0;
    let budget =
      this.#options.maxSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : Math.round(this.#options.maxSeconds * this.#options.sampleRate);
    try {
      while (!this.#over) {
        const item = this.#items[0];
        if (!item) {
          // Nothing queued: give the scheduler slot back until text arrives.
          this.#release();
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        if (item.kind === 'end') {
          this.#setState({ kind: 'over', why: 'finished' });
          break;
        }
        if (item.kind === 'flush') yield { type: 'flushed', mark: item.mark };
        else {
          yield { type: 'segment', index, text: item.written };
          if (!item.audio) this.#submitAhead();
          for await (const output of item.audio ?? []) {
            if (this.#over) break;
            const first = !item.started;
            item.started = true;
            const pcm = output.pcm.length > budget ? output.pcm.subarray(0, budget) : output.pcm;
            budget -= pcm.length;
            this.#delivered(pcm.length);
            yield output.words ? { type: 'audio', index, pcm, words: output.words } : { type: 'audio', index, pcm };
            // The next segment starts once this one's first audio has been handed on.
            if (first) this.#submitAhead();
            if (budget <= 0) break;
          }
          if (this.#over) break;
          const stretch = Math.min(budget, this.#pauseStretch(item));
          if (stretch > 0) {
            budget -= stretch;
            this.#delivered(stretch);
            yield { type: 'audio', index, pcm: new Float32Array(stretch) };
          }
          yield { type: 'segmentEnd', index: index++ };
          if (budget <= 0) {
            // maxSeconds reached: this segment is closed, and nothing more is said.
            this.#capped = true;
            this.#setState({ kind: 'over', why: 'finished' });
            break;
          }
        }
        if (this.#over) break;
        this.#items.shift();
        this.#submitAhead();
      }
      const { failure } = this;
      if (failure !== undefined) throw failure;
    } finally {
      // A consumer that stops iterating stops the stream.
      this.#setState({ kind: 'over', why: 'finished' });
    }
  }

  get #over(): boolean {
    return this.#state.kind === 'over';
  }

  /** The one transition: leaving `open` stops the idle flush; reaching `over` frees the scheduler slot. */
  #setState(next: StreamState): void {
    const previous = this.#state;
    if (previous.kind === 'over') return;
    if (previous.kind === 'open') clearTimeout(previous.idleFlush);
    this.#state = next;
    if (next.kind === 'over') {
      this.#items = [];
      this.#release();
      this.#wakeUp();
    }
  }

  #fail(error: unknown): void {
    this.#setState({ kind: 'over', why: 'failed', error });
  }

  #enqueue(segments: string[]): void {
    const { voice } = this.#settings;
    for (const { written, spoken } of segments.flatMap((w) => spokenPieces(w, this.#options.maxSegmentChars, voice))) {
      this.#firstSegmentAt ??= performance.now();
      this.#segments++;
      this.#push({ kind: 'segment', written, spoken, settings: this.#settings });
    }
  }

  #push(item: Item): void {
    if (this.#state.kind === 'over') return;
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
    const state = this.#state;
    const segmenter = this.#segmenter;
    if (state.kind !== 'open') return;
    clearTimeout(state.idleFlush);
    state.idleFlush = undefined;
    if (!segmenter || this.#options.idleFlushMs <= 0 || this.#pending.trim() === '') return;
    state.idleFlush = setTimeout(() => this.#enqueue(this.#flushText()), this.#options.idleFlushMs);
  }

  /** Moves the playback clock on by `samples` just handed to the consumer; the scheduler's deadline follows. */
  #delivered(samples: number): void {
    const now = performance.now();
    this.#heardBy = Math.max(this.#heardBy ?? now, now) + (samples / this.#options.sampleRate) * 1000;
    if (this.#jobs) this.#jobs.deadline = this.#heardBy;
  }

  /**
   * Samples of silence to add after `item` (the segment whose audio was just handed on, first in
   * the queue), so the listener is still hearing this pause when the next segment's audio arrives
   * (see PAUSE_STRETCH in trim-silence.ts); 0 when nothing needs it.
   */
  #pauseStretch(item: SegmentItem): number {
    const next = this.#items[1];
    if (!this.#options.firstAudioFirst || next?.kind !== 'segment' || next.started) return 0;
    const most = pauseStretch(item.written);
    const engine = next.settings.voice.engine;
    const msPerChar = this.#scheduler.msPerChar(engine);
    if (most === 0 || !msPerChar || !TIME_SIZED_ENGINES.has(engine)) return 0;
    const now = performance.now();
    // Waiting behind other streams' jobs (under load), or on a worker.
    const remaining = this.#jobs ? this.#scheduler.predictedFirstAudioMs(this.#jobs) : 0;
    const ahead = (this.#heardBy ?? now) - now;
    const extraMs = Math.min(most * 1000, remaining * PAUSE_STRETCH_HEADROOM - ahead);
    return extraMs > 0 ? Math.round((extraMs / 1000) * this.#options.sampleRate) : 0;
  }

  /** Gives the scheduler slot back (nothing to synthesize, or over). */
  #release(): void {
    this.#jobs?.close();
    this.#jobs = undefined;
  }

  /**
   * Starts synthesis of the first {@link LOOKAHEAD} queued segments not yet started (with
   * firstAudioFirst, each only once the one before has audio). A full server (`server_busy`)
   * fails the stream.
   */
  #submitAhead(): void {
    let seen = 0;
    let previous: SegmentItem | undefined;
    try {
      for (const item of this.#items) {
        if (item.kind !== 'segment') continue;
        if (++seen > LOOKAHEAD || (this.#options.firstAudioFirst && previous && !previous.started)) return;
        previous = item;
        if (item.audio) continue;
        if (!this.#jobs) {
          this.#jobs = this.#scheduler.openStream(this.#options.client);
          if (this.#heardBy !== undefined) this.#jobs.deadline = this.#heardBy;
        }
        item.audio = this.#jobs.submit(segmentJob(item.spoken, { ...this.#options, ...item.settings }, this.#scheduler.engines));
        item.submittedAt = performance.now();
      }
    } catch (error) {
      this.#fail(error);
    }
  }
}

/** Options of {@link speak}: a stream's, without the ones a one-shot text does not use. */
export type SpeakOptions = Omit<ConstructorParameters<typeof SpeechStream>[1], 'idleFlushMs'>;

/**
 * Speaks a whole text: a stream with all of it pushed and ended. Synthesis starts at once, before
 * the caller iterates; throws `server_busy` when no scheduler slot is free and `invalid_request`
 * when the text has nothing to speak. A caller that may never iterate must cancel the stream.
 */
export function speak(scheduler: Scheduler, text: string, options: SpeakOptions): SpeechStream {
  return speakParts(scheduler, [{ text }], options);
}

/** A piece of a text and, where it changes them, the voice, speed and pitch it is spoken with. */
export interface SpeechPart extends Partial<VoiceSettings> {
  text: string;
}

/**
 * Speaks several parts in order as one stream (one scheduler slot, one audio stream): each part's
 * settings apply from it on. Otherwise as {@link speak}; a text with nothing to speak is reported
 * under `field`, the request's name for it.
 */
export function speakParts(
  scheduler: Scheduler,
  parts: readonly SpeechPart[],
  options: SpeakOptions,
  field = 'text',
): SpeechStream {
  const stream = new SpeechStream(scheduler, options);
  for (const [i, { text, ...settings }] of parts.entries()) stream.pushText(text, settings, i === parts.length - 1);
  stream.end();
  if (stream.failure !== undefined) throw stream.failure;
  if (stream.segmentCount === 0) {
    stream.cancel();
    const what = field === 'text' ? 'The text' : `"${field}"`;
    throw new TtsError('invalid_request', `${what} has nothing to speak (no letters or digits).`, { param: field });
  }
  return stream;
}
