/** FLAC output with libFLAC (libflacjs: the reference encoder compiled to WASM). */
import { createRequire } from 'node:module';
import type { AudioEncoder, EncoderOptions } from './encoder.js';

const require = createRequire(import.meta.url);

/** The part of libflacjs this module uses. */
interface LibFlac {
  isReady(): boolean;
  on(event: 'ready', listener: () => void): void;
  create_libflac_encoder(
    rate: number,
    channels: number,
    bps: number,
    level: number,
    totalSamples?: number,
    verify?: boolean,
    blockSize?: number,
  ): number;
  init_encoder_stream(encoder: number, write: (data: Uint8Array, bytes: number) => void): number;
  FLAC__stream_encoder_process_interleaved(encoder: number, buffer: Int32Array, samples: number): boolean;
  FLAC__stream_encoder_finish(encoder: number): boolean;
  FLAC__stream_encoder_delete(encoder: number): void;
}

let flacPromise: Promise<LibFlac> | undefined;

/** Loads libFLAC (once per thread). */
export function loadFlac(): Promise<LibFlac> {
  flacPromise ??= new Promise((resolve) => {
    // libflacjs's Emscripten glue fetch()es its .wasm when fetch exists, which fails for a file
    // path in Node; without fetch it reads the file. The glue decides synchronously inside require.
    const savedFetch = globalThis.fetch;
    Reflect.deleteProperty(globalThis, 'fetch');
    let flac: LibFlac;
    try {
      flac = (require('libflacjs') as (variant: string) => LibFlac)('wasm');
    } finally {
      globalThis.fetch = savedFetch;
    }
    if (flac.isReady()) resolve(flac);
    else flac.on('ready', () => resolve(flac));
  });
  return flacPromise;
}

/** FLAC compression level: 5 is libFLAC's default balance of size and speed. */
const COMPRESSION_LEVEL = 5;

/**
 * FLAC encoder (16-bit). Whole files carry the exact sample count in STREAMINFO; streams carry 0
 * ("unknown"), which every decoder accepts. Call after {@link loadFlac} resolved.
 */
export function createFlacEncoder(flac: LibFlac, options: EncoderOptions): AudioEncoder {
  const { sampleRate, channels, onData } = options;
  const encoder = flac.create_libflac_encoder(sampleRate, channels, 16, COMPRESSION_LEVEL, options.totalFrames ?? 0, false, 0);
  if (encoder === 0) throw new Error(`libFLAC cannot encode ${channels} channel(s) at ${sampleRate} Hz`);
  const status = flac.init_encoder_stream(encoder, (data, bytes) => onData(data.slice(0, bytes)));
  if (status !== 0) throw new Error(`libFLAC encoder failed to start (status ${status})`);
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    flac.FLAC__stream_encoder_delete(encoder);
  };
  return {
    write(pcm) {
      if (pcm.length === 0) return;
      const ints = new Int32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) {
        const s = Math.max(-1, Math.min(1, pcm[i] as number));
        ints[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
      }
      if (!flac.FLAC__stream_encoder_process_interleaved(encoder, ints, pcm.length / channels)) {
        throw new Error('libFLAC failed to encode a block');
      }
    },
    async end() {
      flac.FLAC__stream_encoder_finish(encoder);
      close();
    },
    destroy: close,
  };
}
