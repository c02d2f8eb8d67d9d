/**
 * How long an audio file says it is, read from its headers without decoding a sample: WAV (data
 * size ÷ byte rate), FLAC (STREAMINFO's total samples), Ogg Opus / Vorbis / FLAC (the last page's
 * granule position), MP3 (a Xing/Info/VBRI frame count, else the first frame's bitrate over the
 * file's size). Pure: bytes in, seconds out. Undefined when the file does not say (a streamed WAV,
 * a FLAC with an unknown total, an unknown container).
 */

const ascii = (bytes: Uint8Array, offset: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(offset, offset + length));

/** Seconds a RIFF/WAVE file declares, if it does. */
function wavSeconds(bytes: Uint8Array, view: DataView): number | undefined {
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ' && offset + 20 <= bytes.length) byteRate = view.getUint32(offset + 16, true);
    if (id === 'data') {
      if (!byteRate) return undefined;
      // A streamed file says 0 or 0xFFFFFFFF: then the data runs to the end of the file.
      const dataBytes = size === 0 || size === 0xffffffff ? bytes.length - offset - 8 : Math.min(size, bytes.length - offset - 8);
      return dataBytes / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Seconds in a FLAC STREAMINFO block starting at `offset` (after its 4-byte block header). */
function streamInfoSeconds(view: DataView, offset: number): number | undefined {
  if (offset + 18 > view.byteLength) return undefined;
  // Bytes 10–17: sample rate (20 bits), channels (3), bits per sample (5), total samples (36).
  const rate = (view.getUint8(offset + 10) << 12) | (view.getUint8(offset + 11) << 4) | (view.getUint8(offset + 12) >> 4);
  const total = (view.getUint8(offset + 13) & 0x0f) * 2 ** 32 + view.getUint32(offset + 14);
  return rate > 0 && total > 0 ? total / rate : undefined;
}

/** Seconds of an Ogg stream: the last page's granule position over the stream's rate. */
function oggSeconds(bytes: Uint8Array, view: DataView): number | undefined {
  // The first page's first packet says what the stream is.
  const segments = bytes[26] ?? 0;
  const packet = 27 + segments;
  let rate: number | undefined;
  let preSkip = 0;
  if (ascii(bytes, packet, 8) === 'OpusHead') {
    rate = 48000; // Opus granules always count 48 kHz samples
    preSkip = packet + 12 <= bytes.length ? view.getUint16(packet + 10, true) : 0;
  } else if (ascii(bytes, packet + 1, 6) === 'vorbis' && packet + 16 <= bytes.length) {
    rate = view.getUint32(packet + 12, true);
  } else if (ascii(bytes, packet + 1, 4) === 'FLAC' && packet + 17 + 18 <= bytes.length) {
    // 0x7F "FLAC" version (2) header count (2) "fLaC", then the STREAMINFO block.
    const info = streamInfoSeconds(view, packet + 17);
    if (info !== undefined) return info;
    rate = (view.getUint8(packet + 27) << 12) | (view.getUint8(packet + 28) << 4) | (view.getUint8(packet + 29) >> 4);
  }
  if (!rate) return undefined;
  for (let offset = bytes.length - 27; offset >= 0; offset--) {
    if (bytes[offset] !== 0x4f || ascii(bytes, offset, 4) !== 'OggS') continue;
    const granule = view.getUint32(offset + 6, true) + view.getUint32(offset + 10, true) * 2 ** 32;
    // All ones: no packet ends on this page.
    if (granule === 2 ** 64 - 1 || view.getUint32(offset + 6, true) === 0xffffffff) continue;
    return Math.max(0, granule - preSkip) / rate;
  }
  return undefined;
}

const MP3_BITRATES: Record<string, readonly number[]> = {
  // MPEG-1 Layer III, and MPEG-2/2.5 Layer III, in kbit/s by index.
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/** Seconds of an MP3: from a Xing/Info or VBRI frame count, else the first frame's bitrate and the file's size. */
function mp3Seconds(bytes: Uint8Array, view: DataView): number | undefined {
  let offset = afterId3(bytes);
  const limit = Math.min(bytes.length - 4, offset + 64 * 1024);
  for (; offset < limit; offset++) {
    if (bytes[offset] !== 0xff || ((bytes[offset + 1] ?? 0) & 0xe0) !== 0xe0) continue;
    const b1 = bytes[offset + 1] as number;
    const b2 = bytes[offset + 2] as number;
    const version = (b1 >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    const layer = (b1 >> 1) & 3; // 1 = Layer III
    const bitrateIndex = b2 >> 4;
    const rateIndex = (b2 >> 2) & 3;
    if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) continue;
    const rate = MP3_RATES[version]?.[rateIndex] as number;
    const kbps = (version === 3 ? MP3_BITRATES.v1 : MP3_BITRATES.v2)?.[bitrateIndex] as number;
    const samplesPerFrame = version === 3 ? 1152 : 576;
    const mono = (bytes[offset + 3] ?? 0) >> 6 === 3;
    const side = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
    const xing = offset + 4 + side;
    const tag = ascii(bytes, xing, 4);
    if ((tag === 'Xing' || tag === 'Info') && xing + 12 <= bytes.length && (view.getUint32(xing + 4) & 1) === 1) {
      return (view.getUint32(xing + 8) * samplesPerFrame) / rate;
    }
    if (ascii(bytes, offset + 36, 4) === 'VBRI' && offset + 36 + 18 <= bytes.length) {
      return (view.getUint32(offset + 36 + 14) * samplesPerFrame) / rate;
    }
    return ((bytes.length - offset) * 8) / (kbps * 1000);
  }
  return undefined;
}

/** The containers reference audio may come in, as audio-decode names their decoders. */
export type ReferenceFormat = 'wav' | 'flac' | 'opus' | 'oga' | 'mp3';

/** Offset of the first byte after an ID3v2 tag (0 without one). */
function afterId3(bytes: Uint8Array): number {
  if (ascii(bytes, 0, 3) !== 'ID3' || bytes.length < 10) return 0;
  return 10 + (((bytes[6] ?? 0) << 21) | ((bytes[7] ?? 0) << 14) | ((bytes[8] ?? 0) << 7) | (bytes[9] ?? 0));
}

/** Whether an MPEG audio Layer III frame header starts at `offset`. */
function isMp3Frame(bytes: Uint8Array, offset: number): boolean {
  const b1 = bytes[offset + 1] ?? 0;
  const b2 = bytes[offset + 2] ?? 0;
  return (
    bytes[offset] === 0xff &&
    (b1 & 0xe0) === 0xe0 &&
    ((b1 >> 3) & 3) !== 1 &&
    ((b1 >> 1) & 3) === 1 &&
    b2 >> 4 !== 15 &&
    b2 >> 4 !== 0 &&
    ((b2 >> 2) & 3) !== 3
  );
}

/** Which supported container `bytes` are, by their signature; undefined for anything else. */
export function referenceFormat(bytes: Uint8Array): ReferenceFormat | undefined {
  if (bytes.length < 12) return undefined;
  const head = ascii(bytes, 0, 4);
  if (head === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') return 'wav';
  if (head === 'fLaC') return 'flac';
  if (head === 'OggS') {
    const packet = 27 + (bytes[26] ?? 0);
    if (ascii(bytes, packet, 8) === 'OpusHead') return 'opus';
    if (ascii(bytes, packet + 1, 4) === 'FLAC') return 'flac';
    return 'oga';
  }
  const start = afterId3(bytes);
  if (ascii(bytes, start, 4) === 'fLaC') return 'flac';
  return isMp3Frame(bytes, start) ? 'mp3' : undefined;
}

/** The duration `bytes` declare, in seconds, or undefined when their headers do not tell. */
export function declaredSeconds(bytes: Uint8Array): number | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const head = ascii(bytes, 0, 4);
    if (head === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') return wavSeconds(bytes, view);
    if (head === 'fLaC') return streamInfoSeconds(view, 8);
    if (head === 'OggS') return oggSeconds(bytes, view);
    return mp3Seconds(bytes, view);
  } catch {
    // A header cut short: the decoder will say what is wrong with it.
    return undefined;
  }
}
