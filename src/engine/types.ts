/** The contract every synthesis engine implements, and what it says about itself. */

/** Every engine this build knows, by id. */
export const ENGINE_IDS = ['flite', 'kokoro', 'piper', 'pocket-tts'] as const;

/** One of {@link ENGINE_IDS}. */
export type EngineId = (typeof ENGINE_IDS)[number];

/** A voice an engine offers. */
export interface EngineVoice {
  /** Identifier within the engine, e.g. "slt". */
  id: string;
  /** Human-readable name. */
  name: string;
  /** BCP 47 language tag, e.g. "en-US". */
  language: string;
  gender: 'female' | 'male' | 'neutral';
  description: string;
}

/** Which request knobs an engine honours natively. */
export interface EngineCapabilities {
  /** Speaking rate inside the engine (else the server time-stretches). */
  speed: boolean;
  /** Sampling temperature. */
  temperature: boolean;
  /** Top-k sampling. */
  topK: boolean;
  /** Nucleus (top-p) sampling. */
  topP: boolean;
}

/** Static facts about an engine, passed from its worker to the main thread. */
export interface EngineInfo {
  id: EngineId;
  label: string;
  /** Rate of the PCM the engine produces, in Hz. */
  sampleRate: number;
  voices: EngineVoice[];
  capabilities: EngineCapabilities;
  licence: string;
}

/** One segment to synthesize. */
export interface SynthesisRequest {
  /** Normalized text of one segment. */
  text: string;
  /** Engine voice id. */
  voice: string;
  /** Speaking-rate factor, 1 = normal; honoured when `capabilities.speed`. */
  speed: number;
  temperature?: number;
  topK?: number;
  topP?: number;
}

/** When a word is spoken, in seconds from the start of its segment's audio. */
export interface WordTiming {
  /** The word as spoken (normalized text). */
  word: string;
  start: number;
  end: number;
}

/** A piece of a segment's audio, with the timing of words it knows of. */
export interface SynthesisChunk {
  /** Mono PCM. */
  pcm: Float32Array;
  /** Words whose timing the engine can tell, times from the start of the segment. */
  words?: WordTiming[];
  /** Rate of `pcm` when it differs from the engine's `info.sampleRate` (Piper voices differ). */
  sampleRate?: number;
}

/** A voice embedding computed from reference audio: flat float32 data and its dimensions. */
export interface VoiceEmbedding {
  data: Float32Array;
  dims: number[];
}

/**
 * A synthesis engine. Runs inside an engine worker thread, never on the main thread.
 * `synthesize` yields mono Float32 PCM at `info.sampleRate` (with word timings when the engine
 * can tell them), and stops between steps once `signal` aborts.
 */
export interface Engine {
  readonly info: EngineInfo;
  synthesize(request: SynthesisRequest, signal: AbortSignal): AsyncIterable<SynthesisChunk>;
  /**
   * Engines that clone voices: the embedding of mono reference audio at `info.sampleRate`, which
   * `synthesize` then takes as its voice (through a file the speaker store writes).
   */
  embedReference?(audio: Float32Array): Promise<VoiceEmbedding>;
}
