/**
 * Saved speakers on PostgreSQL, for several nodes behind one balancer, with the filesystem
 * store's rules (see speaker-backend.ts): reference audio is addressed by the sha256 of its PCM,
 * an embedding by the sha256 of its own bytes; a speaker's embeddings are its own rows
 * (`flash_tts_speaker_embeddings`), so nothing another client uploads can change its voice; broken
 * embeddings are refused on the way in and on the way out; names follow `validateSpeakerName`.
 *
 * The database holds only what speakers reference. A save keeps its audio and embedding in this
 * node's cache directory (pinned) until `put`, which writes them, the speaker and its embedding
 * rows in one transaction, so no other node's collection can take a row a record is about to
 * point at (foreign keys make a record pointing at nothing impossible). Replacing or deleting a
 * speaker removes the rows no other speaker uses. One-shot clones never reach the database: they
 * live in the node's cache of recent embeddings, as on the filesystem store.
 *
 * The schema is created or migrated on open under an advisory lock, so nodes starting together do
 * not race. Every change is announced with NOTIFY on {@link SPEAKERS_CHANNEL}; each node LISTENs,
 * fetches the speaker's embeddings into its local content-addressed cache (engine workers read
 * embeddings from files; a node fetches each content address once), then lists the speaker: a
 * speaker saved on one node speaks on every node well within a second.
 *
 * Cache directory layout: `embeddings/<model>/<sha>.f32` (+ `.json`), `audio/<sha>.f32` (saves in progress).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { embeddingDigest, embeddingProblem } from '../engine/pocket/embedding-file.js';
import type { VoiceEmbedding } from '../engine/types.js';
import { ContentFiles } from './content-files.js';
import type { SpeakerBackend } from './speaker-backend.js';
import {
  filesBelow,
  nameKey,
  type SavedSpeaker,
  type SpeakerEmbedding,
  STORE_CACHE_ENTRIES,
  validateSpeakerName,
} from './speaker-store.js';

/** The NOTIFY channel speaker changes are announced on (payload: the name key). */
export const SPEAKERS_CHANNEL = 'flash_tts_speakers';

/** Any number fits: it only has to be the same on every node. */
const MIGRATION_LOCK = 0x5f1a54;

/** Schema versions, each a list of statements; the schema's version is how many have run. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
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
  ],
  [
    // Schema 1 kept embeddings under the digest of the reference audio, not their own bytes: none
    // is trusted. Its speakers are embedded again from their own audio at start (CloningService.repair).
    'DELETE FROM flash_tts_embeddings',
    `CREATE TABLE flash_tts_speaker_embeddings (
       name_key text NOT NULL REFERENCES flash_tts_speakers (name_key) ON DELETE CASCADE,
       model text NOT NULL,
       digest text NOT NULL,
       source text NOT NULL CHECK (source IN ('audio', 'latent')),
       PRIMARY KEY (name_key, model),
       FOREIGN KEY (model, digest) REFERENCES flash_tts_embeddings (model, digest))`,
    'CREATE INDEX flash_tts_speaker_embeddings_digest ON flash_tts_speaker_embeddings (model, digest)',
    'CREATE INDEX flash_tts_speakers_audio ON flash_tts_speakers (audio)',
  ],
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Options of {@link PostgresSpeakerStore.open}. */
export interface PostgresSpeakerStoreOptions {
  /** `postgres://user:password@host:port/database` (or `?host=/socket/dir`). */
  url: string;
  /** This node's cache: embeddings (content-addressed files) and the audio of saves in progress. */
  cacheDir: string;
  /** Connections this node keeps. Default `4`. */
  poolSize?: number;
  /** One-shot embeddings kept (default {@link STORE_CACHE_ENTRIES}). */
  cacheEntries?: number;
  /** Told when the change listener loses its connection (it reconnects) or a refresh fails. */
  onError?: (error: Error) => void;
}

interface SpeakerRow {
  name_key: string;
  name: string;
  reference_text: string | null;
  audio: string;
  sample_rate: number;
  created_at: Date;
  model: string | null;
  digest: string | null;
  source: 'audio' | 'latent' | null;
}

/** Speakers (with their embedding references) from rows of {@link SPEAKER_QUERY}. */
function speakersOf(rows: SpeakerRow[]): Map<string, SavedSpeaker> {
  const out = new Map<string, SavedSpeaker>();
  for (const row of rows) {
    let speaker = out.get(row.name_key);
    if (!speaker) {
      speaker = {
        name: row.name,
        ...(row.reference_text !== null ? { referenceText: row.reference_text } : {}),
        audio: row.audio,
        sampleRate: row.sample_rate,
        createdAt: row.created_at.toISOString(),
      };
      out.set(row.name_key, speaker);
    }
    if (row.model !== null && row.digest !== null && row.source !== null) {
      speaker.embeddings = { ...speaker.embeddings, [row.model]: { digest: row.digest, from: row.source } };
    }
  }
  return out;
}

const SPEAKER_QUERY = `SELECT s.name_key, s.name, s.reference_text, s.audio, s.sample_rate, s.created_at, e.model, e.digest, e.source
  FROM flash_tts_speakers s LEFT JOIN flash_tts_speaker_embeddings e ON e.name_key = s.name_key`;

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const bytesOf = (samples: Float32Array): Buffer => Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
const floatsOf = (bytes: Uint8Array): Float32Array =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const sameSpeaker = (a: SavedSpeaker | undefined, b: SavedSpeaker): boolean =>
  a !== undefined && JSON.stringify(a) === JSON.stringify(b);
/** A foreign key violation: a row another node's collection removed, or one still referenced. */
const isForeignKeyViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23503';

/** The PostgreSQL speaker store. */
export class PostgresSpeakerStore implements SpeakerBackend {
  readonly #speakers = new Map<string, SavedSpeaker>();
  /** This node's cache of audio and embeddings, their pins and the recent one-shot embeddings. */
  readonly #files: ContentFiles;
  #collecting: Promise<void> = Promise.resolve();
  /** Changes to the list, one at a time, in the order they were started. */
  #applying: Promise<void> = Promise.resolve();
  readonly #pool: pg.Pool;
  #listener: pg.Client | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: PostgresSpeakerStoreOptions) {
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4 });
    this.#pool.on('error', (error) => options.onError?.(error));
    this.#files = new ContentFiles(
      options.cacheDir,
      options.cacheEntries ?? STORE_CACHE_ENTRIES,
      () => void this.#collectLocal(),
    );
  }

  /**
   * Connects, creates or migrates the schema, starts listening for changes and loads every
   * speaker (fetching embeddings this node does not have), then removes what the cache directory
   * and the database hold that nothing references.
   */
  static async open(options: PostgresSpeakerStoreOptions): Promise<PostgresSpeakerStore> {
    const store = new PostgresSpeakerStore(options);
    try {
      await store.#migrate();
      await store.#listen();
      for (const file of await filesBelow(options.cacheDir)) {
        // Left by a write that never finished.
        if (file.endsWith('.tmp')) await rm(join(options.cacheDir, file), { force: true });
      }
      await store.collect();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Runs `work` in one transaction on a pooled connection: committed when it returns, rolled back when it throws. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS flash_tts_schema (version integer NOT NULL)');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM flash_tts_schema');
      const current = rows[0]?.version ?? 0;
      if (current > SCHEMA_VERSION) {
        throw new Error(
          `the speaker database has schema ${current}, newer than this server's ${SCHEMA_VERSION}: upgrade the server.`,
        );
      }
      for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
        for (const statement of MIGRATIONS[version - 1] ?? []) await client.query(statement);
        await client.query('INSERT INTO flash_tts_schema (version) VALUES ($1)', [version]);
      }
    });
  }

  /** LISTENs first, then loads everything, so no change falls between the two. */
  async #listen(): Promise<void> {
    const listener = new pg.Client({ connectionString: this.options.url });
    listener.on('error', (error) => this.#lostListener(listener, error));
    listener.on('end', () => this.#lostListener(listener, new Error('the speaker change listener disconnected')));
    listener.on('notification', (message) => {
      if (message.channel === SPEAKERS_CHANNEL && message.payload !== undefined) {
        const key = message.payload;
        this.#apply(() => this.#refresh(key)).catch((error: Error) => this.options.onError?.(error));
      }
    });
    await listener.connect();
    await listener.query(`LISTEN ${SPEAKERS_CHANNEL}`);
    this.#listener = listener;
    await this.#apply(async () => {
      const { rows } = await this.#pool.query<SpeakerRow>(SPEAKER_QUERY);
      const fresh = speakersOf(rows);
      for (const [key, speaker] of fresh) fresh.set(key, await this.#fetchEmbeddings(speaker));
      this.#speakers.clear();
      for (const [key, speaker] of fresh) this.#speakers.set(key, speaker);
    });
  }

  #lostListener(listener: pg.Client, error: Error): void {
    if (this.#closed || this.#listener !== listener) return;
    this.#listener = undefined;
    this.options.onError?.(error);
    listener.end().catch(() => undefined);
    const retry = (): void => {
      if (this.#closed) return;
      this.#listen().then(
        () => this.#collectLocal(),
        (again: Error) => {
          this.options.onError?.(again);
          this.#reconnectTimer = setTimeout(retry, 1000);
        },
      );
    };
    this.#reconnectTimer = setTimeout(retry, 200);
  }

  /** Runs a change of the list after those started before it. */
  #apply(change: () => Promise<void>): Promise<void> {
    const run = this.#applying.then(change);
    this.#applying = run.catch(() => undefined);
    return run;
  }

  /** Brings one speaker (by name key) up to date from the database. */
  async #refresh(key: string): Promise<void> {
    const { rows } = await this.#pool.query<SpeakerRow>(`${SPEAKER_QUERY} WHERE s.name_key = $1`, [key]);
    const speaker = speakersOf(rows).get(key);
    const before = this.#speakers.get(key);
    if (!speaker) {
      if (before) {
        this.#speakers.delete(key);
        void this.#collectLocal();
      }
      return;
    }
    if (sameSpeaker(before, speaker)) return;
    const release = this.pin(...Object.values(speaker.embeddings ?? {}).map((e) => e.digest));
    try {
      this.#speakers.set(key, await this.#fetchEmbeddings(speaker));
    } finally {
      release();
    }
    if (before) void this.#collectLocal();
  }

  /**
   * Writes the speaker's embeddings this node lacks into its cache (each checked: usable, and the
   * content its address says); returns the speaker with those it could not get left out.
   */
  async #fetchEmbeddings(speaker: SavedSpeaker): Promise<SavedSpeaker> {
    const kept: Record<string, SpeakerEmbedding> = {};
    for (const [model, reference] of Object.entries(speaker.embeddings ?? {})) {
      if (!this.hasEmbedding(model, reference.digest)) {
        const { rows } = await this.#pool.query<{ dims: number[]; data: Buffer }>(
          'SELECT dims, data FROM flash_tts_embeddings WHERE model = $1 AND digest = $2',
          [model, reference.digest],
        );
        const row = rows[0];
        // Gone: the speaker was replaced meanwhile, and its NOTIFY brings the new one.
        if (!row) continue;
        const embedding: VoiceEmbedding = { dims: row.dims, data: floatsOf(row.data) };
        const problem =
          embeddingProblem(embedding) ??
          (embeddingDigest(embedding) === reference.digest ? undefined : 'its bytes are not its address');
        if (problem) {
          this.options.onError?.(
            new Error(`speaker "${speaker.name}": stored embedding ${model}/${reference.digest} is unusable: ${problem}`),
          );
          continue;
        }
        await this.#files.writeEmbedding(model, reference.digest, embedding);
      }
      kept[model] = reference;
    }
    const { embeddings: _, ...rest } = speaker;
    return Object.keys(kept).length > 0 ? { ...rest, embeddings: kept } : rest;
  }

  list(): SavedSpeaker[] {
    return [...this.#speakers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): SavedSpeaker | undefined {
    return this.#speakers.get(nameKey(name));
  }

  embeddingPath(model: string, digest: string): string {
    return this.#files.embeddingPath(model, digest);
  }

  pin(...digests: string[]): () => void {
    return this.#files.pin(...digests);
  }

  /** Keeps the audio in this node's cache until {@link put} writes it to the database. */
  saveAudio(samples: Float32Array): Promise<string> {
    return this.#files.saveAudio(samples);
  }

  async readAudio(digest: string): Promise<Float32Array> {
    if (existsSync(this.#files.audioPath(digest))) return floatsOf(await readFile(this.#files.audioPath(digest)));
    const { rows } = await this.#pool.query<{ samples: Buffer }>(
      'SELECT samples FROM flash_tts_speaker_audio WHERE digest = $1',
      [digest],
    );
    const row = rows[0];
    if (!row) throw new Error(`reference audio ${digest} is not stored`);
    return floatsOf(row.samples);
  }

  hasEmbedding(model: string, digest: string): boolean {
    return this.#files.hasEmbedding(model, digest);
  }

  readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined> {
    return this.#files.readEmbedding(model, digest);
  }

  /** Keeps the embedding in this node's cache until {@link put} writes it to the database. */
  saveEmbedding(model: string, embedding: VoiceEmbedding): Promise<string> {
    return this.#files.saveEmbedding(model, embedding);
  }

  cacheEmbedding(model: string, embedding: VoiceEmbedding): Promise<string> {
    return this.#files.cacheEmbedding(model, embedding);
  }

  touchCached(model: string, digest: string): boolean {
    return this.#files.touchCached(model, digest);
  }

  /**
   * Writes the speaker, its audio and its embeddings (from this node's cache, or already in the
   * database) in one transaction, announces it, and removes the rows only a replaced record used.
   */
  async put(speaker: Omit<SavedSpeaker, 'createdAt'>): Promise<{ speaker: SavedSpeaker; replaced: boolean }> {
    const name = validateSpeakerName(speaker.name);
    const key = nameKey(name);
    const audioFile = this.#files.audioPath(speaker.audio);
    const audio = existsSync(audioFile) ? await readFile(audioFile) : undefined;
    const embeddings: [string, SpeakerEmbedding, VoiceEmbedding | undefined][] = [];
    for (const [model, reference] of Object.entries(speaker.embeddings ?? {})) {
      const local = await this.readEmbedding(model, reference.digest).catch(() => undefined);
      if (local && embeddingDigest(local) !== reference.digest)
        throw new Error(`embedding ${model}/${reference.digest} is not what its address says`);
      embeddings.push([model, reference, local]);
    }
    const rows = await this.#transaction(async (client) => {
      // Written, or locked where they exist, so no other node's collection removes them before COMMIT.
      const stored =
        audio !== undefined && sha256(audio) === speaker.audio
          ? await client.query(
              `INSERT INTO flash_tts_speaker_audio (digest, samples) VALUES ($1, $2)
               ON CONFLICT (digest) DO UPDATE SET digest = EXCLUDED.digest`,
              [speaker.audio, audio],
            )
          : await client.query('SELECT 1 FROM flash_tts_speaker_audio WHERE digest = $1 FOR KEY SHARE', [speaker.audio]);
      if (stored.rowCount === 0) throw new Error(`reference audio ${speaker.audio} is not stored`);
      for (const [model, reference, local] of embeddings) {
        const result = local
          ? await client.query(
              `INSERT INTO flash_tts_embeddings (model, digest, dims, data) VALUES ($1, $2, $3, $4)
               ON CONFLICT (model, digest) DO UPDATE SET digest = EXCLUDED.digest`,
              [model, reference.digest, JSON.stringify(local.dims), bytesOf(local.data)],
            )
          : await client.query('SELECT 1 FROM flash_tts_embeddings WHERE model = $1 AND digest = $2 FOR KEY SHARE', [
              model,
              reference.digest,
            ]);
        if (result.rowCount === 0) throw new Error(`embedding ${model}/${reference.digest} is not stored`);
      }
      const { rows } = await client.query<{ created_at: Date; inserted: boolean }>(
        `INSERT INTO flash_tts_speakers (name_key, name, reference_text, audio, sample_rate) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name_key) DO UPDATE SET name = EXCLUDED.name, reference_text = EXCLUDED.reference_text,
           audio = EXCLUDED.audio, sample_rate = EXCLUDED.sample_rate, created_at = now()
         RETURNING created_at, (xmax = 0) AS inserted`,
        [key, name, speaker.referenceText ?? null, speaker.audio, speaker.sampleRate],
      );
      await client.query('DELETE FROM flash_tts_speaker_embeddings WHERE name_key = $1', [key]);
      for (const [model, reference] of embeddings) {
        await client.query('INSERT INTO flash_tts_speaker_embeddings (name_key, model, digest, source) VALUES ($1, $2, $3, $4)', [
          key,
          model,
          reference.digest,
          reference.from,
        ]);
      }
      await client.query('SELECT pg_notify($1, $2)', [SPEAKERS_CHANNEL, key]);
      return rows;
    });
    const row = rows[0] as { created_at: Date; inserted: boolean };
    const replaced = !row.inserted;
    const { embeddings: refs, ...rest } = speaker;
    const saved: SavedSpeaker = {
      ...rest,
      name,
      ...(refs && Object.keys(refs).length > 0 ? { embeddings: refs } : {}),
      createdAt: row.created_at.toISOString(),
    };
    // This node lists it at once (its embeddings are here: written above, or fetched now).
    await this.#apply(async () => {
      const release = this.pin(...embeddings.map(([, reference]) => reference.digest));
      try {
        this.#speakers.set(key, await this.#fetchEmbeddings(saved));
      } finally {
        release();
      }
    });
    if (replaced) await this.collect();
    return { speaker: saved, replaced };
  }

  async delete(name: string): Promise<boolean> {
    const key = nameKey(name);
    const deleted = await this.#transaction(async (client) => {
      const { rowCount } = await client.query('DELETE FROM flash_tts_speakers WHERE name_key = $1', [key]);
      if (rowCount) await client.query('SELECT pg_notify($1, $2)', [SPEAKERS_CHANNEL, key]);
      return Boolean(rowCount);
    });
    await this.#apply(async () => {
      this.#speakers.delete(key);
    });
    if (deleted) await this.collect();
    return deleted;
  }

  settled(): Promise<void> {
    return this.#collecting;
  }

  /** Removes what neither this node nor the database needs: local files, then unreferenced rows. */
  async collect(): Promise<void> {
    await this.#collectLocal();
    await this.#collectDatabase();
  }

  /** Removes every cached file no speaker, pin or cached one-shot references (audio: pins only). */
  #collectLocal(): Promise<void> {
    this.#collecting = this.#collecting.then(() => this.#sweepLocal()).catch(() => undefined);
    return this.#collecting;
  }

  async #sweepLocal(): Promise<void> {
    const dir = this.options.cacheDir;
    const keep = new Set<string>(this.#files.recent);
    for (const speaker of this.#speakers.values()) {
      for (const [model, embedding] of Object.entries(speaker.embeddings ?? {})) keep.add(`${model}/${embedding.digest}`);
    }
    for (const file of await filesBelow(join(dir, 'audio'))) {
      const digest = file.replace(/\.f32$/, '');
      if (!file.endsWith('.tmp') && !this.#files.pinned(digest)) await rm(join(dir, 'audio', file), { force: true });
    }
    const embeddings = join(dir, 'embeddings');
    for (const model of existsSync(embeddings) ? await readdir(embeddings) : []) {
      for (const file of await filesBelow(join(embeddings, model))) {
        if (file.endsWith('.tmp')) continue;
        const digest = file.replace(/\.f32(\.json)?$/, '');
        if (!this.#files.pinned(digest) && !keep.has(`${model}/${digest}`))
          await rm(join(embeddings, model, file), { force: true });
      }
    }
  }

  /**
   * Deletes audio and embedding rows no speaker references. A row another node's save is
   * writing is locked by it (the DELETE waits); one a save committed meanwhile is kept by its
   * foreign key (the DELETE fails, and the next collection tries again).
   */
  async #collectDatabase(): Promise<void> {
    const statements = [
      `DELETE FROM flash_tts_embeddings e WHERE NOT EXISTS
         (SELECT 1 FROM flash_tts_speaker_embeddings s WHERE s.model = e.model AND s.digest = e.digest)`,
      `DELETE FROM flash_tts_speaker_audio a WHERE NOT EXISTS (SELECT 1 FROM flash_tts_speakers s WHERE s.audio = a.digest)`,
    ];
    for (const statement of statements) {
      try {
        await this.#pool.query(statement);
      } catch (error) {
        if (!isForeignKeyViolation(error)) this.options.onError?.(error as Error);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.#applying;
    await this.#pool.end().catch(() => undefined);
  }
}
