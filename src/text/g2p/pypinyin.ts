/**
 * Pinyin of a word as pypinyin (MIT) gives it to misaki's `zh` path for Kokoro v1.0
 * (`lazy_pinyin(word, style=TONE3, neutral_tone_with_five=True)`): the word is cut by forward
 * maximum matching against pypinyin's phrase dictionary (only whole phrases, else single
 * characters), a phrase takes its dictionary reading, a character its first reading. The tones of
 * 一 and 不 and the neutral tones Kokoro's Mandarin voices learned are those entries (一起 yi4,
 * 一下 yi1, 不要 bu2, 不再 bu4, 妈妈 ma1 ma1), not rules, so only the dictionary itself gives them.
 *
 * The dictionaries are read from data/pypinyin-tone3.tsv.gz, which scripts/pypinyin-data.py
 * writes from the pinned pypinyin (its phrase and character dictionaries, from phrase-pinyin-data
 * and pinyin-data, MIT), each reading already converted the way misaki asks for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PACKAGE_ROOT } from '../../paths.js';

interface Dictionaries {
  phrases: Map<string, string[]>;
  chars: Map<string, string>;
  /** Every prefix of every phrase. */
  prefixes: Set<string>;
}

/** Where the dictionaries are (in the package). */
export const PYPINYIN_DATA = join(PACKAGE_ROOT, 'data', 'pypinyin-tone3.tsv.gz');

let loaded: Dictionaries | undefined;

function dictionaries(): Dictionaries {
  if (loaded) return loaded;
  const phrases = new Map<string, string[]>();
  const chars = new Map<string, string>();
  const prefixes = new Set<string>();
  for (const line of gunzipSync(readFileSync(PYPINYIN_DATA)).toString('utf8').split('\n')) {
    const [kind, key, value] = line.split('\t');
    if (!key || !value) continue;
    if (kind === 'C') chars.set(key, value);
    else if (kind === 'P') {
      phrases.set(key, value.split(' '));
      const codepoints = [...key];
      for (let i = 1; i <= codepoints.length; i++) prefixes.add(codepoints.slice(0, i).join(''));
    }
  }
  loaded = { phrases, chars, prefixes };
  return loaded;
}

/** pypinyin's forward maximum matching (its `mmseg` cutter, whole phrases only). */
export function cutPhrases(text: string): string[] {
  const { phrases, prefixes } = dictionaries();
  const out: string[] = [];
  let rest = [...text];
  while (rest.length > 0) {
    let valid = 0;
    let stopped = false;
    for (let i = 0; i < rest.length; i++) {
      const word = rest.slice(0, i + 1).join('');
      if (!prefixes.has(word)) {
        stopped = true;
        break;
      }
      if (phrases.has(word)) valid = i + 1;
    }
    if (valid > 0) {
      out.push(rest.slice(0, valid).join(''));
      rest = rest.slice(valid);
    } else if (stopped) {
      out.push(rest[0] as string);
      rest = rest.slice(1);
    } else {
      out.push(...rest);
      rest = [];
    }
  }
  return out;
}

/**
 * The TONE3 pinyin (`yi4`, `ma5`, `lü3`) of each character of a run of Han characters, as pypinyin
 * reads it when given the run as one word; undefined for a character it has no reading for.
 */
export function pypinyinWord(word: string): (string | undefined)[] {
  const { phrases, chars } = dictionaries();
  return cutPhrases(word).flatMap((part) => phrases.get(part) ?? [...part].map((c) => chars.get(c)));
}
