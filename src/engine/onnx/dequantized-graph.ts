/**
 * Loads a graph with its dynamically quantized convolutions made float (dequantize-convolutions.ts)
 * and, when asked, Kokoro's decoder cropped to the speech (crop-decoder-padding.ts):
 * a worker writes the rewritten graph to a private temporary folder, the caller loads it from
 * there, and the folder is removed once loaded (onnxruntime reads the whole file when it creates
 * the session).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { siblingModule, startModuleWorker } from '../../util/module-worker.js';
import type { RewriteJob, RewriteOptions } from './rewrite-worker.js';

const WORKER_URL = siblingModule(import.meta.url, 'rewrite-worker');

/**
 * Calls `load` with the path of the rewritten graph, or with `path` itself when the graph has
 * nothing to rewrite; resolves to what `load` resolves to.
 */
export async function withDequantizedGraph<T>(
  path: string,
  load: (graph: string) => Promise<T>,
  options: RewriteOptions = {},
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'flash-tts-graph-'));
  try {
    const job: RewriteJob = { source: path, target: join(dir, basename(path)), options };
    const worker = startModuleWorker(WORKER_URL, job);
    const rewritten = await new Promise<number>((resolve, reject) => {
      worker.once('message', (count: number) => resolve(count));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`rewriting ${path} stopped (exit code ${code})`)));
    });
    return await load(rewritten > 0 ? job.target : path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
