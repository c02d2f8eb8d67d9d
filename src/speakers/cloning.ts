/**
 * Voice cloning on the main thread's side: turns reference audio (or a ready .npy embedding) into
 * a voice the Pocket-TTS engine can speak with, through the speaker store's content-addressed
 * cache — the same reference, sent twice or saved as a speaker, is encoded once.
 */
import { createHash } from 'node:crypto';
import { prepareReference } from '../audio/reference-audio.js';
import type { Scheduler } from '../engine/scheduler.js';
import type { EngineVoiceRef } from '../engine/speech-stream.js';
import type { EngineId } from '../engine/types.js';
import { TtsError } from '../errors.js';
import type { SpeakerBackend } from './speaker-backend.js';

export const CLONING_ENGINE: EngineId = 'pocket-tts';
export const CLONING_MODEL = 'pocket-tts-int8';
export const CLONING_RATE = 24000;

/** The error for a cloning request when the cloning model is not installed. */
export function cloningUnavailable(param: string): TtsError {
  return new TtsError(
    'engine_not_installed',
    `Voice cloning needs the Pocket-TTS model, which is not installed: run \`flash-tts models pull ${CLONING_MODEL}\` and restart the server. Built-in voices are listed at GET /v1/audio/voices.`,
    { param },
  );
}

/** Reads a .npy float32 array (the `latent_file` of the original API). */
async function parseNpy(bytes: Uint8Array, field: string): Promise<{ data: Float32Array; dims: number[] }> {
  const { default: NpyJs } = await import('npyjs');
  try {
    const parsed = new NpyJs().parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    if (!(parsed.data instanceof Float32Array)) throw new Error(`its dtype is ${parsed.dtype}, not float32`);
    const dims = [...parsed.shape];
    while (dims.length > 3 && dims[0] === 1) dims.shift();
    while (dims.length < 3) dims.unshift(1);
    if (dims[2] !== 1024) throw new Error(`its shape is [${parsed.shape.join(', ')}], not [1, frames, 1024]`);
    return { data: parsed.data, dims };
  } catch (error) {
    throw new TtsError(
      'invalid_request',
      `"${field}" is not a usable voice embedding (.npy float32 [1, frames, 1024]): ${error instanceof Error ? error.message : String(error)}.`,
      { param: field },
    );
  }
}

export class CloningService {
  /** How many references were encoded (cache misses), for tests and benchmarks. */
  encodes = 0;
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly scheduler: Scheduler,
    readonly store: SpeakerBackend,
  ) {}

  /** Whether the cloning engine is loaded. */
  get available(): boolean {
    return this.scheduler.engines.some((e) => e.id === CLONING_ENGINE);
  }

  /** Throws the "install it" error unless cloning is available. */
  require(param: string): void {
    if (!this.available) throw cloningUnavailable(param);
  }

  /** The engine voice of a stored reference (its embedding cached on first use). */
  async voiceForDigest(digest: string): Promise<EngineVoiceRef> {
    const path = this.store.embeddingPath(CLONING_ENGINE, digest);
    if (!(await this.store.hasEmbedding(CLONING_ENGINE, digest))) {
      let pending = this.#inFlight.get(digest);
      if (!pending) {
        pending = (async () => {
          const audio = await this.store.readAudio(digest);
          this.encodes++;
          const embedding = await this.scheduler.embedReference(CLONING_ENGINE, audio);
          await this.store.saveEmbedding(CLONING_ENGINE, digest, embedding);
        })().finally(() => this.#inFlight.delete(digest));
        this.#inFlight.set(digest, pending);
      }
      await pending;
    }
    return { engine: CLONING_ENGINE, engineVoice: path };
  }

  /** Decodes reference audio, stores it, and returns its digest (for saving) and engine voice. */
  async fromAudio(bytes: Uint8Array, field: string): Promise<{ digest: string; voice: EngineVoiceRef }> {
    this.require(field);
    const reference = await prepareReference(bytes, CLONING_RATE, field);
    const digest = await this.store.saveAudio(reference.samples);
    return { digest, voice: await this.voiceForDigest(digest) };
  }

  /**
   * A ready embedding (.npy): stored under the digest of `audioDigest` when given (a speaker's
   * reference audio), else of the file itself.
   */
  async fromLatent(bytes: Uint8Array, field: string, audioDigest?: string): Promise<{ digest: string; voice: EngineVoiceRef }> {
    this.require(field);
    const embedding = await parseNpy(bytes, field);
    const digest = audioDigest ?? createHash('sha256').update(bytes).digest('hex');
    await this.store.saveEmbedding(CLONING_ENGINE, digest, embedding);
    return { digest, voice: { engine: CLONING_ENGINE, engineVoice: this.store.embeddingPath(CLONING_ENGINE, digest) } };
  }
}
