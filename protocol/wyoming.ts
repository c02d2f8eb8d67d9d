/**
 * The Wyoming protocol (Home Assistant's local voice services) as far as a TTS server speaks it:
 * the wire format and the text-to-speech events. Pure: bytes in, events out, and back.
 *
 * Wire format: each event is one line of JSON (`{"type": …, "data"?: {…}, "data_length"?: n,
 * "payload_length"?: m}` and a newline), then `data_length` bytes of JSON merged over `data`,
 * then `payload_length` bytes of binary payload (raw PCM for `audio-chunk`).
 */
import { z } from 'zod';

const NEWLINE = 0x0a;
const utf8 = new TextEncoder();
const utf8Text = new TextDecoder();

/** The bytes of `parts` one after another. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The Wyoming version written into every event this server sends. */
export const WYOMING_VERSION = '1.10.2';

/** One Wyoming event. */
export interface WyomingEvent {
  type: string;
  data: Record<string, unknown>;
  payload?: Uint8Array;
}

/** Event types this server reads (others are ignored, as Wyoming peers do with events they do not know). */
export const WYOMING_CLIENT_EVENTS = [
  'describe',
  'ping',
  'synthesize',
  'synthesize-start',
  'synthesize-chunk',
  'synthesize-stop',
] as const;

/** The voice a `synthesize` or `synthesize-start` asks for: by name (and speaker), or by language. */
export const wyomingVoiceSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  language: z.string().min(1).max(35).optional(),
  speaker: z.string().min(1).max(200).optional(),
});
export type WyomingVoice = z.infer<typeof wyomingVoiceSchema>;

/** `synthesize`: speak `text`, answered by `audio-start`, `audio-chunk`…, `audio-stop`. */
export const wyomingSynthesizeSchema = z.object({
  text: z.string(),
  voice: wyomingVoiceSchema.nullish(),
});

/** `synthesize-start`: a text stream begins (`synthesize-chunk`… then `synthesize-stop`). */
export const wyomingSynthesizeStartSchema = z.object({ voice: wyomingVoiceSchema.nullish() });

/** `synthesize-chunk`: more text of the open stream. */
export const wyomingSynthesizeChunkSchema = z.object({ text: z.string() });

/** Who made an artifact, and where it is from. */
export interface WyomingAttribution {
  name: string;
  url: string;
}

/** A voice in `info`, as `wyoming.info.TtsVoice` has it. */
export interface WyomingTtsVoice {
  name: string;
  attribution: WyomingAttribution;
  installed: boolean;
  description: string | null;
  version: string | null;
  languages: string[];
  speakers: { name: string }[] | null;
}

/** A TTS program in `info`, as `wyoming.info.TtsProgram` has it. */
export interface WyomingTtsProgram {
  name: string;
  attribution: WyomingAttribution;
  installed: boolean;
  description: string | null;
  version: string | null;
  voices: WyomingTtsVoice[];
  supports_synthesize_streaming: boolean;
}

/** The data of an `info` event of a server that only speaks. */
export function wyomingInfoData(program: WyomingTtsProgram): Record<string, unknown> {
  return { asr: [], tts: [program], handle: [], intent: [], wake: [], mic: [], snd: [] };
}

/** Encodes an event: its header line, then its data as JSON and its payload, each with its length in the header. */
export function encodeWyomingEvent(event: WyomingEvent): Uint8Array {
  const header: Record<string, unknown> = { type: event.type, version: WYOMING_VERSION };
  const data = Object.keys(event.data).length > 0 ? utf8.encode(JSON.stringify(event.data)) : undefined;
  if (data) header.data_length = data.length;
  const payload = event.payload && event.payload.length > 0 ? event.payload : undefined;
  if (payload) header.payload_length = payload.length;
  const line = utf8.encode(`${JSON.stringify(header)}\n`);
  return concat([line, ...(data ? [data] : []), ...(payload ? [payload] : [])]);
}

/** Something wrong in what a peer sent; the reader has skipped it and goes on with the next event. */
export interface WyomingReadProblem {
  code: 'invalid_message' | 'payload_too_large';
  message: string;
  /** The event's type, when its header could be read. */
  type?: string;
}

/** What {@link WyomingEventReader.push} finds, in order. */
export type WyomingReadItem = { kind: 'event'; event: WyomingEvent } | { kind: 'problem'; problem: WyomingReadProblem };

/** Options of {@link WyomingEventReader}. */
export interface WyomingReaderOptions {
  /** Most bytes one event may take: its header line, and its data and payload together. Default 256 KiB. */
  maxEventBytes: number;
}

/** Defaults of {@link WyomingReaderOptions}. */
export const DEFAULT_WYOMING_READER_OPTIONS: WyomingReaderOptions = { maxEventBytes: 256 * 1024 };

type ReaderState =
  /** Reading a header line. */
  | { kind: 'line' }
  /** Discarding the rest of a header line that is too long. */
  | { kind: 'skipLine' }
  /** Reading `dataLength` bytes of data then `payloadLength` bytes of payload. */
  | { kind: 'body'; header: WyomingEvent; dataLength: number; payloadLength: number }
  /** Discarding `remaining` bytes of data and payload that are too large (or belong to a bad header). */
  | { kind: 'skip'; remaining: number };

const lengthField = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
const headerSchema = z.object({
  type: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()).nullish(),
  data_length: lengthField.nullable(),
  payload_length: lengthField.nullable(),
});

/**
 * Reads events from a byte stream in whatever pieces it arrives, holding at most one event
 * ({@link WyomingReaderOptions.maxEventBytes}) at a time. A header line that is not JSON, or data
 * that is not a JSON object, is reported and skipped; so is an event larger than the limit, whose
 * bytes are discarded as they arrive (never held). Either way the next event is read as usual.
 */
export class WyomingEventReader {
  readonly #options: WyomingReaderOptions;
  #state: ReaderState = { kind: 'line' };
  /** Bytes of the part being read (a line, or data and payload). */
  #parts: Uint8Array[] = [];
  #held = 0;

  constructor(options: Partial<WyomingReaderOptions> = {}) {
    this.#options = { ...DEFAULT_WYOMING_READER_OPTIONS, ...options };
  }

  /** Bytes held for an event not yet complete. */
  get held(): number {
    return this.#held;
  }

  /** Takes the next bytes; returns the events (and problems) they complete, in order. */
  push(chunk: Uint8Array): WyomingReadItem[] {
    const out: WyomingReadItem[] = [];
    let at = 0;
    while (at < chunk.length) {
      const state = this.#state;
      if (state.kind === 'line' || state.kind === 'skipLine') {
        const end = chunk.indexOf(NEWLINE, at);
        const piece = chunk.subarray(at, end < 0 ? chunk.length : end);
        at = end < 0 ? chunk.length : end + 1;
        if (state.kind === 'skipLine') {
          if (end >= 0) this.#state = { kind: 'line' };
          continue;
        }
        if (this.#held + piece.length > this.#options.maxEventBytes) {
          this.#reset();
          out.push(
            this.#problem('payload_too_large', `An event header line is longer than ${this.#options.maxEventBytes} bytes.`),
          );
          this.#state = end < 0 ? { kind: 'skipLine' } : { kind: 'line' };
          continue;
        }
        this.#hold(piece);
        if (end < 0) continue;
        const line = this.#take();
        if (line.trim() === '') continue;
        this.#header(line, out);
        continue;
      }
      if (state.kind === 'skip') {
        const n = Math.min(state.remaining, chunk.length - at);
        at += n;
        state.remaining -= n;
        if (state.remaining === 0) this.#state = { kind: 'line' };
        continue;
      }
      const wanted = state.dataLength + state.payloadLength - this.#held;
      const piece = chunk.subarray(at, at + wanted);
      at += piece.length;
      this.#hold(piece);
      if (this.#held === state.dataLength + state.payloadLength) this.#body(state, out);
    }
    return out;
  }

  #header(line: string, out: WyomingReadItem[]): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      out.push(this.#problem('invalid_message', 'An event header line is not JSON.'));
      return;
    }
    const parsed = headerSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'header';
      out.push(this.#problem('invalid_message', `The event header's "${field}" ${issue?.message ?? 'is invalid'}.`));
      return;
    }
    const { type, data, data_length: dataLength = 0, payload_length: payloadLength = 0 } = parsed.data;
    const body = (dataLength ?? 0) + (payloadLength ?? 0);
    const header: WyomingEvent = { type, data: data ?? {} };
    if (body > this.#options.maxEventBytes) {
      out.push(
        this.#problem(
          'payload_too_large',
          `The "${type}" event carries ${body} bytes of data and payload; this server reads at most ${this.#options.maxEventBytes}.`,
          type,
        ),
      );
      this.#state = { kind: 'skip', remaining: body };
      return;
    }
    if (body === 0) {
      out.push({ kind: 'event', event: header });
      return;
    }
    this.#state = { kind: 'body', header, dataLength: dataLength ?? 0, payloadLength: payloadLength ?? 0 };
  }

  #body(state: Extract<ReaderState, { kind: 'body' }>, out: WyomingReadItem[]): void {
    const bytes = concat(this.#parts);
    this.#reset();
    this.#state = { kind: 'line' };
    const event: WyomingEvent = state.header;
    if (state.dataLength > 0) {
      let data: unknown;
      try {
        data = JSON.parse(utf8Text.decode(bytes.subarray(0, state.dataLength)));
      } catch {
        data = undefined;
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        out.push(this.#problem('invalid_message', `The data of the "${event.type}" event is not a JSON object.`, event.type));
        return;
      }
      event.data = { ...event.data, ...(data as Record<string, unknown>) };
    }
    if (state.payloadLength > 0) event.payload = bytes.subarray(state.dataLength);
    out.push({ kind: 'event', event });
  }

  #problem(code: WyomingReadProblem['code'], message: string, type?: string): WyomingReadItem {
    return { kind: 'problem', problem: type === undefined ? { code, message } : { code, message, type } };
  }

  #hold(piece: Uint8Array): void {
    if (piece.length === 0) return;
    // A copy: the socket may reuse its buffer.
    this.#parts.push(Uint8Array.from(piece));
    this.#held += piece.length;
  }

  #take(): string {
    const text = utf8Text.decode(concat(this.#parts));
    this.#reset();
    return text;
  }

  #reset(): void {
    this.#parts = [];
    this.#held = 0;
  }
}
