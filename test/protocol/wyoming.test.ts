/** The Wyoming wire format: events written, and read back from any split of the bytes, within bounded memory. */
import { describe, expect, it } from '@jest/globals';
import { encodeWyomingEvent, type WyomingEvent, WyomingEventReader, type WyomingReadItem } from '../../protocol/wyoming.js';

const utf8 = new TextEncoder();
const bytes = (text: string): Uint8Array => utf8.encode(text);
const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Reads `stream` in pieces of `size` bytes; also returns the most the reader held at once. */
function readInPieces(stream: Uint8Array, size: number, maxEventBytes = 1024): { items: WyomingReadItem[]; held: number } {
  const reader = new WyomingEventReader({ maxEventBytes });
  const items: WyomingReadItem[] = [];
  let held = 0;
  for (let at = 0; at < stream.length; at += size) {
    items.push(...reader.push(stream.subarray(at, at + size)));
    held = Math.max(held, reader.held);
  }
  return { items, held };
}

const summary = (items: WyomingReadItem[]): unknown[] =>
  items.map((item) =>
    item.kind === 'problem'
      ? item.problem.code
      : { type: item.event.type, data: item.event.data, payload: item.event.payload ? [...item.event.payload] : undefined },
  );

describe('Wyoming events', () => {
  const events: WyomingEvent[] = [
    { type: 'describe', data: {} },
    { type: 'synthesize', data: { text: 'Grüße, 世界!\nLine two.', voice: { name: 'female' } } },
    { type: 'audio-chunk', data: { rate: 16000, width: 2, channels: 1 }, payload: new Uint8Array([1, 2, 3, 0x0a, 5]) },
  ];
  const stream = join(...events.map(encodeWyomingEvent));

  it('writes a header line with the data and payload lengths', () => {
    const written = encodeWyomingEvent(events[2] as WyomingEvent);
    const line = new TextDecoder().decode(written.subarray(0, written.indexOf(0x0a)));
    const header = JSON.parse(line) as Record<string, unknown>;
    const data = JSON.stringify({ rate: 16000, width: 2, channels: 1 });
    expect(header).toMatchObject({ type: 'audio-chunk', data_length: data.length, payload_length: 5 });
    expect(header.data).toBeUndefined();
    expect(written.length).toBe(line.length + 1 + data.length + 5);
  });

  it.each([1, 2, 7, 64, 4096])('reads them back from pieces of %i bytes', (size) => {
    expect(summary(readInPieces(stream, size).items)).toEqual(
      events.map((e) => ({ type: e.type, data: e.data, payload: e.payload ? [...e.payload] : undefined })),
    );
  });

  it('merges data in the header line with data after it', () => {
    const line = bytes(`${JSON.stringify({ type: 'synthesize', data: { text: 'a', x: 1 }, data_length: 12 })}\n{"text":"b"}`);
    expect(summary(readInPieces(line, 3).items)).toEqual([{ type: 'synthesize', data: { text: 'b', x: 1 } }]);
  });

  it.each([
    ['a line that is not JSON', bytes('not json\n'), 'invalid_message'],
    ['a header without a type', bytes('{"data": {}}\n'), 'invalid_message'],
    ['a negative length', bytes('{"type": "x", "data_length": -1}\n'), 'invalid_message'],
    ['data that is not an object', bytes('{"type": "x", "data_length": 3}\n[1]'), 'invalid_message'],
    [
      'data too large (skipped, not held)',
      join(bytes('{"type": "x", "data_length": 5000}\n'), new Uint8Array(5000)),
      'payload_too_large',
    ],
    ['a header line too long (skipped to its end)', bytes(`{"type": "${'x'.repeat(3000)}"}\n`), 'payload_too_large'],
  ])('%s: a problem, held within the limit, and the next event is read', (_name, bad, code) => {
    for (const size of [1, 100, 10_000]) {
      const { items, held } = readInPieces(join(bad, encodeWyomingEvent({ type: 'describe', data: {} })), size, 1024);
      expect(summary(items)).toEqual([code, { type: 'describe', data: {}, payload: undefined }]);
      expect(held).toBeLessThanOrEqual(1024);
    }
  });

  it('ignores blank lines between events', () => {
    const { items } = readInPieces(join(bytes('\n\r\n'), encodeWyomingEvent({ type: 'ping', data: { text: 'hi' } })), 2);
    expect(summary(items)).toEqual([{ type: 'ping', data: { text: 'hi' }, payload: undefined }]);
  });
});
