/** Messages between the main thread and an engine worker. */
import type { AudioFrame, FrameFormat } from '../audio/audio-framer.js';
import type { VoiceEffects } from '../audio/voice-effects.js';
import type { InstalledModel } from '../models/manifest.js';
import type { EngineInfo, SynthesisRequest, WordTiming } from './types.js';

/** Data a worker is started with. */
export interface EngineWorkerData {
  engines: string[];
  /** Installed models the engines load from. */
  models: InstalledModel[];
  /** Threads one ONNX inference may use. */
  onnxThreads: number;
}

/** One segment for a worker: synthesize, apply effects, resample. */
export interface SegmentJob {
  engine: string;
  request: SynthesisRequest;
  /** Pitch and tempo to apply after the engine (tempo only when the engine cannot change speed). */
  effects: VoiceEffects;
  /** Rate the PCM must come back at. */
  outputRate: number;
  /**
   * Realtime jobs: come back as encoded frames of this format (at `outputRate`) instead of PCM,
   * so encoding happens here, off the main thread.
   */
  framing?: FrameFormat;
  /** Cloning: encode this 24 kHz reference into a voice embedding instead of synthesizing. */
  encode?: Float32Array;
}

/** Audio of part of a segment, as a worker sends it back. */
export interface SegmentChunk {
  /** Mono PCM at the job's output rate (jobs without `framing`). */
  pcm?: Float32Array;
  /** Encoded frames in order (jobs with `framing`). */
  frames?: AudioFrame[];
  /** Word timings from the start of the segment, in seconds. */
  words?: WordTiming[];
  /** The voice embedding of an `encode` job. */
  embedding?: { data: Float32Array; dims: number[] };
}

export type ToWorker =
  | { type: 'synthesize'; id: number; job: SegmentJob }
  | { type: 'cancel'; id: number }
  /** Stop everything and exit (between tasks: never inside a native call, which terminate() could hit). */
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; engines: EngineInfo[] }
  | { type: 'failed'; message: string }
  | { type: 'chunk'; id: number; chunk: SegmentChunk }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };
