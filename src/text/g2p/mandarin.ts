/**
 * Mandarin grapheme-to-phoneme for Kokoro-82M v1.0's `z…` voices, written as misaki's `zh` front
 * end (the one those voices were trained with) writes it: Chinese text is cut into words (jieba, as
 * misaki does, here through `jieba-wasm`, the Rust port with the same dictionary), each character
 * gets its pinyin with tone as pypinyin gives it to misaki, word by word, from pypinyin's own
 * phrase and character dictionaries (see `pypinyin.ts`: the tones of 一 and 不 and the neutral
 * tones are its entries; `pinyin-pro` only for a character those lack), each syllable its phonemes
 * ({@link pinyinToPhonemes}), a word's
 * syllables are written together and words are separated by a space. Chinese punctuation becomes
 * the ASCII marks Kokoro knows, followed by a space. Latin-script words (English inside Chinese)
 * are handed to the caller's phonemizer; misaki's v1.0 path passes them through as letters, which
 * the voices cannot read.
 *
 * Third-tone sandhi and erhua are not written: misaki's v1.0 path writes each syllable's own tone
 * and 儿 as its own syllable (ɚ), and the voices learned to say 你好 and 哪儿 from that spelling.
 * Expects normalized text (numbers already in Chinese: see `normalize-chinese.ts`).
 */
import { cut } from 'jieba-wasm';
import { pinyin } from 'pinyin-pro';
import { joinPhonemes, type PhonemizedText } from './english.js';
import { pinyinToPhonemes } from './pinyin-ipa.js';
import { pypinyinWord } from './pypinyin.js';

/** Phonemizes a run of Latin-script text (words, spaces, apostrophes, hyphens). */
export type LatinPhonemizer = (text: string) => PhonemizedText;

/** Options of {@link phonemizeMandarin}. */
export interface MandarinG2POptions {
  /**
   * Phonemes for Latin-script words inside the Chinese (English). Default: none, the words are
   * dropped (a voice cannot read letters).
   */
  latin: LatinPhonemizer | undefined;
}

/** Defaults of {@link MandarinG2POptions}. */
export const DEFAULT_MANDARIN_G2P_OPTIONS: MandarinG2POptions = { latin: undefined };

/** Chinese punctuation → what Kokoro reads (misaki's mapping): the ASCII mark and a space. */
const PUNCTUATION: Readonly<Record<string, string>> = {
  '、': ', ',
  '，': ', ',
  '。': '. ',
  '．': '. ',
  '！': '! ',
  '：': ': ',
  '；': '; ',
  '？': '? ',
  '«': ' “',
  '»': '” ',
  '《': ' “',
  '》': '” ',
  '「': ' “',
  '」': '” ',
  '『': ' “',
  '』': '” ',
  '【': ' “',
  '】': '” ',
  '（': ' (',
  '）': ') ',
  '…': '… ',
  '—': '—',
};
const PUNCTUATION_PATTERN = new RegExp(`[${Object.keys(PUNCTUATION).join('')}]`, 'g');

/** Chinese punctuation written as Kokoro's marks (misaki's mapping), ends trimmed. */
export function mapChinesePunctuation(text: string): string {
  return text.replace(PUNCTUATION_PATTERN, (c) => PUNCTUATION[c] as string).trim();
}

const HAN = /\p{Script=Han}/u;
/** Runs of Han characters, of Latin words (with inner spaces, apostrophes, hyphens), or of anything else. */
const RUNS =
  /(\p{Script=Han}+)|([A-Za-z\u00C0-\u024F](?:[A-Za-z\u00C0-\u024F'’ -]*[A-Za-z\u00C0-\u024F])?)|([^\p{Script=Han}A-Za-z\u00C0-\u024F]+)/gu;
/** Marks Kokoro's vocabulary has, kept from the text between words. */
const KEPT = /[ ,.!?;:—…"“”()]/;
/** Marks a word follows without a space. */
const OPENING = new Set(['“', '(', '"']);

/** True when the text has Chinese characters. */
export function hasHan(text: string): boolean {
  return HAN.test(text);
}

/** The pinyin (tone digits) of each character of a run of Han characters. */
export function pinyinOf(run: string): string[] {
  return pinyin(run, { toneType: 'num', type: 'array', toneSandhi: false });
}

/** The words of a run of Han characters, as jieba cuts them (its HMM finds unknown words). */
export function chineseWords(run: string): string[] {
  return cut(run, true);
}

/** Phonemizes normalized Mandarin text (possibly with English words in it); see the module comment. */
export function phonemizeMandarin(text: string, options: Partial<MandarinG2POptions> = {}): PhonemizedText {
  const { latin } = { ...DEFAULT_MANDARIN_G2P_OPTIONS, ...options };
  const out: string[] = [];
  const words: PhonemizedText['words'] = [];
  const space = (): void => {
    const last = out.at(-1);
    if (last !== undefined && last !== ' ' && !OPENING.has(last)) out.push(' ');
  };
  const addWord = (word: string, phonemes: string): void => {
    const symbols = [...phonemes];
    if (symbols.length === 0) return;
    words.push({ word, start: out.length, end: out.length + symbols.length });
    out.push(...symbols);
  };
  for (const match of mapChinesePunctuation(text.normalize('NFC')).matchAll(RUNS)) {
    const [, han, letters, other] = match;
    if (han) {
      let fallback: string[] | undefined;
      let at = 0;
      for (const word of chineseWords(han)) {
        const count = [...word].length;
        const phonemes = pypinyinWord(word)
          .map((s, i) => {
            // A character pypinyin has no reading for: pinyin-pro's, read over the whole run.
            if (s === undefined) fallback ??= pinyinOf(han);
            const syllable = s ?? fallback?.[at + i];
            return syllable === undefined ? '' : (pinyinToPhonemes(syllable) ?? '');
          })
          .join('');
        at += count;
        space();
        addWord(word, phonemes);
      }
    } else if (letters) {
      if (!latin) continue;
      const spoken = latin(letters);
      space();
      const base = out.length;
      out.push(...spoken.phonemes);
      for (const w of spoken.words) words.push({ word: w.word, start: base + w.start, end: base + w.end });
    } else if (other) {
      for (const c of other) {
        if (c === ' ' || /\s/.test(c)) space();
        else if (KEPT.test(c)) {
          // A closing mark hugs the word before it, as misaki writes "pa, pu↗jau↘".
          if (!'“(—'.includes(c) && out.at(-1) === ' ') out.pop();
          out.push(c);
        }
      }
    }
  }
  return joinPhonemes(out, words);
}
