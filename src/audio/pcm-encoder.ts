/** Raw 16-bit little-endian PCM and WAV output. */
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { floatToInt16, int16ToBytes } from './pcm.js';
import { wavHeader } from './wav-encoder.js';

/** Options of {@link createPcmEncoder}. */
export interface PcmEncoderOptions extends EncoderOptions {
  /** Start with a WAVE header (a .wav file). Default `false`: raw samples. */
  wav?: boolean;
}

/** Encodes to raw s16le PCM, or to WAV with `options.wav`. */
export function createPcmEncoder(options: PcmEncoderOptions): AudioEncoder {
  let headerSent = options.wav !== true;
  return {
    write(pcm) {
      if (!headerSent) {
        const dataBytes = options.totalFrames === undefined ? undefined : options.totalFrames * options.channels * 2;
        options.onData(wavHeader(options.sampleRate, options.channels, dataBytes));
        headerSent = true;
      }
      if (pcm.length > 0) options.onData(int16ToBytes(floatToInt16(pcm)));
    },
    async end() {
      if (!headerSent) this.write(new Float32Array(0));
    },
    destroy() {},
  };
}
