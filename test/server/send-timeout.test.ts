/**
 * The send timeout of streamed REST responses: a client that reads nothing is cut off, one that
 * reads slowly (a player at playback rate) is not, however long each drain takes.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { drained } from '../../src/server/speech-response.js';

/** A response whose buffered bytes go down by `readPerTick` every 50 ms, and that drains at 0. */
function slowResponse(buffered: number, readPerTick: number) {
  const res = Object.assign(new EventEmitter(), { writableLength: buffered, destroyed: false, destroy: () => undefined });
  res.destroy = () => {
    res.destroyed = true;
    res.emit('close');
  };
  const reader = setInterval(() => {
    if (readPerTick === 0 || res.destroyed) return;
    res.writableLength = Math.max(0, res.writableLength - readPerTick);
    if (res.writableLength === 0) {
      clearInterval(reader);
      res.emit('drain');
    }
  }, 50);
  return { res, stop: () => clearInterval(reader) };
}

const log = { info: () => undefined };

describe('the send timeout of a streamed response', () => {
  it('does not cut off a client that reads slowly, though a drain takes many timeouts', async () => {
    // 64 KB read every 50 ms of 3.2 MB buffered: the drain comes after 2.5 s, the timeout is 300 ms.
    const { res, stop } = slowResponse(3_200_000, 64_000);
    const started = performance.now();
    await drained(res, 300, log);
    stop();
    expect(res.destroyed).toBe(false);
    expect(performance.now() - started).toBeGreaterThan(2000);
  });

  it('cuts off a client that reads nothing for the timeout', async () => {
    const { res, stop } = slowResponse(3_200_000, 0);
    const started = performance.now();
    await drained(res, 300, log);
    stop();
    expect(res.destroyed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
