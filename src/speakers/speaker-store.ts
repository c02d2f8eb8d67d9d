/**
 * Saved speakers, on disk. A speaker is a small JSON record (name, reference text, the digest of
 * its reference audio, the digest of its voice embedding per model); reference audio and voice
 * embeddings are content-addressed files (`audio/<sha256 of the PCM>.f32`,
 * `embeddings/<model>/<sha256 of the embedding>.f32`). An embedding is addressed by its own bytes,
 * never by the audio it came from, so no speaker's upload can change another speaker's voice.
 * Every file is written to a temporary name, fsynced and renamed (then the directory fsynced): a
 * crash or kill -9 at any moment leaves the old record or the new one, never a broken one.
 * Records point only at files written before them.
 *
 * The store only holds what a speaker references: replacing or deleting a speaker removes the
 * files no other speaker uses, and opening the store removes unreferenced files and the `.tmp`
 * files of writes that never finished. Embeddings of one-shot clones are kept only while they
 * are among the {@link STORE_CACHE_ENTRIES} most recently used, and not across a restart.
 *
 * Layout under the store directory:
 *   speakers/<sha256 of the name key>.json   audio/<sha>.f32   embeddings/<model>/<sha>.f32 (+ .json)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { VoiceEmbedding } from '../engine/types.js';
import { TtsError } from '../errors.js';
import { ContentFiles } from './content-files.js';
import type { SpeakerBackend } from './speaker-backend.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Where a speaker's embedding for one model came from. */
export interface SpeakerEmbedding {
  /** Content address of the embedding (see `embeddingDigest`): the speaker's own, whoever else sends the same audio. */
  digest: string;
  /** `audio`: computed by the model from the reference audio; `latent`: uploaded as is. */
  from: 'audio' | 'latent';
}

/** A saved speaker. */
export interface SavedSpeaker {
  /** The name as given (NFC-normalized). */
  name: string;
  referenceText?: string;
  /** sha256 of the reference PCM (float32, mono, at `sampleRate`). */
  audio: string;
  sampleRate: number;
  /** The voice embedding per model id. Records of older stores have none: they are embedded again at start. */
  embeddings?: Record<string, SpeakerEmbedding>;
  createdAt: string;
}

/** Longest speaker name, in characters. */
export const MAX_NAME_CHARS = 64;

/**
 * Checks a speaker name: any letters or symbols a person would type (Chinese role names
 * included), 1–64 characters, no control characters, no path separators or dot-names.
 * Returns it NFC-normalized and trimmed.
 */
export function validateSpeakerName(raw: string, field = 'name'): string {
  const name = raw.normalize('NFC').trim();
  const problem =
    name === ''
      ? 'must not be empty'
      : [...name].length > MAX_NAME_CHARS
        ? `must be at most ${MAX_NAME_CHARS} characters`
        : /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)
          ? 'must not contain control characters'
          : /[/\\]/.test(name) || name === '.' || name === '..' || name.includes('..')
            ? 'must not contain "/", "\\" or ".." (it is a name, not a path)'
            : undefined;
  if (problem) throw new TtsError('invalid_request', `"${field}" ${problem}.`, { param: field });
  return name;
}

/** The key names are compared by (case-insensitive). */
export function nameKey(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

export { writeFileAtomic };

/** One-shot (unsaved) embeddings kept on disk for reuse, most recently used first. */
export const STORE_CACHE_ENTRIES = 32;

/** Every file below `dir` (recursively), as paths relative to it. */
export async function filesBelow(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await filesBelow(join(dir, entry.name))).map((f) => join(entry.name, f)));
    else out.push(entry.name);
  }
  return out;
}

/** The store of saved speakers. */
export class SpeakerStore implements SpeakerBackend {
  readonly #speakers = new Map<string, SavedSpeaker>();
  /** The audio and embedding files, their pins and the recent one-shot embeddings. */
  readonly #files: ContentFiles;
  #collecting: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    cacheEntries: number,
  ) {
    this.#files = new ContentFiles(dir, cacheEntries, () => void this.collect());
  }

  /**
   * Opens the store in `dir` and loads every complete speaker; removes what a killed write left
   * (`.tmp` files) and every file no speaker references. Nothing is created until something is
   * saved. `cacheEntries`: one-shot embeddings kept (default {@link STORE_CACHE_ENTRIES}).
   */
  static async open(dir: string, options: { cacheEntries?: number } = {}): Promise<SpeakerStore> {
    const store = new SpeakerStore(dir, options.cacheEntries ?? STORE_CACHE_ENTRIES);
    for (const file of await filesBelow(dir)) {
      // Left by a write that never finished.
      if (file.endsWith('.tmp')) await rm(join(dir, file), { force: true });
    }
    const records = join(dir, 'speakers');
    for (const file of existsSync(records) ? await readdir(records) : []) {
      if (!file.endsWith('.json')) continue;
      try {
        const record = JSON.parse(await readFile(join(records, file), 'utf8')) as SavedSpeaker;
        if (typeof record.name === 'string' && typeof record.audio === 'string' && existsSync(store.audioPath(record.audio))) {
          const embeddings = Object.entries(record.embeddings ?? {}).filter(([model, e]) => store.hasEmbedding(model, e.digest));
          const whole: SavedSpeaker = { ...record, embeddings: Object.fromEntries(embeddings) };
          if (embeddings.length === 0) delete whole.embeddings;
          store.#speakers.set(nameKey(record.name), whole);
        }
      } catch {
        // Not one of ours: ignored rather than fatal.
      }
    }
    await store.collect();
    return store;
  }

  /** Every saved speaker, by name. */
  list(): SavedSpeaker[] {
    return [...this.#speakers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): SavedSpeaker | undefined {
    return this.#speakers.get(nameKey(name));
  }

  audioPath(digest: string): string {
    return this.#files.audioPath(digest);
  }

  embeddingPath(model: string, digest: string): string {
    return this.#files.embeddingPath(model, digest);
  }

  /** See {@link ContentFiles.pin}. */
  pin(...digests: string[]): () => void {
    return this.#files.pin(...digests);
  }

  /** Stores reference audio (once per content); returns its digest. Pin it until a record points at it. */
  saveAudio(samples: Float32Array): Promise<string> {
    return this.#files.saveAudio(samples);
  }

  async readAudio(digest: string): Promise<Float32Array> {
    const bytes = await readFile(this.audioPath(digest));
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }

  /** Whether an embedding of that digest is stored for a model. */
  hasEmbedding(model: string, digest: string): boolean {
    return this.#files.hasEmbedding(model, digest);
  }

  /** A stored embedding, if any (checked as the engine checks it). */
  readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined> {
    return this.#files.readEmbedding(model, digest);
  }

  /**
   * Stores an embedding under its own content address and returns that digest. Pin it until a
   * record points at it, or use {@link cacheEmbedding} for a one-shot.
   */
  saveEmbedding(model: string, embedding: VoiceEmbedding): Promise<string> {
    return this.#files.saveEmbedding(model, embedding);
  }

  /**
   * Stores a one-shot clone's embedding among the {@link STORE_CACHE_ENTRIES} most recent ones
   * (older ones no speaker references are removed); returns its digest.
   */
  cacheEmbedding(model: string, embedding: VoiceEmbedding): Promise<string> {
    return this.#files.cacheEmbedding(model, embedding);
  }

  /** Marks a one-shot embedding as just used; false when it is no longer stored. */
  touchCached(model: string, digest: string): boolean {
    return this.#files.touchCached(model, digest);
  }

  /**
   * Saves a speaker whose audio and embeddings are already stored; an existing speaker of the
   * same name is replaced, and the files only it used are removed. Returns whether one was replaced.
   */
  async put(speaker: Omit<SavedSpeaker, 'createdAt'>): Promise<{ speaker: SavedSpeaker; replaced: boolean }> {
    const name = validateSpeakerName(speaker.name);
    if (!existsSync(this.audioPath(speaker.audio))) throw new Error(`reference audio ${speaker.audio} is not stored`);
    for (const [model, embedding] of Object.entries(speaker.embeddings ?? {})) {
      if (!this.hasEmbedding(model, embedding.digest)) throw new Error(`embedding ${model}/${embedding.digest} is not stored`);
    }
    const record: SavedSpeaker = { ...speaker, name, createdAt: new Date().toISOString() };
    const key = nameKey(name);
    await writeFileAtomic(this.#recordPath(key), `${JSON.stringify(record, null, 2)}\n`);
    const replaced = this.#speakers.has(key);
    this.#speakers.set(key, record);
    if (replaced) await this.collect();
    return { speaker: record, replaced };
  }

  /** Deletes a speaker and the files no other speaker uses; false when there was none of that name. */
  async delete(name: string): Promise<boolean> {
    const key = nameKey(name);
    if (!this.#speakers.has(key)) return false;
    await rm(this.#recordPath(key), { force: true });
    this.#speakers.delete(key);
    await this.collect();
    return true;
  }

  /** Resolves once the collection under way (if any) is over: a file found after it stays while pinned. */
  settled(): Promise<void> {
    return this.#collecting;
  }

  /** Removes every stored file that no speaker, pin or cached one-shot references. */
  collect(): Promise<void> {
    // One collection at a time, each seeing the references of the moment it runs.
    this.#collecting = this.#collecting.then(() => this.#collect()).catch(() => undefined);
    return this.#collecting;
  }

  async #collect(): Promise<void> {
    const keep = new Set<string>();
    for (const speaker of this.#speakers.values()) {
      keep.add(`audio/${speaker.audio}`);
      for (const [model, embedding] of Object.entries(speaker.embeddings ?? {})) keep.add(`${model}/${embedding.digest}`);
    }
    for (const key of this.#files.recent) keep.add(key);
    // Pins are read at each file: a save may pin while this runs.
    const used = (digest: string, key: string): boolean => this.#files.pinned(digest) || keep.has(key);
    for (const file of await filesBelow(join(this.dir, 'audio'))) {
      const digest = file.replace(/\.f32$/, '');
      if (!file.endsWith('.tmp') && !used(digest, `audio/${digest}`)) await rm(join(this.dir, 'audio', file), { force: true });
    }
    const embeddings = join(this.dir, 'embeddings');
    for (const model of existsSync(embeddings) ? await readdir(embeddings) : []) {
      for (const file of await filesBelow(join(embeddings, model))) {
        if (file.endsWith('.tmp')) continue;
        const digest = file.replace(/\.f32(\.json)?$/, '');
        if (!used(digest, `${model}/${digest}`)) await rm(join(embeddings, model, file), { force: true });
      }
    }
  }

  #recordPath(key: string): string {
    return join(this.dir, 'speakers', `${sha256(key)}.json`);
  }
}
