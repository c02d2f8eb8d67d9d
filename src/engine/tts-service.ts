/**
 * Text in, PCM out: normalize → segment → schedule on engine workers → PCM at the asked rate,
 * segment by segment. Segment i+1 is already synthesizing while segment i is being consumed.
 */
import { TtsError } from '../errors.js';
import { normalizeText } from '../text/normalize.js';
import { type SegmenterOptions, segmentText } from '../text/segmenter.js';
import type { Scheduler } from './scheduler.js';
import type { EngineInfo, WordTiming } from './types.js';
import type { SegmentChunk, SegmentJob } from './worker-messages.js';

/** The voice to speak with, as the engine knows it. */
export interface EngineVoiceRef {
  engine: string;
  engineVoice: string;
}

/** What to say it with. */
export interface SpeechOptions {
  voice: EngineVoiceRef;
  /** Speaking-rate factor, 1 = normal. */
  speed: number;
  /** Pitch shift in semitones, 0 = none. */
  pitchSemitones: number;
  /** Rate of the PCM to produce, in Hz. */
  sampleRate: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  /** Stop after this much audio, in seconds. */
  maxSeconds?: number;
  /** Aborting stops synthesis at the next segment step and ends the iteration. */
  signal?: AbortSignal;
  segmenter?: Partial<SegmenterOptions>;
  /**
   * Streams (default): the first segment runs alone until its first audio is handed on, so it
   * gets the machine to itself. Whole-file requests set `false`: only the total time counts, and
   * the second segment starts beside the first.
   */
  firstAudioFirst?: boolean;
}

/** Audio of (part of) one segment. */
export interface SpeechChunk {
  /** Index of the segment, from 0. */
  segment: number;
  /** The segment as written in the input. */
  text: string;
  /** Mono PCM at {@link SpeechOptions.sampleRate}. */
  pcm: Float32Array;
  /** Word timings the engine could tell, in seconds from the segment's start. */
  words?: WordTiming[];
}

/** How many segments of one request may be queued or running at once. */
const LOOKAHEAD = 2;

/** Voice and sound settings of a segment, as {@link SpeechOptions} has them. */
export type SegmentSettings = Pick<
  SpeechOptions,
  'voice' | 'speed' | 'pitchSemitones' | 'sampleRate' | 'temperature' | 'topK' | 'topP'
>;

/**
 * The worker job for one segment: the engine changes speed itself when it can, else the worker
 * time-stretches after it; pitch is always shifted after the engine.
 */
export function segmentJob(spoken: string, options: SegmentSettings, engines: readonly EngineInfo[]): SegmentJob {
  const engine = engines.find((e) => e.id === options.voice.engine);
  const engineSpeed = engine?.capabilities.speed ?? false;
  return {
    engine: options.voice.engine,
    request: {
      text: spoken,
      voice: options.voice.engineVoice,
      speed: engineSpeed ? options.speed : 1,
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.topK === undefined ? {} : { topK: options.topK }),
      ...(options.topP === undefined ? {} : { topP: options.topP }),
    },
    effects: { pitch: 2 ** (options.pitchSemitones / 12), tempo: engineSpeed ? 1 : options.speed },
    outputRate: options.sampleRate,
  };
}

/** Splits text into the segments that will be spoken (empty ones dropped), with their spoken form. */
export function planSegments(text: string, options: Partial<SegmenterOptions> = {}): { written: string; spoken: string }[] {
  return segmentText(text, options)
    .map((written) => ({ written, spoken: normalizeText(written) }))
    .filter((s) => /[\p{L}\p{N}]/u.test(s.spoken));
}

/** The synthesis service shared by every route. */
export class TtsService {
  constructor(private readonly scheduler: Scheduler) {}

  /**
   * Starts speaking `text` at once: takes a scheduler slot (throws `server_busy` when none is
   * free, `invalid_request` when the text has nothing to say) and submits the first segments
   * before returning, so synthesis runs while the caller sets up its output. Yields PCM chunks in
   * order as segments finish. Aborting `options.signal` stops it and frees the slot, iterated or
   * not; a caller that may never iterate must abort.
   */
  speak(text: string, options: SpeechOptions): AsyncIterable<SpeechChunk> {
    const segments = planSegments(text, options.segmenter);
    if (segments.length === 0) {
      throw new TtsError('invalid_request', 'The text has nothing to speak (no letters or digits).', 'text');
    }
    const stream = this.scheduler.openStream();
    const { signal } = options;
    const onAbort = (): void => stream.close();
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const results: AsyncIterable<SegmentChunk>[] = [];
    const submitUpTo = (count: number): void => {
      if (stream.closed) return;
      while (results.length < Math.min(count, segments.length)) {
        const { spoken } = segments[results.length] as { spoken: string };
        results.push(stream.submit(segmentJob(spoken, options, this.scheduler.engines)));
      }
    };
    // The first segment runs alone until its first audio is out: on a small machine a second
    // engine thread busy beside it delays the thread that must send that audio.
    submitUpTo(options.firstAudioFirst === false ? LOOKAHEAD : 1);
    let budget =
      options.maxSeconds === undefined ? Number.POSITIVE_INFINITY : Math.round(options.maxSeconds * options.sampleRate);
    return (async function* (): AsyncGenerator<SpeechChunk> {
      try {
        for (let i = 0; i < segments.length; i++) {
          if (signal?.aborted || stream.closed) return;
          if (i > 0) submitUpTo(i + LOOKAHEAD);
          for await (const chunk of results[i] as AsyncIterable<SegmentChunk>) {
            if (signal?.aborted || budget <= 0) return;
            const pcm = chunk.pcm ?? new Float32Array(0);
            const part = pcm.length > budget ? pcm.subarray(0, budget) : pcm;
            budget -= part.length;
            const text = (segments[i] as { written: string }).written;
            yield chunk.words ? { segment: i, text, pcm: part, words: chunk.words } : { segment: i, text, pcm: part };
            if (i === 0) submitUpTo(LOOKAHEAD); // the first audio has been handed on
          }
          if (signal?.aborted || stream.closed || budget <= 0) return;
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        stream.close();
      }
    })();
  }
}
