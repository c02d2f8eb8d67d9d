/**
 * Just enough of the protobuf wire format to rewrite an ONNX graph without a protobuf library:
 * walk the fields of a message (payloads are views into the buffer, never copies) and write new
 * messages as lists of chunks that may reference the original bytes, joined once at the end.
 */

/** Wire types of the protobuf encoding. */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field of a message. */
export interface WireField {
  /** Field number. */
  field: number;
  /** Wire type ({@link WIRE}). */
  wire: number;
  /** The whole field, tag included: copy it to keep the field as it is. */
  bytes: Uint8Array;
  /** The value of a varint field (exact up to 2^53; larger values lose their low bits). */
  value: number;
  /** The payload of a length-delimited field (a view); empty for other wire types. */
  payload: Uint8Array;
}

/** Reads the varint at `at`; returns its value and the position after it. */
export function readVarint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let pos = at; pos < buf.length && pos < at + 10; pos++) {
    const byte = buf[pos] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, pos + 1];
  }
  throw new Error(`malformed protobuf: varint at byte ${at} does not end`);
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** The fields of the message held in `buf`, in order. Throws on a truncated or malformed message. */
export function* readFields(buf: Uint8Array): Generator<WireField> {
  let at = 0;
  while (at < buf.length) {
    const start = at;
    const [tag, afterTag] = readVarint(buf, at);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let value = 0;
    let payload = EMPTY;
    if (wire === WIRE.varint) {
      [value, at] = readVarint(buf, afterTag);
    } else if (wire === WIRE.bytes) {
      const [length, afterLength] = readVarint(buf, afterTag);
      at = afterLength + length;
      if (at > buf.length) throw new Error(`malformed protobuf: field ${field} runs past the end of its message`);
      payload = buf.subarray(afterLength, at);
    } else if (wire === WIRE.fixed64) {
      at = afterTag + 8;
    } else if (wire === WIRE.fixed32) {
      at = afterTag + 4;
    } else {
      throw new Error(`malformed protobuf: wire type ${wire} of field ${field} at byte ${start}`);
    }
    if (at > buf.length) throw new Error(`malformed protobuf: field ${field} runs past the end of its message`);
    yield { field, wire, bytes: buf.subarray(start, at), value, payload };
  }
}

/** The numbers of a repeated varint field, packed (one bytes field) or not (one field each). */
export function readPackedVarints(fields: readonly WireField[]): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.wire === WIRE.varint) out.push(f.value);
    else if (f.wire === WIRE.bytes) {
      for (let at = 0; at < f.payload.length; ) {
        const [value, next] = readVarint(f.payload, at);
        out.push(value);
        at = next;
      }
    }
  }
  return out;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A string field's text. */
export function fieldText(field: WireField): string {
  return utf8.decode(field.payload);
}

/** Writes a message as a list of chunks; chunks may be views of other buffers (not copied until {@link finish}). */
export class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** Appends bytes as they are (e.g. a field copied from another message). */
  raw(bytes: Uint8Array): this {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
    return this;
  }

  #varint(value: number): this {
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return this.raw(Uint8Array.from(out));
  }

  /** A varint field (non-negative values). */
  int(field: number, value: number): this {
    return this.#varint(field * 8 + WIRE.varint).#varint(value);
  }

  /** A length-delimited field holding `bytes`. */
  bytes(field: number, bytes: Uint8Array): this {
    return this.#varint(field * 8 + WIRE.bytes)
      .#varint(bytes.length)
      .raw(bytes);
  }

  /** A string field. */
  string(field: number, text: string): this {
    return this.bytes(field, utf8Encoder.encode(text));
  }

  /** A nested message field. */
  message(field: number, inner: ProtoWriter): this {
    this.#varint(field * 8 + WIRE.bytes).#varint(inner.length);
    for (const chunk of inner.#chunks) this.raw(chunk);
    return this;
  }

  /** The message as one buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
