/**
 * Ogg Opus output (RFC 7845) with libopus through @discordjs/opus. The final page's granule
 * position is pre-skip + the true sample count, so decoders trim the padding of the last frame and
 * the file plays exactly as long as the speech — no lost final page, no added tail.
 */
import { createRequire } from 'node:module';
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { OggWriter } from './ogg-writer.js';
import { floatToInt16 } from './pcm.js';

const require = createRequire(import.meta.url);

/** Opus always runs at 48 kHz here; the encoder wants PCM at this rate. */
export const OPUS_RATE = 48000;
/** 20 ms frames: the packet size Discord and most VoIP stacks expect. */
export const OPUS_FRAME_SAMPLES = 960;
/** libopus look-ahead at 48 kHz (2.5 ms + 4 ms), written as the stream's pre-skip. */
export const OPUS_PRE_SKIP = 312;

/** libopus modes offered: `audio` (fidelity) and `voip` (speech intelligibility, SILK-based). */
export const OPUS_APPLICATIONS = ['audio', 'voip'] as const;

/** One of {@link OPUS_APPLICATIONS}. */
export type OpusApplication = (typeof OPUS_APPLICATIONS)[number];

/**
 * How libopus encodes: one setting for Ogg Opus files and realtime Opus frames alike. The
 * defaults were chosen by `bench/encoders.ts` (cost per audio second against PESQ on our speech).
 */
export interface OpusOptions {
  /**
   * libopus complexity, 0–10: CPU spent per frame for quality. Default 5: with `voip`, PESQ-WB
   * 4.49 (Flite) / 4.47 (Kokoro af_heart) at 48 kbps against 4.53 for `audio` at 10 (libopus 1.3.1's
   * default was 9), for 0.6× its CPU.
   */
  complexity: number;
  /**
   * libopus application. `restricted-lowdelay` is not offered: it changes the encoder look-ahead
   * that the pre-skip and segment ends are computed from. Default `voip`: on our speech it keeps
   * PESQ within 0.05 of `audio`'s best at about 0.6× the cost; `audio` below complexity 7 lost
   * 0.2–0.9 PESQ.
   */
  application: OpusApplication;
}

/** Defaults of {@link OpusOptions}. */
export const DEFAULT_OPUS_OPTIONS: Readonly<OpusOptions> = {
  complexity: 5,
  application: 'voip',
};

/** Checks Opus settings, throwing a `TypeError` that says what to change. */
export function checkOpusOptions(options: OpusOptions): OpusOptions {
  const { complexity, application } = options;
  if (!Number.isInteger(complexity) || complexity < 0 || complexity > 10) {
    throw new TypeError(`Opus complexity must be a whole number from 0 to 10, not ${complexity}.`);
  }
  if (!(OPUS_APPLICATIONS as readonly string[]).includes(application)) {
    throw new TypeError(`Opus application must be ${OPUS_APPLICATIONS.join(' or ')}, not "${application}".`);
  }
  return options;
}

// libopus CTL requests and values (opus_defines.h).
const OPUS_SET_APPLICATION_REQUEST = 4000;
const OPUS_SET_COMPLEXITY_REQUEST = 4010;
const APPLICATION_CODES: Readonly<Record<OpusApplication, number>> = { voip: 2048, audio: 2049 };

/** The part of @discordjs/opus this module uses. */
interface NativeOpusEncoder {
  encode(pcm: Buffer): Buffer;
  setBitrate(bitrate: number): void;
  applyEncoderCTL(request: number, value: number): void;
}
type NativeOpusEncoderConstructor = new (rate: number, channels: number) => NativeOpusEncoder;

/** Options of {@link createOpusPacketEncoder}: {@link OpusOptions} and the bitrate. */
export interface OpusPacketEncoderOptions extends OpusOptions {
  /** Bits per second. Default 48000 for mono, 64000 for stereo. */
  bitrate: number;
}

/** Creates a libopus encoder for 48 kHz `channels`-channel PCM (one 20 ms frame per call). */
export function createOpusPacketEncoder(channels: number, options: Partial<OpusPacketEncoderOptions> = {}): NativeOpusEncoder {
  const { bitrate = channels === 1 ? 48000 : 64000, ...rest } = options;
  const { complexity, application } = checkOpusOptions({ ...DEFAULT_OPUS_OPTIONS, ...rest });
  const { OpusEncoder } = require('@discordjs/opus') as { OpusEncoder: NativeOpusEncoderConstructor };
  const encoder = new OpusEncoder(OPUS_RATE, channels);
  // The application can only be set before the first frame.
  encoder.applyEncoderCTL(OPUS_SET_APPLICATION_REQUEST, APPLICATION_CODES[application]);
  encoder.applyEncoderCTL(OPUS_SET_COMPLEXITY_REQUEST, complexity);
  encoder.setBitrate(bitrate);
  return encoder;
}

function opusHead(channels: number, inputRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(new TextEncoder().encode('OpusHead'));
  head[8] = 1;
  head[9] = channels;
  view.setUint16(10, OPUS_PRE_SKIP, true);
  view.setUint32(12, inputRate, true);
  view.setInt16(16, 0, true);
  head[18] = 0;
  return head;
}

function opusTags(): Uint8Array {
  const vendor = new TextEncoder().encode('flash-tts (libopus)');
  const tags = new Uint8Array(8 + 4 + vendor.length + 4);
  const view = new DataView(tags.buffer);
  tags.set(new TextEncoder().encode('OpusTags'));
  view.setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  view.setUint32(12 + vendor.length, 0, true);
  return tags;
}

/**
 * Ogg Opus encoder. Input must be 48 kHz; `requestedRate` (default 48000) is only recorded in the
 * header as the original rate. Each `write()` ends with a page flush, so a stream's bytes leave
 * as soon as they are encoded.
 */
export function createOggOpusEncoder(options: EncoderOptions): AudioEncoder {
  const { channels, onData } = options;
  if (options.sampleRate !== OPUS_RATE) {
    throw new TypeError(`Ogg Opus input must be ${OPUS_RATE} Hz, not ${options.sampleRate} Hz.`);
  }
  const encoder = createOpusPacketEncoder(channels, options.opus);
  const ogg = new OggWriter((Math.random() * 0xffffffff) >>> 0);
  const frameLength = OPUS_FRAME_SAMPLES * channels;
  let pending = new Int16Array(0);
  let samplesIn = 0;
  let packets = 0;
  let headersSent = false;
  const emit = (pages: Uint8Array[]): void => {
    for (const p of pages) onData(p);
  };
  const sendHeaders = (): void => {
    if (headersSent) return;
    headersSent = true;
    emit(ogg.packetPage(opusHead(channels, options.requestedRate ?? OPUS_RATE), 0n));
    emit(ogg.packetPage(opusTags(), 0n));
  };
  const encodeFrames = (samples: Int16Array): void => {
    let offset = 0;
    for (; offset + frameLength <= samples.length; offset += frameLength) {
      const frame = samples.subarray(offset, offset + frameLength);
      const packet = encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
      packets++;
      emit(ogg.addPacket(packet, BigInt(packets * OPUS_FRAME_SAMPLES)));
    }
    pending = samples.slice(offset);
  };
  return {
    write(pcm) {
      sendHeaders();
      samplesIn += pcm.length / channels;
      const joined = new Int16Array(pending.length + pcm.length);
      joined.set(pending);
      joined.set(floatToInt16(pcm), pending.length);
      encodeFrames(joined);
      emit(ogg.pageOut());
    },
    async end() {
      sendHeaders();
      // Pad with silence until the encoder's look-ahead has passed the last real sample.
      const needed = Math.ceil((samplesIn + OPUS_PRE_SKIP) / OPUS_FRAME_SAMPLES);
      const missing = Math.max(0, needed - packets) * frameLength - pending.length;
      const tail = new Int16Array(pending.length + Math.max(0, missing));
      tail.set(pending);
      encodeFrames(tail);
      ogg.setGranule(BigInt(samplesIn + OPUS_PRE_SKIP));
      emit(ogg.pageOut(true));
    },
    destroy() {},
  };
}
