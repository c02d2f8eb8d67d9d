/**
 * Pronunciations for words a dictionary lacks, from Flite's letter-to-sound rules (BSD-style
 * licence): the words are spoken by Flite as one comma-separated list with `-ps` (print phones,
 * audio discarded), and its phone list is split at the pauses between them.
 */
import { flitePhonesToArpabet } from '../../text/g2p/english.js';
import { fliteCommand } from './flite-module.js';

/** Guesses ARPAbet pronunciations of English words. */
export type LetterToSound = (words: readonly string[]) => string[];

/** Creates a letter-to-sound function backed by this thread's Flite instance (shared with the engine). */
export async function createLetterToSound(): Promise<LetterToSound> {
  const command = await fliteCommand();
  const phonesOf = (text: string): string[][] => {
    const result = command.run(['flite', '-voice', 'slt', '-ps', '-t', ` ${text}`, '-o', 'none']);
    const groups: string[][] = [];
    let current: string[] = [];
    for (const phone of result.stdout.trim().split(/\s+/)) {
      if (phone === 'pau') {
        if (current.length > 0) groups.push(current);
        current = [];
      } else if (phone) {
        current.push(phone);
      }
    }
    if (current.length > 0) groups.push(current);
    return groups;
  };
  return (words) => {
    const clean = words.map((w) => w.replace(/[^\p{L}\p{N}']/gu, ''));
    const groups = phonesOf(clean.join(', '));
    // Flite pauses at each comma; if it did not, ask word by word.
    const perWord = groups.length === clean.length ? groups : clean.map((w) => phonesOf(w).flat());
    return perWord.map((phones) => flitePhonesToArpabet(phones));
  };
}

/** Thrown by a lazy letter-to-sound before its rules have loaded (see {@link lazyLetterToSound}). */
class LetterToSoundNeeded extends Error {}

/** Letter-to-sound rules loaded at the first word that needs them. */
export interface LazyLetterToSound {
  /** The out-of-vocabulary hook to hand a synchronous front end. */
  oov: LetterToSound;
  /**
   * Runs a front end that uses {@link oov}. If it met an unknown word before the rules had loaded,
   * loads them (~130 ms, once) and runs it again.
   */
  phonemize<T>(run: () => T): Promise<T>;
}

/**
 * Letter-to-sound that costs nothing until a text has a word the dictionaries lack: Flite's
 * instance (~17 MB per thread) is made then, not when the engine starts.
 */
export function lazyLetterToSound(): LazyLetterToSound {
  let rules: LetterToSound | undefined;
  return {
    oov: (words) => {
      if (!rules) throw new LetterToSoundNeeded();
      return rules(words);
    },
    async phonemize(run) {
      try {
        return run();
      } catch (error) {
        if (!(error instanceof LetterToSoundNeeded)) throw error;
        rules = await createLetterToSound();
        return run();
      }
    },
  };
}
