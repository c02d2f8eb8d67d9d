/**
 * How the espeak-ng front end for Kokoro's Romance and Hindi voices cuts text at punctuation and
 * puts it back as phonemizer does (pure parts), and what it writes for a few phrases (needs the
 * espeak-ng program; skipped without it).
 */
import { describe, expect, it } from '@jest/globals';
import { spokenText } from '../../src/engine/front-ends.js';
import { hasEspeak } from '../../src/engine/piper/espeak.js';
import { cutAtMarks, espeakKokoroPhonemes, restoreMarks } from '../../src/text/g2p/espeak-kokoro.js';

describe('cutting at punctuation as phonemizer does', () => {
  it('keeps marks with their spaces and leaves decimal commas and points in the number', () => {
    const { pieces, marks } = cutAtMarks('¿Cuesta 3,5 euros? Sí, 2.5 más.');
    expect(pieces).toEqual(['Cuesta 3,5 euros', 'Sí', '2.5 más']);
    expect(marks.map((m) => [m.mark, m.position])).toEqual([
      ['¿', 'B'],
      ['? ', 'I'],
      [', ', 'I'],
      ['.', 'E'],
    ]);
  });

  it('puts phonemes back between the marks, a space after the last', () => {
    const { marks } = cutAtMarks('¿Cuesta 3,5 euros? Sí, 2.5 más.');
    expect(restoreMarks(['a b ', 'c ', 'd e '], marks)).toBe('¿a b? c, d e. ');
  });

  it('a text of marks alone is kept as it is', () => {
    expect(cutAtMarks('...')).toEqual({ pieces: [], marks: [{ mark: '...', position: 'A' }] });
  });
});

describe('spoken form for Kokoro voices read through espeak-ng', () => {
  it('keeps digits for the voice language to read, normalizes English and Chinese as before', () => {
    expect(spokenText({ engine: 'kokoro', engineVoice: 'ef_dora' }, 'Tengo  25\u200B años.')).toBe('Tengo 25 años.');
    expect(spokenText({ engine: 'kokoro', engineVoice: 'af_heart' }, 'I am 25.')).toBe('I am twenty-five.');
    expect(spokenText({ engine: 'kokoro', engineVoice: 'ff_siwis' }, '我有25本书。')).not.toMatch(/\d/);
  });
});

const withEspeak = hasEspeak() ? describe : describe.skip;
withEspeak('phonemes from espeak-ng in misaki’s letters', () => {
  it('reads digits in the language and writes tied phonemes as single letters', () => {
    const [spanish, italian, french] = [
      espeakKokoroPhonemes(['Tengo 25 años.'], 'es')[0],
      espeakKokoroPhonemes(['Ciao, ho 1999 libri.'], 'it')[0],
      espeakKokoroPhonemes(['Il a vingt ans (vraiment).'], 'fr-fr')[0],
    ];
    expect(spanish).toMatch(/^tˈɛŋɡo βˌAntiθˈinko ˈaɲos\.$/);
    expect(italian).toMatch(/^ʧˈao, /); // t^ʃ → ʧ
    expect(italian).toMatch(/mˈille/); // Italian number words, not English ones
    expect(french).toMatch(/\(vʁɛmˈɑ̃\)\.$/); // parentheses kept, piece phonemized alone
    expect(`${spanish}${italian}${french}`).not.toMatch(/[\^-]/);
  });

  it('keeps the words after a decimal point that follows a mark (the reference drops them)', () => {
    expect(espeakKokoroPhonemes(['Sí, 2.5 más.'], 'es')[0]).toMatch(/mˈas\.$/);
  });

  it('phonemizes many texts in one run, each on its own', () => {
    const texts = ['Hola.', '¿Qué tal?', '', 'Muy bien, gracias.'];
    const all = espeakKokoroPhonemes(texts, 'es');
    expect(all).toEqual(texts.map((t) => espeakKokoroPhonemes([t], 'es')[0]));
    expect(all[2]).toBe('');
  });
});
