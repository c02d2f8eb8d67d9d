/**
 * The English front end with misaki's real lexicons (installed with the kokoro-82m-int8 model by
 * scripts/fixtures.sh), against what misaki 0.9.4 with spaCy's tagger says for the same text:
 * function words reduced by context, heteronyms by part of speech, case, compounds, possessives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLetterToSound, type LetterToSound } from '../../src/engine/flite/letter-to-sound.js';
import { type LexiconData, MisakiLexicon, phonemizeEnglish, phonemizeEnglishWords } from '../../src/text/g2p/english.js';

const LEXICONS = fileURLToPath(new URL('../../.fixtures/models/kokoro-82m-int8/lexicons', import.meta.url));

function loadLexicon(region: 'us' | 'gb'): MisakiLexicon {
  const read = (name: string): LexiconData => {
    const path = join(LEXICONS, `${region}_${name}.json`);
    if (!existsSync(path))
      throw new Error(`misaki's lexicon ${path} is missing: run scripts/fixtures.sh (it installs kokoro-82m-int8).`);
    return JSON.parse(readFileSync(path, 'utf8')) as LexiconData;
  };
  return new MisakiLexicon({ gold: read('gold'), silver: read('silver'), british: region === 'gb' });
}

describe("English front end with misaki's lexicons", () => {
  let lts: LetterToSound;
  let us: MisakiLexicon;
  let gb: MisakiLexicon;
  beforeAll(async () => {
    lts = await createLetterToSound();
    us = loadLexicon('us');
    gb = loadLexicon('gb');
  });

  it.each([
    ['I want to go to the office at ten.', 'ˌI wˈɑnt tə ɡˌO tə ði ˈɔfəs æt tˈɛn.'],
    ['Is this your bag or mine?', 'ˌɪz ðɪs jʊɹ bˈæɡ ɔɹ mˈIn?'],
    ['For the record, I never said that.', 'fˌɔɹ ðə ɹˈɛkəɹd, ˌI nˈɛvəɹ sˈɛd ðˈæt.'],
    ['We used to live in a small house by the river.', 'wˌi jˈust tə lˈɪv ɪn ɐ smˈɔl hˈWs bI ðə ɹˈɪvəɹ.'],
    ['I will read it. He read the book yesterday.', 'ˌI wɪl ɹˈid ɪt. hˌi ɹˈɛd ðə bˈʊk jˈɛstəɹdˌA.'],
    ['Please record the meeting; he set a new record.', 'plˈiz ɹəkˈɔɹd ðə mˈiTɪŋ; hi sˈɛt ɐ nˈu ɹˈɛkəɹd.'],
    ['Close the door. My sister lives close to the station.', 'klˈOz ðə dˈɔɹ. mˌI sˈɪstəɹ lˈɪvz klˈOs tə ðə stˈAʃən.'],
    ['I object to the way this object was described.', 'ˌI əbʤˈɛkt tə ðə wˈA ðɪs ˈɑbʤəkt wʌz dəskɹˈIbd.'],
    ['The FBI and the IT department work with NASA.', 'ði ˌɛfbˌiˈI ænd ði ˌItˈi dəpˈɑɹtmənt wˈɜɹk wɪð nˈæsə.'],
    ['Send an e-mail to your co-worker about the long-term plan.', 'sˈɛnd ɐn ˈimˌAl tə jʊɹ kˈOwˌɜɹkəɹ əbˈWt ðə lˈɔŋtˌɜɹm plˈæn.'],
    ["John's dog and the dogs' bones. That's it.", 'ʤˈɑnz dˈɔɡ ænd ðə dˈɔɡz bˈOnz. ðˈæts ɪt.'],
    ["It's up to you, isn't it?", 'ˌɪts ˌʌp tə ju, ˈɪzᵊnt ɪt?'],
    ['"Wait," he said - then left.', '“wˈAt,” hi sˈɛd — ðˈɛn lˈɛft.'],
    ['THIS IS VERY IMPORTANT.', 'ðˈɪs ˈɪz vˈɛɹi ɪmpˈɔɹtᵊnt.'],
    ['What are you looking at? Where are you from?', 'wˌʌt ɑɹ ju lˈʊkɪŋ æt? wˌɛɹ ɑɹ ju fɹʌm?'],
  ])('says "%s" as misaki does (US): %s', (text, expected) => {
    expect(phonemizeEnglish(text, { alphabet: 'misaki', oov: lts, lexicon: us })).toBe(expected);
  });

  it.each([
    ['I want to go to the office at ten.', 'ˌI wˈɒnt tə ɡˌQ tə ði ˈɒfɪs at tˈɛn.'],
    ['Is this your bag or mine?', 'ˌɪz ðɪs jɔː bˈaɡ ɔː mˈIn?'],
    ['For the record, I never said that.', 'fˌɔː ðə ɹˈɛkɔːd, ˌI nˈɛvə sˈɛd ðˈat.'],
    ['We used to live in a small house by the river.', 'wˌiː jˈuːst tə lˈɪv ɪn ɐ smˈɔːl hˈWs bI ðə ɹˈɪvə.'],
  ])('says "%s" as misaki does (GB): %s', (text, expected) => {
    expect(phonemizeEnglish(text, { alphabet: 'misaki', oov: lts, lexicon: gb })).toBe(expected);
  });

  it('no longer stresses every word: "for four" is not "four four"', () => {
    const before = phonemizeEnglish('for four', { alphabet: 'misaki', oov: lts });
    const now = phonemizeEnglish('for four', { alphabet: 'misaki', oov: lts, lexicon: us });
    expect(before).toBe('fˈɔɹ fˈɔɹ');
    expect(now).toBe('fɔɹ fˈɔɹ');
  });

  it('guesses words no lexicon has with Flite, and says where each word is', () => {
    const { phonemes, words } = phonemizeEnglishWords('The zorbulax ate a well-known apple.', {
      alphabet: 'misaki',
      oov: lts,
      lexicon: us,
    });
    const symbols = [...phonemes];
    const spans = words.map((w) => [w.word, symbols.slice(w.start, w.end).join('')]);
    expect(spans.map(([w]) => w)).toEqual(['The', 'zorbulax', 'ate', 'a', 'well-known', 'apple']);
    expect(spans[0]?.[1]).toBe('ðə');
    expect(spans[1]?.[1]).toMatch(/^z\S*ɹ\S*ks$/);
    expect(spans.slice(2).map(([, ps]) => ps)).toEqual(['ˈAt', 'ɐ', 'wˌɛlnˈOn', 'ˈæpᵊl']);
    expect(phonemes.endsWith('ˈæpᵊl.')).toBe(true);
  });
});
