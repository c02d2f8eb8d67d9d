/**
 * Kokoro and Piper through the real server, on synthetic graphs with the real signatures (see
 * test/helpers/synthetic-models.ts) and the real Kokoro voices and vocabulary. The synthetic
 * "audio" encodes what reached the model, so these tests read back token ids, the style row,
 * speed, speaker ids and splitting from the server's PCM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRealtimeClient } from '../../src/adapters/realtime-client.js';
import { concatBytes } from '../../src/audio/pcm.js';
import { createLetterToSound, type LetterToSound } from '../../src/engine/flite/letter-to-sound.js';
import { KOKORO_MAX_TOKENS, KOKORO_SIGNATURE, splitPhonemes } from '../../src/engine/kokoro/kokoro-engine.js';
import { readVoiceFile } from '../../src/engine/kokoro/kokoro-voices.js';
import { OnnxModel } from '../../src/engine/onnx/ort.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { phonemizeEnglish, phonemizeEnglishWords } from '../../src/text/g2p/english.js';
import { normalizeText } from '../../src/text/normalize.js';
import { writeOnnxModel } from '../helpers/onnx-writer.js';
import { audioOf, collect } from '../helpers/realtime.js';
import { installSyntheticKokoro, installSyntheticPiper, SHARED_KOKORO } from '../helpers/synthetic-models.js';

const K = 240; // synthetic Kokoro samples per token
const P = 256; // synthetic Piper samples per id
const vocab = new Map(
  Object.entries(
    (JSON.parse(readFileSync(join(SHARED_KOKORO, 'config.json'), 'utf8')) as { vocab: Record<string, number> }).vocab,
  ),
);

/** Mean of a voice's style row for `tokens` tokens. */
function styleMean(voice: string, tokens: number): number {
  const tensor = readVoiceFile(join(SHARED_KOKORO, 'voices', `${voice}.bin`));
  const row = tensor.subarray(tokens * 256, (tokens + 1) * 256);
  return row.reduce((a, b) => a + b, 0) / 256;
}

/** PCM s16le bytes → floats. */
function samplesOf(bytes: Uint8Array): Float32Array {
  const ints = new Int16Array(bytes.slice().buffer);
  return Float32Array.from(ints, (s) => s / 32768);
}

async function speech(server: RunningServer, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', response_format: 'pcm', ...body }),
  });
}

describe('neural engines through the server (synthetic graphs)', () => {
  let dir: string;
  let server: RunningServer;
  let lts: LetterToSound;
  const tokensOf = (text: string): number[] =>
    [...phonemizeEnglish(normalizeText(text), { alphabet: 'misaki', oov: lts })].flatMap((c) =>
      vocab.has(c) ? [vocab.get(c) as number] : [],
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-neural-'));
    installSyntheticKokoro(dir, { samplesPerToken: K });
    installSyntheticPiper(dir, { voice: 'en_US-test-medium', sid: true, sampleRate: 22050, samplesPerId: P });
    installSyntheticPiper(dir, { voice: 'en_US-small-low', sampleRate: 16000, samplesPerId: P });
    server = await startServer({ port: 0, logLevel: 'silent', workers: 1, modelsDir: dir });
    lts = await createLetterToSound();
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the installed voices, and the roles move to Kokoro', async () => {
    const { voices } = (await (await fetch(`${server.url}/v1/audio/voices`)).json()) as { voices: { id: string }[] };
    const ids = voices.map((v) => v.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'af_bella',
        'af_heart',
        'bm_george',
        'en_US-test-medium',
        'en_US-test-medium:bob',
        'en_US-small-low',
        'slt',
      ]),
    );
    const roles = (await (await fetch(`${server.url}/audio_roles`)).json()) as { roles: string[] };
    expect(roles.roles).toEqual(expect.arrayContaining(['female', 'male']));
    expect(server.scheduler.engines.map((e) => e.id)).toEqual(['flite', 'kokoro', 'piper']);
    // "female" is now Kokoro's af_heart.
    const tokens = tokensOf('Hi.');
    const pcm = samplesOf(
      new Uint8Array(await (await speech(server, { voice: 'female', input: 'Hi.', sample_rate: 24000 })).arrayBuffer()),
    );
    expect(pcm.length).toBe((tokens.length + 2) * K);
    expect(pcm[K / 2]).toBeCloseTo(styleMean('af_heart', tokens.length), 3);
  });

  it("speaks a word no lexicon has with Flite's letter-to-sound, loaded at the worker's first such word", async () => {
    // The worker has not met an unknown word yet (the warm-up and the test above use lexicon words):
    // this request loads letter-to-sound and phonemizes the text again.
    const text = 'Zorblaxian snorfles.';
    const tokens = tokensOf(text);
    expect(tokens.length).toBeGreaterThan(10);
    const res = await speech(server, { voice: 'af_bella', input: text, sample_rate: 24000 });
    expect(res.status).toBe(200);
    const pcm = samplesOf(new Uint8Array(await res.arrayBuffer()));
    expect(pcm.length).toBe((tokens.length + 2) * K);
    const mean = styleMean('af_bella', tokens.length);
    for (let i = 0; i < tokens.length; i++) expect(pcm[(i + 1) * K + K / 2]).toBeCloseTo((tokens[i] as number) / 1000 + mean, 3);
  });

  it('feeds Kokoro pad-wrapped ids, the style row of the token count, and the speed', async () => {
    const text = 'Hello world.';
    const tokens = tokensOf(text);
    expect(tokens.length).toBeGreaterThan(5);
    for (const speed of [1, 1.5]) {
      const res = await speech(server, { voice: 'af_bella', input: text, sample_rate: 24000, speed });
      expect(res.status).toBe(200);
      const pcm = samplesOf(new Uint8Array(await res.arrayBuffer()));
      // One block of K samples per id: pad, the tokens, pad.
      expect(pcm.length).toBe((tokens.length + 2) * K);
      const mean = styleMean('af_bella', tokens.length);
      const block = (i: number): number => pcm[i * K + K / 2] as number;
      expect(block(0)).toBeCloseTo(mean * speed, 3); // pad id 0
      expect(block(tokens.length + 1)).toBeCloseTo(mean * speed, 3);
      for (let i = 0; i < tokens.length; i++) expect(block(i + 1)).toBeCloseTo(((tokens[i] as number) / 1000 + mean) * speed, 3);
    }
  });

  it('mixes voices as the weighted mean of their tensors', async () => {
    const text = 'Mixing voices.';
    const tokens = tokensOf(text);
    const res = await speech(server, { voice: 'af_bella(2)+af_sarah(1)', input: text, sample_rate: 24000 });
    expect(res.status).toBe(200);
    const pcm = samplesOf(new Uint8Array(await res.arrayBuffer()));
    const expected = (2 * styleMean('af_bella', tokens.length) + styleMean('af_sarah', tokens.length)) / 3;
    expect(pcm[K / 2]).toBeCloseTo(expected, 3);
    const equal = samplesOf(
      new Uint8Array(await (await speech(server, { voice: 'af_bella+af_sarah', input: text, sample_rate: 24000 })).arrayBuffer()),
    );
    expect(equal[K / 2]).toBeCloseTo((styleMean('af_bella', tokens.length) + styleMean('af_sarah', tokens.length)) / 2, 3);
  });

  it('splits phonemes longer than 510 tokens into several model calls', async () => {
    // Segmentation off: one 900-character message is one segment, longer than the model's context.
    const text = Array.from({ length: 30 }, (_, i) => `word number ${i + 1} goes here`).join(', ');
    const phonemes = phonemizeEnglish(normalizeText(text), { alphabet: 'misaki', oov: lts });
    const pieces = splitPhonemes(phonemes);
    expect(pieces.length).toBeGreaterThan(1);
    const tokenCounts = pieces.map((p) => [...p].filter((c) => vocab.has(c)).length);
    for (const n of tokenCounts) expect(n).toBeLessThanOrEqual(KOKORO_MAX_TOKENS);
    const client = await createRealtimeClient(server.url, {
      voice: 'af_heart',
      segmentation: false,
      format: { encoding: 'pcm_s16le', sample_rate: 24000 },
    });
    const audio = audioOf(await collect(client.speak(text)));
    await client.close();
    const pcm = samplesOf(concatBytes(audio.map((a) => a.data)));
    expect(pcm.length).toBe(tokenCounts.reduce((n, t) => n + (t + 2) * K, 0));
    // The second call starts with a pad block styled by its own token count.
    const secondStart = ((tokenCounts[0] as number) + 2) * K;
    expect(pcm[secondStart + K / 2]).toBeCloseTo(styleMean('af_heart', tokenCounts[1] as number), 3);
  });

  it('feeds Piper ^ _ … $ ids with pads, the length scale from the speed, and the speaker id', async () => {
    const res = await speech(server, { voice: 'en_US-test-medium:bob', input: 'Hi.', sample_rate: 22050, speed: 2 });
    expect(res.status).toBe(200);
    const pcm = samplesOf(new Uint8Array(await res.arrayBuffer()));
    // ^ = id 1: 1/1000 * length_scale (1/2) + sid 1 / 100.
    expect(pcm[P / 2]).toBeCloseTo(0.001 * 0.5 + 0.01, 3);
    // Then the pad "_" (id 0), "h" (id of h) and its pad.
    expect(pcm[P + P / 2]).toBeCloseTo(0.01, 3);
    expect(pcm[2 * P + P / 2]).toBeGreaterThan(0.01);
    expect(pcm[3 * P + P / 2]).toBeCloseTo(0.01, 3);
    expect(pcm.length % P).toBe(0);
    // The last id is $ (2).
    expect(pcm[pcm.length - P / 2]).toBeCloseTo(0.002 * 0.5 + 0.01, 3);
  });

  it('serves each Piper voice at its own rate, converted to the asked one', async () => {
    const native = samplesOf(
      new Uint8Array(
        await (await speech(server, { voice: 'en_US-small-low', input: 'Hi there.', sample_rate: 16000 })).arrayBuffer(),
      ),
    );
    const converted = samplesOf(
      new Uint8Array(
        await (await speech(server, { voice: 'en_US-small-low', input: 'Hi there.', sample_rate: 48000 })).arrayBuffer(),
      ),
    );
    expect(native.length % P).toBe(0);
    expect(converted.length).toBe(native.length * 3);
  });

  it('answers a voice of a model that is not installed with a 404 that says how to install it', async () => {
    // A voice of the multilingual pack, which this server does not have.
    const res = await speech(server, { voice: 'jf_alpha', input: 'Hello.' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('voice_not_found');
    expect(body.error.message).toContain('flash-tts models pull kokoro-82m-');
    // The embedded engine still speaks.
    expect((await speech(server, { voice: 'slt', input: 'Still here.' })).status).toBe(200);
  });
});

describe('Kokoro export with "tokens" and a durations output', () => {
  it('speaks through the server and places each word at its tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flash-tts-durations-'));
    installSyntheticKokoro(dir, { samplesPerToken: K, durations: true, inputName: 'tokens' });
    const withModels = await startServer({ port: 0, logLevel: 'silent', workers: 1, modelsDir: dir });
    try {
      const lts = await createLetterToSound();
      const text = 'Hello brave new world.';
      const { phonemes, words } = phonemizeEnglishWords(normalizeText(text), { alphabet: 'misaki', oov: lts });
      const client = await createRealtimeClient(withModels.url, {
        voice: 'af_bella',
        timestamps: true,
        format: { encoding: 'pcm_s16le', sample_rate: 24000 },
      });
      const events = await collect(client.speak(text));
      await client.close();
      const timed = events.flatMap((e) => (e.type === 'words' ? e.words : []));
      expect(timed.map((w) => w.word)).toEqual(['Hello', 'brave', 'new', 'world']);
      const symbols = [...phonemes];
      for (const [i, w] of words.entries()) {
        // Token k of the call is audio block k + 1 (after the leading pad), 10 ms each.
        const tokenIndex = symbols.slice(0, w.start).filter((c) => vocab.has(c)).length;
        const tokenCount = symbols.slice(w.start, w.end).filter((c) => vocab.has(c)).length;
        expect(timed[i]?.start_ms).toBeCloseTo(((tokenIndex + 1) * K * 1000) / 24000, 1);
        expect(timed[i]?.end_ms).toBeCloseTo(((tokenIndex + 1 + tokenCount) * K * 1000) / 24000, 1);
      }
    } finally {
      await withModels.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loading ONNX graphs', () => {
  it('accepts the "tokens" export of Kokoro and names any mismatch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flash-tts-onnx-'));
    try {
      const kokoroDir = installSyntheticKokoro(dir, { inputName: 'tokens' });
      const model = await OnnxModel.load(join(kokoroDir, 'model.onnx'), KOKORO_SIGNATURE);
      expect(model.has('tokens')).toBe(true);
      await model.release();
      // A graph whose speed is int64 and that lacks a style input.
      const bad = writeOnnxModel({
        name: 'bad',
        inputs: [
          { name: 'input_ids', type: 'int64', shape: [1, 'T'] },
          { name: 'speed', type: 'int64', shape: [1] },
        ],
        outputs: [{ name: 'waveform', type: 'float32', shape: [1, 'N'] }],
        nodes: [
          { op: 'Cast', inputs: ['input_ids'], outputs: ['a'], attributes: [{ name: 'to', int: 1 }] },
          { op: 'Cast', inputs: ['speed'], outputs: ['b'], attributes: [{ name: 'to', int: 1 }] },
          { op: 'Mul', inputs: ['a', 'b'], outputs: ['waveform'] },
        ],
      });
      writeFileSync(join(dir, 'bad.onnx'), bad);
      await expect(OnnxModel.load(join(dir, 'bad.onnx'), KOKORO_SIGNATURE)).rejects.toThrow(
        /no input named "style".*input "speed" is int64, expected float32/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
