/**
 * English grapheme-to-phoneme for the neural engines, no GPL phonemizer needed.
 *
 * - With misaki's lexicon (Kokoro v1.0): words are said as misaki, the G2P Kokoro was trained
 *   with, says them — its gold and silver lexicons, its case and compound rules, function words
 *   reduced by context ("the" ðə / ði, "to" tə / tʊ) and heteronyms picked by a part-of-speech
 *   guess ("to record" / "a record"). Words it lacks come from the CMU dictionary, then the
 *   caller's letter-to-sound fallback.
 * - Without it (Piper's espeak alphabet): the CMU dictionary, function words unstressed as
 *   espeak-ng says them, then the fallback.
 */
import { arpabetToPhonemes, lookupWord, type PhonemeAlphabet } from './cmu-dictionary.js';
import { espeakFunctionWord } from './espeak-function-words.js';
import { contextBefore, END_OF_TEXT, type MisakiLexicon, type WordContext } from './misaki-lexicon.js';
import { tagTokens } from './pos-tagger.js';

export { arpabetToPhonemes, flitePhonesToArpabet, lookupWord, type PhonemeAlphabet } from './cmu-dictionary.js';
export {
  DEFAULT_MISAKI_LEXICON_OPTIONS,
  type LexiconData,
  type LexiconEntry,
  MisakiLexicon,
  type MisakiLexiconOptions,
} from './misaki-lexicon.js';

/** Pronunciations for words the dictionaries lack: ARPAbet per word, in order. */
export type OutOfVocabulary = (words: readonly string[]) => string[];

/** Options of {@link phonemizeEnglish} and {@link phonemizeEnglishWords}. */
export interface EnglishG2POptions {
  /** The phoneme alphabet to produce. Default `'misaki'`. */
  alphabet: PhonemeAlphabet;
  /** Guesses ARPAbet for words no dictionary has (the engines use Flite's letter-to-sound rules). Required. */
  oov: OutOfVocabulary;
  /**
   * misaki's lexicon (US or GB): words are then said as misaki says them, for Kokoro. Only with
   * the `'misaki'` alphabet. Default: none (CMU dictionary only).
   */
  lexicon: MisakiLexicon | undefined;
}

/** Defaults of {@link EnglishG2POptions}. */
export const DEFAULT_ENGLISH_G2P_OPTIONS: Omit<EnglishG2POptions, 'oov'> = { alphabet: 'misaki', lexicon: undefined };

/** Options as callers pass them: `oov` required, the rest defaulted. */
export type EnglishG2PInput = Partial<EnglishG2POptions> & Pick<EnglishG2POptions, 'oov'>;

/** Phonemes of a text, and where each word's phonemes are in them. */
export interface PhonemizedText {
  phonemes: string;
  /** The words, with the [start, end) code-point range of their phonemes. */
  words: { word: string; start: number; end: number }[];
}

/**
 * The phoneme string of `out` (phoneme symbols and spaces) without spaces at either end, and
 * `words` (ranges into `out`) shifted to match it.
 */
export function joinPhonemes(out: string[], words: PhonemizedText['words']): PhonemizedText {
  let end = out.length;
  while (end > 0 && out[end - 1] === ' ') end--;
  let lead = 0;
  while (lead < end && out[lead] === ' ') lead++;
  return {
    phonemes: out.slice(lead, end).join(''),
    words: words.map((w) => ({ ...w, start: w.start - lead, end: w.end - lead })),
  };
}

/**
 * Phonemizes normalized English text (numbers already spelled out): words become phonemes,
 * punctuation Kokoro and Piper know is kept, whitespace becomes one space.
 */
export function phonemizeEnglish(text: string, options: EnglishG2PInput): string {
  return phonemizeEnglishWords(text, options).phonemes;
}

/** {@link phonemizeEnglish}, also telling where each word is in the phonemes. */
export function phonemizeEnglishWords(text: string, options: EnglishG2PInput): PhonemizedText {
  const { alphabet, oov, lexicon } = { ...DEFAULT_ENGLISH_G2P_OPTIONS, ...options };
  if (lexicon !== undefined && alphabet !== 'misaki') {
    throw new TypeError(`misaki's lexicon gives misaki phonemes: use the 'misaki' alphabet with it, not '${alphabet}'.`);
  }
  const tokens = tokenize(text, lexicon !== undefined);
  const parts = lexicon ? misakiParts(tokens, lexicon, oov) : cmuParts(tokens, alphabet, oov);
  return assemble(parts);
}

/** A piece of the text: a word, a punctuation mark, or a space. */
type Token = { kind: 'word'; text: string } | { kind: 'mark'; text: string } | { kind: 'space' };
/** A piece of the output: a word's phonemes, a punctuation mark, or a space. */
type Part = { word: string; phonemes: string } | string;

const WORD = "[\\p{L}\\p{N}]+(?:['’‘-][\\p{L}\\p{N}]+)*(?:(?<=[sS])['’](?![\\p{L}\\p{N}]))?";
const TOKEN = new RegExp(`(${WORD})|([%&+@])|([.,!?;:—–…"“”()-])|(\\s+)`, 'gu');

/** Splits text into words, marks and spaces; misaki's style turns dashes into — and straight quotes into curly ones. */
function tokenize(text: string, misakiStyle: boolean): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const [, word, symbol, mark, space] = match;
    if (word) tokens.push({ kind: 'word', text: word });
    else if (symbol) {
      if (misakiStyle) tokens.push({ kind: 'word', text: symbol });
    } else if (space) tokens.push({ kind: 'space' });
    else if (mark === '-' || mark === '–') tokens.push(misakiStyle ? { kind: 'mark', text: '—' } : { kind: 'space' });
    else if (mark === '"' && misakiStyle) {
      const before = text[(match.index ?? 0) - 1];
      tokens.push({ kind: 'mark', text: before === undefined || /[\s(“]/.test(before) ? '“' : '”' });
    } else if (mark) tokens.push({ kind: 'mark', text: mark });
  }
  return tokens;
}

/** A word as the CMU dictionary files it: lower case, no accents, straight apostrophes, no trailing one ("dogs'"). */
const lookupKey = (word: string): string =>
  word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[‘’]/g, "'").replace(/'$/, '');

/** Looks up in the CMU dictionary, then asks `oov` in one batch, the words of `words` lacking from it. */
function fallbackPronunciations(words: Iterable<string>, oov: OutOfVocabulary): Map<string, string> {
  const found = new Map<string, string>();
  const unknown: string[] = [];
  for (const word of words) {
    const key = lookupKey(word);
    if (found.has(key) || unknown.includes(key)) continue;
    const arpabet = lookupWord(key);
    if (arpabet !== undefined) found.set(key, arpabet);
    else unknown.push(key);
  }
  if (unknown.length > 0) {
    const guessed = oov(unknown);
    for (const [i, w] of unknown.entries()) found.set(w, guessed[i] ?? '');
  }
  return found;
}

/** misaki's way: lexicon words with their tags, read right to left so each sees what follows it. */
function misakiParts(tokens: readonly Token[], lexicon: MisakiLexicon, oov: OutOfVocabulary): Part[] {
  const spoken = tokens.flatMap((t, i) => (t.kind === 'space' ? [] : [{ token: t, i }]));
  const tags = tagTokens(spoken.map((s) => ('text' in s.token ? s.token.text : ' ')));
  // First pass: which pieces no lexicon entry covers (that does not depend on context).
  const missing = new Set<string>();
  for (const [k, s] of spoken.entries()) {
    if (s.token.kind !== 'word') continue;
    lexicon.compound(s.token.text, tags[k] ?? 'NN', END_OF_TEXT, (piece) => {
      missing.add(piece);
      return '';
    });
  }
  const arpabet = fallbackPronunciations(missing, oov);
  const fallback = (piece: string): string => arpabetToPhonemes(arpabet.get(lookupKey(piece)) ?? '', 'misaki');

  const parts: Part[] = tokens.map((t) => (t.kind === 'space' ? ' ' : t.text));
  let context: WordContext = END_OF_TEXT;
  for (let k = spoken.length - 1; k >= 0; k--) {
    const { token, i } = spoken[k] as (typeof spoken)[number];
    if (token.kind !== 'word') {
      context = contextBefore(token.text, token.text, context);
      continue;
    }
    const phonemes = lexicon.compound(token.text, tags[k] ?? 'NN', context, fallback);
    parts[i] = { word: token.text, phonemes };
    context = contextBefore(phonemes, token.text, context);
  }
  return parts;
}

const ESPEAK_VOWEL = /^[ˈˌ]*[aeiouæɐɑɒɔəɚɛɜɪʊʌ]/;

/** The CMU dictionary's way (Piper): hyphenated words said as separate words, function words as espeak says them. */
function cmuParts(tokens: readonly Token[], alphabet: PhonemeAlphabet, oov: OutOfVocabulary): Part[] {
  const split: Token[] = tokens.flatMap((t) =>
    t.kind === 'word' && t.text.includes('-')
      ? t.text
          .split('-')
          .flatMap((w, i): Token[] => (i === 0 ? [{ kind: 'word', text: w }] : [{ kind: 'space' }, { kind: 'word', text: w }]))
      : [t],
  );
  const words = split.flatMap((t) => (t.kind === 'word' ? [t.text] : []));
  const arpabet = fallbackPronunciations(words, oov);
  const parts: Part[] = split.map((t) => {
    if (t.kind === 'word') return { word: t.text, phonemes: arpabetToPhonemes(arpabet.get(lookupKey(t.text)) ?? '', alphabet) };
    return t.kind === 'space' ? ' ' : t.text;
  });
  if (alphabet !== 'espeak') return parts;
  let nextVowel = false;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as Part;
    if (typeof part === 'string') {
      if (part !== ' ') nextVowel = false;
      continue;
    }
    const acronym = part.word.length > 1 && part.word === part.word.toUpperCase();
    const reduced = acronym ? undefined : espeakFunctionWord(part.word.replace(/’/g, "'"), nextVowel);
    if (reduced !== undefined) part.phonemes = reduced;
    nextVowel = ESPEAK_VOWEL.test(part.phonemes);
  }
  return parts;
}

/** Punctuation that opens: it keeps the space before it and takes none after. */
const OPENING = new Set(['“', '(']);

/** Joins the parts, one space between words, closing punctuation against the word before it. */
function assemble(parts: readonly Part[]): PhonemizedText {
  // Built as code points, so positions match one token per symbol.
  const out: string[] = [];
  const words: PhonemizedText['words'] = [];
  for (const part of parts) {
    const last = out.at(-1);
    if (typeof part === 'string') {
      if (part === ' ' && (last === ' ' || last === undefined || (last !== undefined && OPENING.has(last)))) continue;
      const opening = OPENING.has(part) || (part === '"' && (last === undefined || last === ' '));
      // A dash keeps the spacing it was written with; other closing marks hug the word before.
      if (part !== ' ' && part !== '—' && !opening && last === ' ') out.pop();
      if (opening && last !== undefined && last !== ' ') out.push(' ');
      out.push(part);
      continue;
    }
    const symbols = [...part.phonemes];
    if (symbols.length === 0) continue;
    words.push({ word: part.word, start: out.length, end: out.length + symbols.length });
    out.push(...symbols);
  }
  return joinPhonemes(out, words);
}
