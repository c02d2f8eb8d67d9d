/**
 * Runs a small graph once in a worker thread (see onnx-run-worker.ts) and returns its float
 * outputs by name, copied into this realm.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModuleWorker } from '../../src/util/module-worker.js';
import type { OnnxRunJob } from './onnx-run-worker.js';

const RUN_WORKER = new URL('./onnx-run-worker.ts', import.meta.url);

/** Writes `model` to `dir/name` and runs it on the float input `x` of shape `dims`. */
export async function runGraph(
  dir: string,
  name: string,
  model: Uint8Array,
  x: { data: Float32Array; dims: number[] },
  outputs: string[],
  scalars?: Record<string, number>,
): Promise<Record<string, Float32Array>> {
  const path = join(dir, name);
  writeFileSync(path, model);
  const job: OnnxRunJob = { path, x, outputs, ...(scalars ? { scalars } : {}) };
  const worker = startModuleWorker(RUN_WORKER, job);
  return await new Promise((resolve, reject) => {
    worker.once('message', (result: Record<string, Float32Array>) => {
      // The worker's typed arrays come from another realm: copy them into this one.
      resolve(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Float32Array.from(v)])));
    });
    worker.once('error', reject);
  });
}
