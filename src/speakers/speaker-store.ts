/**
 * Saved speakers, on disk. A speaker is a small JSON record (name, reference text, the digest of
 * its reference audio); reference audio and per-model voice embeddings are content-addressed
 * files (`audio/<sha256>.f32`, `embeddings/<model>/<sha256>.f32`), so the same reference is
 * stored and encoded once whoever sends it. Every file is written to a temporary name, fsynced
 * and renamed (then the directory fsynced): a crash or kill -9 at any moment leaves the old
 * record or the new one, never a broken one. Records point only at files written before them.
 *
 * Layout under the store directory:
 *   speakers/<sha256 of the name key>.json   audio/<sha>.f32   embeddings/<model>/<sha>.f32 (+ .json)
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { embeddingFilePaths, embeddingFiles, readEmbeddingFile } from '../engine/pocket/embedding-file.js';
import type { VoiceEmbedding } from '../engine/types.js';
import { TtsError } from '../errors.js';
import type { SpeakerBackend } from './speaker-backend.js';

/** A saved speaker. */
export interface SavedSpeaker {
  /** The name as given (NFC-normalized). */
  name: string;
  referenceText?: string;
  /** sha256 of the reference PCM (float32, mono, at `sampleRate`). */
  audio: string;
  sampleRate: number;
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

/** Writes `data` to `path` atomically and durably (temp file, fsync, rename, fsync directory). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function bytesOf(samples: Float32Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** The store of saved speakers. */
export class SpeakerStore implements SpeakerBackend {
  readonly #speakers = new Map<string, SavedSpeaker>();

  private constructor(readonly dir: string) {}

  /** Opens the store in `dir` and loads every complete speaker. Nothing is created until something is saved. */
  static async open(dir: string): Promise<SpeakerStore> {
    const store = new SpeakerStore(dir);
    const records = join(dir, 'speakers');
    for (const file of existsSync(records) ? await readdir(records) : []) {
      const path = join(dir, 'speakers', file);
      if (file.endsWith('.tmp')) {
        await rm(path, { force: true }); // left by a write that never finished
        continue;
      }
      if (!file.endsWith('.json')) continue;
      try {
        const record = JSON.parse(await readFile(path, 'utf8')) as SavedSpeaker;
        if (typeof record.name === 'string' && existsSync(store.audioPath(record.audio))) {
          store.#speakers.set(nameKey(record.name), record);
        }
      } catch {
        // Not one of ours: ignored rather than fatal.
      }
    }
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
    return join(this.dir, 'audio', `${digest}.f32`);
  }

  embeddingPath(model: string, digest: string): string {
    return join(this.dir, 'embeddings', model, `${digest}.f32`);
  }

  /** Stores reference audio (once per content); returns its digest. */
  async saveAudio(samples: Float32Array): Promise<string> {
    const bytes = bytesOf(samples);
    const digest = sha256(bytes);
    if (!existsSync(this.audioPath(digest))) await writeFileAtomic(this.audioPath(digest), bytes);
    return digest;
  }

  async readAudio(digest: string): Promise<Float32Array> {
    const bytes = await readFile(this.audioPath(digest));
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }

  /** Whether the embedding of a reference for a model was computed and saved before. */
  hasEmbedding(model: string, digest: string): boolean {
    return embeddingFilePaths(this.embeddingPath(model, digest)).every((path) => existsSync(path));
  }

  /** The cached embedding of a reference for a model, if computed before. */
  async readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined> {
    return this.hasEmbedding(model, digest) ? readEmbeddingFile(this.embeddingPath(model, digest)) : undefined;
  }

  /** Caches an embedding, in the files and order its engine's format gives. */
  async saveEmbedding(model: string, digest: string, embedding: VoiceEmbedding): Promise<void> {
    for (const file of embeddingFiles(this.embeddingPath(model, digest), embedding)) {
      await writeFileAtomic(file.path, file.contents);
    }
  }

  /**
   * Saves a speaker whose audio is already stored (see {@link saveAudio}); an existing speaker of
   * the same name is replaced. Returns whether one was replaced.
   */
  async put(speaker: Omit<SavedSpeaker, 'createdAt'>): Promise<{ speaker: SavedSpeaker; replaced: boolean }> {
    const name = validateSpeakerName(speaker.name);
    if (!existsSync(this.audioPath(speaker.audio))) throw new Error(`reference audio ${speaker.audio} is not stored`);
    const record: SavedSpeaker = { ...speaker, name, createdAt: new Date().toISOString() };
    const key = nameKey(name);
    await writeFileAtomic(join(this.dir, 'speakers', `${sha256(key)}.json`), `${JSON.stringify(record, null, 2)}\n`);
    const replaced = this.#speakers.has(key);
    this.#speakers.set(key, record);
    return { speaker: record, replaced };
  }

  /** Deletes a speaker; false when there was none of that name. Its audio stays for other speakers. */
  async delete(name: string): Promise<boolean> {
    const key = nameKey(name);
    if (!this.#speakers.has(key)) return false;
    await rm(join(this.dir, 'speakers', `${sha256(key)}.json`), { force: true });
    this.#speakers.delete(key);
    return true;
  }
}
