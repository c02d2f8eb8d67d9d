/**
 * Worker entry: rewrites one graph file into another with {@link dequantizeConvolutions} and, when
 * asked, {@link cropDecoderPadding}; posts how many rewrites it made, and ends. It runs apart from
 * the engine's thread because the rewrites hold the graph two or three times (~92 MB each for
 * Kokoro): buffers that die with this worker's heap
 * instead of waiting for a collection that an idle engine thread may never run (measured: 700 MB
 * idle server RSS instead of 485 MB when the engine thread rewrote in place).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type CropOptions, cropDecoderPadding } from './crop-decoder-padding.js';
import { type DequantizeOptions, dequantizeConvolutions } from './dequantize-convolutions.js';

/** The rewrites to make: the dequantization always, the decoder's crop when `cropPadding` is given. */
export interface RewriteOptions extends Partial<DequantizeOptions> {
  cropPadding?: Partial<CropOptions>;
}

/** What the worker is started with. */
export interface RewriteJob {
  /** The graph to read. */
  source: string;
  /** Where to write the rewritten graph (only written when something was rewritten). */
  target: string;
  options: RewriteOptions;
}

const { source, target, options } = workerData as RewriteJob;
const { cropPadding, ...dequantize } = options;
const dequantized = dequantizeConvolutions(readFileSync(source), dequantize);
const crop = cropPadding ? cropDecoderPadding(dequantized.model, cropPadding) : { model: dequantized.model, cropped: false };
const rewritten = dequantized.rewritten + (crop.cropped ? 1 : 0);
if (rewritten > 0) writeFileSync(target, crop.model);
parentPort?.postMessage(rewritten);
