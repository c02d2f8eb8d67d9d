/** Starts a worker thread from a module of this package, from its TypeScript sources or its build. */
import { Worker } from 'node:worker_threads';

/** Options of {@link startModuleWorker}. */
export interface ModuleWorkerOptions {
  /** Niceness the thread sets before it loads its module (see util/thread-priority.ts). Default 0. */
  niceness?: number;
}

/**
 * Starts `url` (a `.ts` or `.js` module URL) in a worker. From TypeScript sources (tests, `npm run
 * dev`) the worker registers tsx before loading its entry: loader flags given to a worker do not
 * apply to its own entry module. A worker with a niceness lowers its priority first, so every
 * thread it starts inherits it.
 */
export function startModuleWorker(url: URL, workerData: unknown, options: ModuleWorkerOptions = {}): Worker {
  const niceness = options.niceness ?? 0;
  const fromSources = url.pathname.endsWith('.ts');
  if (!fromSources && niceness <= 0) return new Worker(url, { workerData });
  const steps: string[] = [];
  if (fromSources)
    steps.push(`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register();`);
  if (niceness > 0) {
    const priority = siblingModule(import.meta.url, 'thread-priority').href;
    steps.push(`(await import(${JSON.stringify(priority)})).lowerThreadPriority(${niceness});`);
  }
  steps.push(`await import(${JSON.stringify(url.href)});`);
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(steps.join(' '))}`), { workerData });
}

/** The URL of a sibling module `name` (without extension) of `base`, in the same form (.ts or .js). */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}
