/**
 * The CMU Pronouncing Dictionary (134k words, ARPAbet with stress) and the conversion of ARPAbet
 * into the phoneme alphabet each model was trained on: misaki's for Kokoro v1.0 (diphthongs as
 * single letters: aɪ→I, eɪ→A, oʊ→O …) and espeak-ng's IPA for Piper. Also turns Flite's phone
 * names (its letter-to-sound guesses) into ARPAbet.
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
  return Object.hasOwn(dictionary, key) ? (dictionary as Record<string, string | undefined>)[key] : undefined;
}
