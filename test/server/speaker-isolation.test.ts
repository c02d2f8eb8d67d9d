/**
 * One client's speaker never touches another's (issue 14), through the real server with the
 * synthetic Pocket-TTS (test/helpers/synthetic-pocket.ts): the length of what a voice says tells
 * which embedding reached the model (frames = f(voice rows + text tokens)), so a voice that changed
 * under a speaker shows as audio of another length.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SentencePieceProcessor } from '@sctg/sentencepiece-js';
import { dump } from 'npyjs';
import { encodeAudio } from '../../src/audio/index.js';
import { prepareText } from '../../src/engine/pocket/pocket-engine.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { installSyntheticPocket } from '../helpers/synthetic-pocket.js';

const TEXT = 'Good morning to all of you.';
const FRAME = 1920;

async function referenceWav(seconds: number, pitch = 150): Promise<Uint8Array> {
  const rate = 24000;
  const samples = Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * pitch * i) / rate) * (0.7 + 0.3 * Math.sin(i / 900)),
  );
  return encodeAudio(samples, { format: 'wav', sampleRate: rate });
}

/** A .npy file of `rows` voice rows filled with `value`. */
const latentNpy = (rows: number, value = 0.1): Uint8Array =>
  new Uint8Array(dump(new Float32Array(rows * 1024).fill(value), [1, rows, 1024]));

const blob = (bytes: Uint8Array): Blob => new Blob([new Uint8Array(bytes)]);

/** Files under a store folder (recursively), none if it does not exist. */
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe('saved speakers are isolated from each other', () => {
  let dir: string;
  let server: RunningServer;
  let tokenizer: SentencePieceProcessor;
  const settings = (d: string) => ({
    port: 0,
    logLevel: 'silent',
    // One engine worker: whatever it cached is what the next request speaks with.
    workers: 1,
    modelsDir: join(d, 'models'),
    speakersDir: join(d, 'speakers'),
  });
  /** Samples the synthetic model makes for a voice of `rows` rows saying TEXT. */
  const expectedSamples = (rows: number): number => {
    const total = rows + tokenizer.encodeIds(prepareText(TEXT)).length;
    let eosAt = 0;
    while (!(eosAt + 1 > total / 4)) eosAt++;
    return (eosAt + 3) * FRAME;
  };
  const rowsOf = (seconds: number): number => Math.ceil((seconds * 24000) / FRAME);

  const addSpeaker = async (target: RunningServer, name: string, audio: Uint8Array, latent?: Uint8Array): Promise<Response> => {
    const form = new FormData();
    form.append('name', name);
    form.append('audio_file', blob(audio), 'ref.wav');
    if (latent) form.append('latent_file', blob(latent), 'voice.npy');
    return fetch(`${target.url}/add_speaker`, { method: 'POST', body: form });
  };
  const speak = async (target: RunningServer, name: string): Promise<{ status: number; samples: number }> => {
    const res = await fetch(`${target.url}/speak`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, text: TEXT, response_format: 'pcm', sample_rate: 24000 }),
    });
    return { status: res.status, samples: (await res.arrayBuffer()).byteLength / 2 };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-isolation-'));
    const modelDir = installSyntheticPocket(join(dir, 'models'));
    tokenizer = new SentencePieceProcessor();
    await tokenizer.load(join(modelDir, 'tokenizer.model'));
    server = await startServer(settings(dir));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps a speaker's voice when another speaker is saved with the same audio and its own latent_file, across a restart", async () => {
    const audio = await referenceWav(2);
    expect((await addSpeaker(server, 'first', audio)).status).toBe(200);
    const before = await speak(server, 'first');
    expect(before).toEqual({ status: 200, samples: expectedSamples(rowsOf(2)) });
    // Same reference audio, but a voice of its own (40 rows).
    expect((await addSpeaker(server, 'second', audio, latentNpy(40))).status).toBe(200);
    expect(await speak(server, 'second')).toEqual({ status: 200, samples: expectedSamples(40) });
    expect(await speak(server, 'first')).toEqual(before);
    const again = await startServer(settings(dir));
    try {
      expect(await speak(again, 'first')).toEqual(before);
      expect(await speak(again, 'second')).toEqual({ status: 200, samples: expectedSamples(40) });
    } finally {
      await again.close();
    }
  });

  it('speaks with the new voice as soon as a speaker is replaced (engine workers do not keep the old one)', async () => {
    const audio = await referenceWav(3, 170);
    expect((await addSpeaker(server, 'replaced', audio)).status).toBe(200);
    expect(await speak(server, 'replaced')).toEqual({ status: 200, samples: expectedSamples(rowsOf(3)) });
    // Saved again under the same name, same audio, now with an uploaded voice of 60 rows.
    const res = await addSpeaker(server, 'replaced', audio, latentNpy(60));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ replaced: true });
    expect(await speak(server, 'replaced')).toEqual({ status: 200, samples: expectedSamples(60) });
  });

  it('refuses latents that are not a sane voice with a 400 naming latent_file, and no speaker changes', async () => {
    const audio = await referenceWav(2.5, 190);
    expect((await addSpeaker(server, 'bystander', audio)).status).toBe(200);
    const before = await speak(server, 'bystander');
    const valid = latentNpy(8);
    const header = valid.length - 8 * 1024 * 4;
    const withValue = (value: number): Uint8Array => latentNpy(8, value);
    const claiming = (shape: string): Uint8Array => {
      const text = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(117, ' ');
      return new Uint8Array([...Buffer.from('\x93NUMPY\x01\x00', 'latin1'), 118, 0, ...Buffer.from(`${text}\n`), 0, 0, 0, 0]);
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ['all NaN', withValue(Number.NaN), /finite/],
      ['infinite', withValue(Number.POSITIVE_INFINITY), /finite/],
      ['absurdly large', withValue(1e30), /outside/],
      ['truncated', valid.subarray(0, header + 1000), /truncated/],
      ['a header claiming [1, 1e8, 1024]', claiming('(1, 100000000, 1024)'), /more than/],
      ['a header claiming more than its data', claiming('(1, 1, 1024)'), /needs 4096 bytes/],
      ['not .npy at all', new TextEncoder().encode('just some text pretending to be a latent file'), /signature/],
      ['float64', new Uint8Array(dump(new Float64Array(1024), [1, 1, 1024])), /float32/],
      ['the wrong width', new Uint8Array(dump(new Float32Array(8 * 512), [1, 8, 512])), /\[1, 8, 512\]/],
      ['too many frames', latentNpy(501), /more than/],
    ];
    for (const [what, latent, why] of cases) {
      const res = await addSpeaker(server, 'bystander', audio, latent);
      const body = (await res.json()) as { error: { message: string; param: string } };
      expect({ what, status: res.status, param: body.error.param }).toEqual({ what, status: 400, param: 'latent_file' });
      expect(body.error.message).toMatch(why);
      // The same through a one-shot clone.
      const form = new FormData();
      form.append('text', TEXT);
      form.append('latent_file', blob(latent), 'voice.npy');
      const clone = await fetch(`${server.url}/clone_voice`, { method: 'POST', body: form });
      expect({ what, status: clone.status }).toEqual({ what, status: 400 });
    }
    expect(await speak(server, 'bystander')).toEqual(before);
  });

  it('keeps nothing of one-shot clones but a bounded cache, and deleting a speaker frees its files', async () => {
    const audioDir = join(dir, 'speakers', 'audio');
    const savedAudio = filesIn(audioDir).length;
    for (const pitch of [210, 220, 230]) {
      const form = new FormData();
      form.append('text', TEXT);
      form.append('response_format', 'pcm');
      form.append('reference_audio_file', blob(await referenceWav(2, pitch)), 'ref.wav');
      expect((await fetch(`${server.url}/clone_voice`, { method: 'POST', body: form })).status).toBe(200);
    }
    // No reference audio of a one-shot is kept.
    expect(filesIn(audioDir).length).toBe(savedAudio);
    expect((await addSpeaker(server, 'temporary', await referenceWav(2, 240))).status).toBe(200);
    expect(filesIn(audioDir).length).toBe(savedAudio + 1);
    const deleted = await fetch(`${server.url}/delete_speaker`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'temporary' }),
    });
    expect(deleted.status).toBe(200);
    expect(filesIn(audioDir).length).toBe(savedAudio);
    // After a restart only what saved speakers reference is left: one embedding (two files) each,
    // and nothing of writes a kill -9 cut short, in any folder.
    await server.close();
    const leftovers = ['speakers', 'audio', join('embeddings', 'pocket-tts')].map((folder) => {
      const path = join(dir, 'speakers', folder, `${'0'.repeat(64)}.f32.4242.cafe.tmp`);
      writeFileSync(path, 'half-written');
      return path;
    });
    const orphan = join(audioDir, `${'1'.repeat(64)}.f32`);
    writeFileSync(orphan, new Uint8Array(96000));
    server = await startServer(settings(dir));
    expect([...leftovers, orphan].filter((path) => existsSync(path))).toEqual([]);
    const speakers = server.cloning.store.list().length;
    expect(filesIn(join(dir, 'speakers', 'embeddings')).length).toBeLessThanOrEqual(2 * speakers);
    expect(filesIn(audioDir).length).toBeLessThanOrEqual(speakers);
  });
});
