/**
 * MP3 output with LAME 3.100 compiled to WebAssembly (lame-wasm.ts: the reference encoder, within
 * ~1.3× of the native `lame` program's CPU), plus the LAME "Info" tag LAME itself writes: it tells
 * decoders the encoder delay and end padding, so ffmpeg, browsers and players skip them and the
 * file lasts exactly as long as the speech (without it, MP3 adds 50–80 ms of silence). The wasm
 * build writes no tag of its own, so ours is the only one.
 */
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { createLameEncoder } from './lame-wasm.js';
import { concatBytes } from './pcm.js';

/** Delay LAME adds before the first input sample (the decoder adds 529 more, and knows it). */
const ENCODER_DELAY = 576;
/** Delay of the standard MP3 decoder's synthesis filter bank. */
const DECODER_DELAY = 529;

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface FrameHeader {
  /** 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5. */
  version: number;
  sampleRate: number;
  bitrateKbps: number;
  mono: boolean;
  length: number;
  samplesPerFrame: number;
}

function parseHeader(bytes: Uint8Array, offset: number): FrameHeader | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1] as number;
  const b2 = bytes[offset + 2] as number;
  const b3 = bytes[offset + 3] as number;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  const sampleRate = RATES[version]?.[rateIndex];
  if (sampleRate === undefined || bitrateIndex === 0 || bitrateIndex === 15) return undefined;
  const bitrateKbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex] as number;
  const padding = (b2 >> 1) & 1;
  const samplesPerFrame = version === 3 ? 1152 : 576;
  const length = Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  return { version, sampleRate, bitrateKbps, mono: b3 >> 6 === 3, length, samplesPerFrame };
}

/** Counts whole MPEG audio frames in `bytes`. */
export function countMp3Frames(bytes: Uint8Array): number {
  let frames = 0;
  let offset = 0;
  for (;;) {
    const header = parseHeader(bytes, offset);
    if (!header) return frames;
    frames++;
    offset += header.length;
  }
}

/** CRC-16/ARC, the checksum of the LAME tag. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc & 0xffff;
}

interface InfoTagTotals {
  frames: number;
  bytes: number;
  padding: number;
}

/**
 * Builds a LAME "Info" frame shaped like the audio frame whose header starts `firstFrame`.
 * With `totals` (a whole file) it carries frame and byte counts, a TOC and the end padding; without
 * (a stream) only the encoder delay, which is all a decoder needs to start in the right place.
 */
function infoFrame(firstFrame: Uint8Array, totals?: InfoTagTotals): Uint8Array {
  const header = parseHeader(firstFrame, 0);
  if (!header) throw new Error('LAME produced no MPEG frame header');
  const frame = new Uint8Array(Math.floor(((header.samplesPerFrame / 8) * header.bitrateKbps * 1000) / header.sampleRate));
  frame.set(firstFrame.subarray(0, 4));
  frame[1] = (frame[1] as number) | 0x01; // no CRC
  frame[2] = (frame[2] as number) & ~0x02; // no padding slot
  const view = new DataView(frame.buffer);
  const sideInfo = header.version === 3 ? (header.mono ? 17 : 32) : header.mono ? 9 : 17;
  let p = 4 + sideInfo;
  frame.set(new TextEncoder().encode('Info'), p);
  p += 4;
  view.setUint32(p, totals ? 0x7 : 0, false); // frames | bytes | TOC
  p += 4;
  if (totals) {
    view.setUint32(p, totals.frames, false);
    view.setUint32(p + 4, totals.bytes, false);
    p += 8;
    for (let i = 0; i < 100; i++) frame[p + i] = Math.min(255, Math.floor((i * 256) / 100));
    p += 100;
  }
  frame.set(new TextEncoder().encode('LAME3.100'), p);
  p += 9;
  frame[p++] = 0x01; // tag revision 0, CBR
  frame[p++] = 0; // lowpass unknown
  p += 4 + 2 + 2; // peak, radio and audiophile gain: unset
  frame[p++] = 0; // flags, ATH
  frame[p++] = Math.min(255, header.bitrateKbps);
  const padding = Math.max(0, Math.min(4095, totals?.padding ?? 0));
  // Without a frame count, decoders (ffmpeg among them) play the tag frame itself as one frame of
  // silence; the delay then counts that frame too, so the first sample still lands at zero.
  const delay = totals ? ENCODER_DELAY : ENCODER_DELAY + header.samplesPerFrame;
  frame[p++] = delay >> 4;
  frame[p++] = ((delay & 0xf) << 4) | (padding >> 8);
  frame[p++] = padding & 0xff;
  p += 1 + 1 + 2; // misc, mp3 gain, preset
  view.setUint32(p, totals ? totals.bytes : 0, false);
  p += 4;
  p += 2; // music CRC: unset
  view.setUint16(p, crc16(frame.subarray(0, p)), false);
  return frame;
}

/** Bitrate used for a rate and channel count: enough for clear speech, small for streaming. */
function bitrateFor(sampleRate: number, channels: number): 32 | 64 | 128 {
  if (sampleRate < 16000) return 32;
  return channels === 1 ? 64 : 128;
}

/**
 * MP3 encoder. Whole files (with `totalFrames`) are emitted at `end()`, Info tag first, exact to the
 * sample. Streams emit frames as they are made after an Info tag with the encoder delay; their end
 * is aligned to a frame so at most half a frame of trailing silence is dropped or added.
 */
export async function createMp3Encoder(options: EncoderOptions): Promise<AudioEncoder> {
  const { sampleRate, channels, onData } = options;
  if (channels !== 1 && channels !== 2) throw new TypeError(`MP3 takes 1 or 2 channels, not ${channels}.`);
  const whole = options.totalFrames !== undefined;
  const lame = await createLameEncoder(sampleRate, channels, bitrateFor(sampleRate, channels));
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    lame.close();
  };
  const samplesPerFrame = sampleRate >= 32000 ? 1152 : 576;
  const chunks: Uint8Array[] = [];
  let framesOut = 0;
  let infoSent = false;
  let framesIn = 0;
  let held = new Float32Array(0);

  // Streams are passed on in whole frames, so the end can drop the frames no decoder needs.
  let carry = new Uint8Array(0);
  let frameLimit = Number.POSITIVE_INFINITY;
  /** Takes LAME's output, which lives in LAME's memory until its next call: every path copies it. */
  const output = (bytes: Uint8Array): void => {
    if (bytes.length === 0) return;
    if (whole) {
      chunks.push(bytes.slice());
      return;
    }
    const joined = new Uint8Array(carry.length + bytes.length);
    joined.set(carry);
    joined.set(bytes, carry.length);
    let offset = 0;
    for (;;) {
      const header = parseHeader(joined, offset);
      if (!header || offset + header.length > joined.length || framesOut >= frameLimit) break;
      offset += header.length;
      framesOut++;
    }
    carry = joined.slice(offset);
    if (offset === 0) return;
    if (!infoSent) {
      onData(infoFrame(joined));
      infoSent = true;
    }
    onData(joined.slice(0, offset));
  };
  /** The frames needed for the decoder (which skips delay + 529 samples) to reach the last sample. */
  const framesNeeded = (): number => Math.ceil((framesIn + ENCODER_DELAY + DECODER_DELAY) / samplesPerFrame);
  const encode = (pcm: Float32Array): void => {
    if (channels === 1) {
      output(lame.encode([pcm]));
      return;
    }
    const left = new Float32Array(pcm.length / 2);
    const right = new Float32Array(pcm.length / 2);
    for (let i = 0; i < left.length; i++) {
      left[i] = pcm[2 * i] as number;
      right[i] = pcm[2 * i + 1] as number;
    }
    output(lame.encode([left, right]));
  };

  return {
    write(pcm) {
      if (released) return;
      framesIn += pcm.length / channels;
      if (whole) {
        encode(pcm);
        return;
      }
      // Hold back the part of the last MP3 frame not yet filled; `end()` aligns it.
      const joined = new Float32Array(held.length + pcm.length);
      joined.set(held);
      joined.set(pcm, held.length);
      const keep = (joined.length / channels) % samplesPerFrame;
      const cut = joined.length - keep * channels;
      if (cut > 0) encode(joined.subarray(0, cut));
      held = joined.slice(cut);
    },
    async end() {
      if (released) return;
      if (!whole && held.length > 0) {
        const heldFrames = held.length / channels;
        // Round the stream to whole MP3 frames, whichever way is nearer.
        if (heldFrames >= samplesPerFrame / 2) {
          const padded = new Float32Array(samplesPerFrame * channels);
          padded.set(held);
          encode(padded);
          framesIn += samplesPerFrame - heldFrames;
        } else {
          framesIn -= heldFrames;
        }
        held = new Float32Array(0);
      }
      if (!whole) {
        // LAME's flush pads past the last sample; frames no decoder needs would only add silence.
        frameLimit = framesNeeded();
      }
      output(lame.flush());
      release();
      if (!whole) return;
      const body = concatBytes(chunks);
      if (body.length === 0) return;
      const frames = countMp3Frames(body);
      const first = parseHeader(body, 0) as FrameHeader;
      const infoLength = Math.floor(((first.samplesPerFrame / 8) * first.bitrateKbps * 1000) / first.sampleRate);
      onData(
        infoFrame(body, {
          frames,
          bytes: body.length + infoLength,
          padding: frames * first.samplesPerFrame - ENCODER_DELAY - framesIn,
        }),
      );
      onData(body);
    },
    destroy() {
      release();
    },
  };
}
