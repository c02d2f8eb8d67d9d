import { describe, expect, it } from '@jest/globals';
import { collectGarbage, IdleCollector } from '../../src/util/idle-collector.js';
import { waitFor } from '../helpers/wait.js';

/** A WeakRef to an object nothing else holds (made in its own frame so no local keeps it). */
function unreferenced(): WeakRef<object> {
  return new WeakRef({ payload: new Array(1000).fill('garbage') });
}

describe('idle garbage collection', () => {
  it('collects on request', async () => {
    const ref = unreferenced();
    // A WeakRef's target lives at least until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it('collects once the thread has been idle, not while work runs', async () => {
    const collector = new IdleCollector(50);
    try {
      collector.begin();
      const ref = unreferenced();
      // While work runs, nothing is collected (V8 would not collect an idle test process either).
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(ref.deref()).toBeDefined();
      collector.end();
      await waitFor(() => ref.deref() === undefined, 'the idle collection');
    } finally {
      collector.stop();
    }
  });
});
