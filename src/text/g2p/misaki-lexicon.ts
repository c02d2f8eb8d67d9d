/**
 * Word pronunciations as misaki (hexgrad's G2P, the front end Kokoro v1.0 was trained with)
 * gives them, from its lexicons: the hand-checked "gold" entries, then the machine-made "silver"
 * ones. Also its rules around the lexicon: case (a capitalised word gains a little stress, an
 * all-capitals one is stressed or spelled out), the -s / -ed / -ing endings of words the lexicon
 * lacks, possessives, compounds joined by hyphens, the function words whose form depends on the
 * next word ("the" ðə / ði, "to" tə / tʊ …), and entries chosen by part of speech.
 *
 * Pure: the caller reads the lexicon files and hands over the parsed JSON.
 */
import { applyStress, CONSONANTS, PRIMARY, SECONDARY, type StressLevel, stressWeight, VOWELS } from './misaki-stress.js';

/**
 * One lexicon value: the phonemes, or phonemes by part of speech (`DEFAULT` always present;
 * keys are Penn tags such as `VBD`, coarse tags `NOUN` / `VERB` / `ADJ` / `ADV`, or `None` for
 * the form used before punctuation or the end); `null` where a word has no pronunciation of its own.
 */
export type LexiconEntry = string | null | { readonly [tag: string]: string | null };

/** A parsed lexicon file (`us_gold.json`, `gb_silver.json` …): word → entry. */
export type LexiconData = Readonly<Record<string, LexiconEntry>>;

/** Options of {@link MisakiLexicon}. */
export interface MisakiLexiconOptions {
  /** The gold lexicon (`us_gold.json` or `gb_gold.json`), consulted first. Required. */
  gold: LexiconData;
  /** The silver lexicon (`us_silver.json` or `gb_silver.json`), consulted when gold lacks a word. Default: none. */
  silver: LexiconData;
  /** British endings: -es / -ed as ɪ (not ᵻ), no flapped t before -ing. Default `false`. */
  british: boolean;
}

/** Defaults of {@link MisakiLexiconOptions}. */
export const DEFAULT_MISAKI_LEXICON_OPTIONS: Omit<MisakiLexiconOptions, 'gold'> = { silver: {}, british: false };

/** What follows a word: some words are said differently before a vowel, a pause, or "to". */
export interface WordContext {
  /** Whether the next word starts with a vowel; `undefined` when punctuation or the end comes next. */
  nextVowel: boolean | undefined;
  /** Whether the next word is "to". */
  nextIsTo: boolean;
}

/** The context at the end of a sentence. */
export const END_OF_TEXT: WordContext = { nextVowel: undefined, nextIsTo: false };

/** Punctuation that ends a phrase (quotes and brackets do not: the word after them counts). */
const PHRASE_PUNCTUATION: ReadonlySet<string> = new Set(';:,.!?—…');

/**
 * The context a word gives the word before it, from its phonemes (its first vowel, consonant or
 * phrase punctuation) and its text; empty phonemes pass `after` through.
 */
export function contextBefore(phonemes: string, text: string, after: WordContext): WordContext {
  let nextVowel = after.nextVowel;
  for (const c of phonemes) {
    if (PHRASE_PUNCTUATION.has(c)) {
      nextVowel = undefined;
      break;
    }
    if (VOWELS.has(c) || CONSONANTS.has(c)) {
      nextVowel = VOWELS.has(c);
      break;
    }
  }
  return { nextVowel, nextIsTo: text === 'to' || text === 'To' || text === 'TO' };
}

/** Stress a word gets from its case: none when lower-case, a little capitalised, more in capitals. */
const CAPITALISED_STRESS = 0.5;
const ALL_CAPS_STRESS = 2;

/** Symbols spoken as words. */
const SYMBOL_WORDS: ReadonlyMap<string, string> = new Map([
  ['%', 'percent'],
  ['&', 'and'],
  ['+', 'plus'],
  ['@', 'at'],
]);

/** Vowels (and ɹ) after which a US t between vowels is flapped: "get" + "ing" → ɡˈɛɾɪŋ. */
const FLAPPING_VOWELS: ReadonlySet<string> = new Set('AIOWYiuæɑəɛɪɹʊʌ');

const LETTERS_ONLY = /^\p{L}+$/u;
/** Characters words in the lexicons are made of; others (é, digits) make a word unknown. */
const LEXICON_CHARS = /^[A-Za-z'-]+$/;

const isUpper = (s: string): boolean => s === s.toUpperCase();
const isLower = (s: string): boolean => s === s.toLowerCase();
/** Python's str.capitalize(): first letter upper-case, the rest lower-case. */
function capitalize(s: string): string {
  const [first = '', ...rest] = [...s];
  return first.toUpperCase() + rest.join('').toLowerCase();
}
const hasOwn = (data: LexiconData, key: string): boolean => Object.hasOwn(data, key);

/** The coarse tag a lexicon may key an entry by, for a Penn tag. */
export function coarseTag(tag: string): string {
  if (tag.startsWith('VB')) return 'VERB';
  if (tag.startsWith('NN')) return 'NOUN';
  if (tag.startsWith('RB') || tag.startsWith('ADV')) return 'ADV';
  if (tag.startsWith('JJ') || tag.startsWith('ADJ')) return 'ADJ';
  return tag;
}

/**
 * misaki's English lexicon. {@link MisakiLexicon.word} phonemizes one word (no spaces) given
 * its part-of-speech tag and what follows it.
 */
export class MisakiLexicon {
  readonly #gold: LexiconData;
  readonly #silver: LexiconData;
  readonly #british: boolean;

  constructor(options: Partial<MisakiLexiconOptions> & Pick<MisakiLexiconOptions, 'gold'>) {
    const { gold, silver, british } = { ...DEFAULT_MISAKI_LEXICON_OPTIONS, ...options };
    this.#gold = gold;
    this.#silver = silver;
    this.#british = british;
  }

  /** Whether the lexicons use British English. */
  get british(): boolean {
    return this.#british;
  }

  /**
   * Phonemes of one word (letters, apostrophes; no hyphens, see {@link MisakiLexicon.compound})
   * in misaki's alphabet as Kokoro v1.0 reads it (flaps as T), or `undefined` when the lexicons
   * cannot say it.
   * @param word The word as written (case matters).
   * @param tag Its Penn part-of-speech tag (`NN`, `VBD`, `DT` …).
   * @param context What follows it.
   */
  word(word: string, tag: string, context: WordContext): string | undefined {
    const text = word.replace(/[‘’]/g, "'").normalize('NFKC');
    const stress = isLower(text) ? undefined : isUpper(text) ? ALL_CAPS_STRESS : CAPITALISED_STRESS;
    const ps = this.#word(text, tag, stress, context);
    return ps === undefined ? undefined : ps.replaceAll('ɾ', 'T').replaceAll('ʔ', 't');
  }

  /**
   * Phonemes of a word written as several pieces: hyphenated compounds ("well-known"), camel
   * case ("iPhone"), leading or trailing apostrophes. The longest run of pieces the lexicon knows
   * is taken from the right, then the same for what is left; pieces it does not know go to
   * `fallback`. The compound is said as one word, its weaker halves demoted to secondary stress.
   */
  compound(word: string, tag: string, context: WordContext, fallback: (piece: string) => string): string {
    const pieces = splitPieces(word);
    const phonemes: (string | undefined)[] = pieces.map(() => undefined);
    let ctx = context;
    let left = 0;
    let right = pieces.length;
    while (left < right) {
      const joined = pieces.slice(left, right).join('');
      const ps = this.word(joined, tag, ctx);
      if (ps !== undefined) {
        phonemes[left] = ps;
        for (let i = left + 1; i < right; i++) phonemes[i] = '';
        ctx = contextBefore(ps, joined, ctx);
        right = left;
        left = 0;
      } else if (left + 1 < right) {
        left++;
      } else {
        right--;
        const piece = pieces[right] ?? '';
        if (phonemes[right] === undefined) {
          const guessed = JUNK_PIECE.test(piece) ? '' : fallback(piece);
          phonemes[right] = guessed;
          ctx = contextBefore(guessed, piece, ctx);
        }
        left = 0;
      }
    }
    return joinPieces(word, pieces, phonemes as string[]);
  }

  #get(data: LexiconData, word: string): LexiconEntry | undefined {
    if (hasOwn(data, word)) return data[word];
    // misaki also files every lower-case entry under its capitalised spelling and the reverse.
    if ([...word].length < 2) return undefined;
    const lower = word.toLowerCase();
    if (word !== lower && word === capitalize(lower) && hasOwn(data, lower)) return data[lower];
    const capital = capitalize(word);
    if (word === lower && capital !== word && hasOwn(data, capital)) return data[capital];
    return undefined;
  }

  #has(data: LexiconData, word: string): boolean {
    return this.#get(data, word) !== undefined;
  }

  #isKnown(word: string): boolean {
    if (this.#has(this.#gold, word) || this.#has(this.#silver, word) || SYMBOL_WORDS.has(word)) return true;
    if (!LETTERS_ONLY.test(word) || !LEXICON_CHARS.test(word)) return false;
    if (word.length === 1) return true;
    if (isUpper(word) && this.#has(this.#gold, word.toLowerCase())) return true;
    return isUpper(word.slice(1));
  }

  /** Spelled letter by letter, the last letter stressed: "FBI" → ˌɛfbˌiˈI. */
  #spell(word: string): string | undefined {
    let ps = '';
    for (const c of word) {
      if (!/\p{L}/u.test(c)) continue;
      const letter = this.#get(this.#gold, c.toUpperCase());
      if (typeof letter !== 'string') return undefined;
      ps += letter;
    }
    ps = applyStress(ps, 0);
    const last = ps.lastIndexOf(SECONDARY);
    return last < 0 ? ps : ps.slice(0, last) + PRIMARY + ps.slice(last + 1);
  }

  #lookup(word: string, tag: string | undefined, stress: StressLevel | undefined, context: WordContext): string | undefined {
    let key = word;
    let properNoun = false;
    if (isUpper(key) && !this.#has(this.#gold, key)) {
      key = key.toLowerCase();
      properNoun = tag === 'NNP';
    }
    let entry = this.#get(this.#gold, key);
    if (entry === undefined && !properNoun) entry = this.#get(this.#silver, key);
    let ps: string | null | undefined;
    if (entry !== null && typeof entry === 'object') {
      let t = tag ?? '';
      if (context.nextVowel === undefined && Object.hasOwn(entry, 'None')) t = 'None';
      else if (!Object.hasOwn(entry, t)) t = coarseTag(t);
      ps = Object.hasOwn(entry, t) ? entry[t] : entry.DEFAULT;
    } else {
      ps = entry;
    }
    if (ps === undefined || ps === null || (properNoun && !ps.includes(PRIMARY))) {
      const spelled = this.#spell(key);
      if (spelled !== undefined) return spelled;
    }
    return ps === undefined || ps === null ? undefined : applyStress(ps, stress);
  }

  #goldString(word: string, tag = 'DEFAULT'): string {
    const entry = this.#get(this.#gold, word);
    if (typeof entry === 'string') return entry;
    return (entry?.[tag] ?? entry?.DEFAULT) || '';
  }

  /** Words whose form depends on their tag or on what follows, whatever the lexicon says. */
  #special(word: string, tag: string, stress: StressLevel | undefined, context: WordContext): string | undefined {
    const symbol = SYMBOL_WORDS.get(word);
    if (symbol !== undefined) return this.#lookup(symbol, undefined, undefined, context);
    const noun = tag.startsWith('NN');
    switch (word) {
      case 'a':
      case 'A':
        return tag === 'DT' ? 'ɐ' : 'ˈA';
      case 'am':
      case 'Am':
      case 'AM':
        if (noun) return this.#spell(word);
        if (context.nextVowel === undefined || word !== 'am' || (stress !== undefined && stress > 0)) {
          return this.#goldString('am');
        }
        return 'ɐm';
      case 'an':
      case 'An':
      case 'AN':
        return word === 'AN' && noun ? this.#spell(word) : 'ɐn';
      case 'I':
        if (tag === 'PRP') return `${SECONDARY}I`;
        break;
      case 'by':
      case 'By':
      case 'BY':
        if (coarseTag(tag) === 'ADV') return `b${PRIMARY}I`;
        break;
      case 'to':
      case 'To':
      case 'TO':
        if (word !== 'TO' || tag === 'TO' || tag === 'IN') {
          if (context.nextVowel === undefined) return this.#goldString('to');
          return context.nextVowel ? 'tʊ' : 'tə';
        }
        break;
      case 'in':
      case 'In':
      case 'IN':
        if (word !== 'IN' || tag !== 'NNP') return `${context.nextVowel === undefined || tag !== 'IN' ? PRIMARY : ''}ɪn`;
        break;
      case 'the':
      case 'The':
      case 'THE':
        if (word !== 'THE' || tag === 'DT') return context.nextVowel === true ? 'ði' : 'ðə';
        break;
      case 'used':
      case 'Used':
      case 'USED':
        return this.#goldString('used', (tag === 'VBD' || tag === 'JJ') && context.nextIsTo ? 'VBD' : 'DEFAULT');
    }
    if (tag === 'IN' && /^vs\.?$/i.test(word)) return this.#lookup('versus', undefined, undefined, context);
    return undefined;
  }

  #plural(stem: string | undefined): string | undefined {
    if (!stem) return undefined;
    const last = stem.at(-1) as string;
    if ('ptkfθ'.includes(last)) return `${stem}s`;
    if ('szʃʒʧʤ'.includes(last)) return `${stem}${this.#british ? 'ɪ' : 'ᵻ'}z`;
    return `${stem}z`;
  }

  #stemS(word: string, tag: string, stress: StressLevel | undefined, context: WordContext): string | undefined {
    if (word.length < 3 || !word.endsWith('s')) return undefined;
    let stem: string;
    if (!word.endsWith('ss') && this.#isKnown(word.slice(0, -1))) stem = word.slice(0, -1);
    else if (
      (word.endsWith("'s") || (word.length > 4 && word.endsWith('es') && !word.endsWith('ies'))) &&
      this.#isKnown(word.slice(0, -2))
    )
      stem = word.slice(0, -2);
    else if (word.length > 4 && word.endsWith('ies') && this.#isKnown(`${word.slice(0, -3)}y`)) stem = `${word.slice(0, -3)}y`;
    else return undefined;
    return this.#plural(this.#lookup(stem, tag, stress, context));
  }

  #past(stem: string | undefined): string | undefined {
    if (!stem) return undefined;
    const last = stem.at(-1) as string;
    if ('pkfθʃsʧ'.includes(last)) return `${stem}t`;
    if (last === 'd') return `${stem}${this.#british ? 'ɪ' : 'ᵻ'}d`;
    if (last !== 't') return `${stem}d`;
    if (this.#british || stem.length < 2) return `${stem}ɪd`;
    if (FLAPPING_VOWELS.has(stem.at(-2) as string)) return `${stem.slice(0, -1)}ɾᵻd`;
    return `${stem}ᵻd`;
  }

  #stemEd(word: string, tag: string, stress: StressLevel | undefined, context: WordContext): string | undefined {
    if (word.length < 4 || !word.endsWith('d')) return undefined;
    let stem: string;
    if (!word.endsWith('dd') && this.#isKnown(word.slice(0, -1))) stem = word.slice(0, -1);
    else if (word.length > 4 && word.endsWith('ed') && !word.endsWith('eed') && this.#isKnown(word.slice(0, -2)))
      stem = word.slice(0, -2);
    else return undefined;
    return this.#past(this.#lookup(stem, tag, stress, context));
  }

  #progressive(stem: string | undefined): string | undefined {
    if (!stem) return undefined;
    if (this.#british) {
      if ('əː'.includes(stem.at(-1) as string)) return undefined;
    } else if (stem.length > 1 && stem.endsWith('t') && FLAPPING_VOWELS.has(stem.at(-2) as string)) {
      return `${stem.slice(0, -1)}ɾɪŋ`;
    }
    return `${stem}ɪŋ`;
  }

  #stemIng(word: string, tag: string, stress: StressLevel | undefined, context: WordContext): string | undefined {
    if (word.length < 5 || !word.endsWith('ing')) return undefined;
    const base = word.slice(0, -3);
    let stem: string;
    if (word.length > 5 && this.#isKnown(base)) stem = base;
    else if (this.#isKnown(`${base}e`)) stem = `${base}e`;
    else if (word.length > 5 && /([bcdgklmnprstvxz])\1ing$|cking$/.test(word) && this.#isKnown(word.slice(0, -4)))
      stem = word.slice(0, -4);
    else return undefined;
    return this.#progressive(this.#lookup(stem, tag, stress, context));
  }

  #derived(word: string, tag: string, stress: StressLevel | undefined, context: WordContext): string | undefined {
    return (
      this.#stemS(word, tag, stress, context) ??
      this.#stemEd(word, tag, stress, context) ??
      this.#stemIng(word, tag, stress ?? 0.5, context)
    );
  }

  #word(word: string, tag: string, stress: StressLevel | undefined, context: WordContext): string | undefined {
    const special = this.#special(word, tag, stress, context);
    if (special !== undefined) return special;
    let w = word;
    const lower = word.toLowerCase();
    // A capitalised or shouted word the lexicons lack as written is looked up in lower case.
    if (
      w.length > 1 &&
      LETTERS_ONLY.test(w.replaceAll("'", '')) &&
      w !== lower &&
      (tag !== 'NNP' || w.length > 7) &&
      !this.#has(this.#gold, w) &&
      !this.#has(this.#silver, w) &&
      (isUpper(w) || isLower(w.slice(1))) &&
      (this.#has(this.#gold, lower) ||
        this.#has(this.#silver, lower) ||
        this.#stemS(lower, tag, stress, context) ||
        this.#stemEd(lower, tag, stress, context) ||
        this.#stemIng(lower, tag, stress, context))
    ) {
      w = lower;
    }
    if (this.#isKnown(w)) return this.#lookup(w, tag, stress, context);
    if (w.endsWith("s'") && this.#isKnown(`${w.slice(0, -2)}'s`))
      return this.#lookup(`${w.slice(0, -2)}'s`, tag, stress, context);
    if (w.endsWith("'") && this.#isKnown(w.slice(0, -1))) return this.#lookup(w.slice(0, -1), tag, stress, context);
    return this.#derived(w, tag, stress, context);
  }
}

/** Pieces that are only joiners (hyphens, apostrophes, dots) and are not spoken. */
const JUNK_PIECE = /^[',\-._‘’/]*$/;

/**
 * How misaki cuts a written word into pieces: leading / trailing apostrophes, numbers, runs of
 * hyphens or underscores, camel-case humps ("iPhone" → i + Phone, "YouTube" → You + Tube),
 * letter runs with inner apostrophes, and any other single symbol.
 */
const PIECE = new RegExp(
  [
    "^['‘’]+", // leading apostrophes
    '\\p{Lu}(?=\\p{Lu}\\p{Ll})', // a lone capital before a capitalised hump
    '(?:^-)?(?:\\p{Nd}?[,.]?\\p{Nd})+', // a number
    '[-_]+',
    "['‘’]{2,}",
    "\\p{L}*?(?:['‘’]\\p{L})*?\\p{Ll}(?=\\p{Lu})", // letters up to a lower→upper hump ("iPhone")
    "\\p{L}+(?:['‘’]\\p{L})*",
    "[^-_\\p{L}'‘’\\p{Nd}]",
    "['‘’]+$", // trailing apostrophes
  ].join('|'),
  'gu',
);

/** A word cut into the pieces misaki looks up. */
export function splitPieces(word: string): string[] {
  return word.match(PIECE) ?? [word];
}

/**
 * Joins the phonemes of a word's pieces. Pieces of mixed letters and digits (or around a slash)
 * stay apart, with spaces; otherwise they are one word, and when more than half of the pieces
 * carry a primary stress the lighter half are demoted to secondary.
 */
function joinPieces(word: string, pieces: readonly string[], phonemes: string[]): string {
  if (phonemes.length === 1) return phonemes[0] as string;
  const kinds = new Set<number>();
  for (const c of word) {
    if (JUNK_PIECE.test(c)) continue;
    kinds.add(/\p{L}/u.test(c) ? 0 : /\p{Nd}/u.test(c) ? 1 : 2);
  }
  if (word.includes(' ') || word.includes('/') || kinds.size > 1) return phonemes.filter((p) => p).join(' ');
  const spoken = phonemes.flatMap((ps, i) => (ps ? [{ ps, i, primary: ps.includes(PRIMARY), weight: stressWeight(ps) }] : []));
  const first = spoken[0];
  const second = spoken[1];
  if (spoken.length === 2 && first && second && [...(pieces[first.i] ?? '')].length === 1) {
    phonemes[second.i] = applyStress(second.ps, -0.5);
  } else if (spoken.length >= 2 && spoken.filter((s) => s.primary).length > Math.floor((spoken.length + 1) / 2)) {
    const weakest = [...spoken].sort((a, b) => Number(a.primary) - Number(b.primary) || a.weight - b.weight || a.i - b.i);
    for (const s of weakest.slice(0, Math.floor(spoken.length / 2))) phonemes[s.i] = applyStress(s.ps, -0.5);
  }
  return phonemes.join('');
}
