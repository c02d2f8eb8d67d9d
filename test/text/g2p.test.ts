import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLetterToSound, type LetterToSound } from '../../src/engine/flite/letter-to-sound.js';
import { splitPhonemes } from '../../src/engine/kokoro/kokoro-engine.js';
import { parseVoiceMix } from '../../src/engine/kokoro/kokoro-voices.js';
import { arpabetToPhonemes, phonemizeEnglish, phonemizeEnglishWords } from '../../src/text/g2p/english.js';

describe('English G2P for the neural engines', () => {
  let lts: LetterToSound;
  beforeAll(async () => {
    lts = await createLetterToSound();
  });

  it.each([
    ['HH AH0 L OW1', 'həlˈO', 'həlˈoʊ'],
    ['W ER1 L D', 'wˈɜɹld', 'wˈɜːld'],
    ['B AY1 T', 'bˈIt', 'bˈaɪt'],
    ['CH EY1 N JH', 'ʧˈAnʤ', 'tʃˈeɪndʒ'],
    ['B AH1 T ER0', 'bˈʌtəɹ', 'bˈʌtɚ'],
    ['AW1 T', 'ˈWt', 'ˈaʊt'],
    ['B OY1', 'bˈY', 'bˈɔɪ'],
  ])('maps %s to misaki %s and espeak %s', (arpabet, misaki, espeak) => {
    expect(arpabetToPhonemes(arpabet, 'misaki')).toBe(misaki);
    expect(arpabetToPhonemes(arpabet, 'espeak')).toBe(espeak);
  });

  it('keeps punctuation, spaces words, and guesses unknown words with Flite', () => {
    expect(phonemizeEnglish('Hello, world!', { alphabet: 'misaki', oov: lts })).toBe('həlˈO, wˈɜɹld!');
    const guessed = phonemizeEnglish('The zorbulax.', { alphabet: 'misaki', oov: lts });
    expect(guessed).toMatch(/^ðə z\S*ɹ\S*ks\.$/);
    const { phonemes, words } = phonemizeEnglishWords('Hi there.', { alphabet: 'misaki', oov: lts });
    const symbols = [...phonemes];
    expect(words.map((w) => symbols.slice(w.start, w.end).join(''))).toEqual(['hˈI', 'ðˈɛɹ']);
  });

  it.each([
    ['for four', 'fɔːɹ fˈɔːɹ'],
    ['the apple', 'ðɪ ˈæpəl'],
    ['the cat is at your door', 'ðə kˈæt ɪz æt jʊɹ dˈɔːɹ'],
    ['to eat, to go', 'tʊ ˈiːt, tə ɡˈoʊ'],
    ['Give it to us.', 'ɡˈɪv ɪt tʊ ˌʌs.'],
  ])('says the function words of %s unstressed, as espeak-ng does, for Piper: %s', (text, expected) => {
    expect(phonemizeEnglish(text, { alphabet: 'espeak', oov: lts })).toBe(expected);
  });

  it('splits long phoneme strings at sentence ends first, never past the limit', () => {
    const sentence = 'ðə kwˈɪk bɹˈWn fˈɑks.';
    const long = Array.from({ length: 40 }, () => sentence).join(' ');
    const pieces = splitPhonemes(long, 100);
    for (const p of pieces) {
      expect([...p].length).toBeLessThanOrEqual(100);
      expect(p.endsWith('.')).toBe(true);
    }
    expect(pieces.join(' ')).toBe(long);
    // No punctuation at all: cut at spaces.
    const words = Array.from({ length: 60 }, () => 'wˈɜɹd').join(' ');
    expect(splitPhonemes(words, 50).every((p) => !p.startsWith(' ') && [...p].length <= 50)).toBe(true);
  });

  it('parses Kokoro voice mixes into normalized weights', () => {
    expect(parseVoiceMix('af_bella+af_sky')).toEqual([
      { voice: 'af_bella', weight: 0.5 },
      { voice: 'af_sky', weight: 0.5 },
    ]);
    expect(parseVoiceMix('af_bella(3)+af_sky(1)')).toEqual([
      { voice: 'af_bella', weight: 0.75 },
      { voice: 'af_sky', weight: 0.25 },
    ]);
    expect(parseVoiceMix('af_bella(0)')).toBeUndefined();
    expect(parseVoiceMix('af bella')).toBeUndefined();
  });
});
