/**
 * Runs one graph once in a worker thread and posts its float outputs, for tests: under Jest's
 * module sandbox, onnxruntime's outputs are typed arrays of another realm, which its own tensor
 * class then rejects; engines always run in workers, and so do these checks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxModel, type TensorSpec } from '../../src/engine/onnx/ort.js';

/** What the worker runs: one float input `x`, the named float outputs. */
export interface OnnxRunJob {
  path: string;
  x: { data: Float32Array; dims: number[] };
  outputs: string[];
  /** Further inputs: int64 scalars, by name. */
  scalars?: Record<string, number>;
}

const job = workerData as OnnxRunJob;
const signature: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [
    { key: 'x', names: ['x'], type: 'float32', rank: job.x.dims.length },
    ...Object.keys(job.scalars ?? {}).map((name) => ({ key: name, names: [name], type: 'int64' as const, rank: 0 })),
  ],
  outputs: job.outputs.map((o) => ({ key: o, names: [o], type: 'float32', rank: job.x.dims.length })),
};
const model = await OnnxModel.load(job.path, signature);
const scalars = Object.entries(job.scalars ?? {}).map(([name, value]) => [
  name,
  { type: 'int64' as const, data: BigInt64Array.of(BigInt(value)), dims: [] },
]);
const result = await model.run(
  { x: { type: 'float32', data: job.x.data, dims: job.x.dims }, ...Object.fromEntries(scalars) },
  job.outputs,
);
await model.release();
parentPort?.postMessage(Object.fromEntries(job.outputs.map((o) => [o, Float32Array.from(result[o]?.data as Float32Array)])));
