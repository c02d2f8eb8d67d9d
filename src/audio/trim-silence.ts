/**
 * Trimming the silence a neural model leaves around a call's audio. Kokoro pads every call with
 * ~0.3 s of silence before the speech and ~0.45 s after it: kept, it delays every first audio and
 * stretches the gap between sentences. What counts as sound is decided on 10 ms frames against the
 * loudest frame of the call, so a quiet voice is trimmed like a loud one; a short margin is kept
 * on both sides so soft onsets (h, f, s) and releases are not clipped.
 */

/** Options of {@link trimSilence}. */
export interface TrimOptions {
  /** Most silence kept before the first sound, in seconds. Default 0.04. */
  lead: number;
  /** Most silence kept after the last sound, in seconds. Default 0.1. */
  tail: number;
  /** A frame is sound when its RMS is within this many dB of the loudest frame. Default 50. */
  rangeDb: number;
  /** Frames quieter than this (dBFS) are silence however quiet the call is. Default -70. */
  floorDb: number;
  /**
   * After the last frame within `decayDb` of the loudest, quieter sound counts for at most this
   * long, in seconds: a decay, not the low noise some voices' decoders run on for a third of a
   * second past the speech (Kokoro's af_alloy, am_echo, am_onyx: 40–50 dB under their peak),
   * which kept every pause, and every cut between words, 0.2–0.4 s longer than asked. A softer
   * sound after a gap of silence ({@link TrimOptions.gap}) is a sound of its own and is kept.
   * Default 0.08: the decays of the other Kokoro voices end 10–70 ms below that level.
   */
  decay: number;
  /** See {@link TrimOptions.decay}. Default 40. */
  decayDb: number;
  /**
   * Silence (10 dB under the sound threshold, so under the decoders' low noise too) at least this
   * long, in seconds, sets a softer sound after it apart from the decay. Default 0.15.
   */
  gap: number;
}

/** Defaults of {@link TrimOptions}. */
export const DEFAULT_TRIM: TrimOptions = {
  lead: 0.04,
  tail: 0.1,
  rangeDb: 50,
  floorDb: -70,
  decay: 0.08,
  decayDb: 40,
  gap: 0.15,
};

/** Where the kept audio and the sound within it start and end, in samples of the input. */
export interface TrimRange {
  start: number;
  end: number;
  /** First sample of the first frame of sound. */
  soundStart: number;
  /** End of the last frame of sound. */
  soundEnd: number;
}

const FRAME_SECONDS = 0.01;

/** The range of `pcm` to keep; the whole input when it holds no sound at all. */
export function findTrimRange(pcm: Float32Array, sampleRate: number, options: Partial<TrimOptions> = {}): TrimRange {
  const { lead, tail, rangeDb, floorDb, decay, decayDb, gap } = { ...DEFAULT_TRIM, ...options };
  const frame = Math.max(1, Math.round(sampleRate * FRAME_SECONDS));
  const frames = Math.ceil(pcm.length / frame);
  const energy = new Float64Array(frames);
  let loudest = 0;
  for (let f = 0; f < frames; f++) {
    const end = Math.min(pcm.length, (f + 1) * frame);
    let sum = 0;
    for (let i = f * frame; i < end; i++) {
      const s = pcm[i] as number;
      sum += s * s;
    }
    energy[f] = sum / (end - f * frame);
    if ((energy[f] as number) > loudest) loudest = energy[f] as number;
  }
  // Mean squares compared directly: 10·log10 ratios as power ratios.
  const threshold = Math.max(loudest * 10 ** (-rangeDb / 10), 10 ** (floorDb / 10));
  let first = 0;
  while (first < frames && (energy[first] as number) < threshold) first++;
  if (first === frames) return { start: 0, end: pcm.length, soundStart: 0, soundEnd: pcm.length };
  let last = frames - 1;
  while ((energy[last] as number) < threshold) last--;
  last = endOfDecay(energy, last, Math.max(loudest * 10 ** (-decayDb / 10), threshold), threshold, {
    decay: Math.round(decay / FRAME_SECONDS),
    gap: Math.round(gap / FRAME_SECONDS),
  });
  const soundStart = first * frame;
  const soundEnd = Math.min(pcm.length, (last + 1) * frame);
  const start = Math.max(0, soundStart - Math.round(lead * sampleRate));
  const end = Math.min(pcm.length, soundEnd + Math.round(tail * sampleRate));
  return { start, end, soundStart, soundEnd };
}

/**
 * The last frame of sound, given `last`, the last frame above `threshold`: when every frame after
 * the last one above `loud` is quieter than that (a decay, or a decoder's low noise) and no silence
 * of `frames.gap` frames (10 dB under `threshold`) sets a softer sound apart, at most
 * `frames.decay` frames past it.
 */
function endOfDecay(
  energy: Float64Array,
  last: number,
  loud: number,
  threshold: number,
  frames: { decay: number; gap: number },
): number {
  let lastLoud = last;
  while (lastLoud >= 0 && (energy[lastLoud] as number) < loud) lastLoud--;
  if (lastLoud < 0 || last - lastLoud <= frames.decay) return last;
  let silent = 0;
  for (let f = lastLoud + 1; f <= last; f++) {
    silent = (energy[f] as number) < threshold / 10 ? silent + 1 : 0;
    if (silent >= frames.gap) return last;
  }
  return lastLoud + frames.decay;
}

/** `pcm` without the silence beyond `lead` before and `tail` after its sound (a view, not a copy). */
export function trimSilence(pcm: Float32Array, sampleRate: number, options: Partial<TrimOptions> = {}): Float32Array {
  const { start, end } = findTrimRange(pcm, sampleRate, options);
  return pcm.subarray(start, end);
}

/** Seconds of silence a sentence keeps after it, by the punctuation that ends its text. */
export const PAUSE_AFTER = {
  /** `.` `!` `?` `…`: the pause between sentences. */
  sentence: 0.25,
  /** `,` `;` `:` `—`: a clause break. */
  clause: 0.12,
  /**
   * No punctuation: text cut between words (a time-sized first fragment, a long sentence split, a
   * stalled token stream). With the next fragment's 40 ms lead, the join is a short word gap.
   */
  none: 0.02,
} as const;

/** The pause to keep after text ending as `text` does (see {@link PAUSE_AFTER}). */
export function pauseAfter(text: string): number {
  const end = text.replace(/["”’')\]\s]+$/u, '').at(-1) ?? '';
  if ('.!?…。！？'.includes(end)) return PAUSE_AFTER.sentence;
  if (',;:—，；：'.includes(end)) return PAUSE_AFTER.clause;
  return PAUSE_AFTER.none;
}

/**
 * Most silence a stream may add to the pause after a segment, in seconds, by how its text ends,
 * when the next segment's audio would otherwise arrive after the listener has heard everything
 * before it: a sentence's pause (0.25 s) may grow to 0.55 s and a clause's (0.12 s) to 0.27 s,
 * within the pauses of read speech. A player that runs dry stalls wherever that happens, and its
 * jitter buffer then catches up; a pause a little longer at a sentence's end is heard as a breath.
 * Text cut between words gets none.
 */
export const PAUSE_STRETCH = { sentence: 0.3, clause: 0.15 } as const;

/** The most a stream may stretch the pause after text ending as `text` does (see {@link PAUSE_STRETCH}). */
export function pauseStretch(text: string): number {
  const pause = pauseAfter(text);
  return pause === PAUSE_AFTER.sentence ? PAUSE_STRETCH.sentence : pause === PAUSE_AFTER.clause ? PAUSE_STRETCH.clause : 0;
}
