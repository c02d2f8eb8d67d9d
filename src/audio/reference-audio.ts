/**
 * Reference audio for voice cloning: any WAV, MP3, FLAC or Ogg (Vorbis/Opus) at any rate and
 * channel count is decoded (audio-decode: pure JS/WASM decoders, no ffmpeg needed), mixed down to
 * mono, resampled to the cloning model's rate and trimmed to a useful length. Input that is not
 * audio, is truncated, silent, too short or too long is refused with a 400 that says what to send.
 */
import decode from 'audio-decode';
import { TtsError } from '../errors.js';
import { Resampler } from './resampler.js';

/** Limits of {@link prepareReference}. */
export interface ReferenceLimits {
  /** Shortest usable reference, in seconds. Default 1. */
  minSeconds: number;
  /** References longer than this are refused, in seconds. Default 300. */
  maxSeconds: number;
  /** Longer references are cut to this (the model needs no more), in seconds. Default 20. */
  keepSeconds: number;
}

export const DEFAULT_REFERENCE_LIMITS: ReferenceLimits = { minSeconds: 1, maxSeconds: 300, keepSeconds: 20 };

/** RMS below which a reference counts as silence (about −50 dBFS). */
const SILENCE_RMS = 0.003;

/** Decoded, mono, resampled reference audio. */
export interface ReferenceAudio {
  samples: Float32Array;
  sampleRate: number;
  /** Length of the original, in seconds (before trimming). */
  originalSeconds: number;
}

/** Decodes `bytes` into mono PCM at `rate`, checked and trimmed. `field` names the request field for errors. */
export async function prepareReference(
  bytes: Uint8Array,
  rate: number,
  field: string,
  limits: Partial<ReferenceLimits> = {},
): Promise<ReferenceAudio> {
  const { minSeconds, maxSeconds, keepSeconds } = { ...DEFAULT_REFERENCE_LIMITS, ...limits };
  let decoded: { channelData: Float32Array[]; sampleRate: number };
  try {
    decoded = (await decode(bytes)) as unknown as { channelData: Float32Array[]; sampleRate: number };
  } catch (error) {
    throw new TtsError(
      'invalid_request',
      `"${field}" could not be read as audio (${error instanceof Error ? error.message : String(error)}); send WAV, MP3, FLAC or Ogg.`,
      { param: field },
    );
  }
  const channels = decoded.channelData.filter((c) => c.length > 0);
  const length = channels[0]?.length ?? 0;
  const originalSeconds = decoded.sampleRate > 0 ? length / decoded.sampleRate : 0;
  if (channels.length === 0 || length === 0 || !(decoded.sampleRate > 0)) {
    throw new TtsError('invalid_request', `"${field}" holds no audio samples (empty or truncated file).`, { param: field });
  }
  if (originalSeconds < minSeconds) {
    throw new TtsError(
      'invalid_request',
      `"${field}" is ${originalSeconds.toFixed(2)} s long; a reference needs at least ${minSeconds} s of speech (5–20 s works best).`,
      { param: field },
    );
  }
  if (originalSeconds > maxSeconds) {
    throw new TtsError(
      'invalid_request',
      `"${field}" is ${Math.round(originalSeconds)} s long; send at most ${maxSeconds} s (5–20 s works best).`,
      { param: field },
    );
  }
  const keep = Math.min(length, Math.round(keepSeconds * decoded.sampleRate));
  const mono = new Float32Array(keep);
  for (const channel of channels)
    for (let i = 0; i < keep; i++) mono[i] = (mono[i] as number) + (channel[i] ?? 0) / channels.length;
  let energy = 0;
  for (const s of mono) energy += s * s;
  if (Math.sqrt(energy / keep) < SILENCE_RMS) {
    throw new TtsError('invalid_request', `"${field}" is silent; send a recording of the voice speaking.`, { param: field });
  }
  const resampler = await Resampler.create();
  return { samples: resampler.resample(mono, decoded.sampleRate, rate), sampleRate: rate, originalSeconds };
}
