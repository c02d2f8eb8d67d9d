/**
 * The PostgreSQL speaker store, on a throwaway cluster (test/helpers/postgres.ts): two stores on
 * one database stand for two nodes. Skipped, saying so, where PostgreSQL is not installed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresSpeakerStore } from '../../src/speakers/postgres-speaker-store.js';
import { type PostgresCluster, postgresBinDir, startPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const installed = postgresBinDir() !== undefined;
if (!installed) console.warn('PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL store tests are skipped.');

(installed ? describe : describe.skip)('PostgreSQL speaker store', () => {
  let cluster: PostgresCluster;
  let dir: string;
  let a: PostgresSpeakerStore;
  let b: PostgresSpeakerStore;

  beforeAll(async () => {
    cluster = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-pgstore-'));
    // Two nodes opening (and migrating) at once must not trip over each other.
    [a, b] = await Promise.all([
      PostgresSpeakerStore.open({ url: cluster.url, cacheDir: join(dir, 'a') }),
      PostgresSpeakerStore.open({ url: cluster.url, cacheDir: join(dir, 'b') }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a speaker saved on one node is listed on the other within a second, its embedding cached there', async () => {
    const samples = Float32Array.from({ length: 2400 }, (_, i) => Math.sin(i / 10));
    const digest = await a.saveAudio(samples);
    expect(await a.saveAudio(samples)).toBe(digest); // content-addressed: once
    await a.saveEmbedding('pocket-tts', digest, { data: Float32Array.of(1, 2, 3, 4), dims: [1, 2, 2] });
    const saved = await a.put({ name: 'Narrator 旁白', audio: digest, sampleRate: 24000, referenceText: 'hello' });
    expect(saved.replaced).toBe(false);
    const started = Date.now();
    await waitFor(() => b.get('narrator 旁白') !== undefined, 'speaker visible on the other node', 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(b.get('NARRATOR 旁白')).toMatchObject({ name: 'Narrator 旁白', referenceText: 'hello', audio: digest });
    expect(existsSync(b.embeddingPath('pocket-tts', digest))).toBe(true);
    expect(await b.readEmbedding('pocket-tts', digest)).toEqual({ data: Float32Array.of(1, 2, 3, 4), dims: [1, 2, 2] });
    expect(await b.readAudio(digest)).toEqual(samples);
    expect((await b.put({ name: 'narrator 旁白', audio: digest, sampleRate: 24000 })).replaced).toBe(true);
    await waitFor(() => a.get('Narrator 旁白')?.referenceText === undefined, 'replacement visible on the first node', 1000);
  });

  it('a delete on one node is seen on the other; names follow the filesystem store rules', async () => {
    expect(await b.delete('Narrator 旁白')).toBe(true);
    await waitFor(() => a.get('Narrator 旁白') === undefined, 'delete visible on the other node', 1000);
    expect(a.list()).toEqual([]);
    expect(await a.delete('Narrator 旁白')).toBe(false);
    await expect(a.put({ name: '../etc', audio: 'x', sampleRate: 24000 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(a.put({ name: 'ok', audio: 'f'.repeat(64), sampleRate: 24000 })).rejects.toThrow(/not stored/);
  });

  it('a new node loads every speaker at start', async () => {
    const digest = await a.saveAudio(Float32Array.of(0.1, 0.2));
    await a.put({ name: 'late', audio: digest, sampleRate: 24000 });
    const c = await PostgresSpeakerStore.open({ url: cluster.url, cacheDir: join(dir, 'c') });
    try {
      expect(c.list().map((s) => s.name)).toEqual(['late']);
    } finally {
      await c.close();
    }
  });
});
