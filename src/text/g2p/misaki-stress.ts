/**
 * Stress marks in misaki's phoneme alphabet (the one Kokoro v1.0 was trained on): which symbols
 * are vowels, and how a word's stress is raised or lowered when its context asks for it (a
 * capitalised word gains some, a compound's weaker half loses some). Pure string functions.
 */

/** Primary stress, written before the stressed vowel. */
export const PRIMARY = 'ˈ';
/** Secondary stress, written before the stressed vowel. */
export const SECONDARY = 'ˌ';

/** Vowel symbols, the six diphthong letters (A I O Q W Y) included. */
export const VOWELS: ReadonlySet<string> = new Set('AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ');
/** Consonant symbols. */
export const CONSONANTS: ReadonlySet<string> = new Set('bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ');
/** Symbols that weigh double when comparing how heavy two words are. */
const DOUBLE_WEIGHT: ReadonlySet<string> = new Set('AIOQWYʤʧ');

/**
 * How to change a word's stress (misaki's numeric levels):
 * - `-2` or lower: remove every mark;
 * - `-1`: demote, primary becomes secondary and secondary goes;
 * - `0` / `-0.5`: demote if the word has a primary; `0` / `0.5` / `1` add a secondary to an unmarked word;
 * - `1` or more: promote a lone secondary to primary; above `1`, add a primary to an unmarked word.
 */
export type StressLevel = number;

const hasMark = (ps: string): boolean => ps.includes(PRIMARY) || ps.includes(SECONDARY);
const hasVowel = (ps: string): boolean => [...ps].some((c) => VOWELS.has(c));

/** Puts `mark` in front of the first vowel of an unmarked word. */
function markFirstVowel(ps: string, mark: string): string {
  const symbols = [...ps];
  const at = symbols.findIndex((c) => VOWELS.has(c));
  if (at < 0) return ps;
  symbols.splice(at, 0, mark);
  return symbols.join('');
}

/** Raises or lowers the stress of one word's phonemes; `undefined` leaves them as they are. */
export function applyStress(ps: string, stress: StressLevel | undefined): string {
  if (stress === undefined) return ps;
  if (stress < -1) return ps.replaceAll(PRIMARY, '').replaceAll(SECONDARY, '');
  if (stress === -1 || ((stress === 0 || stress === -0.5) && ps.includes(PRIMARY))) {
    return ps.replaceAll(SECONDARY, '').replaceAll(PRIMARY, SECONDARY);
  }
  if ((stress === 0 || stress === 0.5 || stress === 1) && !hasMark(ps)) {
    return hasVowel(ps) ? markFirstVowel(ps, SECONDARY) : ps;
  }
  if (stress >= 1 && !ps.includes(PRIMARY) && ps.includes(SECONDARY)) return ps.replaceAll(SECONDARY, PRIMARY);
  if (stress > 1 && !hasMark(ps)) return hasVowel(ps) ? markFirstVowel(ps, PRIMARY) : ps;
  return ps;
}

/** How heavy a word sounds: one per symbol, two per diphthong or affricate. */
export function stressWeight(ps: string): number {
  let weight = 0;
  for (const c of ps) weight += DOUBLE_WEIGHT.has(c) ? 2 : 1;
  return weight;
}
