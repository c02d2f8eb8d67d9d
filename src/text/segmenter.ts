/**
 * Sentence segmentation for synthesis, usable on a whole text or on text that arrives in pieces
 * (an LLM's tokens). Feeding the same text in any split gives the same segments: every cut is
 * decided from the text before it plus a bounded look-ahead, never from where a piece ended.
 */
import { pauseAfter, pauseStretch } from '../audio/trim-silence.js';
import { ABBREVIATIONS } from './abbreviations.js';

/** Options of {@link SentenceSegmenter}; every field has a default in {@link DEFAULT_SEGMENTER_OPTIONS}. */
export interface SegmenterOptions {
  /**
   * Emit a short first fragment, which may end at a comma, semicolon or colon, so the first audio
   * starts sooner. Default `true`.
   */
  firstFragment: boolean;
  /** Smallest first fragment, in characters. Default `10`. */
  firstMinChars: number;
  /**
   * Smallest first fragment that ends at a Chinese comma, enumeration comma or colon (，、：), in
   * Chinese characters: Chinese says more per character, so four already make a phrase worth
   * speaking (about a second of audio). Default `4`.
   */
  firstMinHanChars: number;
  /**
   * Largest first fragment, in characters, where a sentence that runs on (to 1.5 times this) is
   * cut before a phrase starts ("and", "because", "to", "with"…), else between words; never
   * inside a word. Later
   * fragments may be twice as long as the one before, up to `maxChars` (less with a `pace`). Set
   * from how fast the engine is, so the first fragment's synthesis fits a time budget. Default: no limit.
   */
  firstMaxChars: number;
  /**
   * How fast the engine speaks: ms of synthesis and ms of audio per character. With it, each
   * fragment after a time-sized first one is also kept short enough to be synthesized (predicted)
   * in {@link GROWTH_HEADROOM} of the audio the fragments before it leave ahead of a listener who
   * started playing at the first; its cap never falls below `firstMaxChars`. Default: none.
   */
  pace: Pace | undefined;
  /** Sentences shorter than this are merged with the next one. Default `20`. */
  minChars: number;
  /** Longer sentences are cut at the last clause boundary (or space) before this. Default `250`. */
  maxChars: number;
}

/** An engine's speed, per character of text; see {@link SegmenterOptions.pace}. */
export interface Pace {
  synthMsPerChar: number;
  audioMsPerChar: number;
}

/** Defaults of {@link SegmenterOptions}. */
export const DEFAULT_SEGMENTER_OPTIONS: SegmenterOptions = {
  firstFragment: true,
  firstMinChars: 10,
  firstMinHanChars: 4,
  firstMaxChars: Number.POSITIVE_INFINITY,
  pace: undefined,
  minChars: 20,
  maxChars: 250,
};

const LATIN_TERMINATORS = new Set(['.', '!', '?', '…']);
const CJK_TERMINATORS = new Set(['。', '！', '？', '；', '｡']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '」', '』', '）']);
const CLAUSE_MARKS = new Set([',', ';', ':', '—', '–', '，', '、', '：']);
/** Chinese clause marks, after which the first fragment may end at {@link SegmenterOptions.firstMinHanChars}. */
const HAN_CLAUSE_MARKS = new Set(['，', '、', '：']);
const HAN = /\p{Script=Han}/gu;
const WHITESPACE = /\s/;
/** A fragment may run this far past its time-sized cap to reach a sentence's end uncut. */
const CAP_SLACK = 1.5;
/** How far past a fragment's hard limit the word under way may run, to end the fragment on it. */
const WORD_END_SLACK = 1.25;
/**
 * With a {@link Pace}, the share of the audio ahead of the listener a fragment's predicted
 * synthesis may take: the rest absorbs a machine slower than its learned speed.
 */
export const GROWTH_HEADROOM = 0.8;
/** Words a phrase starts with: a run-on sentence is best cut before one of them. */
const PHRASE_STARTS = new Set(
  (
    'and but or nor so yet because since although though unless until while whereas whether if when ' +
    'where which who whom whose that than then to for with without from into onto about after before ' +
    'during through between against under over above below across along around at by in on of as'
  ).split(' '),
);

/**
 * Words a fragment cut between words should not end on: they lean on the word after them
 * (articles, possessives, auxiliaries, pronouns that start a clause, and the phrase starts above;
 * articles and prepositions of the other Latin-script languages too).
 * "I checked the | schedule" is heard as "I check them"; "I checked | the schedule" is not.
 */
const LEANING = new Set([
  ...PHRASE_STARTS,
  ...(
    'the a an this these those my your his her its our their some any no every each all both ' +
    'is are was were be been being am has have had do does did will would shall should can could may might must ' +
    'i we he she they not very more most too just also ' +
    // The same in the languages Kokoro reads through espeak-ng: French, Spanish, Italian, Portuguese.
    'le la les un une des du de au aux à et ou en dans sur pour par avec ' +
    'el los las una unos unas del al con por para y ' +
    'il lo gli di da su con per allo alla ai agli alle dei della nel nella e ' +
    'o os as um uma do da dos das em no na nos nas ao com'
  ).split(' '),
]);

/** Whether a fragment should not end on `word` (see LEANING); trailing punctuation aside. */
function leansOnNext(word: string): boolean {
  return LEANING.has(word.toLowerCase().replace(/[^\p{L}\p{N}]+$/u, ''));
}

type Verdict = { kind: 'cut'; at: number } | { kind: 'wait' } | { kind: 'none' };

/**
 * A streaming sentence segmenter: `push()` text as it arrives and receive the segments that are
 * complete; `flush()` returns the rest (end of input, or a pause in it).
 */
export class SentenceSegmenter {
  readonly options: SegmenterOptions;
  #buffer = '';
  #first = true;
  /** Fragments emitted since the utterance started. */
  #fragment = 0;
  /**
   * With a pace: ms of audio predicted to be ahead of the listener when the next fragment starts
   * synthesizing (it starts when the one before has its audio, which plays from the first's).
   */
  #aheadMs = 0;

  constructor(options: Partial<SegmenterOptions> = {}) {
    this.options = { ...DEFAULT_SEGMENTER_OPTIONS, ...options };
    const { firstMinChars, minChars, maxChars } = this.options;
    if (maxChars < Math.max(firstMinChars, minChars)) {
      throw new TypeError('maxChars must be at least as large as firstMinChars and minChars.');
    }
  }

  /** Text received but not yet part of an emitted segment. */
  get pending(): string {
    return this.#buffer;
  }

  /**
   * Adds text; returns the segments it completed (possibly none). With `final`, nothing more of
   * this utterance will come: as `flush()` after it, but the cuts can see where the text ends.
   */
  push(text: string, final = false): string[] {
    this.#buffer += text;
    return final ? this.flush() : this.#drain(false);
  }

  /**
   * Ends the current input: returns every remaining segment. The next text starts a new
   * utterance, with a short first fragment again.
   */
  flush(): string[] {
    const out = this.#drain(true);
    this.#first = true;
    this.#fragment = 0;
    this.#aheadMs = 0;
    return out;
  }

  #drain(final: boolean): string[] {
    const out: string[] = [];
    for (;;) {
      const cut = this.#findCut(final);
      if (cut === undefined) break;
      const segment = this.#buffer.slice(0, cut).trim();
      this.#buffer = this.#buffer.slice(cut);
      if (segment !== '') {
        out.push(segment);
        this.#predictAhead(segment);
        this.#first = false;
        this.#fragment++;
      }
    }
    if (final) {
      const rest = this.#buffer.trim();
      this.#buffer = '';
      if (rest !== '') out.push(rest);
    } else {
      // Leading whitespace of the next segment carries nothing.
      this.#buffer = this.#buffer.replace(/^\s+/, '');
    }
    return out;
  }

  /** Moves the predicted audio ahead of the listener on past `segment` (see {@link SegmenterOptions.pace}). */
  #predictAhead(segment: string): void {
    const { pace } = this.options;
    if (!pace) return;
    // A stream may stretch the pause after a sentence or clause to cover the next fragment.
    const audio = segment.length * pace.audioMsPerChar + (pauseAfter(segment) + pauseStretch(segment)) * 1000;
    // The first fragment's synthesis happens before anything plays.
    const synthesis = this.#fragment === 0 ? 0 : segment.length * pace.synthMsPerChar;
    this.#aheadMs = Math.max(0, this.#aheadMs - synthesis) + audio;
  }

  /**
   * The time-sized cap of the next fragment, and how far past it the fragment may run to reach a
   * good place to cut: doubling with each fragment until maxChars, with {@link CAP_SLACK}; with a
   * pace, also within {@link GROWTH_HEADROOM} of the audio ahead, and never past all of it.
   */
  #cap(): { cap: number; slack: number } {
    const { firstMaxChars, pace } = this.options;
    const doubled = firstMaxChars * 2 ** Math.min(this.#fragment, 30);
    if (!pace || this.#fragment === 0 || !(pace.synthMsPerChar > 0)) return { cap: doubled, slack: CAP_SLACK };
    const fits = (GROWTH_HEADROOM * this.#aheadMs) / pace.synthMsPerChar;
    if (fits >= doubled) return { cap: doubled, slack: Math.min(CAP_SLACK, fits / doubled / GROWTH_HEADROOM) };
    return { cap: Math.max(firstMaxChars, fits), slack: fits > firstMaxChars ? 1 / GROWTH_HEADROOM : CAP_SLACK };
  }

  /** Position to cut the buffer at, or undefined when more text is needed (or there is none). */
  #findCut(final: boolean): number | undefined {
    const text = this.#buffer;
    const { firstFragment, firstMinChars, minChars, maxChars } = this.options;
    const first = this.#first;
    const { cap, slack } = this.#cap();
    let lastSentence = -1;
    let lastClause = -1;
    let lastSpace = -1;
    // The last space after a word that does not lean on the next (see LEANING).
    let lastFreeSpace = -1;
    let lastPhrase = -1;
    let wordStart = -1;
    // The word before ended with a period that does not end the sentence ("etc.", "Mr.", "J.").
    let afterAbbreviation = false;
    const start = text.length - text.trimStart().length;
    const lengthTo = (end: number): number => end - start;
    const best = (candidates: number[], min: number): number | undefined =>
      candidates.find((at) => at > start && lengthTo(at) >= min);

    // All of the text is here and what a cut by time would leave after it is a word or two
    // ("and then nothing | more"): said alone, that word has a seam before it and costs a call of
    // its own, so the text is cut only where it would be without a time budget.
    const timeCuts = !(final && lengthTo(text.trimEnd().length) < cap * slack + firstMinChars);
    for (let i = start; i < text.length; i++) {
      const ch = text[i] as string;
      if (lengthTo(i) >= maxChars) {
        const at = lastSentence > start ? lastSentence : lastClause > start ? lastClause : lastSpace > start ? lastSpace : i;
        return at;
      }
      if (timeCuts && cap < maxChars && lengthTo(i) >= cap * slack) {
        // Well past the time budget with no sentence end (one ending near it is left whole): cut
        // at a sentence end however short ("Sure!" alone has no seam; "Sure! Your order" | "ships
        // on Tuesday." has one a listener hears), else at the best boundary from half the budget
        // on, else at any; never inside a word.
        const at =
          best([lastSentence], 1) ??
          best([lastClause, lastPhrase], Math.max(firstMinChars, cap / 2)) ??
          best([lastClause, lastPhrase, lastFreeSpace], firstMinChars) ??
          best([lastFreeSpace], Math.ceil(firstMinChars / 2));
        if (at !== undefined) return at;
        // Else the end of the word under way, if it does not lean on the next and ends soon
        // ("Why did the package" rather than "Why did the"): a bounded look-ahead.
        const end = this.#freeWordEnd(text, wordStart >= 0 ? wordStart : i, cap * slack * WORD_END_SLACK + start, final);
        if (end === 'wait') return undefined;
        const fallback = end ?? best([lastSpace], firstMinChars);
        if (fallback !== undefined) return fallback;
      }
      if (WHITESPACE.test(ch)) {
        if (wordStart >= 0) {
          const word = text.slice(wordStart, i).toLowerCase();
          // No cut right after an abbreviation's or initial's period ("pears, etc. | and meet"):
          // said at the end of a fragment, it would sound like the end of a sentence.
          if (PHRASE_STARTS.has(word) && !afterAbbreviation) lastPhrase = wordStart;
          if (!leansOnNext(word) && !word.endsWith('.')) lastFreeSpace = i;
          afterAbbreviation = word.endsWith('.');
        }
        wordStart = -1;
        lastSpace = i;
        if (ch === '\n' && lengthTo(i) > 0 && text.slice(start, i).trim() !== '') {
          if (lengthTo(i) >= (first ? firstMinChars : minChars) || text[i + 1] === '\n') return i + 1;
          lastSentence = i + 1;
        }
        continue;
      }
      if (wordStart < 0) wordStart = i;
      if (CJK_TERMINATORS.has(ch)) {
        let end = i + 1;
        while (end < text.length && CLOSERS.has(text[end] as string)) end++;
        if (end === text.length && !final) return undefined;
        // CJK sentences are short by nature; they are cut at once.
        return end;
      }
      if (LATIN_TERMINATORS.has(ch)) {
        // A run such as "?!" or "..." is judged once, from its first character.
        if (LATIN_TERMINATORS.has(text[i - 1] as string)) continue;
        const verdict = this.#sentenceEnd(text, i, final);
        if (verdict.kind === 'wait') return undefined;
        if (verdict.kind === 'cut') {
          const needed = first ? firstMinChars : minChars;
          if (lengthTo(verdict.at) >= needed) return verdict.at;
          lastSentence = verdict.at;
          i = verdict.at - 1;
        }
        continue;
      }
      if (CLAUSE_MARKS.has(ch)) {
        const next = text[i + 1];
        if (next === undefined) {
          if (!final) return undefined;
          continue;
        }
        if (WHITESPACE.test(next) || ch === '—' || HAN_CLAUSE_MARKS.has(ch)) {
          lastClause = i + 1;
          if (first && firstFragment) {
            if (lengthTo(i + 1) >= firstMinChars) return i + 1;
            const han = HAN_CLAUSE_MARKS.has(ch) ? (text.slice(start, i).match(HAN)?.length ?? 0) : 0;
            if (han >= this.options.firstMinHanChars) return i + 1;
          }
        }
      }
    }
    return undefined;
  }

  /**
   * Where the word starting at `from` ends, if it ends by `limit` and does not lean on the next
   * word (see LEANING); 'wait' when the text so far ends inside it before `limit`.
   */
  #freeWordEnd(text: string, from: number, limit: number, final: boolean): number | 'wait' | undefined {
    let end = from;
    while (end < text.length && !WHITESPACE.test(text[end] as string)) end++;
    if (end > limit) return undefined;
    if (end === text.length && !final) return 'wait';
    return leansOnNext(text.slice(from, end)) ? undefined : end;
  }

  /** Decides whether the terminator at `i` ends a sentence. */
  #sentenceEnd(text: string, i: number, final: boolean): Verdict {
    let end = i;
    while (end < text.length && (LATIN_TERMINATORS.has(text[end] as string) || CLOSERS.has(text[end] as string))) end++;
    if (end === text.length) return final ? { kind: 'cut', at: end } : { kind: 'wait' };
    if (!WHITESPACE.test(text[end] as string)) return { kind: 'none' }; // "3.14", "example.com", "e.g.x"
    const run = text.slice(i, end);
    const isPeriod = run.startsWith('.') && !run.startsWith('...');
    const isEllipsis = run.startsWith('...') || run.startsWith('…');
    if (!isPeriod && !isEllipsis) return { kind: 'cut', at: end }; // ! ?

    const nextWord = /^\s*(\S)/.exec(text.slice(end));
    const nextChar = nextWord?.[1];
    if (isEllipsis) {
      if (nextChar === undefined) return final ? { kind: 'cut', at: end } : { kind: 'wait' };
      return /[a-z]/.test(nextChar) ? { kind: 'none' } : { kind: 'cut', at: end };
    }

    const word = /([A-Za-z][A-Za-z.]*)$/.exec(text.slice(0, i))?.[1] ?? '';
    const key = word.toLowerCase();
    const abbreviation = ABBREVIATIONS.get(key);
    const lineStart = text.lastIndexOf('\n', i - 1) + 1;
    const token = text.slice(lineStart, i).trim();
    if (/^\d{1,2}$/.test(token)) return { kind: 'none' }; // "1. First item"
    if (/^[A-Z]$/.test(word)) return { kind: 'none' }; // initials: "J. R. R. Tolkien"
    if (abbreviation && !abbreviation.canEndSentence) return { kind: 'none' };
    if (abbreviation) {
      // "etc." ends a sentence only when a capitalised word follows.
      if (nextChar === undefined) return final ? { kind: 'cut', at: end } : { kind: 'wait' };
      return /[A-Z0-9"“]/.test(nextChar) ? { kind: 'cut', at: end } : { kind: 'none' };
    }
    return { kind: 'cut', at: end };
  }
}

/** Splits a whole text into segments, exactly as a {@link SentenceSegmenter} fed all of it would. */
export function segmentText(text: string, options: Partial<SegmenterOptions> = {}): string[] {
  const segmenter = new SentenceSegmenter(options);
  return segmenter.push(text, true);
}
