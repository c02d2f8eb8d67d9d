import { describe, expect, it } from '@jest/globals';
import { decodeFrame, getCodec } from '../../protocol/codec.js';
import { CLOSE_CODES, ERROR_CODES } from '../../protocol/errors.js';
import { CLIENT_MESSAGE_SCHEMAS, initMessageSchema, SERVER_MESSAGE_SCHEMAS } from '../../protocol/messages.js';

const audio = {
  type: 'audio',
  context_id: 'c',
  segment_id: 0,
  seq: 3,
  pts_ms: 60,
  dur_ms: 20,
  data: new Uint8Array([1, 2, 3, 250]),
};

describe('protocol', () => {
  it('carries audio as raw msgpack bin and as base64 JSON, both decoding to bytes', () => {
    const packed = getCodec('msgpack').encode(audio) as Uint8Array;
    expect(packed).toBeInstanceOf(Uint8Array);
    // bin 8 marker followed by the four bytes, not an array of numbers.
    expect(Buffer.from(packed).includes(Buffer.from([0xc4, 4, 1, 2, 3, 250]))).toBe(true);
    const fromMsgpack = decodeFrame(packed) as typeof audio;
    expect(fromMsgpack.data).toEqual(new Uint8Array([1, 2, 3, 250]));

    const json = getCodec('json').encode(audio) as string;
    expect(JSON.parse(json).data).toBe(Buffer.from([1, 2, 3, 250]).toString('base64'));
    const fromJson = decodeFrame(json) as typeof audio;
    expect(fromJson.data).toEqual(new Uint8Array([1, 2, 3, 250]));
    expect(SERVER_MESSAGE_SCHEMAS.audio.parse(fromJson)).toMatchObject({ seq: 3 });
  });

  it('applies defaults to init and ignores fields it does not know', () => {
    const init = initMessageSchema.parse({ type: 'init', future_option: true });
    expect(init).toEqual({
      type: 'init',
      version: 1,
      speed: 1,
      pitch: 0,
      format: { encoding: 'opus', channels: 1 },
      segmentation: true,
      timestamps: false,
    });
    expect(CLIENT_MESSAGE_SCHEMAS.text.safeParse({ type: 'text', context_id: '', text: 'x' }).success).toBe(false);
  });

  it('documents every error code with a status, and closes with distinct codes', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(info.status).toBeGreaterThanOrEqual(400);
      expect(info.summary.length).toBeGreaterThan(10);
      expect(code).toMatch(/^[a-z_]+$/);
    }
    const codes = Object.values(CLOSE_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
