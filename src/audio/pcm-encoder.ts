/** Raw 16-bit little-endian PCM and WAV output. */
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { floatToInt16, int16ToBytes } from './pcm.js';
import { wavHeader } from './wav-encoder.js';

/** Encodes to raw s16le PCM, or to WAV when `wav` is true. */
export function createPcmEncoder(options: EncoderOptions, wav: boolean): AudioEncoder {
  let headerSent = !wav;
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
