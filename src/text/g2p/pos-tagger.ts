/**
 * A small part-of-speech guesser for the English front end: Penn tags (`DT`, `NN`, `VB`, `VBD` …)
 * good enough to choose between a lexicon's readings of a word ("to record" / "a record", "I
 * will read" / "I have read", "that book" / "so that we"). Function words come from a table;
 * other words are judged by the words around them. It is not a full tagger: it only tries to be
 * right where the pronunciation depends on it.
 */

/** Penn Treebank tags of function words (lower case). */
const FUNCTION_WORDS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    ...tagAll('DT', 'the a an this these those every each no some any all both either neither another'),
    ...tagAll('PRP', 'i you he she it we they me him us them myself yourself himself herself itself ourselves themselves'),
    ...tagAll('PRP$', 'my your his her its our their'),
    ...tagAll(
      'IN',
      'of in on at for with from by about into onto upon over under after before through between during without within ' +
        'against among toward towards across behind beyond near since until till because if although though whether than ' +
        'as like per via despite unless whereas while',
    ),
    to: 'TO',
    ...tagAll(
      'MD',
      "will would can could shall should may might must 'll won't can't cannot wouldn't couldn't shouldn't mustn't",
    ),
    ...tagAll('CC', 'and or but nor yet'),
    ...tagAll('WP', 'who whom what'),
    which: 'WDT',
    whose: 'WP$',
    ...tagAll('WRB', 'where when why how'),
    ...tagAll(
      'RB',
      "not n't never also very too just only always often here now then still already really quite even ever again soon " +
        'almost perhaps maybe usually sometimes probably actually',
    ),
    ...tagAll('UH', 'yes oh hello hi hey please okay ok thanks'),
    am: 'VBP',
    are: 'VBP',
    is: 'VBZ',
    was: 'VBD',
    were: 'VBD',
    be: 'VB',
    been: 'VBN',
    being: 'VBG',
    have: 'VBP',
    has: 'VBZ',
    had: 'VBD',
    having: 'VBG',
    do: 'VBP',
    does: 'VBZ',
    did: 'VBD',
    "don't": 'VBP',
    "doesn't": 'VBZ',
    "didn't": 'VBD',
    ...tagAll('CD', 'one two three four five six seven eight nine ten hundred thousand million billion'),
  }),
);

/** The tag of a function word, or `undefined` for other words. */
const functionTag = (word: string | undefined): string | undefined => (word === undefined ? undefined : FUNCTION_WORDS.get(word));

function tagAll(tag: string, words: string): Record<string, string> {
  return Object.fromEntries(words.split(' ').map((w) => [w, tag]));
}

/** Pronoun + auxiliary contractions, by the auxiliary's kind. */
const CONTRACTED = [
  { ending: /'(s|re|m)$/, kind: 'be' },
  { ending: /'ve$/, kind: 'have' },
  { ending: /'(ll|d)$/, kind: 'modal' },
] as const;

const BE = new Set(['am', 'is', 'are', 'was', 'were', 'be', 'been', 'being']);
const HAVE = new Set(['have', 'has', 'had', 'having']);
const DO = new Set(['do', 'does', 'did', "don't", "doesn't", "didn't"]);
/** Subjects after which a verb's present form follows; he/she/it take -s, so a bare verb after them is past. */
const PLURAL_SUBJECTS = new Set(['i', 'you', 'we', 'they']);
const SINGULAR_SUBJECTS = new Set(['he', 'she', 'it']);
/** Words after which "that" starts a clause (ðæt) rather than pointing (ðˈæt). */
const CLAUSE_BEFORE_THAT = new Set(
  'so such now given except than think thought know knew said say says believe believed hope hoped mean means meant feel felt ' +
    'realize realized sure glad true fact show shows showed suggest suggests told tell seems seemed clear afraid'.split(' '),
);
/** Verbs that read as participles after "is" / "was": "it was read aloud". */
const PARTICIPLES = new Set(['read', 'reread', 'wound', 'known', 'done', 'seen', 'gone', 'made', 'said', 'put', 'set', 'cut']);
/** Words whose adjective reading differs from the noun one ("a close friend", "minute details"). */
const ADJECTIVES = new Set(['close', 'compact', 'deliberate', 'elaborate', 'learned', 'live', 'present', 'perfect']);
/** Common adjectives, so that the noun after one is not read as a verb ("the old records"). */
const COMMON_ADJECTIVES = new Set(
  (
    'good new old great big small little long high young large important different bad best better last own other ' +
    'right early public able free full hard real sure whole black white red green blue short low late strong clear ' +
    'nice beautiful happy easy true recent local national social major simple quick special various certain'
  ).split(' '),
);
/** Degree words: what follows is an adjective. */
const DEGREE = new Set([
  'very',
  'so',
  'too',
  'quite',
  'really',
  'extremely',
  'more',
  'most',
  'less',
  'least',
  'fairly',
  'pretty',
]);

const isWordToken = (t: string): boolean => /[\p{L}\p{N}]/u.test(t);
const isSentenceEnd = (t: string): boolean => /^[.!?…]$/.test(t);
const isAllCaps = (t: string): boolean => /\p{Lu}/u.test(t) && t === t.toUpperCase() && [...t].length > 1;

/**
 * Guesses a Penn tag for each token of a text: words ("record", "don't") and punctuation marks
 * (which get `.`, `,` or `:`), in order. Returns one tag per token.
 */
export function tagTokens(tokens: readonly string[]): string[] {
  const tags: string[] = tokens.map((t) => (isWordToken(t) ? '' : isSentenceEnd(t) ? '.' : t === ',' ? ',' : ':'));
  // A sentence written all in capitals is shouting, not a row of acronyms.
  const shouting = new Set<number>();
  for (let start = 0; start < tokens.length; ) {
    let end = start;
    while (end < tokens.length && !isSentenceEnd(tokens[end] as string)) end++;
    const words = tokens.slice(start, end).filter((t) => /\p{L}{2}/u.test(t));
    if (words.length >= 2 && words.every(isAllCaps)) for (let i = start; i < end; i++) shouting.add(i);
    start = end + 1;
  }
  for (let i = 0; i < tokens.length; i++) {
    if (tags[i] !== '') continue;
    tags[i] = tagWord(tokens, tags, i, shouting.has(i));
  }
  return tags;
}

function tagWord(tokens: readonly string[], tags: readonly string[], i: number, shouting: boolean): string {
  const token = tokens[i] as string;
  const lower = token.toLowerCase().replace(/[‘’]/g, "'");
  const before = tokens[i - 1];
  const startsSentence = before === undefined || !isWordToken(before);
  const next = tokens[i + 1];
  const nextLower = next?.toLowerCase();
  const nextIsWord = next !== undefined && isWordToken(next);
  if (/\p{N}/u.test(token) && !/\p{L}/u.test(token)) return 'CD';
  if (!shouting && isAllCaps(token) && /^\p{L}+$/u.test(token)) return 'NNP';
  // A capital "A" inside a sentence, or one before a pause, is the letter ("plan A", "A M").
  if (lower === 'a') return token === 'a' || (startsSentence && nextIsWord) ? 'DT' : 'NNP';
  if (lower === 'i') return before !== undefined && isProperNoun(tokens, i - 1) ? 'NNP' : 'PRP';
  if (lower === 'that') return tagThat(tokens, tags, i);
  // "that's", "there's", "let's": tagged as the word the ending is attached to.
  if (/^that'/.test(lower)) return 'DT';
  if (/^there'/.test(lower)) return 'EX';
  if (lower === "let's") return 'VB';
  if (lower === 'used') return tagUsed(tokens, tags, i);
  if (lower === 'there' && nextLower !== undefined && BE.has(nextLower)) return 'EX';
  const fixed = functionTag(lower);
  if (fixed !== undefined) return fixed;
  if (CONTRACTED.some((c) => c.ending.test(lower)) && functionTag(lower.replace(/'.*$/, ''))?.startsWith('PRP')) return 'PRP';
  if (!shouting && !startsSentence && /^\p{Lu}/u.test(token)) return 'NNP';

  // Open-class words: judged by the word before (adverbs skipped) and the one after.
  let j = i - 1;
  while (j >= 0 && tags[j] === 'RB') j--;
  const prev = j >= 0 ? (tokens[j] as string).toLowerCase().replace(/[‘’]/g, "'") : undefined;
  const prevTag = j >= 0 ? (tags[j] as string) : '.';
  const prevKind = prev === undefined ? undefined : CONTRACTED.find((c) => c.ending.test(prev))?.kind;
  const plural = lower.endsWith('s') && !lower.endsWith('ss');
  const ing = lower.endsWith('ing');
  const modifier = ADJECTIVES.has(lower) && (nextLower === 'to' || (nextIsWord && functionTag(nextLower) === undefined));

  if (prevTag === 'TO' || prevTag === 'MD' || prevKind === 'modal' || (prev !== undefined && DO.has(prev)))
    return ing ? 'VBG' : 'VB';
  if ((prev !== undefined && HAVE.has(prev)) || prevKind === 'have') return 'VBN';
  if ((prev !== undefined && BE.has(prev)) || prevKind === 'be') {
    if (ing) return 'VBG';
    return PARTICIPLES.has(lower) || lower.endsWith('ed') || lower.endsWith('en') ? 'VBN' : 'JJ';
  }
  if (prev !== undefined && DEGREE.has(prev)) return 'JJ';
  // "Do you live here?": the verb after an inverted subject is bare.
  const inverted = j >= 1 && (tags[j - 1] === 'MD' || DO.has((tokens[j - 1] as string).toLowerCase()));
  if (prev !== undefined && (PLURAL_SUBJECTS.has(prev) || SINGULAR_SUBJECTS.has(prev)) && inverted) return ing ? 'VBG' : 'VB';
  if (prev !== undefined && PLURAL_SUBJECTS.has(prev)) return ing ? 'VBG' : 'VBP';
  if (prevTag === 'WDT' || prev === 'who' || prev === 'which') return ing ? 'VBG' : plural ? 'VBZ' : 'VBP';
  if (prev !== undefined && SINGULAR_SUBJECTS.has(prev)) return ing ? 'VBG' : plural ? 'VBZ' : 'VBD';
  if (COMMON_ADJECTIVES.has(lower)) return 'JJ';
  if (['DT', 'PRP$', 'CD', 'IN', 'JJ'].includes(prevTag)) return modifier ? 'JJ' : plural ? 'NNS' : 'NN';
  // After a noun, a verb that agrees with it: "my sister lives", "prices increase".
  if ((prevTag === 'NN' || prevTag === 'NNP') && plural && !ing) return 'VBZ';
  if (prevTag === 'NNS' && !plural && !ing && !/ed$/.test(lower)) return 'VBP';
  // A sentence that opens with a verb and its object is an instruction: "Record the show."
  const opensClause = prevTag === '.' || prevTag === ':' || prevTag === ',' || prev === 'please' || prevTag === 'UH';
  if (opensClause && nextIsWord && /^(DT|PRP\$|PRP)$/.test(functionTag(nextLower) ?? '')) return 'VB';
  if (modifier) return 'JJ';
  if (ing) return 'VBG';
  return plural ? 'NNS' : 'NN';
}

/** Whether token `i` is a capitalised word inside a sentence (a name). */
function isProperNoun(tokens: readonly string[], i: number): boolean {
  const token = tokens[i] as string;
  const before = tokens[i - 1];
  return /^\p{Lu}/u.test(token) && before !== undefined && isWordToken(before);
}

/** "that book" and a closing "that" point (DT); "so that we", "the one that was" join clauses. */
function tagThat(tokens: readonly string[], tags: readonly string[], i: number): string {
  const next = tokens[i + 1];
  if (next === undefined || !isWordToken(next)) return 'DT';
  const before = tokens[i - 1];
  if (before === undefined || !isWordToken(before)) return 'DT';
  const prev = before.toLowerCase();
  if (CLAUSE_BEFORE_THAT.has(prev)) return 'IN';
  const nextLower = next.toLowerCase();
  const nextTag = functionTag(nextLower);
  if (nextTag === 'PRP' || nextTag === 'DT' || nextTag === 'PRP$' || nextLower === 'there' || /^\p{Lu}/u.test(next)) return 'IN';
  const prevTag = tags[i - 1] ?? '';
  const verbNext = nextTag === 'MD' || BE.has(nextLower) || HAVE.has(nextLower) || DO.has(nextLower);
  if (verbNext && /^NN/.test(prevTag)) return 'WDT';
  return 'DT';
}

/** "used to" is "jˈust tə" as a habit ("we used to go"); after "is" or "got" it is the participle, "jˈuzd". */
function tagUsed(tokens: readonly string[], tags: readonly string[], i: number): string {
  if (tokens[i + 1]?.toLowerCase() !== 'to') return 'VBN';
  const before = tokens[i - 1]?.toLowerCase().replace(/[‘’]/g, "'");
  const afterBe =
    before !== undefined && (BE.has(before) || /'(s|re|m)$/.test(before) || /^(get|gets|got|getting)$/.test(before));
  if (afterBe) return 'VBN';
  return tags[i - 1] === 'DT' ? 'JJ' : 'VBD';
}
