/**
 * Worker entry: rewrites one graph file into another with {@link dequantizeConvolutions}, posts how
 * many convolutions it rewrote, and ends. It runs apart from the engine's thread because the
 * rewrite holds the graph twice (~2 × 92 MB for Kokoro): buffers that die with this worker's heap
 * instead of waiting for a collection that an idle engine thread may never run (measured: 700 MB
 * idle server RSS instead of 485 MB when the engine thread rewrote in place).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type DequantizeOptions, dequantizeConvolutions } from './dequantize-convolutions.js';

/** What the worker is started with. */
export interface RewriteJob {
  /** The graph to read. */
  source: string;
  /** Where to write the rewritten graph (only written when something was rewritten). */
  target: string;
  options: Partial<DequantizeOptions>;
}

const { source, target, options } = workerData as RewriteJob;
const { model, rewritten } = dequantizeConvolutions(readFileSync(source), options);
if (rewritten > 0) writeFileSync(target, model);
parentPort?.postMessage(rewritten);
