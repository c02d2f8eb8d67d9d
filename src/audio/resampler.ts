/**
 * Sample-rate conversion with the Speex resampler (SpeexDSP, BSD licence) compiled to WASM: the
 * resampler Opus tools and many VoIP stacks use; fast, streaming-capable, good quality at level 5+.
 */
import { loadWasmLibrary, type WasmLibrary } from './wasm-module.js';

/** Options of {@link Resampler}. */
export interface ResamplerOptions {
  /** Speex quality 0–10. Default `7` (transparent for speech, still much faster than realtime). */
  quality: number;
}

/** Defaults of {@link ResamplerOptions}. */
export const DEFAULT_RESAMPLER_OPTIONS: ResamplerOptions = { quality: 7 };

let libraryPromise: Promise<WasmLibrary> | undefined;

function loadSpeex(): Promise<WasmLibrary> {
  libraryPromise ??= loadWasmLibrary('@echogarden/speex-resampler-wasm/simd');
  return libraryPromise;
}

/** Converts whole mono buffers from one rate to another, keeping exact length and alignment. */
export class Resampler {
  private constructor(
    private readonly lib: WasmLibrary,
    private readonly options: ResamplerOptions,
  ) {}

  /** Loads the WASM library (once per thread) and returns a resampler. */
  static async create(options: Partial<ResamplerOptions> = {}): Promise<Resampler> {
    return new Resampler(await loadSpeex(), { ...DEFAULT_RESAMPLER_OPTIONS, ...options });
  }

  /**
   * Resamples `input` from `inRate` to `outRate`. The output has exactly
   * `round(input.length * outRate / inRate)` samples and no added delay: the filter's start-up
   * zeros are skipped and its tail is flushed.
   */
  resample(input: Float32Array, inRate: number, outRate: number): Float32Array {
    if (inRate === outRate || input.length === 0) return input;
    const stream = this.stream(inRate, outRate);
    const head = stream.process(input);
    const tail = stream.end();
    if (tail.length === 0) return head;
    const out = new Float32Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  }

  /**
   * A streaming conversion for audio that arrives in pieces: each `process()` returns what its
   * piece yields (no start-up delay), `end()` flushes the filter's tail. The total comes to
   * `round(samplesIn * outRate / inRate)`, as {@link resample} gives for the whole.
   */
  stream(inRate: number, outRate: number): ResamplerStream {
    const { lib } = this;
    if (inRate === outRate) {
      return { process: (input) => input, end: () => new Float32Array(0) };
    }
    const errPtr = lib.malloc(4);
    const state = lib.call('_speex_resampler_init', 1, inRate, outRate, this.options.quality, errPtr);
    lib.free(errPtr);
    if (state === 0) throw new Error(`Speex resampler could not convert ${inRate} Hz to ${outRate} Hz`);
    lib.call('_speex_resampler_skip_zeros', state);
    const latency = lib.call('_speex_resampler_get_input_latency', state);
    let samplesIn = 0;
    let samplesOut = 0;
    let open = true;
    const run = (input: Float32Array, limit: number): Float32Array => {
      const capacity = Math.ceil((input.length * outRate) / inRate) + 64;
      const inPtr = lib.malloc(Math.max(1, input.length) * 4);
      const outPtr = lib.malloc(capacity * 4);
      const lenPtr = lib.malloc(8);
      try {
        new Float32Array(lib.memory.buffer, inPtr, input.length).set(input);
        const lens = new Uint32Array(lib.memory.buffer, lenPtr, 2);
        lens[0] = input.length;
        lens[1] = capacity;
        lib.call('_speex_resampler_process_float', state, 0, inPtr, lenPtr, outPtr, lenPtr + 4);
        const produced = Math.min(new Uint32Array(lib.memory.buffer, lenPtr, 2)[1] as number, limit);
        samplesOut += produced;
        return new Float32Array(lib.memory.buffer, outPtr, produced).slice();
      } finally {
        lib.free(inPtr);
        lib.free(outPtr);
        lib.free(lenPtr);
      }
    };
    const total = (): number => Math.round((samplesIn * outRate) / inRate);
    return {
      process(input) {
        if (!open) throw new Error('resampler stream has ended');
        samplesIn += input.length;
        return input.length === 0 ? input : run(input, total() - samplesOut);
      },
      end() {
        if (!open) return new Float32Array(0);
        open = false;
        try {
          return run(new Float32Array(latency + 16), Math.max(0, total() - samplesOut));
        } finally {
          lib.call('_speex_resampler_destroy', state);
        }
      },
    };
  }
}

/** A streaming sample-rate conversion (see {@link Resampler.stream}). */
export interface ResamplerStream {
  process(input: Float32Array): Float32Array;
  /** Flushes the tail and frees the converter. */
  end(): Float32Array;
}
