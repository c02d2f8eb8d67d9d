/** Messages between the main thread and an engine worker. */
import type { VoiceEffects } from '../audio/voice-effects.js';
import type { EngineInfo, SynthesisChunk, SynthesisRequest } from './types.js';

/** Data a worker is started with. */
export interface EngineWorkerData {
  engines: string[];
}

/** One segment for a worker: synthesize, apply effects, resample. */
export interface SegmentJob {
  engine: string;
  request: SynthesisRequest;
  /** Pitch and tempo to apply after the engine (tempo only when the engine cannot change speed). */
  effects: VoiceEffects;
  /** Rate the PCM must come back at. */
  outputRate: number;
}

export type ToWorker = { type: 'synthesize'; id: number; job: SegmentJob } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; engines: EngineInfo[] }
  | { type: 'failed'; message: string }
  | { type: 'chunk'; id: number; chunk: SynthesisChunk }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };
