import { describe, expect, it } from '@jest/globals';
import { findTrimRange, PAUSE_AFTER, pauseAfter, trimSilence } from '../../src/audio/trim-silence.js';

const RATE = 24000;

/** `before` s of silence (with faint noise at `noise` amplitude), `sound` s of a tone, `after` s of silence. */
function padded(before: number, sound: number, after: number, amplitude = 0.3, noise = 1e-5): Float32Array {
  const n = (s: number): number => Math.round(s * RATE);
  const out = new Float32Array(n(before) + n(sound) + n(after));
  for (let i = 0; i < out.length; i++) out[i] = noise * Math.sin(i * 1.7);
  for (let i = 0; i < n(sound); i++) out[n(before) + i] = amplitude * Math.sin((2 * Math.PI * 220 * i) / RATE);
  return out;
}

describe('trimming silence around a model call', () => {
  it.each([
    ['a loud voice', 0.3],
    ['a quiet voice (same margins)', 0.01],
  ])('keeps 40 ms before and the asked tail after the sound of %s', (_, amplitude) => {
    const pcm = padded(0.3, 1, 0.47, amplitude);
    const kept = trimSilence(pcm, RATE, { tail: 0.25 });
    expect(kept.length / RATE).toBeCloseTo(0.04 + 1 + 0.25, 2);
    const range = findTrimRange(pcm, RATE, { tail: 0.25 });
    expect(range.soundStart / RATE).toBeCloseTo(0.3, 2);
    expect(range.soundEnd / RATE).toBeCloseTo(1.3, 2);
  });

  it('never adds silence, and keeps audio with no sound in it whole', () => {
    const tight = padded(0.01, 0.5, 0.02);
    expect(trimSilence(tight, RATE, { tail: 0.25 }).length).toBe(tight.length);
    const silent = new Float32Array(RATE);
    expect(trimSilence(silent, RATE).length).toBe(RATE);
  });

  it('keeps a soft word inside the sound, however long the pause before it', () => {
    const pcm = new Float32Array(RATE * 2);
    for (let i = 0; i < RATE * 0.3; i++) pcm[RATE * 0.2 + i] = 0.3 * Math.sin(i / 5);
    // A soft word (-40 dB under the loud one) after 0.8 s of silence.
    for (let i = 0; i < RATE * 0.2; i++) pcm[RATE * 1.3 + i] = 0.003 * Math.sin(i / 5);
    const range = findTrimRange(pcm, RATE, { tail: 0.1 });
    expect(range.soundEnd / RATE).toBeCloseTo(1.5, 2);
  });

  it('ends the sound 80 ms into the low noise some decoders run on after the speech, but keeps a decay whole', () => {
    // A tone, then 0.4 s of noise 45 dB under it (within the −50 dB range, under −40), then silence.
    const pcm = padded(0.3, 1, 0.7);
    const noiseStart = Math.round(1.3 * RATE);
    for (let i = 0; i < 0.4 * RATE; i++) pcm[noiseStart + i] = 0.3 * 10 ** (-45 / 20) * Math.sin(i * 2.1);
    const noisy = findTrimRange(pcm, RATE, { tail: 0.02 });
    expect(noisy.soundEnd / RATE).toBeCloseTo(1.3 + 0.08, 2);
    expect((noisy.end - noisy.soundEnd) / RATE).toBeCloseTo(0.02, 2);
    // A release that fades from the tone's level to −60 dB over 70 ms is kept to where it ends.
    const fading = padded(0.3, 1, 0.7);
    const fade = 0.07 * RATE;
    for (let i = 0; i < fade; i++) fading[noiseStart + i] = 0.3 * 10 ** ((-60 * i) / fade / 20) * Math.sin(i * 2.1);
    expect(findTrimRange(fading, RATE).soundEnd / RATE).toBeCloseTo(1.3 + 0.06, 1);
    // Low noise that stops for a pause, then a soft word: the word is sound of its own.
    const apart = padded(0.3, 1, 0.7);
    for (let i = 0; i < 0.05 * RATE; i++) apart[noiseStart + i] = 0.3 * 10 ** (-45 / 20) * Math.sin(i * 2.1);
    const word = Math.round(1.6 * RATE);
    for (let i = 0; i < 0.2 * RATE; i++) apart[word + i] = 0.3 * 10 ** (-45 / 20) * Math.sin(i / 5);
    expect(findTrimRange(apart, RATE).soundEnd / RATE).toBeCloseTo(1.8, 2);
  });

  it.each([
    ['Hello there.', PAUSE_AFTER.sentence],
    ['Is it?"', PAUSE_AFTER.sentence],
    ['First of all,', PAUSE_AFTER.clause],
    ['hˈɛlO, wˈɜɹld!', PAUSE_AFTER.sentence],
    ['and then we', PAUSE_AFTER.none],
  ])('pauses after %j by its punctuation', (text, pause) => {
    expect(pauseAfter(text)).toBe(pause);
  });
});
