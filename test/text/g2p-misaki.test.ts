/**
 * misaki's lexicon rules on a small inline lexicon (expected values are what misaki 0.9.4 gives
 * for the same entries), the stress helpers, the part-of-speech guesser, and the whole front end
 * with a lexicon. The real lexicons are tested in g2p-lexicon.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { type LexiconData, MisakiLexicon, phonemizeEnglish, phonemizeEnglishWords } from '../../src/text/g2p/english.js';
import { splitPieces, type WordContext } from '../../src/text/g2p/misaki-lexicon.js';
import { applyStress } from '../../src/text/g2p/misaki-stress.js';
import { tagTokens } from '../../src/text/g2p/pos-tagger.js';

const GOLD: LexiconData = {
  the: 'ði',
  a: 'A',
  an: 'æn',
  to: 'tu',
  am: 'æm',
  in: 'ɪn',
  for: 'fɔɹ',
  four: 'fˈɔɹ',
  apple: 'ˈæpᵊl',
  used: { DEFAULT: 'jˈuzd', VBD: 'jˈust' },
  read: { ADJ: 'ɹˈɛd', DEFAULT: 'ɹˈid', VBD: 'ɹˈɛd', VBN: 'ɹˈɛd', VBP: 'ɹˈɛd' },
  record: { DEFAULT: 'ɹˈɛkəɹd', VERB: 'ɹəkˈɔɹd' },
  by: { DEFAULT: 'bI', None: 'bˈI' },
  that: { DEFAULT: 'ðæt', DT: 'ðˈæt' },
  IT: { DEFAULT: 'ɪt', NOUN: null },
  it: 'ɪt',
  I: 'ˈI',
  well: 'wˈɛl',
  known: 'nˈOn',
  e: 'ˈi',
  mail: 'mˈAl',
  walk: 'wˈɔk',
  wait: 'wˈAt',
  kiss: 'kˈɪs',
  cat: 'kˈæt',
  dog: 'dˈɔɡ',
  John: 'ʤˈɑn',
  hello: 'həlˈO',
  sit: 'sˈɪt',
  play: 'plˈA',
  party: 'pˈɑɹTi',
  fix: 'fˈɪks',
  need: 'nˈid',
  phone: 'fˈOn',
  versus: 'vˈɜɹsəs',
  and: 'ænd',
  percent: 'pəɹsˈɛnt',
  NASA: 'nˈæsə',
  St: null,
  A: 'ˈA',
  B: 'bˈi',
  E: 'ˈi',
  F: 'ˈɛf',
  S: 'ˈɛs',
  T: 'tˈi',
  N: 'ˈɛn',
  M: 'ˈɛm',
  U: 'jˈu',
};
const SILVER: LexiconData = { zebra: 'zˈibɹə', gonna: 'ɡˈʌnə' };
const us = new MisakiLexicon({ gold: GOLD, silver: SILVER });
const gb = new MisakiLexicon({ gold: GOLD, silver: SILVER, british: true });
/** A stand-in for Flite: every unknown word is "bleep". */
const oov = (words: readonly string[]): string[] => words.map(() => 'B L IY1 P');

describe('misaki lexicon', () => {
  it.each([
    ['the', 'DT', true, false, 'ði', 'ði'],
    ['the', 'DT', false, false, 'ðə', 'ðə'],
    ['The', 'DT', undefined, false, 'ðə', 'ðə'],
    ['a', 'DT', false, false, 'ɐ', 'ɐ'],
    ['a', 'NN', undefined, false, 'ˈA', 'ˈA'],
    ['an', 'DT', true, false, 'ɐn', 'ɐn'],
    ['to', 'TO', true, false, 'tʊ', 'tʊ'],
    ['to', 'TO', false, false, 'tə', 'tə'],
    ['to', 'IN', undefined, false, 'tu', 'tu'],
    ['in', 'IN', false, false, 'ɪn', 'ɪn'],
    ['in', 'RP', false, false, 'ˈɪn', 'ˈɪn'],
    ['in', 'IN', undefined, false, 'ˈɪn', 'ˈɪn'],
    ['am', 'VBP', true, false, 'ɐm', 'ɐm'],
    ['am', 'VBP', undefined, false, 'æm', 'æm'],
    ['I', 'PRP', false, false, 'ˌI', 'ˌI'],
    ['I', 'NNP', false, false, 'ˈI', 'ˈI'],
    ['by', 'IN', false, false, 'bI', 'bI'],
    ['by', 'IN', undefined, false, 'bˈI', 'bˈI'],
    ['by', 'RB', false, false, 'bˈI', 'bˈI'],
    ['used', 'VBD', false, true, 'jˈust', 'jˈust'],
    ['used', 'VBN', false, true, 'jˈuzd', 'jˈuzd'],
    ['used', 'VBD', false, false, 'jˈuzd', 'jˈuzd'],
    ['read', 'VB', false, false, 'ɹˈid', 'ɹˈid'],
    ['read', 'VBD', false, false, 'ɹˈɛd', 'ɹˈɛd'],
    ['read', 'VBN', false, false, 'ɹˈɛd', 'ɹˈɛd'],
    ['read', 'NN', false, false, 'ɹˈid', 'ɹˈid'],
    ['record', 'VB', false, false, 'ɹəkˈɔɹd', 'ɹəkˈɔɹd'],
    ['record', 'NN', false, false, 'ɹˈɛkəɹd', 'ɹˈɛkəɹd'],
    ['records', 'VBZ', false, false, 'ɹəkˈɔɹdz', 'ɹəkˈɔɹdz'],
    ['records', 'NNS', false, false, 'ɹˈɛkəɹdz', 'ɹˈɛkəɹdz'],
    ['recorded', 'VBD', false, false, 'ɹəkˈɔɹdᵻd', 'ɹəkˈɔɹdɪd'],
    ['that', 'DT', false, false, 'ðˈæt', 'ðˈæt'],
    ['that', 'IN', false, false, 'ðæt', 'ðæt'],
    ['For', 'IN', false, false, 'fˌɔɹ', 'fˌɔɹ'],
    ['FOR', 'IN', false, false, 'fˈɔɹ', 'fˈɔɹ'],
    ['for', 'IN', false, false, 'fɔɹ', 'fɔɹ'],
    ['four', 'CD', false, false, 'fˈɔɹ', 'fˈɔɹ'],
    ['Hello', 'UH', false, false, 'həlˈO', 'həlˈO'],
    ['HELLO', 'UH', false, false, 'həlˈO', 'həlˈO'],
    ['IT', 'NNP', false, false, 'ˌItˈi', 'ˌItˈi'],
    ['IT', 'PRP', false, false, 'ˈɪt', 'ˈɪt'],
    ['NASA', 'NNP', false, false, 'nˈæsə', 'nˈæsə'],
    ['FBI', 'NNP', false, false, 'ˌɛfbˌiˈI', 'ˌɛfbˌiˈI'],
    ['St', 'NNP', false, false, 'ˌɛstˈi', 'ˌɛstˈi'],
    ['cats', 'NNS', false, false, 'kˈæts', 'kˈæts'],
    ['kisses', 'NNS', false, false, 'kˈɪsᵻz', 'kˈɪsɪz'],
    ["John's", 'NNP', false, false, 'ʤˈɑnz', 'ʤˈɑnz'],
    ["dogs'", 'NNS', false, false, undefined, undefined],
    ['walked', 'VBD', false, false, 'wˈɔkt', 'wˈɔkt'],
    ['waited', 'VBD', false, false, 'wˈATᵻd', 'wˈAtɪd'],
    ['needed', 'VBD', false, false, 'nˈidᵻd', 'nˈidɪd'],
    ['kissed', 'VBD', false, false, 'kˈɪst', 'kˈɪst'],
    ['sitting', 'VBG', false, false, 'sˈɪTɪŋ', 'sˈɪtɪŋ'],
    ['waiting', 'VBG', false, false, 'wˈATɪŋ', 'wˈAtɪŋ'],
    ['playing', 'VBG', false, false, 'plˈAɪŋ', 'plˈAɪŋ'],
    ['fixing', 'VBG', false, false, 'fˈɪksɪŋ', 'fˈɪksɪŋ'],
    ['parties', 'NNS', false, false, 'pˈɑɹTiz', 'pˈɑɹTiz'],
    ['zebra', 'NN', false, false, 'zˈibɹə', 'zˈibɹə'],
    ['Zebras', 'NNS', false, false, 'zˈibɹəz', 'zˈibɹəz'],
    ['phones', 'NNS', false, false, 'fˈOnz', 'fˈOnz'],
    ['%', 'NN', false, false, 'pəɹsˈɛnt', 'pəɹsˈɛnt'],
    ['&', 'CC', false, false, 'ænd', 'ænd'],
    ['vs', 'IN', false, false, 'vˈɜɹsəs', 'vˈɜɹsəs'],
    ['Walking', 'VBG', false, false, 'wˈɔkɪŋ', 'wˈɔkɪŋ'],
    ['xyzzy', 'NN', false, false, undefined, undefined],
  ])(
    'says %s (%s, next vowel %s, next "to" %s) as %s in the US and %s in Britain',
    (word, tag, nextVowel, nextIsTo, inUs, inGb) => {
      const context: WordContext = { nextVowel, nextIsTo };
      expect(us.word(word, tag, context)).toBe(inUs);
      expect(gb.word(word, tag, context)).toBe(inGb);
    },
  );

  it.each([
    ['well-known', 'wˌɛlnˈOn'], // the lighter half demoted
    ['e-mail', 'ˈimˌAl'], // a one-letter first piece: the second half demoted
    ['cat-dog', 'kˌætdˈɔɡ'],
    ['hello-xyzzy', 'həlˈObˌlip'], // an unknown piece goes to the fallback
  ])('joins the compound %s into %s', (word, expected) => {
    expect(us.compound(word, 'JJ', { nextVowel: false, nextIsTo: false }, () => 'bˈlip')).toBe(expected);
  });

  it.each([
    ['well-known', ['well', '-', 'known']],
    ['iPhone', ['i', 'Phone']],
    ['YouTube', ['You', 'Tube']],
    ['XMLHttpRequest', ['XMLHttp', 'Request']],
    ["dogs'", ['dogs', "'"]],
    ["don't", ["don't"]],
    ['MP3', ['MP', '3']],
  ])('cuts %s into %j', (word, pieces) => {
    expect(splitPieces(word)).toEqual(pieces);
  });
});

describe('misaki stress', () => {
  it.each([
    ['fɔɹ', 0.5, 'fˌɔɹ'], // capitalised: a secondary on an unstressed word
    ['fɔɹ', 2, 'fˈɔɹ'], // capitals: a primary
    ['sˌʌm', 2, 'sˈʌm'], // capitals promote a secondary
    ['nˈOn', -0.5, 'nˌOn'], // demoted
    ['ˌOkˈA', -1, 'Okˌ' + 'A'],
    ['ˌOkˈA', -2, 'OkA'],
    ['ɪt', undefined, 'ɪt'],
    ['ʃ', 2, 'ʃ'], // no vowel, no mark
  ])('%s at level %s is %s', (ps, level, expected) => {
    expect(applyStress(ps, level)).toBe(expected);
  });
});

describe('part-of-speech guess', () => {
  const tagOf = (sentence: string, word: string): string => {
    const tokens: string[] = [...(sentence.match(/[\p{L}']+|[.,!?]/gu) ?? [])];
    return tagTokens(tokens)[tokens.indexOf(word)] ?? '';
  };
  it.each([
    ['I want to record it.', 'record', 'VB'],
    ['I will read it.', 'read', 'VB'],
    ['Do you live here?', 'live', 'VB'],
    ['Record the show.', 'Record', 'VB'],
    ['I have read it.', 'read', 'VBN'],
    ['It was read aloud.', 'read', 'VBN'],
    ['He read the book.', 'read', 'VBD'],
    ['I read books.', 'read', 'VBP'],
    ['They live here.', 'live', 'VBP'],
    ['My sister lives here.', 'lives', 'VBZ'],
    ['Prices increase daily.', 'increase', 'VBP'],
    ['The record was broken.', 'record', 'NN'],
    ['An increase in sales.', 'increase', 'NN'],
    ['The old records.', 'records', 'NNS'],
    ['It is very close.', 'close', 'JJ'],
    ['A close friend.', 'close', 'JJ'],
    ['That book is red.', 'That', 'DT'],
    ['I know that he is here.', 'that', 'IN'],
    ['The book that is red.', 'that', 'WDT'],
    ['I like that.', 'that', 'DT'],
    ['We used to go.', 'used', 'VBD'],
    ['It is used to cut.', 'used', 'VBN'],
    ['Plan A is fine.', 'A', 'NNP'],
    ['A cat.', 'A', 'DT'],
    ['The FBI called.', 'FBI', 'NNP'],
    ['THE FBI CALLED.', 'FBI', 'NN'], // shouting, not an acronym
  ])('in "%s" tags %s as %s', (sentence, word, tag) => {
    expect(tagOf(sentence, word)).toBe(tag);
  });
});

describe('English front end with a misaki lexicon', () => {
  const say = (text: string): string => phonemizeEnglish(text, { alphabet: 'misaki', oov, lexicon: us });

  it.each([
    ['for four', 'fɔɹ fˈɔɹ'], // not "444"
    ['the apple', 'ði ˈæpᵊl'],
    ['the cat', 'ðə kˈæt'],
    ['for the cat.', 'fɔɹ ðə kˈæt.'],
    ['For the record.', 'fˌɔɹ ðə ɹˈɛkəɹd.'],
    ['I want to record.', 'ˌI wˈɑnt tə ɹəkˈɔɹd.'], // "want" from the CMU dictionary
    ['to it', 'tʊ ɪt'],
    ['walk by', 'wˈɔk bˈI'], // phrase-final: the stressed form
    ['walk by the cat', 'wˈɔk bI ðə kˈæt'],
    ['"Hello," I said - then', '“həlˈO,” ˌI sˈɛd — ðˈɛn'],
    ['a well-known cat', 'ɐ wˌɛlnˈOn kˈæt'],
  ])('says %s as %s', (text, expected) => {
    expect(say(text)).toBe(expected);
  });

  it('asks the fallback once for each word no dictionary has, and reports word positions', () => {
    const asked: string[][] = [];
    const result = phonemizeEnglishWords('Xyzzy, the xyzzy and a well-known cat.', {
      alphabet: 'misaki',
      lexicon: us,
      oov: (words) => {
        asked.push([...words]);
        return oov(words);
      },
    });
    expect(asked).toEqual([['xyzzy']]);
    const symbols = [...result.phonemes];
    expect(result.words.map((w) => [w.word, symbols.slice(w.start, w.end).join('')])).toEqual([
      ['Xyzzy', 'blˈip'],
      ['the', 'ðə'],
      ['xyzzy', 'blˈip'],
      ['and', 'ænd'],
      ['a', 'ɐ'],
      ['well-known', 'wˌɛlnˈOn'],
      ['cat', 'kˈæt'],
    ]);
  });

  it('takes words that are names of object properties for words', () => {
    const { words } = phonemizeEnglishWords('The constructor calls valueOf and hasOwnProperty.', {
      alphabet: 'misaki',
      oov,
      lexicon: us,
    });
    expect(words.map((w) => w.word)).toEqual(['The', 'constructor', 'calls', 'valueOf', 'and', 'hasOwnProperty']);
    expect(words.every((w) => w.end > w.start)).toBe(true);
  });

  it('refuses a lexicon with the espeak alphabet', () => {
    expect(() => phonemizeEnglish('cat', { alphabet: 'espeak', oov, lexicon: us })).toThrow(TypeError);
  });
});
