/**
 * English grapheme-to-phoneme for the neural engines, dictionary first: the CMU Pronouncing
 * Dictionary (134k words, ARPAbet with stress) turned into the phoneme alphabet each model was
 * trained on — misaki's for Kokoro v1.0 (diphthongs as single letters: aɪ→I, eɪ→A, oʊ→O …) and
 * espeak-ng's IPA for Piper. Words the dictionary lacks go to a caller-supplied fallback (the
 * engines use Flite's letter-to-sound rules), so no GPL phonemizer is needed.
 */
import { dictionary } from 'cmu-pronouncing-dictionary';

/** The phoneme alphabet to produce. */
export type PhonemeAlphabet = 'misaki' | 'espeak';

/** ARPAbet phones (without stress digits) → [misaki, espeak IPA]. Unstressed variants below. */
const PHONES: Readonly<Record<string, readonly [string, string]>> = {
  AA: ['ɑ', 'ɑː'],
  AE: ['æ', 'æ'],
  AH: ['ʌ', 'ʌ'],
  AO: ['ɔ', 'ɔː'],
  AW: ['W', 'aʊ'],
  AY: ['I', 'aɪ'],
  EH: ['ɛ', 'ɛ'],
  ER: ['ɜɹ', 'ɜː'],
  EY: ['A', 'eɪ'],
  IH: ['ɪ', 'ɪ'],
  IY: ['i', 'iː'],
  OW: ['O', 'oʊ'],
  OY: ['Y', 'ɔɪ'],
  UH: ['ʊ', 'ʊ'],
  UW: ['u', 'uː'],
  B: ['b', 'b'],
  CH: ['ʧ', 'tʃ'],
  D: ['d', 'd'],
  DH: ['ð', 'ð'],
  F: ['f', 'f'],
  G: ['ɡ', 'ɡ'],
  HH: ['h', 'h'],
  JH: ['ʤ', 'dʒ'],
  K: ['k', 'k'],
  L: ['l', 'l'],
  M: ['m', 'm'],
  N: ['n', 'n'],
  NG: ['ŋ', 'ŋ'],
  P: ['p', 'p'],
  R: ['ɹ', 'ɹ'],
  S: ['s', 's'],
  SH: ['ʃ', 'ʃ'],
  T: ['t', 't'],
  TH: ['θ', 'θ'],
  V: ['v', 'v'],
  W: ['w', 'w'],
  Y: ['j', 'j'],
  Z: ['z', 'z'],
  ZH: ['ʒ', 'ʒ'],
};

/** Unstressed vowels that reduce: AH0 is a schwa, ER0 an r-coloured one. */
const REDUCED: Readonly<Record<string, readonly [string, string]>> = {
  AH: ['ə', 'ə'],
  ER: ['əɹ', 'ɚ'],
};

/** Flite's phone names (lower-case ARPAbet, `ax` for schwa, `pau` for a pause) → ARPAbet. */
const FLITE_TO_ARPABET: Readonly<Record<string, string>> = { ax: 'AH0', axr: 'ER0' };

/** Converts one ARPAbet pronunciation ("HH AH0 L OW1") to the alphabet, stress marks before vowels. */
export function arpabetToPhonemes(arpabet: string, alphabet: PhonemeAlphabet): string {
  const column = alphabet === 'misaki' ? 0 : 1;
  let out = '';
  for (const token of arpabet.trim().split(/\s+/)) {
    const match = /^([A-Z]+)([012])?$/.exec(token.toUpperCase());
    if (!match) continue;
    const [, phone, stress] = match as unknown as [string, string, string | undefined];
    const reduced = stress === '0' ? REDUCED[phone] : undefined;
    const symbol = (reduced ?? PHONES[phone])?.[column];
    if (symbol === undefined) continue;
    if (stress === '1') out += 'ˈ';
    else if (stress === '2') out += 'ˌ';
    out += symbol;
  }
  return out;
}

/** Flite's phones for one word ("hh ax l ow") as ARPAbet, primary stress on the first full vowel. */
export function flitePhonesToArpabet(phones: readonly string[]): string {
  let stressed = false;
  return phones
    .filter((p) => p !== 'pau')
    .map((p) => {
      const mapped = FLITE_TO_ARPABET[p];
      if (mapped) return mapped;
      const upper = p.toUpperCase();
      if (!/^(AA|AE|AH|AO|AW|AY|EH|ER|EY|IH|IY|OW|OY|UH|UW)$/.test(upper)) return upper;
      const digit = stressed ? '0' : '1';
      stressed = true;
      return `${upper}${digit}`;
    })
    .join(' ');
}

/** Looks a word up in the CMU dictionary (first pronunciation). */
export function lookupWord(word: string): string | undefined {
  const key = word.toLowerCase().replace(/’/g, "'");
  return (dictionary as Record<string, string | undefined>)[key];
}

/** Pronunciations for words the dictionary lacks: ARPAbet per word, in order. */
export type OutOfVocabulary = (words: readonly string[]) => string[];

const TOKEN = /([\p{L}\p{N}]+(?:['’][\p{L}]+)*)|([.,!?;:—…"“”()-])|(\s+)/gu;

/** Phonemes of a text, and where each word's phonemes are in them. */
export interface PhonemizedText {
  phonemes: string;
  /** The words, with the [start, end) code-point range of their phonemes. */
  words: { word: string; start: number; end: number }[];
}

/**
 * Phonemizes normalized English text (numbers already spelled out): words become phonemes,
 * punctuation Kokoro and Piper know is kept, whitespace becomes one space.
 */
export function phonemizeEnglish(text: string, alphabet: PhonemeAlphabet, oov: OutOfVocabulary): string {
  return phonemizeEnglishWords(text, alphabet, oov).phonemes;
}

/** {@link phonemizeEnglish}, also telling where each word is in the phonemes. */
export function phonemizeEnglishWords(text: string, alphabet: PhonemeAlphabet, oov: OutOfVocabulary): PhonemizedText {
  const parts: ({ word: string } | string)[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const [, word, punctuation, space] = match;
    if (word) parts.push({ word });
    else if (punctuation) parts.push(punctuation === '-' ? ' ' : punctuation);
    else if (space) parts.push(' ');
  }
  const unknown = [...new Set(parts.flatMap((p) => (typeof p === 'string' || lookupWord(p.word) ? [] : [p.word.toLowerCase()])))];
  const guessed = new Map<string, string>();
  if (unknown.length > 0) {
    const pronunciations = oov(unknown);
    for (const [i, w] of unknown.entries()) guessed.set(w, pronunciations[i] ?? '');
  }
  // Built as code points, so positions match one token per symbol.
  const out: string[] = [];
  const words: PhonemizedText['words'] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      const last = out.at(-1);
      if (part === ' ' && (last === ' ' || last === undefined)) continue;
      // Closing punctuation hugs the word before it, as in the models' training text; opening
      // quotes and brackets keep their space.
      const opening = part === '“' || part === '(' || (part === '"' && (last === undefined || last === ' '));
      if (part !== ' ' && !opening && last === ' ') out.pop();
      if (opening && last !== undefined && last !== ' ') out.push(' ');
      out.push(part);
      continue;
    }
    const arpabet = lookupWord(part.word) ?? guessed.get(part.word.toLowerCase()) ?? '';
    const symbols = [...arpabetToPhonemes(arpabet, alphabet)];
    if (symbols.length === 0) continue;
    words.push({ word: part.word, start: out.length, end: out.length + symbols.length });
    out.push(...symbols);
  }
  while (out.at(-1) === ' ') out.pop();
  let lead = 0;
  while (out[lead] === ' ') lead++;
  return {
    phonemes: out.slice(lead).join(''),
    words: words.map((w) => ({ ...w, start: w.start - lead, end: w.end - lead })),
  };
}
