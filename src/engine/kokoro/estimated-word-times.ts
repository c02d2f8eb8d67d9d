/**
 * Word times for Kokoro graphs without a durations output (the common int8/fp16 exports): the
 * call's speech — its audio less the silence kept around it — is shared among the phoneme symbols
 * by a typical relative length (a vowel longer than a consonant, a comma a short pause), and each
 * word gets the span of its symbols. An estimate, not an alignment: the README states its error
 * against a recogniser's word times.
 */
import type { WordTiming } from '../types.js';

const VOWELS = new Set([...'AIOWYaeiouæɐɑɒɔəɚɛɜɪʊʌᵻ']);
/** Relative length of a symbol, by kind. */
const WEIGHT = { vowel: 1, consonant: 0.65, space: 0.1, clause: 2, sentence: 3 } as const;

function weightOf(symbol: string): number {
  if (VOWELS.has(symbol)) return WEIGHT.vowel;
  if (symbol === ' ') return WEIGHT.space;
  if (',;:—'.includes(symbol)) return WEIGHT.clause;
  if ('.!?…'.includes(symbol)) return WEIGHT.sentence;
  if (/[\p{L}]/u.test(symbol)) return WEIGHT.consonant;
  // Stress and length marks, quotes, brackets: no time of their own.
  return 0;
}

/** A word and the [start, end) range of its symbols in the phoneme string. */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
}

/**
 * Times of the words whose symbols lie in `symbols[from, to)`, spread over `speechStart` to
 * `speechEnd` seconds (of the call's audio), then moved by `offset` seconds.
 */
export function estimateWordTimes(
  symbols: readonly string[],
  words: readonly WordSpan[],
  range: { from: number; to: number },
  speech: { start: number; end: number; offset: number },
): WordTiming[] {
  const { from, to } = range;
  // Trailing punctuation belongs to the silence after the speech, not inside it.
  let last = to;
  while (last > from && !/[\p{L}]/u.test(symbols[last - 1] as string)) last--;
  const before: number[] = [0];
  for (let i = from; i < last; i++) before.push((before.at(-1) as number) + weightOf(symbols[i] as string));
  const total = before.at(-1) as number;
  if (total <= 0 || speech.end <= speech.start) return [];
  const secondsPerUnit = (speech.end - speech.start) / total;
  const at = (i: number): number =>
    speech.offset + speech.start + (before[Math.min(Math.max(i - from, 0), last - from)] as number) * secondsPerUnit;
  return words
    .filter((w) => w.start >= from && w.end <= to && w.end > w.start)
    .map((w) => ({ word: w.word, start: at(w.start), end: at(w.end) }));
}
