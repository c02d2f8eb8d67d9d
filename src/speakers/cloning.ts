/**
 * Voice cloning on the main thread's side: turns reference audio (or a ready .npy embedding) into
 * a voice the Pocket-TTS engine can speak with. The same reference audio, sent twice or saved as a
 * speaker, is encoded once; every embedding is stored under its own content address, so what one
 * client sends can never change the voice of another client's speaker. One-shot clones are kept
 * only among the store's most recent ones; saved speakers keep what they reference.
 */
import { createHash } from 'node:crypto';
import type { ReferenceAudio, ReferenceLimits } from '../audio/reference-audio.js';
import { EMBEDDING_MAX_ROWS, EMBEDDING_WIDTH, embeddingDigest, embeddingProblem } from '../engine/pocket/embedding-file.js';
import type { Scheduler } from '../engine/scheduler.js';
import type { EngineVoiceRef } from '../engine/speech-stream.js';
import type { EngineId, VoiceEmbedding } from '../engine/types.js';
import { TtsError } from '../errors.js';
import { NpyFormatError, parseNpyFloat32 } from './npy-file.js';
import type { SpeakerBackend } from './speaker-backend.js';
import type { SavedSpeaker, SpeakerEmbedding } from './speaker-store.js';

export const CLONING_ENGINE: EngineId = 'pocket-tts';
export const CLONING_MODEL = 'pocket-tts-int8';
export const CLONING_RATE = 24000;

/** How many audio → embedding pairs of one-shot clones are remembered (the embeddings live in the store's cache). */
const REMEMBERED_REFERENCES = 256;

/** The error for a cloning request when the cloning model is not installed. */
export function cloningUnavailable(param: string): TtsError {
  return new TtsError(
    'engine_not_installed',
    `Voice cloning needs the Pocket-TTS model, which is not installed: run \`flash-tts models pull ${CLONING_MODEL}\` and restart the server. Built-in voices are listed at GET /v1/audio/voices.`,
    { param },
  );
}

/** Decodes reference audio (in a worker): `EncoderPool.decodeReference`. */
export type ReferenceDecoder = (
  bytes: Uint8Array,
  rate: number,
  field: string,
  limits: Partial<ReferenceLimits>,
) => Promise<ReferenceAudio>;

/**
 * Reads a `.npy` voice embedding (the `latent_file` of the original API): float32
 * [1, frames, 1024] with 1–500 frames, finite values within ±1000. Anything else is a 400 that
 * names the field and what it must be.
 */
export function parseLatentFile(bytes: Uint8Array, field: string): VoiceEmbedding {
  const refuse = (why: string): TtsError =>
    new TtsError(
      'invalid_request',
      `"${field}" is not a usable voice embedding (.npy float32 [1, frames, ${EMBEDDING_WIDTH}], 1–${EMBEDDING_MAX_ROWS} frames): ${why}.`,
      { param: field },
    );
  let parsed: { data: Float32Array; shape: number[] };
  try {
    parsed = parseNpyFloat32(bytes, EMBEDDING_MAX_ROWS * EMBEDDING_WIDTH);
  } catch (error) {
    if (error instanceof NpyFormatError) throw refuse(error.message);
    throw error;
  }
  const dims = [...parsed.shape];
  while (dims.length > 3 && dims[0] === 1) dims.shift();
  while (dims.length < 3) dims.unshift(1);
  const embedding = { data: parsed.data, dims };
  const problem = embeddingProblem(embedding);
  if (problem) throw refuse(problem);
  return embedding;
}

/** A cloned voice for one request; `release()` once the request is over (it keeps the embedding stored meanwhile). */
export interface ClonedVoice {
  voice: EngineVoiceRef;
  release(): void;
}

/** What a saved speaker is made of. */
export interface SpeakerInput {
  name: string;
  /** Reference audio file bytes, and the field they came in. */
  audio: Uint8Array;
  audioField: string;
  /** A ready embedding (.npy) to speak with instead of the audio's. */
  latent?: Uint8Array | undefined;
  referenceText?: string | undefined;
}

const sha256 = (samples: Float32Array): string =>
  createHash('sha256')
    .update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
    .digest('hex');

export class CloningService {
  /** How many references were encoded (cache misses), for tests and benchmarks. */
  encodes = 0;
  /** Encodings under way, by audio digest. */
  readonly #inFlight = new Map<string, Promise<string>>();
  /** Embedding digests of one-shot references, by audio digest, oldest first. */
  readonly #remembered = new Map<string, string>();

  constructor(
    private readonly scheduler: Scheduler,
    readonly store: SpeakerBackend,
    private readonly decode: ReferenceDecoder,
    private readonly limits: Partial<ReferenceLimits> = {},
  ) {}

  /** Whether the cloning engine is loaded. */
  get available(): boolean {
    return this.scheduler.engines.some((e) => e.id === CLONING_ENGINE);
  }

  /** Throws the "install it" error unless cloning is available. */
  require(param: string): void {
    if (!this.available) throw cloningUnavailable(param);
  }

  /** The engine voice of an embedding stored under `digest`. */
  voiceOf(digest: string): EngineVoiceRef {
    return { engine: CLONING_ENGINE, engineVoice: this.store.embeddingPath(CLONING_ENGINE, digest) };
  }

  /** The engine voice of a saved speaker, if it has an embedding for the cloning engine. */
  speakerVoice(speaker: SavedSpeaker): string | undefined {
    const digest = speaker.embeddings?.[CLONING_ENGINE]?.digest;
    return digest === undefined ? undefined : this.store.embeddingPath(CLONING_ENGINE, digest);
  }

  /** A one-shot clone of reference audio: nothing is saved beyond the store's cache of recent embeddings. */
  async oneShotFromAudio(bytes: Uint8Array, field: string): Promise<ClonedVoice> {
    this.require(field);
    const reference = await this.decode(bytes, CLONING_RATE, field, this.limits);
    const { digest, release } = await this.#embeddingOf(sha256(reference.samples), reference.samples);
    return { voice: this.voiceOf(digest), release };
  }

  /** A one-shot clone from a ready embedding (.npy). */
  async oneShotFromLatent(bytes: Uint8Array, field: string): Promise<ClonedVoice> {
    this.require(field);
    const embedding = parseLatentFile(bytes, field);
    const digest = embeddingDigest(embedding);
    const release = this.store.pin(digest);
    try {
      await this.store.cacheEmbedding(CLONING_ENGINE, embedding);
    } catch (error) {
      release();
      throw error;
    }
    return { voice: this.voiceOf(digest), release };
  }

  /**
   * Saves a speaker: its reference audio, and its embedding (the uploaded latent, else the
   * audio's), then its record. A failure before the record leaves nothing that counts.
   */
  async saveSpeaker(input: SpeakerInput): Promise<{ speaker: SavedSpeaker; replaced: boolean }> {
    this.require(input.audioField);
    // The latent first: it is cheap to check, and a bad one must not cost an encoding.
    const latent = input.latent === undefined ? undefined : parseLatentFile(input.latent, 'latent_file');
    const reference = await this.decode(input.audio, CLONING_RATE, input.audioField, this.limits);
    const audio = sha256(reference.samples);
    const releases = [this.store.pin(audio)];
    try {
      await this.store.saveAudio(reference.samples);
      let embedding: SpeakerEmbedding;
      if (latent) {
        const digest = embeddingDigest(latent);
        releases.push(this.store.pin(digest));
        await this.store.saveEmbedding(CLONING_ENGINE, latent);
        embedding = { digest, from: 'latent' };
      } else {
        const { digest, release } = await this.#embeddingOf(audio, reference.samples);
        releases.push(release);
        embedding = { digest, from: 'audio' };
      }
      return await this.store.put({
        name: input.name,
        audio,
        sampleRate: CLONING_RATE,
        embeddings: { [CLONING_ENGINE]: embedding },
        ...(input.referenceText ? { referenceText: input.referenceText } : {}),
      });
    } finally {
      for (const release of releases) release();
    }
  }

  /**
   * Gives every saved speaker without an embedding (records of an older store, whose embeddings
   * were kept by audio digest and could have been overwritten) one computed from its own audio.
   * Returns the names repaired.
   */
  async repair(): Promise<string[]> {
    if (!this.available) return [];
    const repaired: string[] = [];
    for (const speaker of this.store.list()) {
      if (speaker.embeddings?.[CLONING_ENGINE]) continue;
      const samples = await this.store.readAudio(speaker.audio);
      const { digest, release } = await this.#embeddingOf(speaker.audio, samples);
      try {
        const { createdAt: _, ...record } = speaker;
        await this.store.put({ ...record, embeddings: { ...speaker.embeddings, [CLONING_ENGINE]: { digest, from: 'audio' } } });
        repaired.push(speaker.name);
      } finally {
        release();
      }
    }
    return repaired;
  }

  /** The embedding already made from audio of that digest, if the store still has it. */
  #known(audio: string): string | undefined {
    const remembered = this.#remembered.get(audio);
    if (remembered !== undefined) return remembered;
    for (const speaker of this.store.list()) {
      const embedding = speaker.embeddings?.[CLONING_ENGINE];
      if (speaker.audio === audio && embedding?.from === 'audio') return embedding.digest;
    }
    return undefined;
  }

  #remember(audio: string, digest: string): void {
    this.#remembered.delete(audio);
    this.#remembered.set(audio, digest);
    if (this.#remembered.size > REMEMBERED_REFERENCES) this.#remembered.delete(this.#remembered.keys().next().value as string);
  }

  /** The embedding of reference audio, computed once (pinned until `release`). */
  async #embeddingOf(audio: string, samples: Float32Array): Promise<{ digest: string; release: () => void }> {
    const known = this.#known(audio);
    if (known !== undefined) {
      const release = this.store.pin(known);
      await this.store.settled();
      if (this.store.hasEmbedding(CLONING_ENGINE, known)) {
        this.store.touchCached(CLONING_ENGINE, known);
        return { digest: known, release };
      }
      release();
      this.#remembered.delete(audio);
    }
    let pending = this.#inFlight.get(audio);
    if (!pending) {
      pending = (async () => {
        this.encodes++;
        const embedding = await this.scheduler.embedReference(CLONING_ENGINE, samples);
        const problem = embeddingProblem(embedding);
        if (problem) {
          throw new TtsError(
            'invalid_request',
            `This reference audio gives no usable voice (${problem}); send another recording.`,
          );
        }
        const digest = await this.store.cacheEmbedding(CLONING_ENGINE, embedding);
        this.#remember(audio, digest);
        return digest;
      })().finally(() => this.#inFlight.delete(audio));
      this.#inFlight.set(audio, pending);
    }
    const digest = await pending;
    const release = this.store.pin(digest);
    await this.store.settled();
    if (this.store.hasEmbedding(CLONING_ENGINE, digest)) return { digest, release };
    // Pushed out of the cache between its encoding and now (32 newer one-shots): encode again.
    release();
    this.#remembered.delete(audio);
    return this.#embeddingOf(audio, samples);
  }
}
