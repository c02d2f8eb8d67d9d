/**
 * Frame decoding of the realtime protocol: one WebSocket frame in, one validated client message
 * out, or the `TtsError` that says what is wrong with it. No socket, no session state.
 */
import type { Codec } from '../../../protocol/codec.js';
import { CLIENT_MESSAGE_SCHEMAS, type ParsedClientMessage } from '../../../protocol/messages.js';
import { TtsError } from '../../errors.js';
import { schemaProblem } from '../request-checks.js';

type AnySchema = (typeof CLIENT_MESSAGE_SCHEMAS)[keyof typeof CLIENT_MESSAGE_SCHEMAS];

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
  } catch {
    throw new TtsError(
      'invalid_message',
      isBinary ? 'A binary frame must be one msgpack-encoded message.' : 'A text frame must be one JSON message.',
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
      `Unknown message type "${type.slice(0, 40)}"; known: ${Object.keys(CLIENT_MESSAGE_SCHEMAS).join(', ')}.`,
      { param: 'type' },
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw schemaProblem(parsed.error, value, { message: type });
  return parsed.data as ParsedClientMessage;
}
