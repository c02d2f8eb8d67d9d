import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  AUDIO_FORMATS,
  type AudioFormat,
  checkOpusOptions,
  createAudioEncoder,
  createEncoder,
  DEFAULT_OPUS_OPTIONS,
  type EncoderFactory,
  EncoderPool,
  encodeAudio,
  encoderInputRate,
  type OpusOptions,
  Resampler,
  VoiceEffectsProcessor,
  wavHeader,
} from '../../src/audio/index.js';
import { decodeAudio, rmsLevel } from '../helpers/audio.js';

/** A 300 Hz tone with a 3 Hz tremolo: easy to hear, easy to measure. */
function tone(seconds: number, rate: number, frequency = 300): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = 0.3 * Math.sin((2 * Math.PI * frequency * i) / rate) * (0.75 + 0.25 * Math.sin((2 * Math.PI * 3 * i) / rate));
  return out;
}

/** Dominant frequency by upward crossings, with hysteresis so codec noise near zero does not count. */
function frequencyOf(samples: Float32Array, rate: number): number {
  let crossings = 0;
  let below = false;
  for (const s of samples) {
    if (s < -0.05) below = true;
    else if (s > 0.05 && below) {
      crossings++;
      below = false;
    }
  }
  return crossings / (samples.length / rate);
}

async function encodeStreamed(
  format: AudioFormat,
  pcm: Float32Array,
  rate: number,
  requested: number,
  piece: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const encoder = await createAudioEncoder(format, {
    sampleRate: rate,
    channels: 1,
    requestedRate: requested,
    onData: (b) => parts.push(b),
  });
  for (let i = 0; i < pcm.length; i += piece) encoder.write(pcm.subarray(i, i + piece));
  await encoder.end();
  return Buffer.concat(parts);
}

const CASES = AUDIO_FORMATS.flatMap((format) =>
  [16000, 24000, 48000].flatMap((rate) => [1.0, 2.0, 2.345].map((seconds) => [format, rate, seconds] as const)),
);

describe('encoders decode (ffmpeg) to the true duration, whole and streamed', () => {
  const resampler = Resampler.create();
  it.each(CASES)('%s at %i Hz, %f s', async (format, rate, seconds) => {
    const inputRate = encoderInputRate(format, rate);
    const pcm = (await resampler).resample(tone(seconds, rate), rate, inputRate);
    const whole = await encodeAudio(pcm, { format, sampleRate: inputRate, requestedRate: rate });
    const streamed = await encodeStreamed(format, pcm, inputRate, rate, 3333);
    for (const bytes of [whole, streamed]) {
      const decoded = await decodeAudio(bytes, format, rate);
      expect(Math.abs(decoded.duration - seconds) * 1000).toBeLessThanOrEqual(30);
      expect(decoded.channels).toBe(1);
      if (format !== 'opus') expect(decoded.sampleRate).toBe(rate);
      const rateOut = format === 'opus' ? 48000 : rate;
      expect(rmsLevel(decoded.samples)).toBeGreaterThan(0.1);
      // The pitch survives coding (measured away from the ends, where codec priming sits).
      const middle = decoded.samples.subarray(
        Math.round(decoded.samples.length * 0.15),
        Math.round(decoded.samples.length * 0.85),
      );
      expect(Math.abs(frequencyOf(middle, rateOut) - 300)).toBeLessThan(6);
    }
  });
});

describe('format details', () => {
  it('whole WAV files carry their true sizes; streamed ones say "unknown"', async () => {
    const pcm = tone(1, 16000);
    const whole = await encodeAudio(pcm, { format: 'wav', sampleRate: 16000 });
    const view = new DataView(whole.buffer, whole.byteOffset);
    expect(view.getUint32(4, true)).toBe(whole.length - 8);
    expect(view.getUint32(40, true)).toBe(whole.length - 44);
    expect(new DataView(wavHeader(16000, 1).buffer).getUint32(40, true)).toBe(0xffffffff);
  });

  it('Ogg Opus keeps its final page: 2.0 s decodes as 2.0 s, and opusinfo finds no errors', async () => {
    const bytes = await encodeAudio((await Resampler.create()).resample(tone(2, 16000), 16000, 48000), {
      format: 'opus',
      sampleRate: 48000,
      requestedRate: 16000,
    });
    const decoded = await decodeAudio(bytes, 'opus');
    expect(decoded.duration).toBeCloseTo(2, 2);
    // The last page has the end-of-stream flag.
    const lastPage = Buffer.from(bytes).lastIndexOf('OggS');
    expect((bytes[lastPage + 5] as number) & 0x04).toBe(0x04);
    // opus-tools' checker reads every page (CRC, granules, headers) and must find nothing wrong.
    const dir = await mkdtemp(join(tmpdir(), 'flash-tts-opus-'));
    try {
      await writeFile(join(dir, 'a.opus'), bytes);
      const { stdout, stderr } = await promisify(execFile)('opusinfo', [join(dir, 'a.opus')]);
      expect(`${stdout}${stderr}`).not.toMatch(/WARNING|ERROR|corrupt|hole/i);
      expect(stdout).toMatch(/Playback length: 0m:02\.000s/);
      expect(stdout).toMatch(/Original sample rate: 16000 Hz/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('raw PCM is little-endian 16-bit with nothing around it', async () => {
    const bytes = await encodeAudio(tone(0.5, 24000), { format: 'pcm', sampleRate: 24000 });
    expect(bytes.length).toBe(24000);
  });

  it('streamed MP3 starts with a LAME tag and its frames follow at once', async () => {
    const parts: Uint8Array[] = [];
    const encoder = await createAudioEncoder('mp3', { sampleRate: 24000, channels: 1, onData: (b) => parts.push(b) });
    encoder.write(tone(0.5, 24000));
    expect(parts.length).toBeGreaterThan(0); // bytes out before end()
    expect(Buffer.concat(parts).includes(Buffer.from('LAME3.100'))).toBe(true);
    await encoder.end();
  });
});

describe('MP3 (LAME 3.100 as wasm)', () => {
  const CHANNELS_AT_RATES = [8000, 16000, 24000, 44100, 48000].flatMap((rate) => [[rate, 1] as const, [rate, 2] as const]);
  it.each(CHANNELS_AT_RATES)(
    'a whole file at %i Hz, %i channel(s), decodes (ffmpeg) to exactly its samples',
    async (rate, channels) => {
      const mono = tone(1.234, rate);
      const pcm = channels === 1 ? mono : Float32Array.from({ length: mono.length * 2 }, (_, i) => mono[i >> 1] as number);
      const decoded = await decodeAudio(await encodeAudio(pcm, { format: 'mp3', sampleRate: rate, channels }), 'mp3');
      expect(decoded.samples.length).toBe(mono.length);
      expect(decoded.sampleRate).toBe(rate);
      expect(decoded.channels).toBe(channels);
    },
  );

  it('an encoder given up mid-stream leaves nothing in the next file (LAME instances are reused)', async () => {
    const pcm = tone(1, 24000);
    const before = await encodeAudio(pcm, { format: 'mp3', sampleRate: 24000 });
    const abandoned = await createAudioEncoder('mp3', { sampleRate: 24000, channels: 1, onData: () => undefined });
    abandoned.write(pcm.subarray(0, 10000));
    abandoned.destroy();
    const after = await encodeAudio(pcm, { format: 'mp3', sampleRate: 24000 });
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
  });
});

describe('Opus settings (complexity, application)', () => {
  /** The realtime Opus packets of a tone (no Ogg pages, whose serial numbers are random). */
  async function packets(create: EncoderFactory, opus?: OpusOptions): Promise<Buffer[]> {
    const out: Buffer[] = [];
    const encoder = await create(
      { kind: 'frames', format: { encoding: 'opus', sample_rate: 48000, channels: 1, frame_ms: 20 } },
      { sampleRate: 48000, channels: 1, ...(opus ? { opus } : {}), onData: (b) => out.push(Buffer.from(b)) },
    );
    encoder.write(tone(0.5, 48000));
    await encoder.end();
    return out;
  }

  it.each<OpusOptions>([
    { application: 'audio', complexity: 0 },
    { application: 'audio', complexity: 10 },
    { application: 'voip', complexity: 0 },
    { application: 'voip', complexity: 10 },
  ])('%o: an Ogg Opus file still decodes to the true duration and pitch', async (opus) => {
    const pcm = (await Resampler.create()).resample(tone(2, 24000), 24000, 48000);
    const parts: Uint8Array[] = [];
    const encoder = await createAudioEncoder('opus', {
      sampleRate: 48000,
      channels: 1,
      requestedRate: 24000,
      totalFrames: pcm.length,
      opus,
      onData: (b) => parts.push(b),
    });
    encoder.write(pcm);
    await encoder.end();
    const decoded = await decodeAudio(Buffer.concat(parts), 'opus');
    expect(decoded.duration).toBeCloseTo(2, 3);
    const middle = decoded.samples.subarray(48000 * 0.3, 48000 * 1.7);
    expect(Math.abs(frequencyOf(middle, 48000) - 300)).toBeLessThan(6);
  });

  it('an encoder pool encodes with its settings: packets identical to this thread with the same, unlike the default', async () => {
    const other: OpusOptions = {
      complexity: DEFAULT_OPUS_OPTIONS.complexity === 0 ? 10 : 0,
      application: DEFAULT_OPUS_OPTIONS.application === 'voip' ? 'audio' : 'voip',
    };
    const pool = await EncoderPool.start({ workers: 1, opus: other });
    try {
      const fromPool = await packets(pool.create);
      expect(fromPool).toEqual(await packets(createEncoder, other));
      expect(fromPool).not.toEqual(await packets(createEncoder));
    } finally {
      await pool.stop();
    }
  });

  it.each([
    [{ complexity: 11 }, 'Opus complexity must be a whole number from 0 to 10, not 11.'],
    [{ complexity: 2.5 }, 'Opus complexity must be a whole number from 0 to 10, not 2.5.'],
    [{ application: 'restricted-lowdelay' }, 'Opus application must be audio or voip, not "restricted-lowdelay".'],
  ])('rejects %o with a sentence saying what to change', (bad, message) => {
    expect(() => checkOpusOptions({ ...DEFAULT_OPUS_OPTIONS, ...bad } as OpusOptions)).toThrow(new TypeError(message));
  });
});

describe('DSP', () => {
  it.each([8000, 22050, 24000, 44100, 48000])('resamples 16 kHz to %i Hz with exact length and pitch', async (rate) => {
    const resampler = await Resampler.create();
    const out = resampler.resample(tone(1, 16000, 440), 16000, rate);
    expect(out.length).toBe(rate);
    expect(Math.abs(frequencyOf(out, rate) - 440)).toBeLessThan(3);
  });

  it('shifts pitch without changing duration, and tempo without changing pitch', async () => {
    const effects = await VoiceEffectsProcessor.create();
    const input = tone(1, 16000, 200);
    const higher = effects.apply(input, 16000, { pitch: 2 ** (4 / 12), tempo: 1 });
    expect(Math.abs(higher.length - input.length) / input.length).toBeLessThan(0.05);
    expect(frequencyOf(higher, 16000) / 200).toBeCloseTo(2 ** (4 / 12), 1);
    const faster = effects.apply(input, 16000, { pitch: 1, tempo: 1.5 });
    expect(faster.length / input.length).toBeCloseTo(1 / 1.5, 1);
    expect(Math.abs(frequencyOf(faster, 16000) - 200)).toBeLessThan(10);
  });
});
