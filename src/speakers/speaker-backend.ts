/**
 * What a store of saved speakers does, whichever backend holds them: the filesystem store
 * (embedded default, one node: {@link SpeakerStore}) or PostgreSQL (several nodes sharing
 * speakers: `PostgresSpeakerStore`). It is exactly what {@link CloningService} and the speaker
 * routes use, with the same rules on every backend:
 *
 * - reference audio is addressed by the sha256 of its PCM, an embedding by the sha256 of its own
 *   bytes (`embeddingDigest`), never by the audio it came from, so no upload can change another
 *   speaker's voice;
 * - a broken embedding is never stored (`embeddingProblem`), names follow `validateSpeakerName`;
 * - only what a speaker, a pin or the cache of recent one-shot clones references is kept: replacing
 *   or deleting a speaker removes what no other speaker uses;
 * - engine workers read embeddings from local files, so {@link embeddingPath} is a local path and
 *   {@link hasEmbedding} says whether that file is there now.
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
  /**
   * Keeps `digests` (audio or embeddings) from being collected until the returned function is
   * called: a save holds them until its record is written, a request while it speaks.
   */
  pin(...digests: string[]): () => void;
  /** Stores reference audio (once per content); returns its digest. Pin it until a record points at it. */
  saveAudio(samples: Float32Array): Promise<string>;
  /** Reference audio of a stored speaker (or of a pinned save in progress). */
  readAudio(digest: string): Promise<Float32Array>;
  /** Whether the embedding is at {@link embeddingPath} on this node now. */
  hasEmbedding(model: string, digest: string): boolean;
  /** A stored embedding, if any (checked as the engine checks it). */
  readEmbedding(model: string, digest: string): Promise<VoiceEmbedding | undefined>;
  /**
   * Stores an embedding under its own content address and returns that digest; a broken one is
   * refused. Pin it until a record points at it, or use {@link cacheEmbedding} for a one-shot.
   */
  saveEmbedding(model: string, embedding: VoiceEmbedding): Promise<string>;
  /** Stores a one-shot clone's embedding among the most recent ones (this node only); returns its digest. */
  cacheEmbedding(model: string, embedding: VoiceEmbedding): Promise<string>;
  /** Marks a one-shot embedding as just used; false when it is no longer stored. */
  touchCached(model: string, digest: string): boolean;
  /**
   * Saves a speaker whose audio and embeddings are stored (and pinned); one of the same name is
   * replaced, and what only it used is removed.
   */
  put(speaker: Omit<SavedSpeaker, 'createdAt'>): Promise<{ speaker: SavedSpeaker; replaced: boolean }>;
  /** Deletes a speaker and what no other speaker uses; false when there was none of that name. */
  delete(name: string): Promise<boolean>;
  /** Resolves once the collection under way (if any) is over: a file found after it stays while pinned. */
  settled(): Promise<void>;
  /** Removes everything no speaker, pin or cached one-shot references. */
  collect(): Promise<void>;
  /** Releases connections; the filesystem store holds none. */
  close?(): Promise<void>;
}
