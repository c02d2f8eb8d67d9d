/** Picks and builds the encoder for an output format. */
import { createAacEncoder } from './aac-encoder.js';
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { createFlacEncoder, loadFlac } from './flac-encoder.js';
import type { AudioFormat } from './formats.js';
import { createMp3Encoder } from './mp3-encoder.js';
import { createOggOpusEncoder, OPUS_RATE } from './opus-encoder.js';
import { concatBytes } from './pcm.js';
import { createPcmEncoder } from './pcm-encoder.js';

/**
 * The PCM rate an encoder for `format` must be fed when the client asked for `requestedRate`:
 * Opus always encodes at 48 kHz (the asked rate is recorded as the original rate); every other
 * format encodes at the asked rate.
 */
export function encoderInputRate(format: AudioFormat, requestedRate: number): number {
  return format === 'opus' ? OPUS_RATE : requestedRate;
}

/**
 * Creates an encoder for `format`. `options.sampleRate` must be {@link encoderInputRate} of the
 * format; `requestedRate` is what the client asked (used for Opus's header).
 */
export async function createAudioEncoder(
  format: AudioFormat,
  options: EncoderOptions,
  requestedRate = options.sampleRate,
): Promise<AudioEncoder> {
  switch (format) {
    case 'pcm':
      return createPcmEncoder(options, false);
    case 'wav':
      return createPcmEncoder(options, true);
    case 'mp3':
      return createMp3Encoder(options);
    case 'opus':
      return createOggOpusEncoder({ ...options, inputRate: requestedRate });
    case 'flac':
      return createFlacEncoder(await loadFlac(), options);
    case 'aac':
      return createAacEncoder(options);
  }
}

/** Makes an encoder: {@link createAudioEncoder} here, or one in the encoder worker pool. */
export type EncoderFactory = (format: AudioFormat, options: EncoderOptions, requestedRate: number) => Promise<AudioEncoder>;

/** Encodes a whole buffer to a complete file of `format` (with `create`'s encoders). */
export async function encodeAudio(
  format: AudioFormat,
  pcm: Float32Array,
  sampleRate: number,
  channels = 1,
  requestedRate = sampleRate,
  create: EncoderFactory = createAudioEncoder,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const encoder = await create(
    format,
    { sampleRate, channels, totalFrames: pcm.length / channels, onData: (b) => parts.push(b) },
    requestedRate,
  );
  encoder.write(pcm);
  await encoder.end();
  return concatBytes(parts);
}
