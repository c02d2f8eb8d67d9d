/** Test helpers that listen to audio the way a user would: decode it, measure it, recognise it. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What ffprobe/ffmpeg say of an audio file. */
export interface DecodedAudio {
  sampleRate: number;
  channels: number;
  codec: string;
  /** Mono samples at `sampleRate`, decoded by ffmpeg. */
  samples: Float32Array;
  /** Decoded duration in seconds (samples / rate). */
  duration: number;
}

async function withTempFile<T>(bytes: Uint8Array, ext: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'flash-tts-test-'));
  const path = join(dir, `audio.${ext}`);
  try {
    await writeFile(path, bytes);
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Extra ffmpeg input flags for headerless PCM. */
function inputFlags(ext: string, pcmRate?: number): string[] {
  return ext === 'pcm' ? ['-f', 's16le', '-ar', String(pcmRate ?? 24000), '-ac', '1'] : [];
}

/** Decodes `bytes` (a file of type `ext`) with ffmpeg. `pcmRate` is needed for raw PCM. */
export async function decodeAudio(bytes: Uint8Array, ext: string, pcmRate?: number): Promise<DecodedAudio> {
  return withTempFile(bytes, ext, async (path) => {
    const probe = await run('ffprobe', [
      '-v',
      'error',
      ...inputFlags(ext, pcmRate),
      '-show_entries',
      'stream=sample_rate,channels,codec_name',
      '-of',
      'json',
      path,
    ]);
    const stream = (JSON.parse(probe.stdout) as { streams: { sample_rate: string; channels: number; codec_name: string }[] })
      .streams[0];
    if (!stream) throw new Error('ffprobe found no audio stream');
    const sampleRate = Number(stream.sample_rate);
    // Decode at the stream's own rate; Opus decodes at 48 kHz whatever its header's original rate.
    const decodeRate = stream.codec_name === 'opus' ? 48000 : sampleRate;
    const pcm = await run(
      'ffmpeg',
      ['-v', 'error', ...inputFlags(ext, pcmRate), '-i', path, '-f', 's16le', '-ac', '1', '-ar', String(decodeRate), '-'],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 30,
      },
    );
    const ints = new Int16Array(pcm.stdout.buffer, pcm.stdout.byteOffset, Math.floor(pcm.stdout.byteLength / 2));
    const samples = Float32Array.from(ints, (s) => s / 32768);
    return { sampleRate, channels: stream.channels, codec: stream.codec_name, samples, duration: samples.length / decodeRate };
  });
}

/** RMS level of samples. */
export function rmsLevel(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** Share of 20 ms windows louder than -40 dBFS: speech has many, silence none. */
export function voicedShare(samples: Float32Array, sampleRate: number): number {
  const window = Math.round(sampleRate * 0.02);
  let voiced = 0;
  let total = 0;
  for (let i = 0; i + window <= samples.length; i += window) {
    total++;
    if (rmsLevel(samples.subarray(i, i + window)) > 0.01) voiced++;
  }
  return total === 0 ? 0 : voiced / total;
}

/** Transcribes speech with pocketsphinx (Debian's en-US model); returns lower-case words. */
export async function transcribe(bytes: Uint8Array, ext: string, pcmRate?: number): Promise<string> {
  return withTempFile(bytes, ext, async (path) => {
    const wav = `${path}.16k.wav`;
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      ...inputFlags(ext, pcmRate),
      '-i',
      path,
      '-ar',
      '16000',
      '-ac',
      '1',
      '-sample_fmt',
      's16',
      wav,
    ]);
    const { stdout } = await run('pocketsphinx_continuous', ['-infile', wav, '-logfn', '/dev/null'], { maxBuffer: 1 << 24 });
    return stdout.replace(/\s+/g, ' ').trim().toLowerCase();
  });
}

/** Word error rate of `hypothesis` against `reference` (Levenshtein over words). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const words = (s: string): string[] =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9' ]+/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
  const ref = words(reference);
  const hyp = words(hypothesis);
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const row = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const cost = ref[i - 1] === hyp[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return ref.length === 0 ? 0 : (prev[hyp.length] as number) / ref.length;
}

/** For each 10 ms frame of `samples`: whether it is sound, i.e. within 40 dB of the loudest frame. */
function soundFrames(samples: Float32Array, rate: number): boolean[] {
  const frame = Math.round(rate / 100);
  const energies: number[] = [];
  for (let i = 0; i + frame <= samples.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += (samples[j] as number) ** 2;
    energies.push(sum / frame);
  }
  const threshold = Math.max(...energies) * 1e-4;
  return energies.map((e) => e >= threshold);
}

/** Seconds before the first 10 ms frame within 40 dB of the loudest one. */
export function leadingSilence(samples: Float32Array, rate: number): number {
  return soundFrames(samples, rate).indexOf(true) / 100;
}

/** Seconds after the last 10 ms frame within 40 dB of the loudest one. */
export function trailingSilence(samples: Float32Array, rate: number): number {
  const sound = soundFrames(samples, rate);
  return (sound.length - 1 - sound.lastIndexOf(true)) / 100 + (samples.length % Math.round(rate / 100)) / rate;
}

/** The longest run of silent 10 ms frames (see {@link leadingSilence}) between the first and last sound, in seconds. */
export function longestPause(samples: Float32Array, rate: number): number {
  const sound = soundFrames(samples, rate);
  let longest = 0;
  let run = 0;
  for (let i = sound.indexOf(true); i <= sound.lastIndexOf(true); i++) {
    run = sound[i] ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return longest / 100;
}
