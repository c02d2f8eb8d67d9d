/**
 * What a store of saved speakers does, whichever backend holds them: the filesystem store
 * (embedded default, one node) or PostgreSQL (several nodes sharing speakers). Reference audio
 * and embeddings are content-addressed by the sha256 of the reference; embeddings are read by
 * engine workers from a local file, so every backend hands out a local {@link embeddingPath}.
 */
import type { VoiceEmbedding } from '../engine/types.js';
import type { SavedSpeaker } from './speaker-store.js';

/** A store of saved speakers. */
export interface SpeakerBackend {
  /** Every saved speaker, by name. */
  list(): SavedSpeaker[];
  get(name: string): SavedSpeaker | undefined;
  /** The local file an engine reads the embedding of `digest` for `model` from (see {@link hasEmbedding}). */
  embeddingPath(model: string, digest: string): string;
  /** Stores reference audio (once per content); returns its digest. */
  saveAudio(samples: Float32Array): Promise<string>;
  readAudio(digest: string): Promise<Float32Array>;
  /** Whether the embedding was computed before; when true, it is at {@link embeddingPath}. */
  hasEmbedding(model: string, digest: string): boolean | Promise<boolean>;
  readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined>;
  saveEmbedding(model: string, digest: string, embedding: VoiceEmbedding): Promise<void>;
  /** Saves a speaker whose audio is stored; one of the same name is replaced. */
  put(speaker: Omit<SavedSpeaker, 'createdAt'>): Promise<{ speaker: SavedSpeaker; replaced: boolean }>;
  /** Deletes a speaker; false when there was none of that name. */
  delete(name: string): Promise<boolean>;
  /** Releases connections; the filesystem store holds none. */
  close?(): Promise<void>;
}
