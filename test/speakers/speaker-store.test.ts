import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpeakerStore, validateSpeakerName } from '../../src/speakers/speaker-store.js';

const WRITER = fileURLToPath(new URL('../helpers/speaker-writer.ts', import.meta.url));
const tone = (n: number, f = 0.05): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * f));

describe('speaker store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-speakers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['粤语女声', 'Zoë', 'Narrator 2', '🎙️ host', 'o’brien'])('accepts the name %s', (name) => {
    expect(validateSpeakerName(name)).toBe(name.normalize('NFC'));
  });

  it.each([
    ['', 'must not be empty'],
    ['../../etc/passwd', 'not a path'],
    ['a/b', 'not a path'],
    ['back\\slash', 'not a path'],
    ['bell\u0007', 'control characters'],
    ['x'.repeat(65), 'at most 64'],
  ])('refuses the name %j with a 400 that says why', (name, why) => {
    expect(() => validateSpeakerName(name)).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringContaining(why) }),
    );
  });

  it('saves, finds (case-insensitively), replaces, deletes, and reloads speakers', async () => {
    const store = await SpeakerStore.open(dir);
    const audio = await store.saveAudio(tone(24000));
    expect(await store.saveAudio(tone(24000))).toBe(audio); // content-addressed: stored once
    expect(readdirSync(join(dir, 'audio'))).toHaveLength(1);
    const voice = { data: Float32Array.from({ length: 1024 }, (_, i) => i / 1024), dims: [1, 1, 1024] };
    const embedding = await store.saveEmbedding('pocket-tts', voice);
    const embeddings = { 'pocket-tts': { digest: embedding, from: 'audio' as const } };
    const first = await store.put({ name: '粤语女声', audio, sampleRate: 24000, referenceText: '你好', embeddings });
    expect(first.replaced).toBe(false);
    await store.put({ name: 'Narrator', audio, sampleRate: 24000, embeddings });
    expect((await store.put({ name: 'narrator', audio, sampleRate: 24000, embeddings })).replaced).toBe(true);
    expect(store.get('NARRATOR')?.name).toBe('narrator');

    const reopened = await SpeakerStore.open(dir);
    expect(reopened.list().map((s) => s.name)).toEqual(['narrator', '粤语女声']);
    expect(reopened.get('粤语女声')?.referenceText).toBe('你好');
    expect(await reopened.readEmbedding('pocket-tts', embedding)).toEqual(voice);
    expect(Array.from(await reopened.readAudio(audio))).toEqual(Array.from(tone(24000)));
    expect(await reopened.delete('Narrator')).toBe(true);
    expect(await reopened.delete('Narrator')).toBe(false);
    expect((await SpeakerStore.open(dir)).list().map((s) => s.name)).toEqual(['粤语女声']);
  });

  it('survives kill -9 in the middle of saving: the old speaker or the new one, never a broken one', async () => {
    const killDir = await mkdtemp(join(tmpdir(), 'flash-tts-kill-'));
    try {
      for (let round = 0; round < 6; round++) {
        // The writer runs in this very process (tsx as a loader, not its CLI, which would fork a child).
        const child = spawn(process.execPath, ['--import', 'tsx', WRITER, killDir], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 250));
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
        const store = await SpeakerStore.open(killDir);
        const alpha = store.get('alpha');
        if (alpha) {
          // The record points at audio that is whole: its digest matches its bytes.
          const bytes = readFileSync(store.audioPath(alpha.audio));
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(alpha.audio);
          expect(alpha.referenceText).toMatch(/^take \d+$/);
        }
        // (The store makes its folders on the first save, which a kill may come before.)
        const records = join(killDir, 'speakers');
        expect(existsSync(records) ? readdirSync(records).filter((f) => f.endsWith('.tmp')) : []).toEqual([]);
      }
      expect((await SpeakerStore.open(killDir)).get('alpha')).toBeDefined();
    } finally {
      await rm(killDir, { recursive: true, force: true });
    }
  });

  it('cleans up at start: .tmp files of killed writes in every folder, and files no speaker references', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'flash-tts-clean-'));
    try {
      const store = await SpeakerStore.open(storeDir);
      const audio = await store.saveAudio(tone(24000));
      const voice = { data: new Float32Array(1024).fill(0.5), dims: [1, 1, 1024] };
      const digest = await store.saveEmbedding('pocket-tts', voice);
      await store.put({ name: 'kept', audio, sampleRate: 24000, embeddings: { 'pocket-tts': { digest, from: 'audio' } } });
      const orphanAudio = await store.saveAudio(tone(24000, 0.07));
      const orphanVoice = await store.saveEmbedding('pocket-tts', {
        data: new Float32Array(1024).fill(0.25),
        dims: [1, 1, 1024],
      });
      const leftovers = ['speakers', 'audio', join('embeddings', 'pocket-tts')].map((folder) => {
        mkdirSync(join(storeDir, folder), { recursive: true });
        const path = join(storeDir, folder, `x.123.abcd.tmp`);
        writeFileSync(path, 'half-written');
        return path;
      });
      const reopened = await SpeakerStore.open(storeDir);
      expect(leftovers.filter((path) => existsSync(path))).toEqual([]);
      expect(existsSync(reopened.audioPath(orphanAudio))).toBe(false);
      expect(reopened.hasEmbedding('pocket-tts', orphanVoice)).toBe(false);
      expect(existsSync(reopened.audioPath(audio))).toBe(true);
      expect(await reopened.readEmbedding('pocket-tts', digest)).toEqual(voice);
      expect(reopened.get('kept')).toBeDefined();
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });

  it('keeps only the most recent one-shot embeddings, and never one a speaker or a pin holds', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'flash-tts-cache-'));
    try {
      const store = await SpeakerStore.open(storeDir, { cacheEntries: 2 });
      const voice = (value: number) => ({ data: new Float32Array(1024).fill(value), dims: [1, 1, 1024] });
      const pinned = await store.cacheEmbedding('pocket-tts', voice(0.1));
      const release = store.pin(pinned);
      const digests = [pinned];
      for (const value of [0.2, 0.3, 0.4]) digests.push(await store.cacheEmbedding('pocket-tts', voice(value)));
      await store.settled();
      expect(digests.map((d) => store.hasEmbedding('pocket-tts', d))).toEqual([true, false, true, true]);
      release();
      await store.collect();
      expect(store.hasEmbedding('pocket-tts', pinned)).toBe(false);
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });
});
