import { describe, expect, it } from '@jest/globals';
import { espeakPhonemes, hasEspeak, joinClauses, splitClauses } from '../../src/engine/piper/espeak.js';

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

  // The tests need the espeak-ng program (.ci/run installs it), as Piper voices do.
  it('reads clauses through the espeak-ng program and keeps questions as questions', () => {
    expect(hasEspeak()).toBe(true);
    const phonemes = espeakPhonemes('The quick brown fox, is it for four hours?', 'en-us');
    expect(phonemes).toMatch(/^ðə kwˈɪk bɹˈaʊn fˈɑːks, ɪz ɪt f.+ˈaʊɚz\?$/);
  });
});
