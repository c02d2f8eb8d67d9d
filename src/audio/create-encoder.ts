/** Picks and builds the encoder for an output: a file format, or the frames of a realtime format. */
import { createAacEncoder } from './aac-encoder.js';
import { createFrameEncoder, type FrameFormat } from './audio-framer.js';
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { createFlacEncoder, loadFlac } from './flac-encoder.js';
import type { AudioFormat } from './formats.js';
import { createMp3Encoder } from './mp3-encoder.js';
import { createOggOpusEncoder, OPUS_RATE } from './opus-encoder.js';
import { concatBytes } from './pcm.js';
import { createPcmEncoder } from './pcm-encoder.js';

/** What an encoder makes: a file (or stream) of an output format, or a realtime segment's frames. */
export type EncoderTarget = { kind: 'file'; format: AudioFormat } | { kind: 'frames'; format: FrameFormat };

/** Makes an encoder for a target: {@link createEncoder} in this thread, or one in an encoder pool. */
export type EncoderFactory = (target: EncoderTarget, options: EncoderOptions) => Promise<AudioEncoder>;

/**
 * The PCM rate an encoder for `format` must be fed when the client asked for `requestedRate`:
 * Opus always encodes at 48 kHz (the asked rate is recorded as the original rate); every other
 * format encodes at the asked rate.
 */
export function encoderInputRate(format: AudioFormat, requestedRate: number): number {
  return format === 'opus' ? OPUS_RATE : requestedRate;
}

/**
 * Creates an encoder for a file `format`. `options.sampleRate` must be {@link encoderInputRate}
 * of the format.
 */
export async function createAudioEncoder(format: AudioFormat, options: EncoderOptions): Promise<AudioEncoder> {
  switch (format) {
    case 'pcm':
      return createPcmEncoder(options);
    case 'wav':
      return createPcmEncoder({ ...options, wav: true });
    case 'mp3':
      return createMp3Encoder(options);
    case 'opus':
      return createOggOpusEncoder(options);
    case 'flac':
      return createFlacEncoder(await loadFlac(), options);
    case 'aac':
      return createAacEncoder(options);
  }
}

/** Creates an encoder for `target` in this thread. Frames take mono PCM at the format's rate. */
export async function createEncoder(target: EncoderTarget, options: EncoderOptions): Promise<AudioEncoder> {
  if (target.kind === 'file') return createAudioEncoder(target.format, options);
  if (options.sampleRate !== target.format.sample_rate || options.channels !== 1) {
    throw new TypeError(`A frame encoder takes mono PCM at ${target.format.sample_rate} Hz.`);
  }
  return createFrameEncoder(target.format, options.onData, options.opus);
}

/** Options of {@link encodeAudio}. */
export interface EncodeAudioOptions {
  format: AudioFormat;
  /** Rate of the PCM, in Hz. */
  sampleRate: number;
  /** Interleaved channels of the PCM. Default 1. */
  channels?: number;
  /** The rate the listener asked for (see {@link EncoderOptions.requestedRate}). Default `sampleRate`. */
  requestedRate?: number;
  /** Where the encoder runs. Default {@link createEncoder}: this thread. */
  create?: EncoderFactory;
}

/** Encodes a whole buffer to a complete file. */
export async function encodeAudio(pcm: Float32Array, options: EncodeAudioOptions): Promise<Uint8Array> {
  const { format, sampleRate, channels = 1, requestedRate = sampleRate, create = createEncoder } = options;
  const parts: Uint8Array[] = [];
  const encoder = await create(
    { kind: 'file', format },
    { sampleRate, channels, requestedRate, totalFrames: pcm.length / channels, onData: (b) => parts.push(b) },
  );
  encoder.write(pcm);
  await encoder.end();
  return concatBytes(parts);
}
