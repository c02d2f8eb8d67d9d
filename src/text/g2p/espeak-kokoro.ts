/**
 * Kokoro-82M v1.0's Spanish, French, Italian, Brazilian Portuguese and Hindi voices were trained on
 * espeak-ng's phonemes as Kokoro's own pipeline writes them: misaki's espeak front end (no
 * version), which runs espeak-ng through the `phonemizer` package with punctuation kept, stress
 * marks and `^` as the tie of multi-letter phonemes, then rewrites the tied pairs as misaki's single
 * letters (t^ʃ → ʧ, e^ɪ → A, …) and drops ties and hyphens. This writes the same string with the
 * `espeak-ng` program (GPL-3: run as a separate program, never linked):
 *
 * - the text is cut where phonemizer cuts it: at runs of its punctuation marks (`, .` only when not
 *   inside a number), the marks and the spaces around them kept as they are; parentheses count as
 *   marks (misaki turns them into « » first, and guillemets into curly quotes);
 * - each piece is phonemized on its own (so a lone word gets its own stress, as in the reference),
 *   clauses espeak-ng finds inside a piece joined by a space, language-switch flags dropped;
 * - the pieces and marks are put back together as phonemizer does, then misaki's rewrites apply.
 *
 * Where phonemizer would drop words (see {@link cutAtMarks}) this keeps them.
 *
 * Numbers are not normalized here: the reference lets espeak-ng read the digits in the language
 * itself, and so does this.
 */
import { hasEspeak, runEspeakIpa } from '../../engine/piper/espeak.js';
import type { PhonemizedText } from './english.js';

/** Kokoro voice language → the espeak-ng voice Kokoro's pipeline phonemizes it with. */
export const KOKORO_ESPEAK_VOICES: Readonly<Record<string, string>> = {
  es: 'es',
  'fr-FR': 'fr-fr',
  hi: 'hi',
  it: 'it',
  'pt-BR': 'pt-br',
};

/** Whether Kokoro voices of `language` are read through espeak-ng here (and it is installed). */
export function espeakReads(language: string): boolean {
  return language in KOKORO_ESPEAK_VOICES && hasEspeak();
}

/**
 * phonemizer's default punctuation marks, as it matches them: a run of marks with the spaces
 * around it; `,` and `.` count unless a digit is on both sides (3,5 and 3.5 stay in the number).
 */
const MARK_RUN = /(?:\s*(?:[;:!?¡¿—…"«»“”(){}[\]]|(?<![0-9])[,.]|[,.](?![0-9]))+\s*)+/gu;

/** Characters that end a clause for espeak-ng but are not phonemizer marks: a piece is cut there too. */
const ESPEAK_CLAUSE_END =
  /[\u2013\u037e\u0387\u0964\u0965\u0589\u055b-\u055e\u060c\u061b\u061f\u06d4\u3001\u3002\uff01\uff0c\uff0e\uff1a\uff1b\uff1f]/u;

/** misaki's rewrites of espeak-ng's tied phonemes, in the order it applies them (sorted by key). */
const TIED: readonly (readonly [string, string])[] = (
  [
    ['a^ɪ', 'I'],
    ['a^ʊ', 'W'],
    ['d^z', 'ʣ'],
    ['d^ʒ', 'ʤ'],
    ['e^ɪ', 'A'],
    ['o^ʊ', 'O'],
    ['ə^ʊ', 'Q'],
    ['s^s', 'S'],
    ['t^s', 'ʦ'],
    ['t^ʃ', 'ʧ'],
    ['ɔ^ɪ', 'Y'],
  ] as const
)
  .slice()
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

type Position = 'B' | 'I' | 'E' | 'A';
interface Mark {
  mark: string;
  position: Position;
}

/**
 * phonemizer's `Punctuation.preserve` for one line: the pieces to phonemize and the marks between.
 * One deliberate difference: phonemizer cuts the line at each mark's first occurrence in the rest
 * of the line, not where the mark was found, so in "Sí, 2.5 más." the final "." cuts "2.5" and
 * misaki then drops "5 más" (it keeps only the first line phonemizer returns). Here each mark
 * cuts where it was found, and nothing is dropped.
 */
export function cutAtMarks(line: string): { pieces: string[]; marks: Mark[] } {
  const matches = [...line.matchAll(MARK_RUN)];
  if (matches.length === 0) return { pieces: [line], marks: [] };
  if (matches.length === 1 && matches[0]?.[0] === line) return { pieces: [], marks: [{ mark: line, position: 'A' }] };
  const marks = matches.map(([mark], i): Mark => {
    let position: Position = 'I';
    if (i === 0 && line.startsWith(mark)) position = 'B';
    else if (i === matches.length - 1 && line.endsWith(mark)) position = 'E';
    return { mark, position };
  });
  const pieces: string[] = [];
  let from = 0;
  for (const match of matches) {
    pieces.push(line.slice(from, match.index));
    from = match.index + match[0].length;
  }
  pieces.push(line.slice(from));
  return { pieces: pieces.filter((p) => p !== ''), marks };
}

/** phonemizer's `Punctuation.restore` for one line (word separator a space, not stripped). */
export function restoreMarks(phonemized: readonly string[], marks: readonly Mark[]): string {
  const text = [...phonemized];
  const out: string[] = [];
  let queue = [...marks];
  while (text.length > 0 || queue.length > 0) {
    if (queue.length === 0) {
      for (const line of text) out.push(line.endsWith(' ') ? line : `${line} `);
      text.length = 0;
    } else if (text.length === 0) {
      out.push(queue.map((m) => m.mark).join(''));
      queue = [];
    } else {
      const { mark, position } = queue[0] as Mark;
      queue = queue.slice(1);
      if ((text[0] as string).endsWith(' ')) text[0] = (text[0] as string).slice(0, -1);
      if (position === 'B') text[0] = mark + text[0];
      else if (position === 'E') {
        out.push(`${text[0]}${mark}${mark.endsWith(' ') ? '' : ' '}`);
        text.shift();
      } else if (position === 'A') out.push(`${mark}${mark.endsWith(' ') ? '' : ' '}`);
      else if (text.length === 1) text[0] = `${text[0]}${mark}`;
      else {
        const first = text.shift() as string;
        text[0] = `${first}${mark}${text[0]}`;
      }
    }
  }
  return out.join('');
}

/** phonemizer's clean-up of espeak-ng's phonemes of one piece (its clauses joined by a space). */
function tidyPiece(clauses: readonly string[]): string {
  let line = clauses.join(' ').trim().replace(/\n/g, ' ').replace(/ {2}/g, ' ');
  line = line.replace(/_+/g, '_').replace(/_ /g, ' ');
  if (/\(.+?\)/.test(line)) line = line.replace(/\(.+?\)/g, '');
  if (!line) return '';
  return line
    .split(' ')
    .map((word) => `${word.trim()} `)
    .join('');
}

/** misaki's rewrites after phonemizer: tied pairs → single letters, ties and hyphens dropped. */
function misakiLetters(phonemes: string): string {
  let out = phonemes;
  for (const [from, to] of TIED) out = out.split(from).join(to);
  return out.replace(/\^/g, '').replace(/-/g, '').replace(/«/g, '(').replace(/»/g, ')');
}

/**
 * Phonemizes every text in the espeak-ng `voice` (one program run for all), as
 * misaki's espeak front end writes it. Texts are single lines (newlines count as spaces).
 */
export function espeakKokoroPhonemes(texts: readonly string[], voice: string): string[] {
  const cut = texts.map((text) => {
    const line = text
      .replace(/[\r\n]+/g, ' ')
      .replace(/«/g, '“')
      .replace(/»/g, '”')
      .replace(/\(/g, '«')
      .replace(/\)/g, '»');
    return cutAtMarks(line);
  });
  // Each piece, cut again where espeak-ng would end a clause, one input line per clause: the
  // program then prints one line per input line.
  const clauses = cut.map(({ pieces }) => pieces.map((piece) => piece.split(ESPEAK_CLAUSE_END)));
  const lines = clauses.flat(2);
  let output = lines.length > 0 ? runEspeakIpa(lines, voice, ['--tie=^']) : [];
  if (output.length !== lines.length) {
    // A clause end this did not foresee: one run per line, slower but never misaligned.
    output = lines.map((line) => runEspeakIpa([line], voice, ['--tie=^']).join(' '));
  }
  let next = 0;
  return cut.map(({ marks }, t) => {
    const pieces = (clauses[t] ?? []).map((pieceClauses) => {
      const phonemes = pieceClauses.map(() => output[next++] ?? '');
      return tidyPiece(phonemes.filter((p) => p.trim() !== ''));
    });
    return misakiLetters(restoreMarks(pieces, marks)).trim();
  });
}

/**
 * Kokoro phonemes of `text` for a voice of `language` (a key of {@link KOKORO_ESPEAK_VOICES}). No
 * word times: espeak-ng's words do not line up with the text's where it reads numbers.
 */
export function phonemizeWithEspeak(text: string, language: string): PhonemizedText {
  const voice = KOKORO_ESPEAK_VOICES[language];
  if (!voice) throw new Error(`no espeak-ng voice for Kokoro language ${language}`);
  return { phonemes: espeakKokoroPhonemes([text], voice)[0] ?? '', words: [] };
}
