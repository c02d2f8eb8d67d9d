/**
 * The bad-input table (issue 14): hundreds of malformed requests, generated from the fields of
 * every REST route and every realtime message, each answered with a 4xx (or a realtime `error`)
 * whose message names the field and says what is allowed — never a 500, never zod's own words —
 * and the server keeps serving afterwards.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getCodec } from '../../protocol/codec.js';
import type { ErrorMessage, ServerMessage } from '../../protocol/messages.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { openRaw, type RawSession } from '../helpers/realtime.js';

/** A message a client can act on: it says what the field must be, or that it is missing. */
const SAYS_WHAT_IS_ALLOWED = /must|one of|is required|at (least|most)|send /i;
/** zod's own wording, which tells a client nothing. */
const ZOD_WORDS = /Invalid input|\bexpected \w+|\breceived \w+|Too (big|small)/;

type Json = Record<string, unknown>;

interface Field {
  name: string;
  required?: boolean;
  bad: unknown[];
}

const STRING_BAD = [42, true, [], {}, ['a', 'b']];
const NUMBER_BAD = ['abc', '', true, [], {}, 1e308, -1e308, 'NaN', 'Infinity', '1e999', ['1', '2']];
const BOOL_BAD = ['maybe', 2, [], {}];
const LEVEL_BAD = ['loud', 3, '', [], true];
const FORMAT_BAD = ['ogg', 'MP3 ', 1, [], ''];
const RATE_BAD = [44000, 1e308, -16000, 16000.5, '16k', [], true, 0];
const sampling = (): Field[] => [
  { name: 'temperature', bad: [...NUMBER_BAD, 0, -1, 2.5] },
  { name: 'top_k', bad: [...NUMBER_BAD, 0, 1001, 1.5] },
  { name: 'top_p', bad: [...NUMBER_BAD, 0, 1.5] },
  { name: 'max_tokens', bad: [...NUMBER_BAD, 0, 1.5, 1e7] },
];

/** Every REST route's fields, with a body that is valid except for the field at fault. */
const ROUTES: { path: string; valid: Json; fields: Field[] }[] = [
  {
    path: '/speak',
    valid: { name: 'female', text: 'Hello there.' },
    fields: [
      { name: 'name', required: true, bad: [...STRING_BAD, ''] },
      { name: 'text', required: true, bad: [...STRING_BAD, '', '   '] },
      { name: 'pitch', bad: LEVEL_BAD },
      { name: 'speed', bad: LEVEL_BAD },
      ...sampling(),
      { name: 'stream', bad: BOOL_BAD },
      { name: 'response_format', bad: FORMAT_BAD },
      { name: 'sample_rate', bad: RATE_BAD },
    ],
  },
  {
    path: '/v1/audio/speech',
    valid: { model: 'tts-1', voice: 'alloy', input: 'Hello there.' },
    fields: [
      { name: 'model', required: true, bad: [...STRING_BAD, ''] },
      { name: 'input', required: true, bad: [...STRING_BAD, ''] },
      { name: 'voice', required: true, bad: [...STRING_BAD, ''] },
      { name: 'speed', bad: [...NUMBER_BAD, 0.1, 5] },
      { name: 'response_format', bad: FORMAT_BAD },
      { name: 'stream', bad: BOOL_BAD },
      { name: 'stream_format', bad: ['events', 1, []] },
      { name: 'instructions', bad: [42, [], {}] },
      // A number is the original service's pitch (1.0 = no change): any value from 0 up is read.
      { name: 'pitch', bad: ['loud', -1, [], true] },
      { name: 'sample_rate', bad: RATE_BAD },
      ...sampling(),
    ],
  },
  {
    path: '/clone_voice',
    valid: { text: 'Hello there.', reference_audio: 'UklGRg==' },
    fields: [
      { name: 'text', required: true, bad: [...STRING_BAD, ''] },
      { name: 'reference_audio', bad: [42, [], {}] },
      { name: 'reference_text', bad: [42, []] },
      { name: 'pitch', bad: LEVEL_BAD },
      { name: 'speed', bad: LEVEL_BAD },
      ...sampling(),
      { name: 'stream', bad: BOOL_BAD },
      { name: 'response_format', bad: FORMAT_BAD },
      { name: 'sample_rate', bad: RATE_BAD },
    ],
  },
  {
    path: '/add_speaker',
    valid: { name: 'someone', audio: 'UklGRg==' },
    fields: [
      { name: 'name', required: true, bad: [42, [], {}, '', '../x', 'a/b', 'x'.repeat(65), 'bell\u0007'] },
      { name: 'reference_text', bad: [42, []] },
      { name: 'audio', bad: [42, [], {}] },
    ],
  },
  {
    path: '/delete_speaker',
    valid: { name: 'someone' },
    fields: [{ name: 'name', required: true, bad: [...STRING_BAD, ''] }],
  },
];

interface RestCase {
  title: string;
  path: string;
  init: RequestInit;
  /** The field the answer must name (`param`). */
  field: string;
  status?: number;
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The form fields a value becomes: strings, a repeated field for a list. */
function form(body: Json): RequestInit {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return { method: 'POST', body: params };
}

function restCases(): RestCase[] {
  const cases: RestCase[] = [];
  for (const { path, valid, fields } of ROUTES) {
    for (const field of fields) {
      if (field.required) {
        const { [field.name]: _, ...without } = valid;
        cases.push({ title: `${path} without "${field.name}" (JSON)`, path, init: json(without), field: field.name });
        cases.push({ title: `${path} without "${field.name}" (form)`, path, init: form(without), field: field.name });
      }
      for (const value of field.bad) {
        cases.push({
          title: `${path} "${field.name}": ${JSON.stringify(value)} (JSON)`,
          path,
          init: json({ ...valid, [field.name]: value }),
          field: field.name,
        });
      }
      // As form fields (every value a string): a repeated field, and the scalar bad values.
      cases.push({
        title: `${path} "${field.name}" sent twice (form)`,
        path,
        init: form({ ...valid, [field.name]: ['one', 'two'] }),
        field: field.name,
      });
      for (const value of field.bad.filter((v) => typeof v === 'string' || typeof v === 'number')) {
        const stringly = String(value);
        // "42" is a fine string, and "" an absent optional field, in a form.
        if (
          stringly === '' ||
          (!Number.isNaN(Number(stringly)) && ['name', 'text', 'input', 'voice', 'model'].includes(field.name))
        )
          continue;
        if (['reference_audio', 'reference_text', 'audio', 'instructions'].includes(field.name)) continue;
        cases.push({
          title: `${path} "${field.name}": ${JSON.stringify(stringly)} (form)`,
          path,
          init: form({ ...valid, [field.name]: stringly }),
          field: field.name,
        });
      }
    }
    // Bodies that are not an object of fields at all.
    for (const body of ['null', '"hello"', '42', '[]', '[{"text": "hi"}]', 'true']) {
      cases.push({
        title: `${path} body ${body}`,
        path,
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        field: 'body',
      });
    }
    for (const body of ['{"text": ', '{text: 1}', '{"a":1}}', '\u0000']) {
      cases.push({
        title: `${path} broken JSON ${JSON.stringify(body)}`,
        path,
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        field: 'body',
      });
    }
    for (const [encoding, status] of [
      ['gzip', 400],
      ['deflate', 400],
      ['br', 400],
      ['zstd', 415],
      ['compress', 415],
    ] as const) {
      cases.push({
        title: `${path} Content-Encoding ${encoding} over garbage`,
        path,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: 'this is not compressed at all',
        },
        field: 'content-encoding',
        status,
      });
    }
    cases.push({
      title: `${path} gzip of something that is not JSON`,
      path,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Uint8Array(gzipSync('not json')),
      },
      field: 'body',
    });
    cases.push({
      title: `${path} JSON in a charset other than UTF-8`,
      path,
      init: { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' },
      field: 'content-type',
      status: 415,
    });
  }
  return cases;
}

const REST_CASES = restCases();

describe('bad input over REST', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, logLevel: 'silent', workers: 1 });
  });
  afterAll(async () => {
    await server.close();
  });

  it(`has hundreds of cases (${REST_CASES.length})`, () => {
    expect(REST_CASES.length).toBeGreaterThan(300);
  });

  it.each(REST_CASES.map((c) => [c.title, c] as const))('%s → 4xx naming the field and what is allowed', async (_title, c) => {
    const res = await fetch(`${server.url}${c.path}`, c.init);
    const body = (await res.json()) as { error: { message: string; param: string | null; code: string } };
    const { message, param } = body.error;
    expect({ status: res.status, param }).toEqual({ status: c.status ?? expect.any(Number), param: c.field });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    if (c.field !== 'body' && !c.field.startsWith('content-')) expect(message).toContain(`"${c.field}"`);
    else expect(message.toLowerCase()).toContain(c.field === 'body' ? 'body' : c.field.replace('content-', ''));
    expect(message).toMatch(SAYS_WHAT_IS_ALLOWED);
    expect(message).not.toMatch(ZOD_WORDS);
  });

  it('answers a route asked with a method it does not take 405 with Allow, and the realtime socket asked over plain HTTP 426', async () => {
    const wrong = await fetch(`${server.url}/speak`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(((await wrong.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'method_not_allowed',
      message: '/speak answers POST, not GET.',
      param: null,
      type: 'invalid_request_error',
    });
    const plain = await fetch(`${server.url}/v1/realtime`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get('upgrade')).toBe('websocket');
    expect(((await plain.json()) as { error: { message: string } }).error.message).toMatch(
      /WebSocket endpoint: connect to it with a WebSocket client/,
    );
    // A path no route has is still a 404.
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });

  it('keeps serving afterwards', async () => {
    const res = await fetch(`${server.url}/speak`, json({ name: 'female', text: 'Still here.', response_format: 'wav' }));
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

// ─── Realtime ──────────────────────────────────────────────────────────────────────────────────

interface WsCase {
  title: string;
  /** Sent after a valid init (or as the init itself, when `init`). */
  frame: object | Uint8Array | string;
  init?: boolean;
  /** The field `param` names; undefined for a frame that is not a message at all. */
  field?: string;
  code?: string;
}

const CONTEXT_BAD = [42, '', 'x'.repeat(129), [], {}, null, true];
const FLUSH_ID_BAD = [{}, [], 'x'.repeat(129), true, null];
const VOICE_BAD = [42, '', 'x'.repeat(201), [], {}];

function wsCases(): WsCase[] {
  const cases: WsCase[] = [];
  const initBad: [string, unknown[]][] = [
    ['version', ['1', 1.5, [], {}, true]],
    ['token', [42, [], {}, true]],
    ['voice', VOICE_BAD],
    ['speed', ['fast', 0, 5, [], true, 0.49]],
    ['pitch', [-13, 13, 'high', [], {}]],
    ['format', [42, 'opus', [], true]],
    ['segmentation', ['yes', 1, [], {}]],
    ['timestamps', ['no', 0, []]],
    ['idle_flush_ms', [-1, 60001, 1.5, '500', []]],
  ];
  for (const [field, values] of initBad) {
    for (const value of values) {
      cases.push({
        title: `init "${field}": ${JSON.stringify(value)}`,
        frame: { type: 'init', [field]: value },
        init: true,
        field,
      });
    }
  }
  const formatBad: [string, unknown[]][] = [
    ['encoding', ['mp3', 1, [], '']],
    ['sample_rate', ['16000', 1.5, [], true]],
    ['channels', [0, 3, '2', 1.5, []]],
    ['frame_ms', ['20', 20.5, [], true]],
  ];
  for (const [field, values] of formatBad) {
    for (const value of values) {
      cases.push({
        title: `init "format.${field}": ${JSON.stringify(value)}`,
        frame: { type: 'init', format: { encoding: 'pcm_s16le', [field]: value } },
        init: true,
        field: `format.${field}`,
      });
    }
  }
  const messages: [string, Json, [string, unknown[]][]][] = [
    [
      'text',
      { type: 'text', context_id: 'c', text: 'Hi.' },
      [
        ['context_id', CONTEXT_BAD],
        ['text', [42, null, [], {}, true]],
        ['flush', ['yes', 1, []]],
        ['flush_id', FLUSH_ID_BAD],
        ['voice', VOICE_BAD],
      ],
    ],
    [
      'flush',
      { type: 'flush', context_id: 'c' },
      [
        ['context_id', CONTEXT_BAD],
        ['flush_id', FLUSH_ID_BAD],
      ],
    ],
    ['end', { type: 'end', context_id: 'c' }, [['context_id', CONTEXT_BAD]]],
    ['cancel', { type: 'cancel', context_id: 'c' }, [['context_id', CONTEXT_BAD]]],
    [
      'speak',
      { type: 'speak', context_id: 'c', text: 'Hi.' },
      [
        ['context_id', CONTEXT_BAD],
        ['text', [42, null, [], {}]],
        ['voice', VOICE_BAD],
      ],
    ],
    ['ping', { type: 'ping' }, [['id', FLUSH_ID_BAD.filter((v) => v !== null)]]],
  ];
  for (const [type, valid, fields] of messages) {
    for (const [field, values] of fields) {
      for (const value of values) {
        cases.push({ title: `${type} "${field}": ${JSON.stringify(value)}`, frame: { ...valid, [field]: value }, field });
      }
      if (field === 'context_id' || (field === 'text' && type !== 'ping')) {
        const { [field]: _, ...without } = valid;
        cases.push({ title: `${type} without "${field}"`, frame: without, field });
      }
    }
  }
  // Frames that are not one message of the protocol.
  const packed = (value: unknown): Uint8Array => getCodec('msgpack').encode(value as object) as Uint8Array;
  const ping = packed({ type: 'ping' });
  const invalidUtf8 = new Uint8Array([
    0x82,
    0xa4,
    ...Buffer.from('type'),
    0xa4,
    ...Buffer.from('ping'),
    0xa2,
    0x69,
    0x64,
    0xa2,
    0xff,
    0xfe,
  ]);
  const frames: [string, object | Uint8Array | string, string | undefined, string][] = [
    ['an unknown type', { type: 'shout' }, 'type', 'unknown_message_type'],
    ['no type', { context_id: 'c' }, 'type', 'invalid_message'],
    ['a numeric type', { type: 42 }, 'type', 'invalid_message'],
    ['a list', packed([1, 2]), undefined, 'invalid_message'],
    ['a number', packed(42), undefined, 'invalid_message'],
    ['a string', packed('ping'), undefined, 'invalid_message'],
    ['msgpack garbage', new Uint8Array([0xc1, 0xc1, 0xc1]), undefined, 'invalid_message'],
    ['truncated msgpack', ping.subarray(0, ping.length - 2), undefined, 'invalid_message'],
    ['two messages in one frame', new Uint8Array([...ping, ...ping]), undefined, 'invalid_message'],
    ['a msgpack timestamp', packed({ type: 'ping', id: new Date(0) }), 'id', 'invalid_message'],
    ['a msgpack extension', new Uint8Array([0x81, 0xa4, ...Buffer.from('type'), 0xd4, 0x05, 0x01]), undefined, 'invalid_message'],
    ['invalid UTF-8 in msgpack', invalidUtf8, undefined, 'invalid_message'],
    ['invalid JSON text', '{"type": "ping"', undefined, 'invalid_message'],
    ['JSON in a binary frame', new Uint8Array(Buffer.from('{"type": "ping"}')), undefined, 'invalid_message'],
    ['JSON null', 'null', undefined, 'invalid_message'],
  ];
  for (const [title, frame, field, code] of frames) cases.push({ title, frame, ...(field ? { field } : {}), code });
  return cases;
}

const WS_CASES = wsCases();

function sendFrame(raw: RawSession, frame: object | Uint8Array | string): void {
  if (typeof frame === 'string') raw.ws.send(frame);
  else if (frame instanceof Uint8Array) raw.ws.send(frame);
  else raw.send(frame);
}

describe('bad input over the realtime socket', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, logLevel: 'silent', workers: 1 });
  });
  afterAll(async () => {
    await server.close();
  });

  it(`has about a hundred cases and more (${WS_CASES.length})`, () => {
    expect(WS_CASES.length).toBeGreaterThan(100);
  });

  it.each(WS_CASES.map((c) => [c.title, c] as const))('%s → an error naming the field and what is allowed', async (_title, c) => {
    const raw = await openRaw(server.url);
    try {
      if (!c.init) {
        raw.send({ type: 'init', format: { encoding: 'pcm_s16le' } });
        await raw.next((m) => m.type === 'ready');
      }
      sendFrame(raw, c.frame);
      const error = (await raw.next((m: ServerMessage) => m.type === 'error')) as ErrorMessage;
      expect(error.code).toBe(c.code ?? 'invalid_request');
      if (c.field !== undefined) {
        expect(error.param).toBe(c.field);
        expect(error.message).toContain(`"${c.field}"`);
      }
      expect(error.message).toMatch(SAYS_WHAT_IS_ALLOWED);
      expect(error.message).not.toMatch(ZOD_WORDS);
      if (c.init) {
        // Before init a bad message ends the session (4002): the client is not speaking the protocol.
        expect(error.fatal).toBe(true);
        expect((await raw.closed).code).toBe(4002);
      } else {
        // After init it refused that one message: the session goes on.
        expect(error.fatal).toBe(false);
        raw.send({ type: 'ping', id: 'after' });
        await raw.next((m) => m.type === 'pong');
      }
    } finally {
      raw.ws.close();
    }
  });

  it('keeps serving afterwards', async () => {
    const raw = await openRaw(server.url);
    raw.send({ type: 'init', format: { encoding: 'pcm_s16le' } });
    await raw.next((m) => m.type === 'ready');
    raw.send({ type: 'speak', context_id: 'ok', text: 'Still here.' });
    await raw.next((m) => m.type === 'done');
    expect(raw.messages.some((m) => m.type === 'audio')).toBe(true);
    raw.ws.close();
  });
});
