import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { AudioFramer } from '../../src/audio/audio-framer.js';
import { Resampler } from '../../src/audio/resampler.js';

const require = createRequire(import.meta.url);
const { mulaw } = require('alawmulaw') as { mulaw: { decode(bytes: Uint8Array): Int16Array } };
const { OpusEncoder } = require('@discordjs/opus') as {
  OpusEncoder: new (rate: number, channels: number) => { decode(b: Buffer): Buffer };
};

const tone = (rate: number, seconds: number): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));

describe('realtime audio framing', () => {
  it('cuts Opus into 20 ms packets and pads the end past the encoder look-ahead', () => {
    const framer = new AudioFramer({ encoding: 'opus', sample_rate: 48000, channels: 1, frame_ms: 20 });
    const input = tone(48000, 0.5 + 0.005); // 25 packets and a bit
    const frames = [...framer.push(input), ...framer.endSegment()];
    expect(frames.every((f) => f.samples === 960)).toBe(true);
    // 24240 samples + 312 look-ahead → 26 packets.
    expect(frames).toHaveLength(Math.ceil((input.length + 312) / 960));
    const decoder = new OpusEncoder(48000, 1);
    for (const f of frames) expect(decoder.decode(Buffer.from(f.data)).length).toBe(960 * 2);
  });

  it('cuts PCM into frame_ms chunks with a shorter last one, and interleaves stereo', () => {
    const framer = new AudioFramer({ encoding: 'pcm_s16le', sample_rate: 24000, channels: 2, frame_ms: 40 });
    const input = tone(24000, 0.1);
    const first = [...framer.push(input.subarray(0, 1000))];
    const rest = [...framer.push(input.subarray(1000)), ...framer.endSegment()];
    const frames = [...first, ...rest];
    expect(frames.map((f) => f.samples)).toEqual([960, 960, 480]);
    expect(frames[0]?.data.length).toBe(960 * 2 * 2);
    const samples = new Int16Array((frames[0] as { data: Uint8Array }).data.slice().buffer);
    expect(samples[10]).toBe(samples[11]); // left = right
    expect(Math.abs((samples[20] as number) / 32768 - (input[10] as number))).toBeLessThan(1e-3);
  });

  it('encodes µ-law as one byte per sample that decodes back to the signal', () => {
    const framer = new AudioFramer({ encoding: 'mulaw', sample_rate: 8000, channels: 1, frame_ms: 20 });
    const input = tone(8000, 0.02);
    const [frame] = [...framer.push(input)];
    expect(frame?.data.length).toBe(160);
    const back = mulaw.decode(frame?.data as Uint8Array);
    for (let i = 0; i < 160; i++) expect(Math.abs((back[i] as number) / 32768 - (input[i] as number))).toBeLessThan(0.03);
  });

  it('converts rates in pieces exactly as in one go', async () => {
    const resampler = await Resampler.create();
    const input = tone(16000, 3.1);
    const whole = resampler.resample(input, 16000, 48000);
    const stream = resampler.stream(16000, 48000);
    const parts = [4000, 16000, input.length].reduce<{ at: number; out: Float32Array[] }>(
      (acc, end) => ({ at: end, out: [...acc.out, stream.process(input.subarray(acc.at, end))] }),
      { at: 0, out: [] },
    ).out;
    parts.push(stream.end());
    const joined = Float32Array.from(parts.flatMap((p) => [...p]));
    expect(joined.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs((whole[i] as number) - (joined[i] as number)));
    expect(maxDiff).toBeLessThan(1e-6);
  });
});
