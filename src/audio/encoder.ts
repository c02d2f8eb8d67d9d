/** The common shape of every output encoder. */
import type { OpusOptions } from './opus-encoder.js';

/** Options every encoder takes. */
export interface EncoderOptions {
  /** Rate of the PCM given to `write()`, in Hz. */
  sampleRate: number;
  /** Interleaved channels of the PCM given to `write()`. */
  channels: number;
  /**
   * Number of sample frames the whole output will hold, when known before encoding (a whole
   * file rather than a stream). Lets headers carry exact sizes and durations.
   */
  totalFrames?: number;
  /**
   * The rate the listener asked for, when the PCM comes at another (Ogg Opus encodes at 48 kHz
   * and records this one in its header). Default `sampleRate`.
   */
  requestedRate?: number;
  /** How Opus is encoded (Ogg Opus files and realtime Opus frames). Default `DEFAULT_OPUS_OPTIONS`. */
  opus?: Partial<OpusOptions>;
  /** Receives encoded bytes as they are ready, in order. */
  onData: (bytes: Uint8Array) => void;
}

/** A push encoder: PCM in by `write()`, bytes out through `onData`. */
export interface AudioEncoder {
  /**
   * Encodes interleaved float PCM at the encoder's rate. With `owned`, the caller gives `pcm` up
   * (an encoder in another thread takes its buffer instead of a copy); otherwise it stays the caller's.
   */
  write(pcm: Float32Array, owned?: boolean): void;
  /** Flushes everything; resolves once the last bytes went to `onData`. */
  end(): Promise<void>;
  /** Stops at once and frees resources; no more output. */
  destroy(): void;
}

/** A format cannot be produced on this machine (a missing codec binary, say). */
export class EncoderUnavailableError extends Error {
  override readonly name = 'EncoderUnavailableError';
}
