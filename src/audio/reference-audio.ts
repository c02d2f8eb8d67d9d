/**
 * Reference audio for voice cloning: any WAV, MP3, FLAC or Ogg (Vorbis/Opus) at any rate and
 * channel count is decoded (audio-decode: pure JS/WASM decoders, no ffmpeg needed), mixed down to
 * mono, resampled to the cloning model's rate and trimmed to a useful length. Input that is not
 * audio, is truncated, silent, too short or too long is refused with a 400 that says what to send.
 *
 * Work and memory are bounded by what the model needs, not by what the file holds: the duration
 * its headers declare is checked before a sample is decoded (see audio-probe.ts), and decoding
 * goes in small pieces and stops once `keepSeconds` are had — an hour of silence compressed into
 * half a megabyte of FLAC costs no more than 20 s of it. The server runs this in its encoder
 * workers, never on the main thread.
 */
import decode from 'audio-decode';
import { TtsError } from '../errors.js';
import { declaredSeconds, type ReferenceFormat, referenceFormat } from './audio-probe.js';
import { Resampler } from './resampler.js';

/** Limits of {@link prepareReference}. */
export interface ReferenceLimits {
  /** Shortest usable reference, in seconds. Default 1. */
  minSeconds: number;
  /** References longer than this (by their header, or as decoded) are refused, in seconds. Default 300. */
  maxSeconds: number;
  /** Longer references are cut to this (the model needs no more), in seconds. Default 20. */
  keepSeconds: number;
}

export const DEFAULT_REFERENCE_LIMITS: ReferenceLimits = { minSeconds: 1, maxSeconds: 300, keepSeconds: 20 };

/** RMS below which a reference counts as silence (about −50 dBFS). */
const SILENCE_RMS = 0.003;
/**
 * Encoded bytes handed to the decoder at a time. Small, because compressed silence expands
 * enormously: 4 KiB of FLAC frames of silence hold minutes of samples.
 */
const PIECE_BYTES = 4096;

/** Decoded, mono, resampled reference audio. */
export interface ReferenceAudio {
  samples: Float32Array;
  sampleRate: number;
  /** Length of the original in seconds, as declared by its header or decoded (at least `keepSeconds` when cut). */
  originalSeconds: number;
}

interface Decoded {
  channels: Float32Array[];
  rate: number;
  /** Samples per channel decoded before decoding stopped. */
  decoded: number;
}

/** Decodes piece by piece, keeping at most `keepSeconds` per channel and stopping once it has them. */
async function decodeFirst(bytes: Uint8Array, type: ReferenceFormat, keepSeconds: number, maxSeconds: number): Promise<Decoded> {
  const factory = decode[type] as unknown as () => Promise<{
    (chunk?: Uint8Array): Promise<{ channelData: Float32Array[]; sampleRate: number }>;
    free(): void;
  }>;
  const decoder = await factory();
  const kept: Float32Array[][] = [];
  let rate = 0;
  let decoded = 0;
  let keep = Number.POSITIVE_INFINITY;
  const take = (result: { channelData: Float32Array[]; sampleRate: number }): void => {
    const first = result.channelData[0];
    if (!first || first.length === 0) return;
    if (rate === 0) {
      rate = result.sampleRate;
      keep = Math.round(keepSeconds * rate);
    }
    const room = Math.max(0, keep - decoded);
    if (room > 0) {
      result.channelData.forEach((channel, c) => {
        const parts = kept[c] ?? [];
        parts.push(channel.slice(0, room));
        kept[c] = parts;
      });
    }
    decoded += first.length;
  };
  try {
    for (let offset = 0; offset < bytes.length && decoded < keep; offset += PIECE_BYTES) {
      take(await decoder(bytes.subarray(offset, offset + PIECE_BYTES)));
      if (rate > 0 && decoded > maxSeconds * rate) break;
    }
    // The end of the input: what the decoder still holds (this also frees it).
    if (decoded < keep) take(await decoder());
  } finally {
    decoder.free();
  }
  const channels = kept.map((parts) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  });
  return { channels, rate, decoded };
}

/** Decodes `bytes` into mono PCM at `rate`, checked and trimmed. `field` names the request field for errors. */
export async function prepareReference(
  bytes: Uint8Array,
  rate: number,
  field: string,
  limits: Partial<ReferenceLimits> = {},
): Promise<ReferenceAudio> {
  const { minSeconds, maxSeconds, keepSeconds } = { ...DEFAULT_REFERENCE_LIMITS, ...limits };
  const tooLong = (seconds: number): TtsError =>
    new TtsError(
      'invalid_request',
      `"${field}" is ${Math.round(seconds)} s long; send at most ${maxSeconds} s (5–20 s works best).`,
      {
        param: field,
      },
    );
  const unreadable = (why: string): TtsError =>
    new TtsError('invalid_request', `"${field}" could not be read as audio (${why}); send WAV, MP3, FLAC or Ogg.`, {
      param: field,
    });
  const type = referenceFormat(bytes);
  if (!type) throw unreadable('it is not WAV, MP3, FLAC or Ogg');
  const declared = declaredSeconds(bytes);
  if (declared !== undefined && declared > maxSeconds) throw tooLong(declared);
  let result: Decoded;
  try {
    result = await decodeFirst(bytes, type, keepSeconds, maxSeconds);
  } catch (error) {
    throw unreadable(error instanceof Error ? error.message : String(error));
  }
  const channels = result.channels.filter((c) => c.length > 0);
  const length = channels[0]?.length ?? 0;
  if (channels.length === 0 || length === 0 || !(result.rate > 0)) {
    throw new TtsError('invalid_request', `"${field}" holds no audio samples (empty or truncated file).`, { param: field });
  }
  const decodedSeconds = result.decoded / result.rate;
  if (decodedSeconds > maxSeconds) throw tooLong(decodedSeconds);
  const originalSeconds = declared ?? decodedSeconds;
  if (decodedSeconds < minSeconds) {
    throw new TtsError(
      'invalid_request',
      `"${field}" is ${decodedSeconds.toFixed(2)} s long; a reference needs at least ${minSeconds} s of speech (5–20 s works best).`,
      { param: field },
    );
  }
  const keep = Math.min(length, Math.round(keepSeconds * result.rate));
  const mono = new Float32Array(keep);
  for (const channel of channels)
    for (let i = 0; i < keep; i++) mono[i] = (mono[i] as number) + (channel[i] ?? 0) / channels.length;
  let energy = 0;
  for (const s of mono) energy += s * s;
  if (Math.sqrt(energy / keep) < SILENCE_RMS) {
    throw new TtsError('invalid_request', `"${field}" is silent; send a recording of the voice speaking.`, { param: field });
  }
  const resampler = await Resampler.create();
  return { samples: resampler.resample(mono, result.rate, rate), sampleRate: rate, originalSeconds };
}
