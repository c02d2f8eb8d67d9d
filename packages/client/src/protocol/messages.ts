/**
 * Every message of the realtime protocol, as zod schemas with their inferred types. The server
 * validates what clients send with these; clients may use the server-side ones to type what they
 * receive. Unknown fields are ignored (stripped) so that newer clients work with older servers.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors.js';

/** The protocol version this build speaks. `init.version` defaults to it. */
export const PROTOCOL_VERSION = 1;

/** WebSocket path of the realtime endpoint. */
export const REALTIME_PATH = '/v1/realtime';

/** Output rates a client may ask for: realtime PCM and µ-law, and every REST format. Realtime Opus always runs at 48 kHz. */
export const PCM_SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const;

/** Output encodings. `pcm_s16le`: little-endian 16-bit PCM; `mulaw`: G.711 µ-law bytes. */
export const ENCODINGS = ['opus', 'pcm_s16le', 'mulaw'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Longest `context_id`, and longest string `flush_id`, in characters. */
export const MAX_ID_CHARS = 128;

const contextId = z
  .string({ error: 'must be a string naming the context' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_ID_CHARS, { error: `must be at most ${MAX_ID_CHARS} characters` });
const voiceName = z
  .string({ error: 'must be a voice name (a string)' })
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });
const flushId = z.union([z.string().max(MAX_ID_CHARS), z.number()], {
  error: `must be a string of at most ${MAX_ID_CHARS} characters, or a number`,
});
const flag = z.boolean({ error: 'must be true or false' });

// ─── Client → server ────────────────────────────────────────────────────────────────────────────

/** Audio format of a session. Missing fields get the defaults listed in PROTOCOL.md. */
export const outputFormatSchema = z.object(
  {
    encoding: z.enum(ENCODINGS, { error: `must be one of ${ENCODINGS.join(', ')}` }).default('opus'),
    /** Opus: 48000 only. PCM and µ-law: one of {@link PCM_SAMPLE_RATES}; default 24000 (µ-law 8000). */
    sample_rate: z
      .number()
      .int({ error: `must be one of ${PCM_SAMPLE_RATES.join(', ')} (Opus: 48000 only)` })
      .optional(),
    channels: z.union([z.literal(1), z.literal(2)], { error: 'must be 1 or 2' }).default(1),
    /** Audio per message. Opus: 20 only (one packet). PCM and µ-law: 20 to 100. Default 20. */
    frame_ms: z.number().int({ error: 'must be a whole number of milliseconds (Opus: 20; PCM and µ-law: 20 to 100)' }).optional(),
  },
  { error: 'must be an object: {encoding, sample_rate, channels, frame_ms}' },
);
export type OutputFormatRequest = z.input<typeof outputFormatSchema>;

/** The first message: who the client is and what it wants to hear. */
export const initMessageSchema = z.object({
  type: z.literal('init'),
  version: z
    .number()
    .int({ error: `must be a whole number (this server speaks ${PROTOCOL_VERSION})` })
    .default(PROTOCOL_VERSION),
  /** The API key, for clients (browsers) that cannot send an `Authorization` header. */
  token: z.string({ error: 'must be a string (the API key)' }).optional(),
  /** Default voice of every context ("female", "male", a voice id, an OpenAI voice name). */
  voice: voiceName.optional(),
  /** Speaking-rate factor, 1 = normal. */
  speed: z
    .number()
    .min(0.5, { error: 'must be at least 0.5 (0.5 to 2)' })
    .max(2, { error: 'must be at most 2 (0.5 to 2)' })
    .default(1),
  /** Pitch shift in semitones. */
  pitch: z
    .number()
    .min(-12, { error: 'must be at least -12 semitones (-12 to 12)' })
    .max(12, { error: 'must be at most 12 semitones (-12 to 12)' })
    .default(0),
  format: outputFormatSchema.default({ encoding: 'opus', channels: 1 }),
  /** Server-side sentence segmentation of incoming text; off: each text message is spoken as given. */
  segmentation: flag.default(true),
  /** Word timestamps (`words` messages) where the engine can tell them. */
  timestamps: flag.default(false),
  /** Speak pending text after this long without new text (ms, 0 = only on flush/end). */
  idle_flush_ms: z
    .number()
    .int({ error: 'must be a whole number of milliseconds (0 to 60000)' })
    .min(0, { error: 'must be at least 0 (0 to 60000)' })
    .max(60000, { error: 'must be at most 60000 (0 to 60000)' })
    .optional(),
});
export type InitMessage = z.input<typeof initMessageSchema>;

/** Text for a context (created on first use). */
export const textMessageSchema = z.object({
  type: z.literal('text'),
  context_id: contextId,
  text: z.string({ error: 'must be a string' }),
  /** Speak everything up to here now, then send `flushed`. */
  flush: flag.default(false),
  flush_id: flushId.optional(),
  /** Voice for this text onwards (in this context). */
  voice: voiceName.optional(),
});
export type TextMessage = z.input<typeof textMessageSchema>;

export const flushMessageSchema = z.object({ type: z.literal('flush'), context_id: contextId, flush_id: flushId.optional() });
export type FlushMessage = z.input<typeof flushMessageSchema>;

export const endMessageSchema = z.object({ type: z.literal('end'), context_id: contextId });
export type EndMessage = z.input<typeof endMessageSchema>;

export const cancelMessageSchema = z.object({ type: z.literal('cancel'), context_id: contextId });
export type CancelMessage = z.input<typeof cancelMessageSchema>;

/** One shot: text + end. */
export const speakMessageSchema = z.object({
  type: z.literal('speak'),
  context_id: contextId,
  text: z.string({ error: 'must be a string' }),
  voice: voiceName.optional(),
});
export type SpeakMessage = z.input<typeof speakMessageSchema>;

export const pingMessageSchema = z.object({ type: z.literal('ping'), id: flushId.optional() });
export type PingMessage = z.input<typeof pingMessageSchema>;

/** Schemas of client messages by type. */
export const CLIENT_MESSAGE_SCHEMAS = {
  init: initMessageSchema,
  text: textMessageSchema,
  flush: flushMessageSchema,
  end: endMessageSchema,
  cancel: cancelMessageSchema,
  speak: speakMessageSchema,
  ping: pingMessageSchema,
} as const;

export type ClientMessageType = keyof typeof CLIENT_MESSAGE_SCHEMAS;
/** A client message as sent (defaults not yet applied). */
export type ClientMessage = { [K in ClientMessageType]: z.input<(typeof CLIENT_MESSAGE_SCHEMAS)[K]> }[ClientMessageType];
/** A client message after validation (defaults applied). */
export type ParsedClientMessage = { [K in ClientMessageType]: z.output<(typeof CLIENT_MESSAGE_SCHEMAS)[K]> }[ClientMessageType];

// ─── Server → client ────────────────────────────────────────────────────────────────────────────

export const resolvedFormatSchema = z.object({
  encoding: z.enum(ENCODINGS),
  sample_rate: z.number().int(),
  channels: z.union([z.literal(1), z.literal(2)]),
  frame_ms: z.number().int(),
});
export type ResolvedFormat = z.infer<typeof resolvedFormatSchema>;

export const limitsSchema = z.object({
  max_contexts: z.number().int(),
  max_message_bytes: z.number().int(),
  max_text_chars: z.number().int(),
  idle_timeout_ms: z.number().int(),
  idle_flush_ms: z.number().int(),
  max_buffered_bytes: z.number().int(),
  slow_consumer_ms: z.number().int(),
  // Announced since the limits of issue 14; optional so that clients also read older servers.
  /** Longest audio of one context, in seconds: synthesis stops there. */
  max_speech_seconds: z.number().int().optional(),
  /** Pings answered per second; more get `rate_limited`. */
  max_pings_per_second: z.number().int().optional(),
  /** Invalid messages a session may send before it is closed with `over_limits` (4004). */
  max_invalid_messages: z.number().int().optional(),
});
export type Limits = z.infer<typeof limitsSchema>;

export const readyMessageSchema = z.object({
  type: z.literal('ready'),
  protocol_version: z.number().int(),
  server_version: z.string(),
  session_id: z.string(),
  codec: z.enum(['msgpack', 'json']),
  format: resolvedFormatSchema,
  voice: z.string(),
  segmentation: z.boolean(),
  timestamps: z.boolean(),
  limits: limitsSchema,
});

export const segmentMessageSchema = z.object({
  type: z.literal('segment'),
  context_id: z.string(),
  segment_id: z.number().int(),
  /** The text about to be spoken, as the client wrote it. */
  text: z.string(),
  /** Where its audio starts on the context's timeline. */
  start_ms: z.number(),
});

export const audioMessageSchema = z.object({
  type: z.literal('audio'),
  context_id: z.string(),
  segment_id: z.number().int(),
  /** 0, 1, 2… within the context. */
  seq: z.number().int(),
  /** Start of this audio on the context's timeline. */
  pts_ms: z.number(),
  dur_ms: z.number(),
  /** Opus: one packet. PCM / µ-law: interleaved samples. (JSON codec: base64.) */
  data: z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'must be bytes' }),
});

export const wordTimingSchema = z.object({ word: z.string(), start_ms: z.number(), end_ms: z.number() });
export type WordTimestamp = z.infer<typeof wordTimingSchema>;

export const wordsMessageSchema = z.object({
  type: z.literal('words'),
  context_id: z.string(),
  segment_id: z.number().int(),
  words: z.array(wordTimingSchema),
});

export const segmentEndMessageSchema = z.object({
  type: z.literal('segment_end'),
  context_id: z.string(),
  segment_id: z.number().int(),
  start_ms: z.number(),
  end_ms: z.number(),
});

export const flushedMessageSchema = z.object({ type: z.literal('flushed'), context_id: z.string(), flush_id: flushId });
export const doneMessageSchema = z.object({ type: z.literal('done'), context_id: z.string(), duration_ms: z.number() });
export const cancelledMessageSchema = z.object({ type: z.literal('cancelled'), context_id: z.string() });

export const errorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  /** Fatal: the server closes the socket right after. */
  fatal: z.boolean(),
  /** The context the error is about, when there is one. */
  context_id: z.string().optional(),
  /** The field at fault, when there is one. */
  param: z.string().optional(),
});

export const pongMessageSchema = z.object({
  type: z.literal('pong'),
  id: z.union([z.string(), z.number()]).optional(),
  server_time_ms: z.number(),
});

export const SERVER_MESSAGE_SCHEMAS = {
  ready: readyMessageSchema,
  segment: segmentMessageSchema,
  audio: audioMessageSchema,
  words: wordsMessageSchema,
  segment_end: segmentEndMessageSchema,
  flushed: flushedMessageSchema,
  done: doneMessageSchema,
  cancelled: cancelledMessageSchema,
  error: errorMessageSchema,
  pong: pongMessageSchema,
} as const;

export type ServerMessageType = keyof typeof SERVER_MESSAGE_SCHEMAS;
export type ServerMessage = { [K in ServerMessageType]: z.infer<(typeof SERVER_MESSAGE_SCHEMAS)[K]> }[ServerMessageType];
export type ReadyMessage = z.infer<typeof readyMessageSchema>;
export type SegmentMessage = z.infer<typeof segmentMessageSchema>;
export type AudioMessage = z.infer<typeof audioMessageSchema>;
export type WordsMessage = z.infer<typeof wordsMessageSchema>;
export type SegmentEndMessage = z.infer<typeof segmentEndMessageSchema>;
export type FlushedMessage = z.infer<typeof flushedMessageSchema>;
export type DoneMessage = z.infer<typeof doneMessageSchema>;
export type CancelledMessage = z.infer<typeof cancelledMessageSchema>;
export type ErrorMessage = z.infer<typeof errorMessageSchema>;
export type PongMessage = z.infer<typeof pongMessageSchema>;

/** Server messages that belong to one context. */
export type ContextMessage = Extract<ServerMessage, { context_id: string }>;
