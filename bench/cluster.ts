/**
 * Scale-out benchmark: realtime streams held with no underrun through nginx (deploy/nginx.conf)
 * in front of 3 nodes vs 1 node, side by side in one run on this machine. Each stream is a
 * realtime session speaking a paragraph as PCM; it underruns when an audio message arrives
 * after the listener, who started playing at the first one with a 200 ms jitter buffer, ran out.
 *
 * On one machine, 3 nodes share the same cores as 1 node: CPU-bound synthesis cannot scale here.
 * What this shows is that the spread is correct (no stream is starved by the balancer) and the
 * streams each node holds, the figure to multiply by the number of machines.
 * Each node keeps its default stream cap (32): a stream beyond it is refused, which counts as not held.
 * Run: npx tsx bench/cluster.ts   (needs nginx; no database: speakers are not used)
 */
import { availableParallelism } from 'node:os';
import { type Nginx, nginxBinary, startNginx } from '../test/helpers/nginx.js';
import { openRaw } from '../test/helpers/realtime.js';
import { type ServerProcess, startServerProcess } from '../test/helpers/server.js';

const PARAGRAPH =
  'Streaming speech starts with a short first fragment, so the listener hears something at once. ' +
  'Then the rest of the text follows sentence by sentence, while the next sentence is already being synthesized. ' +
  'A good server keeps every stream smooth, even when many people talk to it at the same time.';
const JITTER_MS = 200;

/** Speaks the paragraph on one realtime session; resolves with whether it played without underrun. */
async function oneStream(url: string): Promise<boolean> {
  const session = await openRaw(url);
  try {
    session.send({ type: 'init', format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
    await session.next((m) => m.type === 'ready');
    let start = 0;
    let played = 0;
    let underrun = false;
    session.ws.on('message', () => {
      const m = session.messages.at(-1);
      if (m?.type !== 'audio') return;
      const now = performance.now();
      if (start === 0) start = now + JITTER_MS;
      else if (now > start + played) underrun = true;
      played += m.dur_ms;
    });
    session.send({ type: 'text', context_id: 'c', text: PARAGRAPH });
    session.send({ type: 'end', context_id: 'c' });
    // A full node refuses the stream (server_busy): that stream was not held.
    const end = await session.next((m) => m.type === 'done' || m.type === 'cancelled' || m.type === 'error', 120_000);
    return end.type === 'done' && !underrun;
  } finally {
    session.ws.close();
  }
}

async function cluster(count: number): Promise<{ nginx: Nginx; nodes: ServerProcess[] }> {
  const workers = String(Math.max(1, Math.floor(availableParallelism() / count)));
  const nodes = await Promise.all(Array.from({ length: count }, () => startServerProcess(['--workers', workers], {}, 120_000)));
  const nginx = await startNginx(nodes.map((n) => new URL(n.url).host));
  return { nginx, nodes };
}

async function main(): Promise<void> {
  if (!nginxBinary()) throw new Error('nginx is not installed (apt-get install nginx).');
  const levels = [8, 16, 32, 48, 64, 96];
  const held: Record<number, number> = {};
  for (const count of [1, 3]) {
    const { nginx, nodes } = await cluster(count);
    try {
      await oneStream(nginx.url); // warm the path
      let best = 0;
      for (const streams of levels) {
        const smooth = (await Promise.all(Array.from({ length: streams }, () => oneStream(nginx.url)))).filter(Boolean).length;
        console.log(`${count} node(s), ${streams} concurrent streams: ${smooth} without underrun`);
        if (smooth === streams) best = streams;
        else break;
      }
      held[count] = best;
    } finally {
      await nginx.stop();
      await Promise.all(nodes.map((n) => n.stop()));
    }
  }
  const one = held[1] ?? 0;
  const three = held[3] ?? 0;
  console.log(
    `\nstreams held with no underrun: 1 node ${one}, 3 nodes ${three} (ratio ${(three / Math.max(1, one)).toFixed(2)})`,
  );
  console.log(
    `per node: 1-node setup ${one}, 3-node setup ${(three / 3).toFixed(1)} on the same ${availableParallelism()} cores`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
