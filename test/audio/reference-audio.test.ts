import { describe, expect, it } from '@jest/globals';
import { encodeAudio } from '../../src/audio/index.js';
import { prepareReference } from '../../src/audio/reference-audio.js';

const voiceLike = (rate: number, seconds: number): Float32Array =>
  Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => 0.4 * Math.sin((2 * Math.PI * 180 * i) / rate) * (0.6 + 0.4 * Math.sin((i / rate) * 7)),
  );

/** A 16-bit stereo WAV file. */
function stereoWav(rate: number, left: Float32Array, right: Float32Array): Uint8Array {
  const n = left.length;
  const out = new DataView(new ArrayBuffer(44 + n * 4));
  const text = (o: number, s: string): void => {
    for (let i = 0; i < s.length; i++) out.setUint8(o + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  out.setUint32(4, 36 + n * 4, true);
  text(8, 'WAVEfmt ');
  out.setUint32(16, 16, true);
  out.setUint16(20, 1, true);
  out.setUint16(22, 2, true);
  out.setUint32(24, rate, true);
  out.setUint32(28, rate * 4, true);
  out.setUint16(32, 4, true);
  out.setUint16(34, 16, true);
  text(36, 'data');
  out.setUint32(40, n * 4, true);
  for (let i = 0; i < n; i++) {
    out.setInt16(44 + i * 4, Math.round((left[i] as number) * 32767), true);
    out.setInt16(46 + i * 4, Math.round((right[i] as number) * 32767), true);
  }
  return new Uint8Array(out.buffer);
}

describe('reference audio for cloning', () => {
  it('reads WAV (44.1 kHz stereo), MP3, FLAC and Ogg Opus into 24 kHz mono', async () => {
    const wav = stereoWav(44100, voiceLike(44100, 3), voiceLike(44100, 3));
    const fromWav = await prepareReference(wav, 24000, 'audio');
    expect(fromWav.sampleRate).toBe(24000);
    expect(fromWav.samples.length).toBe(72000);
    for (const [format, rate] of [
      ['mp3', 22050],
      ['flac', 16000],
      ['opus', 48000],
    ] as const) {
      const bytes = await encodeAudio(voiceLike(rate, 2.5), { format, sampleRate: rate });
      const ref = await prepareReference(bytes, 24000, 'audio');
      expect(Math.abs(ref.samples.length / 24000 - 2.5)).toBeLessThan(0.08);
    }
  });

  it('trims long references to what the model needs', async () => {
    const wav = stereoWav(24000, voiceLike(24000, 30), voiceLike(24000, 30));
    const ref = await prepareReference(wav, 24000, 'audio');
    expect(ref.samples.length).toBe(20 * 24000);
    expect(ref.originalSeconds).toBeCloseTo(30, 3);
  });

  it.each([
    ['not audio', new TextEncoder().encode('this is plainly not a sound file at all, just text'), /could not be read as audio/],
    [
      'a header without samples',
      stereoWav(24000, new Float32Array(0), new Float32Array(0)),
      /no audio samples|could not be read/,
    ],
    ['too short', stereoWav(24000, voiceLike(24000, 0.3), voiceLike(24000, 0.3)), /at least 1 s/],
    ['silent', stereoWav(24000, new Float32Array(48000), new Float32Array(48000)), /silent/],
  ])('refuses %s with a 400', async (_, bytes, message) => {
    await expect(prepareReference(bytes, 24000, 'reference_audio')).rejects.toMatchObject({
      status: 400,
      param: 'reference_audio',
      message: expect.stringMatching(message),
    });
  });

  it('refuses references longer than the limit', async () => {
    const wav = stereoWav(8000, voiceLike(8000, 12), voiceLike(8000, 12));
    await expect(prepareReference(wav, 24000, 'audio', { maxSeconds: 10 })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/at most 10 s/),
    });
  });
});
