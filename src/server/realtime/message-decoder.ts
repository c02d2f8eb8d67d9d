/**
 * Frame decoding of the realtime protocol: one WebSocket frame in, one validated client message
 * out, or the `TtsError` that says what is wrong with it. No socket, no session state.
 */
import type { Codec } from '../../../protocol/codec.js';
import { CLIENT_MESSAGE_SCHEMAS, type ParsedClientMessage } from '../../../protocol/messages.js';
import { TtsError } from '../../errors.js';
import { schemaProblem } from '../request-checks.js';

type AnySchema = (typeof CLIENT_MESSAGE_SCHEMAS)[keyof typeof CLIENT_MESSAGE_SCHEMAS];

const REPLACEMENT_UTF8 = Buffer.from('\uFFFD', 'utf8');
/** Nesting deeper than any message of the protocol. */
const MAX_DEPTH = 8;

/** What is wrong with a frame its codec could not decode, as the client can act on it. */
function undecodable(error: unknown, data: Buffer, isBinary: boolean): string {
  const why = error instanceof Error ? error.message : String(error);
  if (!isBinary) return `A text frame must be one JSON object (${why.slice(0, 120)}).`;
  if (isJson(data)) {
    return 'This binary frame holds JSON: send JSON messages as text frames (binary frames are read as msgpack).';
  }
  const extension = /Unknown extension (-?\d+)/.exec(why)?.[1];
  if (extension !== undefined) {
    return `A binary frame must be plain msgpack: extension type ${extension} is not used by this protocol (send strings, numbers, booleans, maps, arrays and bin only).`;
  }
  if (/end of buffer not reached/.test(why))
    return 'A binary frame must hold exactly one msgpack message; this one has bytes after it.';
  if (/Unexpected end/.test(why)) {
    return 'A binary frame ends in the middle of its msgpack message (truncated); send each message whole, one per frame.';
  }
  return `A binary frame must be one msgpack-encoded message (${why.slice(0, 120)}).`;
}

/** Whether `data` is a JSON object or array (a client that sent JSON text as a binary frame). */
function isJson(data: Buffer): boolean {
  const first = data.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  if (first !== 0x7b && first !== 0x5b) return false; // { [
  try {
    JSON.parse(data.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** A value no protocol message holds (a msgpack timestamp, say), described; undefined when there is none. */
function foreignValue(value: unknown, path: string, depth = 0): string | undefined {
  if (value instanceof Date) {
    return `"${path || 'message'}" is a msgpack timestamp; this protocol has none (send numbers or strings).`;
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || depth > MAX_DEPTH) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = foreignValue(child, path === '' ? key : `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function hasReplacementChar(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\uFFFD');
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || depth > MAX_DEPTH) return false;
  return Object.entries(value).some(([key, child]) => key.includes('\uFFFD') || hasReplacementChar(child, depth + 1));
}

/** Options of {@link decodeClientFrame}. */
export interface DecodeOptions {
  codec: Codec;
  /** Largest frame accepted, in bytes. */
  maxBytes: number;
}

/** Decodes and validates one frame (defaults applied). */
export function decodeClientFrame(data: Buffer, isBinary: boolean, options: DecodeOptions): ParsedClientMessage {
  const { codec, maxBytes } = options;
  if (data.length > maxBytes) {
    throw new TtsError(
      'payload_too_large',
      `The message is ${data.length} bytes; the limit is ${maxBytes} (limits.max_message_bytes). Send long text in several messages.`,
    );
  }
  let value: unknown;
  try {
    value = codec.decode(isBinary ? data : data.toString('utf8'));
  } catch (error) {
    throw new TtsError('invalid_message', undecodable(error, data, isBinary));
  }
  const foreign = foreignValue(value, '');
  if (foreign) throw new TtsError('invalid_message', foreign, { param: foreign.match(/"([^"]*)"/)?.[1] });
  // Invalid UTF-8 decodes to U+FFFD; one that was not in the frame's bytes came from such a sequence.
  if (hasReplacementChar(value, 0) && !data.includes(REPLACEMENT_UTF8)) {
    throw new TtsError(
      'invalid_message',
      `Strings must be valid UTF-8; this ${isBinary ? 'msgpack' : 'text'} frame holds bytes that are not.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TtsError('invalid_message', 'A message must be an object with a "type" field.');
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw new TtsError('invalid_message', 'A message must have a string "type" field.', { param: 'type' });
  }
  const schema = (CLIENT_MESSAGE_SCHEMAS as Record<string, AnySchema>)[type];
  if (!schema) {
    throw new TtsError(
      'unknown_message_type',
      `Unknown message type "${type.slice(0, 40)}": "type" must be one of ${Object.keys(CLIENT_MESSAGE_SCHEMAS).join(', ')}.`,
      { param: 'type' },
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw schemaProblem(parsed.error, value, { message: type });
  return parsed.data as ParsedClientMessage;
}
