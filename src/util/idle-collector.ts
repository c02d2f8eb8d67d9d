/**
 * Collects garbage once a thread has been idle for a while. V8 collects when a thread allocates,
 * so a server that has gone quiet keeps what its last requests (and its start: Flite's 21 MB
 * module bytes, the instance its image was captured from) left behind until the next request. One
 * full collection a few seconds into each quiet spell returns that memory to the system, and costs
 * nothing while requests keep coming.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long a thread must stay idle before it collects, in ms. */
export const IDLE_COLLECT_MS = 3000;

let gc: (() => void) | null | undefined;

/** A full garbage collection of this thread's heap; false where the runtime does not allow it. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gc = exposed;
    else {
      try {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as () => void;
      } catch {
        gc = null;
      }
    }
  }
  gc?.();
  gc?.();
  return gc !== null;
}

/** Collects garbage once no work (between {@link IdleCollector.begin} and `end`) has run for `idleMs`. */
export class IdleCollector {
  #timer: NodeJS.Timeout | undefined;
  #running = 0;

  constructor(private readonly idleMs = IDLE_COLLECT_MS) {
    this.#arm();
  }

  /** Work started: no collection until it is over and the thread has been idle again. */
  begin(): void {
    this.#running++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Work ended. */
  end(): void {
    this.#running = Math.max(0, this.#running - 1);
    this.#arm();
  }

  /** Stops watching (the thread is shutting down). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = -Infinity;
  }

  #arm(): void {
    if (this.#running !== 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      collectGarbage();
    }, this.idleMs);
    this.#timer.unref();
  }
}
