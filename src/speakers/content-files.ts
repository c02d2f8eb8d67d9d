/**
 * The content-addressed files below a folder that every speaker store keeps on local disk, where
 * the engine workers read them: reference audio (`audio/<sha256 of the PCM>.f32`) and embeddings
 * (`embeddings/<model>/<sha256 of the embedding>.f32`, + `.json`), with the pins that keep files in
 * use from being collected and the most recent one-shot embeddings. The filesystem store keeps its
 * speakers here; the PostgreSQL store uses it as each node's cache of the database.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  embeddingDigest,
  embeddingFilePaths,
  embeddingFiles,
  embeddingProblem,
  readEmbeddingFile,
} from '../engine/pocket/embedding-file.js';
import type { VoiceEmbedding } from '../engine/types.js';
import { writeFileAtomic } from './write-file-atomic.js';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const bytesOf = (samples: Float32Array): Uint8Array => new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);

export class ContentFiles {
  /** Digests in use by saves not yet recorded (or one-shot requests): never collected. */
  readonly #pins = new Map<string, number>();
  /** One-shot embeddings, `model/digest`, least recently used first. */
  readonly #recent = new Set<string>();

  /**
   * `cacheEntries`: one-shot embeddings kept; `onEvict` is called when an older one drops out of
   * them (the store then collects what nothing references).
   */
  constructor(
    readonly dir: string,
    private readonly cacheEntries: number,
    private readonly onEvict: () => void,
  ) {}

  audioPath(digest: string): string {
    return join(this.dir, 'audio', `${digest}.f32`);
  }

  embeddingPath(model: string, digest: string): string {
    return join(this.dir, 'embeddings', model, `${digest}.f32`);
  }

  /**
   * Keeps `digests` (audio or embeddings) from being collected until the returned function is
   * called: a save holds them until its record is written, a request while it speaks.
   */
  pin(...digests: string[]): () => void {
    for (const d of digests) this.#pins.set(d, (this.#pins.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of digests) {
        const left = (this.#pins.get(d) ?? 1) - 1;
        if (left > 0) this.#pins.set(d, left);
        else this.#pins.delete(d);
      }
    };
  }

  pinned(digest: string): boolean {
    return this.#pins.has(digest);
  }

  /** The one-shot embeddings kept, as `model/digest`. */
  get recent(): ReadonlySet<string> {
    return this.#recent;
  }

  /** Stores reference audio (once per content); returns its digest. Pin it until a record points at it. */
  async saveAudio(samples: Float32Array): Promise<string> {
    const bytes = bytesOf(samples);
    const digest = sha256(bytes);
    if (!existsSync(this.audioPath(digest))) await writeFileAtomic(this.audioPath(digest), bytes);
    return digest;
  }

  /** Whether an embedding of that digest is stored for a model. */
  hasEmbedding(model: string, digest: string): boolean {
    return embeddingFilePaths(this.embeddingPath(model, digest)).every((path) => existsSync(path));
  }

  /** A stored embedding, if any (checked as the engine checks it). */
  async readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined> {
    return this.hasEmbedding(model, digest) ? readEmbeddingFile(this.embeddingPath(model, digest)) : undefined;
  }

  /**
   * Stores an embedding under its own content address and returns that digest. The caller checks
   * it first (see `embeddingProblem`); a broken one is refused here too.
   */
  async saveEmbedding(model: string, embedding: VoiceEmbedding): Promise<string> {
    const problem = embeddingProblem(embedding);
    if (problem) throw new Error(`refusing to store an unusable voice embedding: ${problem}`);
    const digest = embeddingDigest(embedding);
    if (!this.hasEmbedding(model, digest)) await this.writeEmbedding(model, digest, embedding);
    return digest;
  }

  /** Writes an embedding's files under `digest` as they are (no check). */
  async writeEmbedding(model: string, digest: string, embedding: VoiceEmbedding): Promise<void> {
    for (const file of embeddingFiles(this.embeddingPath(model, digest), embedding)) {
      await writeFileAtomic(file.path, file.contents);
    }
  }

  /** Stores a one-shot clone's embedding among the most recent ones; returns its digest. */
  async cacheEmbedding(model: string, embedding: VoiceEmbedding): Promise<string> {
    const digest = embeddingDigest(embedding);
    const release = this.pin(digest);
    try {
      await this.saveEmbedding(model, embedding);
      this.touchCached(model, digest);
    } finally {
      release();
    }
    return digest;
  }

  /** Marks a one-shot embedding as just used; false when it is no longer stored. */
  touchCached(model: string, digest: string): boolean {
    const key = `${model}/${digest}`;
    this.#recent.delete(key);
    if (!this.hasEmbedding(model, digest)) return false;
    this.#recent.add(key);
    if (this.#recent.size > this.cacheEntries) {
      const oldest = this.#recent.values().next().value as string;
      this.#recent.delete(oldest);
      this.onEvict();
    }
    return true;
  }
}
