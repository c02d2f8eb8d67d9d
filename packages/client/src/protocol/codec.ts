/**
 * The two wire encodings. `msgpack` (binary frames, audio as raw msgpack `bin`) is the default and
 * the compact one; `json` (text frames, audio as base64) is for browsers and debugging. The codec
 * is chosen at connect (subprotocol or `?codec=`); either side may also read the other's frames,
 * telling them apart by frame type.
 */
import { Packr } from 'msgpackr';

export const CODECS = ['msgpack', 'json'] as const;
export type CodecName = (typeof CODECS)[number];

/** WebSocket subprotocol names a client may offer to choose the codec. */
export const SUBPROTOCOLS: Readonly<Record<CodecName, string>> = {
  msgpack: 'flash-tts.v1.msgpack',
  json: 'flash-tts.v1.json',
};

/** Encodes and decodes protocol messages for one codec. */
export interface Codec {
  readonly name: CodecName;
  /** Binary frames for msgpack, text for JSON. */
  readonly binary: boolean;
  encode(message: object): Uint8Array | string;
  /** Decodes a frame of either codec (by its frame type) into a plain value; throws on garbage. */
  decode(frame: Uint8Array | string): unknown;
}

// Plain msgpack maps (no msgpackr record extension), so any msgpack library can read the frames.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

function toBase64Audio(message: object): object {
  const data = (message as { data?: unknown }).data;
  return data instanceof Uint8Array
    ? { ...message, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') }
    : message;
}

function fromBase64Audio(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'audio') {
    const data = (value as { data?: unknown }).data;
    if (typeof data === 'string') return { ...value, data: new Uint8Array(Buffer.from(data, 'base64')) };
  }
  return value;
}

/** Decodes a frame whatever codec produced it. */
export function decodeFrame(frame: Uint8Array | string): unknown {
  if (typeof frame === 'string') return fromBase64Audio(JSON.parse(frame));
  const value: unknown = packr.unpack(frame);
  const data = (value as { data?: unknown } | null)?.data;
  // Hand audio out as a plain Uint8Array view, whatever buffer type msgpackr produced.
  if (data instanceof Uint8Array && !(data.constructor === Uint8Array)) {
    (value as { data: Uint8Array }).data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return value;
}

const CODEC_IMPLS: Readonly<Record<CodecName, Codec>> = {
  msgpack: { name: 'msgpack', binary: true, encode: (m) => packr.pack(m), decode: decodeFrame },
  json: { name: 'json', binary: false, encode: (m) => JSON.stringify(toBase64Audio(m)), decode: decodeFrame },
};

/** The codec of a name. */
export function getCodec(name: CodecName): Codec {
  return CODEC_IMPLS[name];
}
