/**
 * The PostgreSQL speaker store, on a throwaway cluster (test/helpers/postgres.ts): two stores on
 * one database stand for two nodes. The filesystem store's rules hold here too: embeddings are
 * addressed by their own bytes and belong to their speaker, the database keeps only what speakers
 * reference, one-shot clones stay in the node's cache, broken embeddings are neither stored nor
 * served. Skipped, saying so, where PostgreSQL is not installed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { embeddingDigest } from '../../src/engine/pocket/embedding-file.js';
import type { VoiceEmbedding } from '../../src/engine/types.js';
import { PostgresSpeakerStore, SCHEMA_VERSION } from '../../src/speakers/postgres-speaker-store.js';
import { type PostgresCluster, postgresBinDir, startPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const installed = postgresBinDir() !== undefined;
if (!installed) console.warn('PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL store tests are skipped.');

const tone = (n: number, f = 0.05): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * f));
const voice = (seed: number, rows = 2): VoiceEmbedding => ({
  data: Float32Array.from({ length: rows * 1024 }, (_, i) => Math.sin(i * seed) / 2),
  dims: [1, rows, 1024],
});

(installed ? describe : describe.skip)('PostgreSQL speaker store', () => {
  let cluster: PostgresCluster;
  let dir: string;
  let a: PostgresSpeakerStore;
  let b: PostgresSpeakerStore;
  let sql: pg.Client;
  const count = async (table: string): Promise<number> =>
    Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

  beforeAll(async () => {
    cluster = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-pgstore-'));
    // Two nodes opening (and migrating) at once must not trip over each other.
    [a, b] = await Promise.all([
      PostgresSpeakerStore.open({ url: cluster.url, cacheDir: join(dir, 'a'), cacheEntries: 2 }),
      PostgresSpeakerStore.open({ url: cluster.url, cacheDir: join(dir, 'b') }),
    ]);
    sql = new pg.Client({ connectionString: cluster.url });
    await sql.connect();
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await a?.close();
    await b?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a speaker saved on one node is listed on the other within a second, its embedding cached there', async () => {
    const samples = tone(2400);
    const audio = await a.saveAudio(samples);
    expect(await a.saveAudio(samples)).toBe(audio); // content-addressed: once
    const digest = await a.saveEmbedding('pocket-tts', voice(1));
    expect(digest).toBe(embeddingDigest(voice(1)));
    const embeddings = { 'pocket-tts': { digest, from: 'audio' as const } };
    const started = Date.now();
    const saved = await a.put({ name: 'Narrator 旁白', audio, sampleRate: 24000, referenceText: 'hello', embeddings });
    expect(saved.replaced).toBe(false);
    await waitFor(() => b.get('narrator 旁白') !== undefined, 'speaker visible on the other node', 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(b.get('NARRATOR 旁白')).toMatchObject({ name: 'Narrator 旁白', referenceText: 'hello', audio, embeddings });
    expect(b.hasEmbedding('pocket-tts', digest)).toBe(true);
    expect(existsSync(b.embeddingPath('pocket-tts', digest))).toBe(true);
    expect(await b.readEmbedding('pocket-tts', digest)).toEqual(voice(1));
    expect(await b.readAudio(audio)).toEqual(samples);

    // Replaced through the other node with another embedding: the old one leaves the database and both caches.
    const other = await b.saveEmbedding('pocket-tts', voice(2));
    const replaced = await b.put({
      name: 'narrator 旁白',
      audio,
      sampleRate: 24000,
      embeddings: { 'pocket-tts': { digest: other, from: 'latent' } },
    });
    expect(replaced.replaced).toBe(true);
    await waitFor(
      () => a.get('Narrator 旁白')?.embeddings?.['pocket-tts']?.digest === other,
      'replacement on the first node',
      1000,
    );
    expect(a.get('Narrator 旁白')?.referenceText).toBeUndefined();
    await a.collect();
    expect(await count('flash_tts_embeddings')).toBe(1);
    expect(a.hasEmbedding('pocket-tts', digest)).toBe(false);
    expect(b.hasEmbedding('pocket-tts', digest)).toBe(false);
    expect(a.hasEmbedding('pocket-tts', other)).toBe(true);
  });

  it('speakers with the same reference audio keep their own embeddings', async () => {
    const audio = await a.saveAudio(tone(4800, 0.07));
    const mine = await a.saveEmbedding('pocket-tts', voice(3));
    await a.put({ name: 'mine', audio, sampleRate: 24000, embeddings: { 'pocket-tts': { digest: mine, from: 'audio' } } });
    // Someone else uploads the same audio with their own latent: it cannot change "mine".
    const theirs = await b.saveEmbedding('pocket-tts', voice(4));
    await b.saveAudio(tone(4800, 0.07));
    await b.put({ name: 'theirs', audio, sampleRate: 24000, embeddings: { 'pocket-tts': { digest: theirs, from: 'latent' } } });
    await waitFor(() => a.get('theirs') !== undefined && b.get('mine') !== undefined, 'both on both nodes', 1000);
    for (const node of [a, b]) {
      expect(node.get('mine')?.embeddings?.['pocket-tts']?.digest).toBe(mine);
      expect(await node.readEmbedding('pocket-tts', mine)).toEqual(voice(3));
    }
    // Deleting one keeps the shared audio for the other, and removes only its own embedding.
    expect(await b.delete('theirs')).toBe(true);
    await waitFor(() => a.get('theirs') === undefined, 'delete on the other node', 1000);
    expect(await a.readAudio(audio)).toEqual(tone(4800, 0.07));
    expect((await sql.query('SELECT 1 FROM flash_tts_embeddings WHERE digest = $1', [theirs])).rowCount).toBe(0);
    expect((await sql.query('SELECT 1 FROM flash_tts_embeddings WHERE digest = $1', [mine])).rowCount).toBe(1);
    await a.delete('mine');
    await a.delete('Narrator 旁白');
    await waitFor(() => b.list().length === 0, 'every delete on the other node', 1000);
    expect(await count('flash_tts_speaker_audio')).toBe(0);
    expect(await count('flash_tts_embeddings')).toBe(0);
    await b.collect();
    expect(b.hasEmbedding('pocket-tts', mine)).toBe(false);
  });

  it('one-shot clones stay in the node cache, only the most recent ones', async () => {
    const digests = [];
    for (const seed of [5, 6, 7]) digests.push(await a.cacheEmbedding('pocket-tts', voice(seed)));
    await a.settled();
    expect(await count('flash_tts_embeddings')).toBe(0);
    expect(digests.map((d) => a.hasEmbedding('pocket-tts', d))).toEqual([false, true, true]);
    expect(b.hasEmbedding('pocket-tts', digests[2] as string)).toBe(false);
    expect(a.touchCached('pocket-tts', digests[0] as string)).toBe(false);
  });

  it('refuses broken embeddings, bad names and records pointing at nothing', async () => {
    await expect(a.saveEmbedding('pocket-tts', { data: Float32Array.of(1, 2, 3, 4), dims: [1, 2, 2] })).rejects.toThrow(
      /unusable/,
    );
    const nan = voice(8);
    nan.data[5] = Number.NaN;
    await expect(a.saveEmbedding('pocket-tts', nan)).rejects.toThrow(/unusable/);
    await expect(a.put({ name: '../etc', audio: 'x', sampleRate: 24000 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(a.put({ name: 'ok', audio: 'f'.repeat(64), sampleRate: 24000 })).rejects.toThrow(/not stored/);
    const audio = await a.saveAudio(tone(100));
    await expect(
      a.put({ name: 'ok', audio, sampleRate: 24000, embeddings: { 'pocket-tts': { digest: 'e'.repeat(64), from: 'latent' } } }),
    ).rejects.toThrow(/not stored/);
    expect(a.get('ok')).toBeUndefined();
    expect(await count('flash_tts_speakers')).toBe(0);
  });

  it('a new node loads every speaker at start, and serves no stored embedding that is not what its address says', async () => {
    const audio = await a.saveAudio(tone(200));
    const good = await a.saveEmbedding('pocket-tts', voice(9));
    await a.put({ name: 'late', audio, sampleRate: 24000, embeddings: { 'pocket-tts': { digest: good, from: 'audio' } } });
    // Tampered with in the database: bytes that are not the ones its address names.
    const bad = voice(10);
    await sql.query('UPDATE flash_tts_embeddings SET data = $1 WHERE digest = $2', [
      Buffer.from(bad.data.buffer, bad.data.byteOffset, bad.data.byteLength),
      good,
    ]);
    const errors: Error[] = [];
    const c = await PostgresSpeakerStore.open({ url: cluster.url, cacheDir: join(dir, 'c'), onError: (e) => errors.push(e) });
    try {
      expect(c.list().map((s) => s.name)).toEqual(['late']);
      expect(c.get('late')?.embeddings).toBeUndefined();
      expect(c.hasEmbedding('pocket-tts', good)).toBe(false);
      expect(errors.map((e) => e.message).join('\n')).toMatch(/not its address/);
    } finally {
      await c.close();
    }
  });

  it('migrates a schema-1 database: embeddings kept by audio digest are dropped, speakers stay', async () => {
    await sql.query('CREATE DATABASE old_schema');
    const url = cluster.url.replace(/\/postgres$/, '/old_schema');
    const old = new pg.Client({ connectionString: url });
    await old.connect();
    try {
      await old.query('CREATE TABLE flash_tts_schema (version integer NOT NULL)');
      await old.query('INSERT INTO flash_tts_schema VALUES (1)');
      await old.query(
        'CREATE TABLE flash_tts_speaker_audio (digest text PRIMARY KEY, samples bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
      );
      await old.query(
        'CREATE TABLE flash_tts_embeddings (model text NOT NULL, digest text NOT NULL, dims jsonb NOT NULL, data bytea NOT NULL, PRIMARY KEY (model, digest))',
      );
      await old.query(`CREATE TABLE flash_tts_speakers (name_key text PRIMARY KEY, name text NOT NULL, reference_text text,
        audio text NOT NULL REFERENCES flash_tts_speaker_audio (digest), sample_rate integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
      await old.query("INSERT INTO flash_tts_speaker_audio VALUES ('aa', '\\x00000000')");
      await old.query(`INSERT INTO flash_tts_embeddings VALUES ('pocket-tts', 'aa', '[1,1,1024]', '\\x00')`);
      await old.query("INSERT INTO flash_tts_speakers (name_key, name, audio, sample_rate) VALUES ('old', 'Old', 'aa', 24000)");
      const store = await PostgresSpeakerStore.open({ url, cacheDir: join(dir, 'old') });
      try {
        expect(store.list()).toMatchObject([{ name: 'Old', audio: 'aa' }]);
        expect(store.get('old')?.embeddings).toBeUndefined();
        expect((await old.query('SELECT max(version) AS v FROM flash_tts_schema')).rows[0].v).toBe(SCHEMA_VERSION);
        expect((await old.query('SELECT 1 FROM flash_tts_embeddings')).rowCount).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await old.end();
    }
  });
});
