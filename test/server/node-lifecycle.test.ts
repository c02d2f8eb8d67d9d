/**
 * What a balancer sees of one node: /readyz follows free stream slots and draining, /healthz and
 * /readyz answer without the API key, and drain() lets a REST stream in flight finish whole while
 * refusing new work.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';

describe('node readiness and drain', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, logLevel: 'silent', workers: 1, maxStreams: 1, apiKey: 'sesame', wyomingPort: 0 });
  });
  afterAll(async () => {
    if (server.http.listening) await server.close();
  });

  const readyz = async (): Promise<{ status: number; body: { status: string; reason?: string } }> => {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
  };

  const gauge = async (name: string): Promise<number> => {
    const text = await server.metrics.registry.getSingleMetricAsString(name);
    return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  };

  it('is ready while a stream slot is free, and not while every slot is taken; probes need no key', async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/server_info`)).status).toBe(401);
    // A long stream the client does not read: backpressure keeps it open, holding the one slot.
    const res = await fetch(`${server.url}/speak`, {
      method: 'POST',
      headers: { authorization: 'Bearer sesame', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'female', text: SENTENCE.repeat(80), response_format: 'pcm', stream: true }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(await readyz()).toMatchObject({ status: 503, body: { reason: 'every stream slot is taken' } });
    // What an autoscaler reads at /metrics says the same: one stream of one, not ready.
    const scraped = await (await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer sesame' } })).text();
    for (const [name, value] of [
      ['flash_tts_active_streams', 1],
      ['flash_tts_max_streams', 1],
      ['flash_tts_engine_workers', 1],
      ['flash_tts_ready', 0],
      ['flash_tts_draining', 0],
    ] as const) {
      expect(new RegExp(`^${name} (\\S+)`, 'm').exec(scraped)?.[1]).toBe(String(value));
    }
    await reader.cancel();
    await waitFor(async () => (await readyz()).status === 200, 'ready again once the stream ended');
    expect(await gauge('flash_tts_ready')).toBe(1);
  });

  it('drain lets a REST stream in flight finish whole, then stops', async () => {
    const whole = await fetch(`${server.url}/speak`, {
      method: 'POST',
      headers: { authorization: 'Bearer sesame', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'female', text: `${SENTENCE} ${SENTENCE} ${SENTENCE}`, response_format: 'pcm' }),
    });
    const expected = (await whole.arrayBuffer()).byteLength;
    const res = await fetch(`${server.url}/speak`, {
      method: 'POST',
      headers: { authorization: 'Bearer sesame', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'female', text: `${SENTENCE} ${SENTENCE} ${SENTENCE}`, response_format: 'pcm', stream: true }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    let bytes = first.value?.byteLength ?? 0;
    expect(await gauge('flash_tts_draining')).toBe(0);
    const wyomingPort = server.wyoming?.port as number;
    const connectsToWyoming = (): Promise<boolean> =>
      new Promise((resolve) => {
        const socket = connect(wyomingPort, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    expect(await connectsToWyoming()).toBe(true);
    const drained = server.drain(10_000);
    expect(await gauge('flash_tts_draining')).toBe(1);
    expect(await gauge('flash_tts_ready')).toBe(0);
    // Home Assistant is sent elsewhere too: the Wyoming port takes no new connection.
    expect(await connectsToWyoming()).toBe(false);
    // A probe or scrape on a new connection is still answered (it was refused: the port closed at
    // once), and new work on it gets 503.
    const fresh = (path: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = request(
          `${server.url}${path}`,
          { method, agent: false, headers: { authorization: 'Bearer sesame', 'content-type': 'application/json' } },
          (answer) => {
            let text = '';
            answer.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await fresh('/healthz')).toMatchObject({ status: 200 });
    const ready = await fresh('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toMatchObject({ reason: 'draining' });
    expect((await fresh('/metrics')).text).toMatch(/^flash_tts_draining 1$/m);
    const work = await fresh('/speak', 'POST', JSON.stringify({ name: 'female', text: 'Hello.' }));
    expect(work.status).toBe(503);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    expect(bytes).toBe(expected);
    expect(await withDeadline(drained, 'drain')).toBe(true);
    expect(server.http.listening).toBe(false);
  });
});
