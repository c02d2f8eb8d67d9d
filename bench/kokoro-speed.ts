/**
 * Kokoro speed, ours against kokoro-onnx on the same graph file, text and voice, side by side in one run:
 * - alone: seconds from request to last byte per second of audio, one request at a time (ours: the
 *   real server, POST /v1/audio/speech, PCM, af_heart; kokoro-onnx: `create()` of the same sentence
 *   in a Python process that keeps it loaded, bench/kokoro-onnx-speed.py), and the CPU seconds
 *   each process spent per audio second (all its threads: less disturbed by other people's work
 *   on a shared machine than wall time);
 * - at once: aggregate audio seconds per wall second with 1, 2 and 4 clients (each client speaks
 *   every sentence, one request after another). kokoro-onnx is a library with no server: its
 *   one-at-a-time rate is its capacity, which is what the at-once columns compare against;
 * - our server's resident memory (VmRSS of its process), idle with only the Kokoro models installed,
 *   after start-up and again after the load; kokoro-onnx's process beside it.
 * Alone, every sentence is spoken by each contender in turn, so the two figures of a sentence share
 * the machine's load of that moment; the ratios are what to read. Our server splits a sentence
 * with a comma into a short first fragment and the rest (first audio sooner), two model calls
 * where kokoro-onnx makes one: the per-sentence ratios show what that costs.
 *
 * Needs the real fixtures (scripts/fixtures.sh --bench) and a build (npm run build).
 * Run: npx tsx bench/kokoro-speed.ts [--rounds N] [--clients 1,2,4] [--no-peer]
 *        [--ours "--workers 2 --onnx-threads 1"]…   (each --ours is one more server setting to compare,
 *        flags and NAME=value environment variables; without any, the server's defaults)
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ServerProcess, startServerProcess } from '../test/helpers/server.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(REPO, '.fixtures');
const KOKORO_MODELS = ['kokoro-82m-int8', 'kokoro-82m-voices-multilingual'];
const VOICE = 'af_heart';
const SAMPLE_RATE = 24000; // /v1/audio/speech PCM
const SENTENCES = [
  'We bought two tickets for four people, which was a mistake.',
  'Why did the package arrive three days late?',
  'Turn left at the second light, then take the first right.',
  'Bring something warm to wear, for example a sweater or a light jacket.',
  'After the storm passed, the neighbours gathered in the street to clear the fallen branches.',
  'The recipe needs two cups of flour and half a teaspoon of salt.',
];

interface Options {
  rounds: number;
  clients: number[];
  peer: boolean;
  ours: string[][];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { rounds: 2, clients: [1, 2, 4], peer: true, ours: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else if (arg === '--clients') options.clients = (argv[++i] ?? '').split(',').map(Number);
    else if (arg === '--no-peer') options.peer = false;
    else if (arg === '--ours') options.ours.push((argv[++i] ?? '').split(/\s+/).filter(Boolean));
    else throw new Error(`unknown argument ${arg} (see the comment at the top of bench/kokoro-speed.ts)`);
  }
  if (!(options.rounds >= 1)) throw new Error('--rounds wants a positive number');
  if (options.clients.some((n) => !(n >= 1))) throw new Error('--clients wants positive numbers, e.g. 1,2,4');
  if (options.ours.length === 0) options.ours.push([]);
  return options;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** VmRSS of a process, in MB. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A models folder holding only the Kokoro models of the fixtures (folders made, files linked). */
async function kokoroOnlyModels(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flash-tts-kokoro-speed-'));
  const link = async (from: string, to: string): Promise<void> => {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from, { withFileTypes: true })) {
      if (entry.isDirectory()) await link(join(from, entry.name), join(to, entry.name));
      else await symlink(join(from, entry.name), join(to, entry.name));
    }
  };
  for (const name of KOKORO_MODELS) await link(join(FIXTURES, 'models', name), join(dir, name));
  return dir;
}

/** One request, one at a time: seconds from sending to the last byte, and seconds of audio. */
async function speak(url: string, text: string): Promise<{ seconds: number; audioSeconds: number; firstByte: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: VOICE, input: text, response_format: 'pcm' }),
  });
  if (!res.ok || !res.body) throw new Error(`/v1/audio/speech answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let firstByte = 0;
  const reader = res.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    if (bytes === 0) firstByte = (performance.now() - started) / 1000;
    bytes += read.value.length;
  }
  return { seconds: (performance.now() - started) / 1000, audioSeconds: bytes / 2 / SAMPLE_RATE, firstByte };
}

/** `clients` clients at once, each speaking every sentence (starting at a different one): audio seconds per wall second. */
async function throughput(url: string, clients: number): Promise<number> {
  const started = performance.now();
  const audio = await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      let seconds = 0;
      for (let i = 0; i < SENTENCES.length; i++) {
        seconds += (await speak(url, SENTENCES[(i + client) % SENTENCES.length] as string)).audioSeconds;
      }
      return seconds;
    }),
  );
  return audio.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
}

/** kokoro-onnx kept loaded in a Python process (bench/kokoro-onnx-speed.py). */
class Peer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  rssMb = Number.NaN;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    this.#lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(threads: number): Promise<Peer> {
    const model = join(FIXTURES, 'models', 'kokoro-82m-int8');
    const child = spawn(
      join(FIXTURES, 'venv', 'bin', 'python'),
      [join(REPO, 'bench', 'kokoro-onnx-speed.py'), join(model, 'model.onnx'), join(model, 'voices'), VOICE, String(threads)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const peer = new Peer(child);
    const ready = JSON.parse(await peer.#next()) as { rss_mb: number };
    peer.rssMb = ready.rss_mb;
    return peer;
  }

  async #next(): Promise<string> {
    const line = await this.#lines.next();
    if (line.done)
      throw new Error('bench/kokoro-onnx-speed.py ended early (is kokoro-onnx in the venv? scripts/fixtures.sh --bench)');
    return line.value;
  }

  /** Each text alone, in order: seconds of `create()`, its CPU seconds and seconds of audio. */
  async speak(texts: readonly string[]): Promise<{ seconds: number; cpu_seconds: number; audio_seconds: number }[]> {
    this.#child.stdin.write(`${JSON.stringify({ texts })}\n`);
    const answer = JSON.parse(await this.#next()) as {
      results: { seconds: number; cpu_seconds: number; audio_seconds: number }[];
      rss_mb: number;
    };
    this.rssMb = answer.rss_mb;
    return answer.results;
  }

  stop(): void {
    this.#child.stdin.end();
  }
}

interface Row {
  label: string;
  /** Every sentence of every round, alone: wall seconds, CPU seconds, audio seconds, first byte. */
  alone: { seconds: number; cpu: number; audio: number; firstByte: number }[];
  /** Per client count, per round: audio seconds per wall second. */
  rate: Map<number, number[]>;
  rssStart: number;
  rssAfter: number;
}

/** CPU seconds a process has used, all threads (utime + stime of /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 per second on Linux
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const missing = [
    ...KOKORO_MODELS.map((m) => join(FIXTURES, 'models', m, 'installed.json')),
    ...(options.peer ? [join(FIXTURES, 'venv', 'bin', 'python')] : []),
  ].filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run scripts/fixtures.sh --bench`);
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) throw new Error('no build: run npm run build first');

  const threads = availableParallelism();
  const modelsDir = await kokoroOnlyModels();
  const servers: { server: ServerProcess; row: Row }[] = [];
  let peer: Peer | undefined;
  try {
    for (const args of options.ours) {
      const label = `ours${args.length ? ` (${args.join(' ')})` : ' (defaults)'}`;
      // NAME=value words are environment variables of that server.
      const isEnv = (a: string): boolean => /^[A-Z_][A-Z0-9_]*=/.test(a);
      const env = Object.fromEntries(args.filter(isEnv).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
      const server = await startServerProcess(['--models-dir', modelsDir, ...args.filter((a) => !isEnv(a))], env, 120_000);
      await sleep(3000);
      const row: Row = { label, alone: [], rate: new Map(), rssStart: rssMb(server.child.pid as number), rssAfter: 0 };
      servers.push({ server, row });
      console.error(`${label}: started, ${row.rssStart.toFixed(0)} MB`);
    }
    peer = options.peer ? await Peer.start(threads) : undefined;
    const peerRow: Row = {
      label: `kokoro-onnx (${threads} threads)`,
      alone: [],
      rate: new Map(),
      rssStart: peer?.rssMb ?? 0,
      rssAfter: 0,
    };

    // Alone: sentence by sentence, every contender in turn, so each sentence's figures share the
    // machine's load of the moment (other people's work on a shared machine comes and goes).
    for (let round = 1; round <= options.rounds; round++) {
      for (const text of SENTENCES) {
        for (const { server, row } of servers) {
          const pid = server.child.pid as number;
          const cpu = cpuSeconds(pid);
          const r = await speak(server.url, text);
          row.alone.push({ seconds: r.seconds, cpu: cpuSeconds(pid) - cpu, audio: r.audioSeconds, firstByte: r.firstByte });
        }
        if (peer) {
          const [r] = await peer.speak([text]);
          if (r) peerRow.alone.push({ seconds: r.seconds, cpu: r.cpu_seconds, audio: r.audio_seconds, firstByte: Number.NaN });
        }
      }
      console.error(`round ${round}: alone done`);
    }
    // At once: each client count, every server in turn.
    for (let round = 1; round <= options.rounds; round++) {
      for (const clients of options.clients) {
        for (const { server, row } of servers) {
          const rate = await throughput(server.url, clients);
          row.rate.set(clients, [...(row.rate.get(clients) ?? []), rate]);
        }
      }
      console.error(`round ${round}: at once done`);
    }
    await sleep(3000);
    for (const { server, row } of servers) row.rssAfter = rssMb(server.child.pid as number);
    peerRow.rssAfter = peer?.rssMb ?? 0;

    const wall = (row: Row): number => sum(row.alone.map((a) => a.seconds)) / sum(row.alone.map((a) => a.audio));
    const cpu = (row: Row): number => sum(row.alone.map((a) => a.cpu)) / sum(row.alone.map((a) => a.audio));
    const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
    const peerCapacity = 1 / wall(peerRow);
    console.log(
      `\nKokoro-82M v1.0 int8, voice ${VOICE}, ${SENTENCES.length} sentences × ${options.rounds} rounds, ${threads} cores. ` +
        'Alone: totals over all sentences; at once: median over rounds.',
    );
    console.log(
      `| | wall s / audio s, alone | CPU s / audio s, alone | first byte, alone (median) | ${options.clients
        .map((c) => `× realtime, ${c} at once`)
        .join(' | ')} | RSS idle: start / after |`,
    );
    console.log(`|---|---|---|---|${options.clients.map(() => '---|').join('')}---|`);
    for (const { row } of servers) {
      console.log(
        `| ${row.label} | ${fmt(wall(row), 3)} | ${fmt(cpu(row), 3)} | ${fmt(median(row.alone.map((a) => a.firstByte)) * 1000, 0)} ms | ${options.clients
          .map((c) => fmt(median(row.rate.get(c) ?? [])))
          .join(' | ')} | ${fmt(row.rssStart, 0)} / ${fmt(row.rssAfter, 0)} MB |`,
      );
    }
    if (peer) {
      console.log(
        `| ${peerRow.label} | ${fmt(wall(peerRow), 3)} | ${fmt(cpu(peerRow), 3)} | (whole sentence) | ${options.clients
          .map(() => `${fmt(peerCapacity)} (capacity)`)
          .join(' | ')} | ${fmt(peerRow.rssStart, 0)} / ${fmt(peerRow.rssAfter, 0)} MB |`,
      );
      console.log(
        '\nkokoro-onnx is a library, not a server: one text at a time is all one instance does, so its rate alone is its capacity at any load.' +
          '\nRatios, ours / kokoro-onnx (wall and CPU: lower is better; at once: higher is better). Per sentence: median and range of the ratios of the same sentence spoken back to back.',
      );
      for (const { row } of servers) {
        const perSentence = row.alone.map((a, i) => {
          const p = peerRow.alone[i];
          return p ? a.seconds / a.audio / (p.seconds / p.audio) : Number.NaN;
        });
        console.log(
          `- ${row.label}: wall alone ${fmt(wall(row) / wall(peerRow))} (per sentence median ${fmt(median(perSentence))}, ` +
            `${fmt(Math.min(...perSentence))}–${fmt(Math.max(...perSentence))}); CPU alone ${fmt(cpu(row) / cpu(peerRow))}; ` +
            `at once ${options.clients.map((c) => `${c}: ${fmt(median(row.rate.get(c) ?? []) / peerCapacity)}`).join(', ')}`,
        );
        const bySentence = SENTENCES.map((_, s) => median(perSentence.filter((_, i) => i % SENTENCES.length === s)));
        console.log(
          `  wall alone by sentence (median over rounds): ${bySentence.map((r, s) => `${s + 1}: ${fmt(r)}`).join(', ')}`,
        );
      }
    }
  } finally {
    peer?.stop();
    await Promise.all(servers.map(({ server }) => server.stop()));
    await rm(modelsDir, { recursive: true, force: true });
  }
}

await main();
