/** Messages between the main thread and an engine worker, as tagged unions. */
import type { VoiceEffects } from '../audio/voice-effects.js';
import type { ErrorCode } from '../errors.js';
import type { InstalledModel } from '../models/manifest.js';
import type { StopMessage } from '../util/worker-pool.js';
import type { FliteShared } from './flite/flite-module.js';
import type { EngineId, EngineInfo, SynthesisRequest, VoiceEmbedding, WordTiming } from './types.js';

/** Data a worker is started with. */
export interface EngineWorkerData {
  engines: EngineId[];
  /** Installed models the engines load from. */
  models: InstalledModel[];
  /** Threads one ONNX inference may use. */
  onnxThreads: number;
  /** Flite's compiled module and initial image, shared by all workers (see engine/flite/flite-module.ts). */
  flite?: FliteShared;
}

/** What a worker tells once its engines are loaded. */
export interface EngineWorkerReady {
  engines: EngineInfo[];
}

/** Synthesize one segment, apply effects, convert to `outputRate`, and send it back as PCM. */
export interface SynthesizeJob {
  kind: 'synthesize';
  engine: EngineId;
  request: SynthesisRequest;
  /** Pitch and tempo to apply after the engine (tempo only when the engine cannot change speed). */
  effects: VoiceEffects;
  /** Rate the PCM must come back at. */
  outputRate: number;
  /**
   * Length of the first piece sent back, in ms: one frame of what the audio becomes, so the first
   * message leaves as soon as the engine has that much.
   */
  firstPieceMs: number;
}

/** Turn reference audio (mono, at the engine's rate) into a voice embedding. */
export interface EmbedReferenceJob {
  kind: 'embedReference';
  engine: EngineId;
  audio: Float32Array;
}

/** Work for an engine worker. */
export type EngineJob = SynthesizeJob | EmbedReferenceJob;

/** Audio of part of a segment: mono PCM at the job's output rate, with the word timings it starts. */
export interface AudioOutput {
  kind: 'audio';
  pcm: Float32Array;
  /** Word timings from the start of the segment, in seconds. */
  words?: WordTiming[];
}

/** What a job sends back: audio pieces (synthesize) or one embedding (embedReference). */
export type JobOutput = AudioOutput | { kind: 'embedding'; embedding: VoiceEmbedding };

export type ToEngineWorker = { type: 'run'; id: number; job: EngineJob } | { type: 'cancel'; id: number } | StopMessage;

export type FromEngineWorker =
  | { type: 'output'; id: number; output: JobOutput }
  | { type: 'done'; id: number }
  /** A job failed; `code` when the engine threw a `TtsError` (a user's mistake, passed on as such). */
  | { type: 'error'; id: number; message: string; code?: ErrorCode };
