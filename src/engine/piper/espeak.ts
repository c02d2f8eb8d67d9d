/**
 * Phonemes from the `espeak-ng` program (GPL-3: run as a separate program, never linked), in the
 * form Piper voices were trained on: IPA per clause, each clause followed by its punctuation
 * (`,` `.` `?` `!` `;` `:`, which the voices' phoneme maps hold and which shape their pauses and
 * intonation), clauses separated by a space.
 *
 * The program prints one line per clause and drops the punctuation, so the text is split into
 * clauses here, one per input line, and each clause's punctuation is put back after its line.
 * Its language-switch flags (`(en)` … `(de)` around a foreign word) are dropped, as Piper's own
 * phonemizer drops them: the voices never saw them.
 */
import { spawnSync } from 'node:child_process';

/** A clause of text and the punctuation that ends it ('' when none). */
export interface Clause {
  text: string;
  punctuation: string;
}

const CLAUSE = /([^.,?!;:…]*)([.,?!;:…]*)/gu;

/** Splits text at clause punctuation; the punctuation kept is the run's first mark (`?!` → `?`). */
export function splitClauses(text: string): Clause[] {
  const clauses: Clause[] = [];
  for (const match of text.matchAll(CLAUSE)) {
    const words = (match[1] ?? '').replace(/\s+/g, ' ').trim();
    const marks = match[2] ?? '';
    const punctuation = marks.startsWith('…') ? '.' : (marks[0] ?? '');
    if (/[\p{L}\p{N}]/u.test(words)) clauses.push({ text: words, punctuation });
    else if (punctuation && clauses.length > 0) {
      const last = clauses.at(-1) as Clause;
      if (!last.punctuation) last.punctuation = punctuation;
    }
  }
  return clauses;
}

/** Joins clause phonemes as Piper's phonemizer does: `phonemes` + punctuation, space between. */
export function joinClauses(phonemes: readonly string[], clauses: readonly Clause[]): string {
  return phonemes
    .map((p, i) => `${p.trim()}${clauses[i]?.punctuation ?? ''}`)
    .filter((p) => p.length > 0)
    .join(' ');
}

const TENS_AND_UNITS =
  /\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|eight|nine|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b/gi;

/**
 * English as the normalizer writes it for a listener, rewritten where espeak-ng would read it
 * otherwise than it reads the digits and abbreviations themselves (which is what Piper voices were
 * trained on and what piper-tts feeds them):
 * - a run of single capital letters ("A M", "U S", "W W W") becomes one word, which espeak-ng
 *   spells ("AM" → eɪ ɛm), where alone "A" is the article (ɐ);
 * - tens and units ("twenty-one", "forty-first") become two words, as espeak-ng says "21" and
 *   "41st", where the hyphenated compound loses the boundary between them (twˈɛntiwˈʌn).
 */
export function englishForEspeak(text: string): string {
  return text.replace(/\b[A-Z](?: [A-Z]\b)+/g, (letters) => letters.replace(/ /g, '')).replace(TENS_AND_UNITS, '$1 $2');
}

/** A line of espeak-ng output without its language-switch flags (`(en)`, `(fr)` …). */
export function dropLanguageFlags(line: string): string {
  return line.replace(/\([^)]*\)/g, '');
}

let available: boolean | undefined;

/** Whether the `espeak-ng` program can be run (checked once). */
export function hasEspeak(): boolean {
  available ??= spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' }).status === 0;
  return available;
}

/**
 * Runs `espeak-ng -q --ipa -v voice [args]` on `lines` (one per input line; the program reads each
 * line apart) and returns its output lines, empty ones kept.
 */
export function runEspeakIpa(lines: readonly string[], voice: string, args: readonly string[] = []): string[] {
  const result = spawnSync('espeak-ng', ['-q', '--ipa', '-v', voice, ...args], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error || result.status !== 0) {
    throw new Error(`espeak-ng failed for voice "${voice}": ${result.error?.message ?? result.stderr}`);
  }
  return result.stdout.replace(/\n$/, '').split('\n');
}

/** IPA phonemes of `text` in the espeak-ng `voice` (e.g. `en-us`, `de`), punctuation kept. */
export function espeakPhonemes(text: string, voice: string): string {
  const clauses = splitClauses(voice.toLowerCase().startsWith('en') ? englishForEspeak(text) : text);
  if (clauses.length === 0) return '';
  const lines = runEspeakIpa(
    clauses.map((c) => c.text),
    voice,
  )
    .map(dropLanguageFlags)
    .filter((line) => line.trim().length > 0);
  // espeak-ng may split a long clause once more; then only the text's last mark can be placed.
  if (lines.length !== clauses.length) {
    return `${lines.map((l) => l.trim()).join(' ')}${clauses.at(-1)?.punctuation ?? ''}`;
  }
  return joinClauses(lines, clauses);
}
