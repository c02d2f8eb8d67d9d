/**
 * Word timings for Flite. Flite prints the end time of every phone it speaks (`-psdur`) but not
 * which word each phone belongs to, so words are placed on that phone timeline: pauses split the
 * utterance into phrases (Flite pauses at punctuation), and within a phrase each word gets a run
 * of phones in proportion to its letters. Word edges land on real phone edges, at most a phone or
 * so off, and never inside a pause.
 */
import type { WordTiming } from '../types.js';

/** A phone and when it ends, in seconds. */
export interface TimedPhone {
  phone: string;
  start: number;
  end: number;
}

/** Parses Flite's `-psdur` output ("pau:0.220 hh:0.295 …"). */
export function parsePhoneDurations(output: string): TimedPhone[] {
  const phones: TimedPhone[] = [];
  let start = 0;
  for (const match of output.matchAll(/([a-z0-9_]+):(\d+(?:\.\d+)?)/gi)) {
    const end = Number(match[2]);
    phones.push({ phone: match[1] as string, start, end });
    start = end;
  }
  return phones;
}

const WORD = /[\p{L}\p{N}]+(?:['’]\p{L}+)*/gu;
/** Punctuation Flite pauses at, when followed by a space or the end. */
const PHRASE_BREAK = /[,;:.!?…—]+["'”’)\]]*(?:\s+|$)/u;

function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Places `words` on `phones` (no pauses) in proportion to their letters. */
function alignGroup(words: string[], phones: TimedPhone[], out: WordTiming[]): void {
  const total = words.reduce((n, w) => n + w.length, 0);
  const m = phones.length;
  let used = 0;
  let letters = 0;
  words.forEach((word, k) => {
    letters += word.length;
    const remainingWords = words.length - k - 1;
    let edge = Math.round((m * letters) / total);
    // Each word gets at least one phone while there are phones for everyone.
    edge = Math.max(edge, Math.min(used + 1, m - remainingWords));
    edge = Math.min(edge, m - Math.min(remainingWords, m - used));
    edge = Math.max(edge, used);
    const first = phones[used];
    const last = phones[edge - 1];
    const at = first?.start ?? phones[m - 1]?.end ?? 0;
    out.push({ word, start: edge > used && first ? first.start : at, end: edge > used && last ? last.end : at });
    used = edge;
  });
}

/** Word timings of `text` (as given to Flite) from Flite's phone timeline. */
export function alignWords(text: string, phones: TimedPhone[]): WordTiming[] {
  const wordGroups = text
    .split(PHRASE_BREAK)
    .map(wordsOf)
    .filter((g) => g.length > 0);
  const phoneGroups: TimedPhone[][] = [];
  let run: TimedPhone[] = [];
  for (const phone of phones) {
    if (phone.phone === 'pau') {
      if (run.length > 0) phoneGroups.push(run);
      run = [];
    } else {
      run.push(phone);
    }
  }
  if (run.length > 0) phoneGroups.push(run);
  const out: WordTiming[] = [];
  if (wordGroups.length === phoneGroups.length) {
    for (const [i, words] of wordGroups.entries()) alignGroup(words, phoneGroups[i] as TimedPhone[], out);
  } else {
    alignGroup(wordGroups.flat(), phoneGroups.flat(), out);
  }
  return out;
}
