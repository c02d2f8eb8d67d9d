/**
 * Pitch shifting and time stretching for speech with Sonic (Apache-2.0) compiled to WASM. Sonic
 * is built for speech (pitch-synchronous overlap-add), so it keeps voices natural at 0.5–3× speed
 * and a few semitones of shift, and it is fast enough to run per segment in the engine worker.
 */
import { loadWasmLibrary, type WasmLibrary } from './wasm-module.js';

/** What to change; 1 means unchanged. */
export interface VoiceEffects {
  /** Pitch factor (2^(semitones/12)). */
  pitch: number;
  /** Tempo factor: 2 is twice as fast, same pitch. */
  tempo: number;
}

let libraryPromise: Promise<WasmLibrary> | undefined;

/** Applies {@link VoiceEffects} to mono buffers. */
export class VoiceEffectsProcessor {
  private constructor(private readonly lib: WasmLibrary) {}

  /** Loads Sonic (once per thread). */
  static async create(): Promise<VoiceEffectsProcessor> {
    libraryPromise ??= loadWasmLibrary('@echogarden/sonic-wasm');
    return new VoiceEffectsProcessor(await libraryPromise);
  }

  /** Returns `input` with pitch and tempo changed (a new buffer; `input` when nothing changes). */
  apply(input: Float32Array, sampleRate: number, effects: VoiceEffects): Float32Array {
    if ((effects.pitch === 1 && effects.tempo === 1) || input.length === 0) return input;
    const { lib } = this;
    const stream = lib.call('_sonicCreateStream', sampleRate, 1);
    if (stream === 0) throw new Error('Sonic could not create a stream');
    const inPtr = lib.malloc(input.length * 4);
    const outCapacity = Math.ceil(input.length / effects.tempo) + sampleRate;
    const outPtr = lib.malloc(outCapacity * 4);
    try {
      lib.call('_sonicSetPitch', stream, effects.pitch);
      lib.call('_sonicSetSpeed', stream, effects.tempo);
      lib.call('_sonicSetQuality', stream, 1);
      new Float32Array(lib.memory.buffer, inPtr, input.length).set(input);
      lib.call('_sonicWriteFloatToStream', stream, inPtr, input.length);
      lib.call('_sonicFlushStream', stream);
      let total = 0;
      for (;;) {
        const n = lib.call('_sonicReadFloatFromStream', stream, outPtr + total * 4, outCapacity - total);
        if (n <= 0 || total + n >= outCapacity) {
          total += Math.max(n, 0);
          break;
        }
        total += n;
      }
      return new Float32Array(lib.memory.buffer, outPtr, total).slice();
    } finally {
      lib.free(inPtr);
      lib.free(outPtr);
      lib.call('_sonicDestroyStream', stream);
    }
  }
}
