/**
 * How many engine workers to start and how many threads one ONNX inference may use, from the
 * engines loaded and the cores, unless the settings name them.
 *
 * With an ONNX engine loaded (Kokoro, Piper, Pocket-TTS): one worker whose inferences use every
 * core. Measured on the 2-core machine with Kokoro-82M int8 against two workers × 1 thread
 * (bench/kokoro-speed.ts, 2026-11-30):
 * - a request alone finishes ~1.6× sooner on two intra-op threads than on one, and one request
 *   alone is the common case of a voice assistant;
 * - under load (2–4 clients) it delivers 10–15 % less audio per second than two single-threaded
 *   workers, still 1.03–1.16× what kokoro-onnx can (one text at a time, 2 threads);
 * - two workers × 2 threads oversubscribe the cores (4 threads on 2): 0.84–0.93× kokoro-onnx
 *   under load, no faster alone;
 * - every worker holds its own session and front end: one worker idles at ~500 MB, two at ~840 MB.
 * Each worker also loads Flite, so Flite requests share that worker when a neural engine is loaded.
 *
 * Flite alone (no ONNX): one worker per core, one thread each (Flite is single-threaded).
 * A setting given for one of the two divides the cores for the other: `workers` 2 on 4 cores
 * gives 2 threads each; `onnxThreads` 1 gives one worker per core.
 */
import type { EngineId } from './types.js';

/** Engines that run on onnxruntime. */
export const ONNX_ENGINES: readonly EngineId[] = ['kokoro', 'piper', 'pocket-tts'];

/** Worker threads and ONNX threads per inference. */
export interface ThreadPlan {
  workers: number;
  onnxThreads: number;
}

/** Plans {@link ThreadPlan} for `engines` on `cores`; `workers` / `onnxThreads` when set win. */
export function planThreads(options: {
  engines: readonly EngineId[];
  cores: number;
  workers?: number | undefined;
  onnxThreads?: number | undefined;
}): ThreadPlan {
  const cores = Math.max(1, options.cores);
  const share = (n: number): number => Math.max(1, Math.floor(cores / n));
  const { workers, onnxThreads } = options;
  if (workers !== undefined && onnxThreads !== undefined) return { workers, onnxThreads };
  if (workers !== undefined) return { workers, onnxThreads: share(workers) };
  if (onnxThreads !== undefined) return { workers: share(onnxThreads), onnxThreads };
  return options.engines.some((e) => ONNX_ENGINES.includes(e))
    ? { workers: 1, onnxThreads: cores }
    : { workers: cores, onnxThreads: 1 };
}
