/** Starts a worker thread from a module of this package, from its TypeScript sources or its build. */
import { Worker } from 'node:worker_threads';

/**
 * Starts `url` (a `.ts` or `.js` module URL) in a worker. From TypeScript sources (tests, `npm run
 * dev`) the worker registers tsx before loading its entry: loader flags given to a worker do not
 * apply to its own entry module.
 */
export function startModuleWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import { register } from ${tsx}; register(); await import(${JSON.stringify(url.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData });
}

/** The URL of a sibling module `name` (without extension) of `base`, in the same form (.ts or .js). */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}
