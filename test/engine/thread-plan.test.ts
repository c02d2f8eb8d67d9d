import { describe, expect, it } from '@jest/globals';
import { planThreads } from '../../src/engine/thread-plan.js';
import type { EngineId } from '../../src/engine/types.js';

describe('planThreads', () => {
  const flite: EngineId[] = ['flite'];
  const kokoro: EngineId[] = ['flite', 'kokoro'];
  it.each([
    // engines, cores, workers set, threads set → workers, threads
    ['Flite alone: one single-threaded worker per core', flite, 2, undefined, undefined, 2, 1],
    ['Flite alone on 8 cores', flite, 8, undefined, undefined, 8, 1],
    ['Kokoro: one worker using every core', kokoro, 2, undefined, undefined, 1, 2],
    ['Piper on 8 cores', ['flite', 'piper'] as EngineId[], 8, undefined, undefined, 1, 8],
    ['Pocket-TTS', ['flite', 'pocket-tts'] as EngineId[], 4, undefined, undefined, 1, 4],
    ['workers set: the cores shared among them', kokoro, 4, 2, undefined, 2, 2],
    ['workers set to the cores: one thread each', kokoro, 2, 2, undefined, 2, 1],
    ['more workers than cores: still one thread', kokoro, 2, 4, undefined, 4, 1],
    ['threads set: as many workers as fit', kokoro, 4, undefined, 1, 4, 1],
    ['threads set above the cores: one worker', kokoro, 2, undefined, 4, 1, 4],
    ['both set: as given', kokoro, 2, 2, 2, 2, 2],
  ])('%s', (_, engines, cores, workers, onnxThreads, expectedWorkers, expectedThreads) => {
    expect(planThreads({ engines, cores, workers, onnxThreads })).toEqual({
      workers: expectedWorkers,
      onnxThreads: expectedThreads,
    });
  });
});
