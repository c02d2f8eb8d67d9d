/**
 * Three nodes behind nginx (configured from deploy/nginx.conf) sharing speakers on PostgreSQL,
 * all on loopback and all started by the test: requests spread across nodes, a speaker saved
 * through one node speaks through the others, a node killed with SIGKILL loses only its own
 * sessions while the others keep speaking and new requests land on live nodes, and SIGTERM
 * drains a realtime context that keeps taking text, then closes with 1012 and exits 0.
 * Skipped, saying so, where PostgreSQL or nginx is not installed.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { encodeAudio } from '../../src/audio/index.js';
import { type Nginx, nginxBinary, startNginx } from '../helpers/nginx.js';
import { type PostgresCluster, postgresBinDir, startPostgres } from '../helpers/postgres.js';
import { openRaw, type RawSession } from '../helpers/realtime.js';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';
import { installSyntheticPocket } from '../helpers/synthetic-pocket.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const missing = [postgresBinDir() ? '' : 'postgresql', nginxBinary() ? '' : 'nginx'].filter(Boolean);
if (missing.length > 0)
  console.warn(`Not installed: ${missing.join(', ')} (apt-get install them): the cluster tests are skipped.`);

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';

interface Node {
  server: ServerProcess;
  addr: string;
}

async function speak(base: string, body: object): Promise<{ status: number; bytes: number; upstream: string | null }> {
  const res = await fetch(`${base}/speak`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_format: 'pcm', ...body }),
  });
  const bytes = (await res.arrayBuffer()).byteLength;
  return { status: res.status, bytes, upstream: res.headers.get('x-upstream-addr') };
}

/** A realtime session with one context that has spoken its first text and stays open. */
async function openContext(url: string): Promise<RawSession> {
  const session = await openRaw(url);
  session.send({ type: 'init', format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
  await session.next((m) => m.type === 'ready');
  session.send({ type: 'text', context_id: 'c', text: `${SENTENCE} `, flush: true });
  await session.next((m) => m.type === 'flushed', 30_000);
  return session;
}

/** Sends more text to the open context, ends it, and resolves with the audio messages after that. */
async function finish(session: RawSession): Promise<number> {
  const before = session.messages.length;
  session.send({ type: 'text', context_id: 'c', text: SENTENCE });
  session.send({ type: 'end', context_id: 'c' });
  await session.next((m) => m.type === 'done', 30_000);
  return session.messages.slice(before).filter((m) => m.type === 'audio').length;
}

(missing.length === 0 ? describe : describe.skip)('three nodes behind nginx, speakers on PostgreSQL', () => {
  let dir: string;
  let pg: PostgresCluster;
  let nginx: Nginx;
  const nodes: Node[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-cluster-'));
    installSyntheticPocket(join(dir, 'models'));
    pg = await startPostgres();
    const started = await Promise.all(
      [0, 1, 2].map((i) =>
        startServerProcess(
          ['--workers', '1'],
          {
            FLASH_TTS_DATABASE_URL: pg.url,
            FLASH_TTS_MODELS_DIR: join(dir, 'models'),
            FLASH_TTS_SPEAKERS_DIR: join(dir, `node${i}`),
            FLASH_TTS_DRAIN_S: '20',
          },
          90_000,
        ),
      ),
    );
    for (const server of started) nodes.push({ server, addr: new URL(server.url).host });
    nginx = await startNginx(nodes.map((n) => n.addr));
  }, 150_000);

  afterAll(async () => {
    await nginx?.stop();
    // The killed node exited by signal (no exit code): only the ones still running are stopped.
    await Promise.all(nodes.filter((n) => n.server.child.signalCode === null).map((n) => n.server.stop()));
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('spreads concurrent requests over every node', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => speak(nginx.url, { name: 'female', text: `${SENTENCE} ${SENTENCE}`, stream: true })),
    );
    for (const a of answers) expect(a).toMatchObject({ status: 200 });
    expect(new Set(answers.map((a) => a.upstream))).toEqual(new Set(nodes.map((n) => n.addr)));
  }, 60_000);

  it('a speaker saved through one node speaks through the others', async () => {
    const rate = 24000;
    const samples = Float32Array.from({ length: rate * 2 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 150 * i) / rate));
    const form = new FormData();
    form.append('name', 'Cluster Voice');
    form.append(
      'audio_file',
      new Blob([new Uint8Array(await encodeAudio(samples, { format: 'wav', sampleRate: rate }))]),
      'ref.wav',
    );
    const added = await fetch(`${nodes[0]?.server.url}/add_speaker`, { method: 'POST', body: form });
    expect(added.status).toBe(200);
    for (const node of nodes.slice(1)) {
      await waitFor(
        async () => {
          const voices = (await (await fetch(`${node.server.url}/v1/audio/voices`)).json()) as { voices: { id: string }[] };
          return voices.voices.some((v) => v.id === 'Cluster Voice');
        },
        `speaker listed on ${node.addr}`,
        1000,
      );
      const spoken = await speak(node.server.url, { name: 'Cluster Voice', text: 'Good morning.', sample_rate: 24000 });
      expect(spoken.status).toBe(200);
      expect(spoken.bytes).toBeGreaterThan(1920 * 2); // at least one 80 ms frame of 16-bit audio
    }
  }, 60_000);

  it('SIGKILL of one node ends only its sessions; the rest keep speaking; new requests land on live nodes', async () => {
    const sessions = await Promise.all(nodes.map(() => openContext(nginx.url)));
    const victim = nodes[0] as Node;
    victim.server.child.kill('SIGKILL');
    await once(victim.server.child, 'exit');
    const lost = await withDeadline(
      Promise.race(sessions.map((s, i) => s.closed.then(() => i))),
      "the killed node's session closes",
    );
    const survivors = sessions.filter((_, i) => i !== lost);
    // least_conn put one session on each node: exactly one was lost, the other two are open.
    for (const session of survivors) expect(session.ws.readyState).toBe(session.ws.OPEN);
    for (const session of survivors) expect(await finish(session)).toBeGreaterThan(0);
    for (const session of survivors) session.ws.close();
    const after = await Promise.all(Array.from({ length: 4 }, () => speak(nginx.url, { name: 'female', text: SENTENCE })));
    for (const a of after) {
      expect(a.status).toBe(200);
      expect(a.bytes).toBeGreaterThan(16000);
      expect(a.upstream?.split(', ').at(-1)).not.toBe(victim.addr);
    }
  }, 90_000);

  it('SIGTERM drains: an open context keeps taking text and finishes, then 1012 and exit 0', async () => {
    const node = nodes[1] as Node;
    const session = await openContext(node.server.url);
    const exited = once(node.server.child, 'exit');
    node.server.child.kill('SIGTERM');
    await waitFor(() => /"msg":"draining"/.test(node.server.logs()), 'node draining', 10_000);
    // New sessions are refused while it drains (the balancer sends them elsewhere).
    await expect(openRaw(node.server.url)).rejects.toThrow();
    expect(await finish(session)).toBeGreaterThan(0);
    expect((await withDeadline(session.closed, 'close after drain')).code).toBe(1012);
    const [code] = (await withDeadline(exited, 'exit after drain')) as [number];
    expect(code).toBe(0);
    expect(node.server.logs()).toMatch(/"finished":true[^\n]*"msg":"drained"/);
    // The balancer still answers, from the node left.
    const left = await speak(nginx.url, { name: 'female', text: SENTENCE });
    expect(left.status).toBe(200);
  }, 90_000);
});
