/**
 * Cuts PCM into the audio frames of a realtime format: Opus, one 20 ms packet each (what
 * @discordjs/voice and WebRTC stacks consume as-is), or PCM / µ-law in `frame_ms` chunks.
 * A realtime segment is framed by one framer (a fresh Opus encoder per segment).
 */
import { createRequire } from 'node:module';
import type { AudioEncoder } from './encoder.js';
import { createOpusPacketEncoder, OPUS_FRAME_SAMPLES, OPUS_PRE_SKIP, type OpusOptions } from './opus-encoder.js';
import { floatToInt16 } from './pcm.js';

const require = createRequire(import.meta.url);
const { mulaw } = require('alawmulaw') as { mulaw: { encode(samples: Int16Array): Uint8Array } };

/** A realtime audio format (structurally the protocol's resolved `format`). */
export interface FrameFormat {
  encoding: 'opus' | 'pcm_s16le' | 'mulaw';
  /** Opus: 48000. */
  sample_rate: number;
  channels: 1 | 2;
  /** Opus: 20. */
  frame_ms: number;
}

/** One audio message's payload and how many samples (per channel) it holds. */
export interface AudioFrame {
  data: Uint8Array;
  samples: number;
}

/** Interleaves mono samples into `channels` identical channels. */
function spread(mono: Int16Array, channels: number): Int16Array {
  if (channels === 1) return mono;
  const out = new Int16Array(mono.length * channels);
  for (let i = 0; i < mono.length; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = mono[i] as number;
  return out;
}

/** Frames mono PCM (at the format's rate) in a realtime format. */
export class AudioFramer {
  readonly frameSamples: number;
  #pending = new Int16Array(0);
  readonly #encode: (frame: Int16Array) => Uint8Array;

  /** `opus` sets how Opus is encoded (default `DEFAULT_OPUS_OPTIONS`); other encodings ignore it. */
  constructor(
    private readonly format: FrameFormat,
    opus: Partial<OpusOptions> = {},
  ) {
    const { encoding, channels } = format;
    if (encoding === 'opus') {
      this.frameSamples = OPUS_FRAME_SAMPLES;
      const encoder = createOpusPacketEncoder(channels, opus);
      this.#encode = (frame) => {
        const packet = encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        return new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
      };
    } else {
      this.frameSamples = Math.round((format.sample_rate * format.frame_ms) / 1000);
      this.#encode =
        encoding === 'mulaw'
          ? (frame) => mulaw.encode(frame)
          : (frame) => new Uint8Array(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength));
    }
  }

  /**
   * Adds mono PCM at the format's rate; yields the frames it completes, encoding each only when
   * asked for, so the first can leave before the rest are encoded.
   */
  *push(pcm: Float32Array): Generator<AudioFrame> {
    const joined = new Int16Array(this.#pending.length + pcm.length);
    joined.set(this.#pending);
    joined.set(floatToInt16(pcm), this.#pending.length);
    const whole = joined.length - (joined.length % this.frameSamples);
    this.#pending = joined.slice(whole);
    for (let offset = 0; offset < whole; offset += this.frameSamples) {
      yield this.#frame(joined.subarray(offset, offset + this.frameSamples));
    }
  }

  /**
   * Ends a segment: returns what is left. PCM gives its shorter last chunk; Opus pads with silence
   * to whole packets that also carry the encoder's 6.5 ms look-ahead, so the segment's last sound is
   * decoded before the next segment (or the end of the stream).
   */
  endSegment(): AudioFrame[] {
    const pending = this.#pending;
    this.#pending = new Int16Array(0);
    if (this.format.encoding !== 'opus') return pending.length > 0 ? [this.#frame(pending)] : [];
    const total = Math.ceil((pending.length + OPUS_PRE_SKIP) / this.frameSamples) * this.frameSamples;
    const padded = new Int16Array(total);
    padded.set(pending);
    const frames: AudioFrame[] = [];
    for (let offset = 0; offset < total; offset += this.frameSamples) {
      frames.push(this.#frame(padded.subarray(offset, offset + this.frameSamples)));
    }
    return frames;
  }

  #frame(mono: Int16Array): AudioFrame {
    return { data: this.#encode(spread(mono, this.format.channels)), samples: mono.length };
  }
}

/**
 * One segment's framer as an {@link AudioEncoder}: `write` takes mono PCM at the format's rate,
 * `end` is the segment's end; every frame goes to `onData` on its own. `opus` as in {@link AudioFramer}.
 */
export function createFrameEncoder(
  format: FrameFormat,
  onData: (frame: Uint8Array) => void,
  opus: Partial<OpusOptions> = {},
): AudioEncoder {
  const framer = new AudioFramer(format, opus);
  let destroyed = false;
  return {
    write(pcm) {
      for (const frame of framer.push(pcm)) {
        if (destroyed) return;
        onData(frame.data);
      }
    },
    async end() {
      if (!destroyed) for (const frame of framer.endSegment()) onData(frame.data);
    },
    destroy() {
      destroyed = true;
    },
  };
}

/** Samples per channel an encoded frame of `format` holds, from its size. */
export function frameSamples(format: FrameFormat, bytes: number): number {
  switch (format.encoding) {
    case 'opus':
      return OPUS_FRAME_SAMPLES;
    case 'pcm_s16le':
      return bytes / 2 / format.channels;
    case 'mulaw':
      return bytes / format.channels;
  }
}
