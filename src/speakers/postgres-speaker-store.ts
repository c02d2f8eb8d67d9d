/**
 * Saved speakers on PostgreSQL, for several nodes behind one balancer. Speakers, reference audio
 * and per-model embeddings live in three tables, written in transactions; the schema is created
 * (or migrated) on open under an advisory lock, so nodes starting together do not race. Every
 * change is announced with NOTIFY on {@link SPEAKERS_CHANNEL}; each node LISTENs and updates its
 * in-memory list, fetching the speaker's embeddings into a local content-addressed cache first
 * (engine workers read embeddings from files), so a speaker saved on one node speaks on every
 * node well within a second. Names follow the filesystem store's rules (validateSpeakerName,
 * nameKey), so both backends give the same answers.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { embeddingFilePaths, embeddingFiles, readEmbeddingFile } from '../engine/pocket/embedding-file.js';
import type { VoiceEmbedding } from '../engine/types.js';
import type { SpeakerBackend } from './speaker-backend.js';
import { nameKey, type SavedSpeaker, validateSpeakerName, writeFileAtomic } from './speaker-store.js';

/** The NOTIFY channel speaker changes are announced on (payload: the name key). */
export const SPEAKERS_CHANNEL = 'flash_tts_speakers';

/** The schema version this code writes. */
const SCHEMA_VERSION = 1;

/** Any number fits: it only has to be the same on every node. */
const MIGRATION_LOCK = 0x5f1a54;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS flash_tts_speaker_audio (
     digest text PRIMARY KEY,
     samples bytea NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS flash_tts_embeddings (
     model text NOT NULL,
     digest text NOT NULL,
     dims jsonb NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (model, digest))`,
  `CREATE TABLE IF NOT EXISTS flash_tts_speakers (
     name_key text PRIMARY KEY,
     name text NOT NULL,
     reference_text text,
     audio text NOT NULL REFERENCES flash_tts_speaker_audio (digest),
     sample_rate integer NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
];

/** Options of {@link PostgresSpeakerStore.open}. */
export interface PostgresSpeakerStoreOptions {
  /** `postgres://user:password@host:port/database` (or `?host=/socket/dir`). */
  url: string;
  /** Local cache of embeddings (content-addressed files). */
  cacheDir: string;
  /** Connections this node keeps. Default `4`. */
  poolSize?: number;
  /** Told when the change listener loses its connection (it reconnects). */
  onError?: (error: Error) => void;
}

interface SpeakerRow {
  name: string;
  reference_text: string | null;
  audio: string;
  sample_rate: number;
  created_at: Date;
}

const toSpeaker = (row: SpeakerRow): SavedSpeaker => ({
  name: row.name,
  ...(row.reference_text !== null ? { referenceText: row.reference_text } : {}),
  audio: row.audio,
  sampleRate: row.sample_rate,
  createdAt: row.created_at.toISOString(),
});

const bytesOf = (samples: Float32Array): Buffer => Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
const floatsOf = (bytes: Buffer): Float32Array =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** The PostgreSQL speaker store. */
export class PostgresSpeakerStore implements SpeakerBackend {
  readonly #speakers = new Map<string, SavedSpeaker>();
  readonly #pool: pg.Pool;
  #listener: pg.Client | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: PostgresSpeakerStoreOptions) {
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4 });
    this.#pool.on('error', (error) => options.onError?.(error));
  }

  /** Connects, creates or migrates the schema, loads every speaker and starts listening for changes. */
  static async open(options: PostgresSpeakerStoreOptions): Promise<PostgresSpeakerStore> {
    const store = new PostgresSpeakerStore(options);
    try {
      await store.#migrate();
      await store.#listen();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS flash_tts_schema (version integer NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT max(version) AS version FROM flash_tts_schema');
      const current = rows[0]?.version ?? 0;
      if (current > SCHEMA_VERSION) {
        throw new Error(
          `the speaker database has schema ${current}, newer than this server's ${SCHEMA_VERSION}: upgrade the server.`,
        );
      }
      if (current < SCHEMA_VERSION) {
        for (const statement of MIGRATIONS) await client.query(statement);
        await client.query('INSERT INTO flash_tts_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** LISTENs first, then loads everything, so no change falls between the two. */
  async #listen(): Promise<void> {
    const listener = new pg.Client({ connectionString: this.options.url });
    listener.on('error', (error) => this.#lostListener(listener, error));
    listener.on('end', () => this.#lostListener(listener, new Error('the speaker change listener disconnected')));
    listener.on('notification', (message) => {
      if (message.channel === SPEAKERS_CHANNEL && message.payload !== undefined) {
        this.#refresh(message.payload).catch((error: Error) => this.options.onError?.(error));
      }
    });
    await listener.connect();
    await listener.query(`LISTEN ${SPEAKERS_CHANNEL}`);
    this.#listener = listener;
    const { rows } = await this.#pool.query<SpeakerRow>('SELECT * FROM flash_tts_speakers');
    const fresh = new Map<string, SavedSpeaker>();
    for (const row of rows) {
      await this.#cacheEmbeddings(row.audio);
      fresh.set(nameKey(row.name), toSpeaker(row));
    }
    this.#speakers.clear();
    for (const [key, speaker] of fresh) this.#speakers.set(key, speaker);
  }

  #lostListener(listener: pg.Client, error: Error): void {
    if (this.#closed || this.#listener !== listener) return;
    this.#listener = undefined;
    this.options.onError?.(error);
    listener.end().catch(() => undefined);
    const retry = (): void => {
      if (this.#closed) return;
      this.#listen().catch((again: Error) => {
        this.options.onError?.(again);
        this.#reconnectTimer = setTimeout(retry, 1000);
      });
    };
    this.#reconnectTimer = setTimeout(retry, 200);
  }

  /** Brings one speaker (by name key) up to date from the database. */
  async #refresh(key: string): Promise<void> {
    const { rows } = await this.#pool.query<SpeakerRow>('SELECT * FROM flash_tts_speakers WHERE name_key = $1', [key]);
    const row = rows[0];
    if (!row) {
      this.#speakers.delete(key);
      return;
    }
    await this.#cacheEmbeddings(row.audio);
    this.#speakers.set(key, toSpeaker(row));
  }

  /** Writes every model's embedding of `digest` into the local cache (before the speaker is listed). */
  async #cacheEmbeddings(digest: string): Promise<void> {
    const { rows } = await this.#pool.query<{ model: string }>('SELECT model FROM flash_tts_embeddings WHERE digest = $1', [
      digest,
    ]);
    for (const { model } of rows) await this.hasEmbedding(model, digest);
  }

  list(): SavedSpeaker[] {
    return [...this.#speakers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): SavedSpeaker | undefined {
    return this.#speakers.get(nameKey(name));
  }

  embeddingPath(model: string, digest: string): string {
    return join(this.options.cacheDir, 'embeddings', model, `${digest}.f32`);
  }

  async saveAudio(samples: Float32Array): Promise<string> {
    const bytes = bytesOf(samples);
    const digest = createHash('sha256').update(bytes).digest('hex');
    await this.#pool.query(
      'INSERT INTO flash_tts_speaker_audio (digest, samples) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING',
      [digest, bytes],
    );
    return digest;
  }

  async readAudio(digest: string): Promise<Float32Array> {
    const { rows } = await this.#pool.query<{ samples: Buffer }>(
      'SELECT samples FROM flash_tts_speaker_audio WHERE digest = $1',
      [digest],
    );
    const row = rows[0];
    if (!row) throw new Error(`reference audio ${digest} is not stored`);
    return floatsOf(row.samples);
  }

  /** True when cached locally, or stored in the database (then fetched into the local cache). */
  async hasEmbedding(model: string, digest: string): Promise<boolean> {
    const path = this.embeddingPath(model, digest);
    if (embeddingFilePaths(path).every((file) => existsSync(file))) return true;
    const { rows } = await this.#pool.query<{ dims: number[]; data: Buffer }>(
      'SELECT dims, data FROM flash_tts_embeddings WHERE model = $1 AND digest = $2',
      [model, digest],
    );
    const row = rows[0];
    if (!row) return false;
    await this.#writeLocal(path, { dims: row.dims, data: floatsOf(row.data) });
    return true;
  }

  async readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined> {
    return (await this.hasEmbedding(model, digest)) ? readEmbeddingFile(this.embeddingPath(model, digest)) : undefined;
  }

  async saveEmbedding(model: string, digest: string, embedding: VoiceEmbedding): Promise<void> {
    await this.#pool.query(
      `INSERT INTO flash_tts_embeddings (model, digest, dims, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (model, digest) DO UPDATE SET dims = EXCLUDED.dims, data = EXCLUDED.data`,
      [model, digest, JSON.stringify(embedding.dims), bytesOf(embedding.data)],
    );
    await this.#writeLocal(this.embeddingPath(model, digest), embedding);
  }

  async #writeLocal(path: string, embedding: VoiceEmbedding): Promise<void> {
    for (const file of embeddingFiles(path, embedding)) await writeFileAtomic(file.path, file.contents);
  }

  async put(speaker: Omit<SavedSpeaker, 'createdAt'>): Promise<{ speaker: SavedSpeaker; replaced: boolean }> {
    const name = validateSpeakerName(speaker.name);
    const key = nameKey(name);
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const audio = await client.query('SELECT 1 FROM flash_tts_speaker_audio WHERE digest = $1', [speaker.audio]);
      if (audio.rowCount === 0) throw new Error(`reference audio ${speaker.audio} is not stored`);
      const { rows } = await client.query<SpeakerRow & { inserted: boolean }>(
        `INSERT INTO flash_tts_speakers (name_key, name, reference_text, audio, sample_rate) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name_key) DO UPDATE SET name = EXCLUDED.name, reference_text = EXCLUDED.reference_text,
           audio = EXCLUDED.audio, sample_rate = EXCLUDED.sample_rate, created_at = now()
         RETURNING *, (xmax = 0) AS inserted`,
        [key, name, speaker.referenceText ?? null, speaker.audio, speaker.sampleRate],
      );
      await client.query('SELECT pg_notify($1, $2)', [SPEAKERS_CHANNEL, key]);
      await client.query('COMMIT');
      const row = rows[0] as SpeakerRow & { inserted: boolean };
      const saved = toSpeaker(row);
      this.#speakers.set(key, saved);
      return { speaker: saved, replaced: !row.inserted };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async delete(name: string): Promise<boolean> {
    const key = nameKey(name);
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query('DELETE FROM flash_tts_speakers WHERE name_key = $1', [key]);
      if (rowCount) await client.query('SELECT pg_notify($1, $2)', [SPEAKERS_CHANNEL, key]);
      await client.query('COMMIT');
      this.#speakers.delete(key);
      return Boolean(rowCount);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }
}
