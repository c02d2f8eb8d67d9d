import { describe, expect, it } from '@jest/globals';
import {
  dropLanguageFlags,
  englishForEspeak,
  espeakPhonemes,
  hasEspeak,
  joinClauses,
  splitClauses,
} from '../../src/engine/piper/espeak.js';

describe('espeak-ng phonemes for Piper', () => {
  it.each([
    [
      'Hello, world!',
      [
        ['Hello', ','],
        ['world', '!'],
      ],
    ],
    [
      'Really?! Yes…',
      [
        ['Really', '?'],
        ['Yes', '.'],
      ],
    ],
    [
      'one; two: three',
      [
        ['one', ';'],
        ['two', ':'],
        ['three', ''],
      ],
    ],
    [
      '  , leading marks. and   spaces ',
      [
        ['leading marks', '.'],
        ['and spaces', ''],
      ],
    ],
  ])('splits %j into clauses with their punctuation', (text, clauses) => {
    expect(splitClauses(text).map((c) => [c.text, c.punctuation])).toEqual(clauses);
  });

  it('puts each clause punctuation back after its phonemes, as Piper voices were trained', () => {
    expect(joinClauses(['həlˈoʊ', 'wˈɜːld'], splitClauses('Hello, world!'))).toBe('həlˈoʊ, wˈɜːld!');
  });

  it.each([
    ['at ten A M.', 'at ten AM.'],
    ['the U S and the U K', 'the US and the UK'],
    ['W W W dot example dot com', 'WWW dot example dot com'],
    ['A cat and I ran.', 'A cat and I ran.'],
    ['Plan A, then B.', 'Plan A, then B.'],
    ['two hundred twenty-one, the forty-first', 'two hundred twenty one, the forty first'],
    ['Ninety-Nine and a well-known twenty-something', 'Ninety Nine and a well-known twenty-something'],
  ])('writes %j as espeak-ng reads the digits and letters', (text, expected) => {
    expect(englishForEspeak(text)).toBe(expected);
  });

  it('drops the language-switch flags espeak-ng puts around foreign words', () => {
    expect(dropLanguageFlags('ʊnt hˈɛloː (en)kˈɪti(de) ʊnt')).toBe('ʊnt hˈɛloː kˈɪti ʊnt');
  });

  // The tests need the espeak-ng program (.ci/run installs it), as Piper voices do.
  it('reads clauses through the espeak-ng program and keeps questions as questions', () => {
    expect(hasEspeak()).toBe(true);
    const phonemes = espeakPhonemes('The quick brown fox, is it for four hours?', 'en-us');
    expect(phonemes).toMatch(/^ðə kwˈɪk bɹˈaʊn fˈɑːks, ɪz ɪt f.+ˈaʊɚz\?$/);
  });

  it('says the letters of "ten A M" (the normalizer\'s a.m.) as letters, not "ten uh M"', () => {
    expect(espeakPhonemes('See you at ten A M.', 'en-us')).toMatch(/tˈɛn ˌeɪˈɛm\.$/);
  });

  it('says "twenty-one" as espeak-ng says 21: two words, not one compound', () => {
    expect(espeakPhonemes('21', 'en-us')).toBe('twˈɛnti wˈʌn');
    expect(espeakPhonemes('twenty-one', 'en-us')).toMatch(/^twˈɛnti w[ˈˌ]ʌn$/);
  });

  it('gives a Piper voice no language-switch flags to read as letters', () => {
    const phonemes = espeakPhonemes('Ich mag Hello Kitty.', 'de');
    expect(phonemes).toMatch(/kˈɪti\.$/);
    expect(phonemes).not.toMatch(/[()]/);
  });
});
