import { describe, expect, it } from '@jest/globals';
import { piperIds } from '../../src/engine/piper/piper-engine.js';

describe('Piper phoneme ids', () => {
  const map = { _: [0], '^': [1], $: [2], ' ': [3], h: [4], ə: [5], ',': [6] };

  // As Piper's training and piper-tts build them: without the pad after ^ the voice slurs the
  // first sound of every call ("My" heard as "I").
  it.each([
    ['hə', [1, 0, 4, 0, 5, 0, 2]],
    ['hə, hə', [1, 0, 4, 0, 5, 0, 6, 0, 3, 0, 4, 0, 5, 0, 2]],
    ['h?ə', [1, 0, 4, 0, 5, 0, 2]], // unknown symbols are skipped
    ['', [1, 0, 2]],
  ])('%j → ^ _, each phoneme then _, $', (phonemes, ids) => {
    expect(piperIds(phonemes, map)).toEqual(ids);
  });
});
