/**
 * Conversational speed, side by side in one run (issue 13):
 *  1. first *voiced* audio from Kokoro af_heart over the WebSocket (PCM) and from a streamed
 *     `/v1/audio/speech` (PCM), against the time kokoro-onnx needs to synthesize the same first
 *     sentence alone (target: ≤ 0.5×);
 *  2. N streams started together (N = 1, 2, 4, 8, 16), on the embedded engine and on Kokoro:
 *     first-audio p50 / p95, and the target: p95 over streams of (first audio − ceil(N / workers) ×
 *     the median first audio of the same text alone) ≤ 20 ms (also printed pooled over the texts, as
 *     before 2026-12-01: p95 against ceil(N / workers) × the median over texts + 20 ms), and
 *     underruns of a listener that plays each stream from its first audio on; the engine workers'
 *     seconds per second of audio in each stage (the server's /metrics), and the capacity: the
 *     largest N with no underrun, and how many realtime streams the workers could make at that cost;
 *  3. footprint: the server's resident memory idle (embedded engine only, and with Kokoro int8
 *     loaded) and per realtime stream;
 *  4. the seam where a run-on first sentence is cut: the pause at each cut against the longest
 *     pause inside the same sentence spoken whole (in-process scheduler, Kokoro).
 * The server is the built one (`npm run build` first), started as its own process on port 0.
 *
 * Run: npx tsx bench/conversational.ts [--no-embedded] [--no-kokoro] [--no-peers] [--no-seams] [--seams-only] [--streams 1,2,4,8,16] [--rounds 5]
 */
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRealtimeClient } from '../src/adapters/realtime-client.js';
import { concatBytes, concatFloat32 } from '../src/audio/pcm.js';
import { Scheduler } from '../src/engine/scheduler.js';
import { SpeechStream } from '../src/engine/speech-stream.js';
import { scanInstalled } from '../src/models/manifest.js';
import { type ServerProcess, startServerProcess } from '../test/helpers/server.js';
import { REAL_FIXTURES } from '../test/helpers/whisper.js';
import { runPeers } from './peers-client.js';

/** Engine workers of the embedded server, and threads of the kokoro-onnx peer: the cores. */
const WORKERS = availableParallelism();
/** Short lines a voice agent says, two sentences each: the first is what the listener waits for. */
const AGENT_LINES = [
  'Sure! I can help with that. Your appointment is on Monday at 3 pm, and please bring your insurance card.',
  'Your order has shipped and should arrive at your front door before the end of the week. Is there anything else?',
  'I checked the schedule for tomorrow and the first train to the airport leaves at six fifteen from platform two. Shall I book it?',
];
/** Sample above this (−40 dBFS) counts as voiced. */
const VOICED = 0.01;
/** 10 ms below this RMS (−50 dBFS) count as a pause. */
const PAUSE_LEVEL = 0.003;
/** A listener's playback may run this late before it counts as an underrun, in ms (one Opus frame). */
const UNDERRUN_SLACK_MS = 20;

interface Options {
  embedded: boolean;
  seams: boolean;
  kokoro: boolean;
  peers: boolean;
  streams: number[];
  rounds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { embedded: true, seams: true, kokoro: true, peers: true, streams: [1, 2, 4, 8, 16], rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-kokoro') options.kokoro = false;
    else if (arg === '--no-embedded') options.embedded = false;
    else if (arg === '--seams-only') Object.assign(options, { embedded: false, kokoro: false, seams: true });
    else if (arg === '--no-peers') options.peers = false;
    else if (arg === '--no-seams') options.seams = false;
    else if (arg === '--streams')
      options.streams = (argv[++i] ?? '')
        .split(',')
        .map(Number)
        .filter((n) => n > 0);
    else if (arg === '--rounds') options.rounds = Math.max(1, Number(argv[++i]));
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
};
const median = (xs: readonly number[]): number => percentile(xs, 50);
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** Index of the first voiced sample of 16-bit little-endian PCM, or -1. */
function firstVoiced(pcm: Uint8Array): number {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i + 1 < pcm.byteLength; i += 2) if (Math.abs(view.getInt16(i, true)) / 32768 > VOICED) return i / 2;
  return -1;
}

const rssMb = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
};

/**
 * Resident memory of an idle server once it has settled: the lowest of samples over 20 s (each
 * thread collects its garbage 3 s into a quiet spell, and V8 gives the freed pages back to the
 * system some seconds after that).
 */
async function idleRss(server: ServerProcess): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    samples.push(await rssMb(server.child.pid as number));
  }
  return Math.min(...samples);
}

interface StreamRun {
  /** ms from `speak` to the first audio message, and to the first voiced sample arriving. */
  firstAudio: number;
  firstVoiced: number;
  underruns: number;
  audioSeconds: number;
}

/** One realtime stream (PCM 24 kHz): what its listener experiences. */
async function realtimeStream(url: string, text: string, voice: string | undefined): Promise<StreamRun> {
  const rate = 24000;
  const client = await createRealtimeClient(url, {
    format: { encoding: 'pcm_s16le', sample_rate: rate },
    ...(voice ? { voice } : {}),
  });
  try {
    const t = performance.now();
    let firstAudio = Number.NaN;
    let firstVoicedAt = Number.NaN;
    let playStart = Number.NaN;
    let heard = 0; // seconds of audio received
    let underruns = 0;
    for await (const event of client.speak(text)) {
      if (event.type !== 'audio') continue;
      const now = performance.now();
      if (Number.isNaN(firstAudio)) firstAudio = now - t;
      if (Number.isNaN(playStart)) playStart = now;
      else if (now > playStart + heard * 1000 + UNDERRUN_SLACK_MS) {
        underruns++;
        // The listener waited; playback resumes from here.
        playStart = now - heard * 1000;
      }
      if (Number.isNaN(firstVoicedAt)) {
        // When the listener hears it: played from the first audio on, and not before it arrived.
        const at = firstVoiced(event.data);
        if (at >= 0) firstVoicedAt = Math.max(now, playStart + (heard + at / rate) * 1000) - t;
      }
      heard += event.data.byteLength / 2 / rate;
    }
    return { firstAudio, firstVoiced: firstVoicedAt, underruns, audioSeconds: heard };
  } finally {
    await client.close();
  }
}

/** When the listener of a streamed /v1/audio/speech (PCM 24 kHz) hears voice, in ms. */
async function restFirstVoiced(url: string, text: string, voice: string): Promise<number> {
  const rate = 24000;
  const t = performance.now();
  const response = await fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', input: text, voice, response_format: 'pcm' }),
  });
  if (!response.ok || !response.body) throw new Error(`/v1/audio/speech answered ${response.status}: ${await response.text()}`);
  let voicedAt = Number.NaN;
  let playStart = Number.NaN;
  let samples = 0; // before the carried byte
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (!Number.isNaN(voicedAt)) continue; // drain
    const now = performance.now();
    if (Number.isNaN(playStart)) playStart = now;
    const bytes = concatBytes([carry, chunk]);
    const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
    const at = firstVoiced(even);
    if (at >= 0) voicedAt = Math.max(now, playStart + ((samples + at) / rate) * 1000) - t;
    samples += even.length / 2;
    carry = bytes.subarray(even.length);
  }
  return voicedAt;
}

/** Engine-worker seconds spent synthesizing and seconds of audio made so far, summed over engines (the server's /metrics). */
async function workerTotals(url: string): Promise<{ busy: number; audio: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (pattern: RegExp): number => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  return {
    busy: sum(/^flash_tts_engine_worker_busy_seconds_total\{[^}]*kind="synthesize"[^}]*\} (\S+)$/gm),
    audio: sum(/^flash_tts_audio_seconds_total\{[^}]*\} (\S+)$/gm),
  };
}

/** N streams started together, `rounds` times: first-audio percentiles and underruns. */
async function concurrency(
  url: string,
  label: string,
  voice: string | undefined,
  counts: readonly number[],
  rounds: number,
  pid: number,
): Promise<void> {
  const { workers } = (await (await fetch(`${url}/healthz`)).json()) as { workers: number };
  console.log(
    `\n2. ${label}: N realtime streams (PCM 24 kHz) started together, ${rounds} rounds each, ${workers} engine worker(s)`,
  );
  // One stream alone first: the yardstick, for each text (their first fragments differ, so a
  // yardstick pooled over texts would ask one text's first audio to match another's).
  const aloneByLine: number[] = [];
  for (let line = 0; line < AGENT_LINES.length; line++) {
    const runs: number[] = [];
    for (let r = 0; r < rounds; r++) runs.push((await realtimeStream(url, AGENT_LINES[line] as string, voice)).firstAudio);
    aloneByLine.push(median(runs));
  }
  const aloneMs = median(aloneByLine);
  console.log(
    `   one stream alone: first audio ${aloneByLine.map(ms).join(' / ')} (median of ${rounds} per text; ${ms(aloneMs)} over texts)`,
  );
  console.log(
    '    N | first audio p50 |    p95 | p95 of first − ceil(N/W)×alone of its text | target ≤ 20 ms | pooled: p95 vs ceil(N/W)×median alone+20 | underruns | audio s | peak RSS | worker s per audio s',
  );
  /** The largest N up to which no stage had an underrun, and the fewest worker seconds per audio second seen. */
  let noUnderrun = 0;
  let clean = true;
  let cheapest = Number.POSITIVE_INFINITY;
  for (const n of counts) {
    const first: number[] = [];
    const excess: number[] = [];
    const slots = Math.ceil(n / workers);
    let underruns = 0;
    let audio = 0;
    let peak = 0;
    const before = await workerTotals(url);
    for (let r = 0; r < rounds; r++) {
      const sampler = setInterval(() => {
        void rssMb(pid).then((mb) => {
          peak = Math.max(peak, mb);
        });
      }, 100);
      const lines = Array.from({ length: n }, (_, i) => (i + r) % AGENT_LINES.length);
      const runs = await Promise.all(lines.map((line) => realtimeStream(url, AGENT_LINES[line] as string, voice)));
      clearInterval(sampler);
      // A stage shorter than the sampling interval is still measured once.
      peak = Math.max(peak, await rssMb(pid));
      runs.forEach((run, i) => {
        first.push(run.firstAudio);
        excess.push(run.firstAudio - slots * (aloneByLine[lines[i] as number] as number));
        underruns += run.underruns;
        audio += run.audioSeconds;
      });
    }
    const after = await workerTotals(url);
    // What a second of these streams' audio cost the engine workers, in the fragment sizes the
    // stage produced (larger under load: fragments double while streams share the workers).
    const cost = (after.busy - before.busy) / Math.max(1e-9, after.audio - before.audio);
    cheapest = Math.min(cheapest, cost);
    clean &&= underruns === 0;
    if (clean) noUnderrun = n;
    const p95 = percentile(first, 95);
    const excess95 = percentile(excess, 95);
    const pooled = slots * aloneMs + 20;
    console.log(
      `   ${String(n).padStart(2)} | ${ms(median(first)).padStart(15)} | ${ms(p95).padStart(6)} | ${ms(excess95).padStart(42)} | ${excess95 <= 20 ? 'met' : 'NOT met'.padStart(14)} | ${`${ms(p95)} vs ${ms(pooled)} ${p95 <= pooled ? 'met' : 'NOT met'}`.padStart(41)} | ${String(underruns).padStart(9)} | ${audio.toFixed(0).padStart(7)} | ${`${peak.toFixed(0)} MB`.padStart(8)} | ${cost.toFixed(2)}`,
    );
  }
  console.log(
    `   capacity: ${noUnderrun} stream(s) with no underrun (the largest N up to which no stage had one); the engine workers make at most ${(workers / cheapest).toFixed(1)} realtime streams' audio (${workers} worker(s) / ${cheapest.toFixed(2)} worker s per audio s, the cheapest stage)`,
  );
}

async function kokoroFirstAudio(url: string, peers: boolean, rounds: number): Promise<void> {
  const voice = 'af_heart';
  const texts = [
    AGENT_LINES[0] as string,
    // A first sentence with no comma: everything before its period is one sentence.
    'The technician will arrive between nine in the morning and noon tomorrow because the earlier slot was already taken by another customer. Please keep your phone nearby.',
  ];
  const firstSentence = (text: string): string => /^.*?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;
  console.log(
    `\n1. Kokoro ${voice}: first voiced audio (median of ${rounds}) vs kokoro-onnx synthesizing the first sentence alone`,
  );
  let peerSeconds: number[] = [];
  if (peers) {
    const kokoro = join(REAL_FIXTURES.modelsDir, 'kokoro-82m-int8');
    const scratch = await mkdtemp(join(tmpdir(), 'flash-tts-conv-'));
    try {
      // Each first sentence `rounds` times (the first of each is a warm-up and not counted).
      const items = texts.flatMap((text, t) =>
        Array.from({ length: rounds + 1 }, (_, r) => ({
          engine: 'kokoro' as const,
          voice,
          lang: 'en-us',
          text: t === 0 ? 'Sure! I can help with that.' : firstSentence(text),
          out: join(scratch, `${t}-${r}.wav`),
        })),
      );
      const results = await runPeers({
        threads: WORKERS,
        kokoro: { model: join(kokoro, 'model.onnx'), voices_dir: join(kokoro, 'voices') },
        items,
      });
      peerSeconds = texts.map((_, t) =>
        median(results.slice(t * (rounds + 1) + 1, (t + 1) * (rounds + 1)).map((x) => x.seconds * 1000)),
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  for (const [t, text] of texts.entries()) {
    const ws: number[] = [];
    const rest: number[] = [];
    for (let r = 0; r < rounds; r++) {
      ws.push((await realtimeStream(url, text, voice)).firstVoiced);
      rest.push(await restFirstVoiced(url, text, voice));
    }
    const peer = peerSeconds[t];
    const ratio = (x: number): string => (peer ? ` = ${(x / peer).toFixed(2)}× kokoro-onnx` : '');
    console.log(`   "${text.slice(0, 60)}…"`);
    if (peer) console.log(`     kokoro-onnx, first sentence alone: ${ms(peer)}`);
    console.log(`     ours, WebSocket PCM: ${ms(median(ws))}${ratio(median(ws))} (target ≤ 0.5×)`);
    console.log(`     ours, /v1/audio/speech PCM: ${ms(median(rest))}${ratio(median(rest))}`);
  }
}

/** Longest run of unvoiced samples strictly inside `pcm` (between its first and last voiced sample), in ms. */
function longestPause(pcm: Float32Array, rate: number): number {
  const window = Math.round(rate / 100); // 10 ms
  const voiced: boolean[] = [];
  for (let i = 0; i + window <= pcm.length; i += window) {
    let sum = 0;
    for (let k = i; k < i + window; k++) sum += (pcm[k] as number) ** 2;
    voiced.push(Math.sqrt(sum / window) > PAUSE_LEVEL);
  }
  const first = voiced.indexOf(true);
  const last = voiced.lastIndexOf(true);
  let longest = 0;
  let run = 0;
  for (let i = first; i <= last; i++) {
    run = voiced[i] ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return longest * 10;
}

/** Pauses where a run-on sentence is cut into time-sized fragments, against the sentence spoken whole. */
async function seams(modelsDir: string): Promise<void> {
  const rate = 24000;
  const text = 'The technician will arrive between nine in the morning and noon tomorrow because the earlier slot was taken.';
  const scheduler = await Scheduler.start({ workers: 1, engines: ['flite', 'kokoro'], models: scanInstalled(modelsDir) });
  try {
    const speakWith = async (firstMaxChars: number): Promise<{ segments: Float32Array[]; texts: string[] }> => {
      const stream = new SpeechStream(scheduler, {
        voice: { engine: 'kokoro', engineVoice: 'af_heart' },
        sampleRate: rate,
        segmenter: { firstMaxChars },
      });
      stream.pushText(text);
      stream.end();
      const segments: Float32Array[][] = [];
      const texts: string[] = [];
      for await (const event of stream) {
        if (event.type === 'segment') {
          texts.push(event.text);
          segments.push([]);
        } else if (event.type === 'audio') segments.at(-1)?.push(event.pcm);
      }
      return { segments: segments.map((parts) => concatFloat32(parts)), texts };
    };
    const whole = await speakWith(Number.POSITIVE_INFINITY);
    const cut = await speakWith(20);
    const joined = concatFloat32(cut.segments);
    console.log('\n4. Seams of a run-on sentence cut into time-sized fragments (Kokoro af_heart)');
    console.log(`   whole: longest pause inside ${longestPause(whole.segments[0] as Float32Array, rate)} ms`);
    console.log(`   cut as ${cut.texts.map((t) => `"${t}"`).join(' | ')}`);
    const pauses: number[] = [];
    for (let i = 0; i + 1 < cut.segments.length; i++) {
      // The pause at the join: the end of one fragment and the start of the next, heard back to back.
      const around = concatFloat32([
        (cut.segments[i] as Float32Array).subarray(-rate),
        (cut.segments[i + 1] as Float32Array).subarray(0, rate),
      ]);
      pauses.push(longestPause(around, rate));
    }
    console.log(
      `   pause at each cut: ${pauses.map((p) => `${p} ms`).join(', ')}; longest pause inside the joined audio ${longestPause(joined, rate)} ms`,
    );
  } finally {
    await scheduler.stop();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const empty = await mkdtemp(join(tmpdir(), 'flash-tts-models-'));
  try {
    const embedded = options.embedded
      ? await startServerProcess(['--models-dir', empty, '--workers', String(WORKERS)])
      : undefined;
    if (embedded)
      try {
        console.log(`3. Footprint: idle RSS, embedded engine only: ${(await idleRss(embedded)).toFixed(0)} MB (target ≤ 200 MB)`);
        await concurrency(
          embedded.url,
          'Embedded engine (Flite)',
          undefined,
          options.streams,
          options.rounds,
          embedded.child.pid as number,
        );
      } finally {
        await embedded.stop();
      }
    // Kokoro alone in its own models folder (the fixtures also hold Piper).
    await symlink(join(REAL_FIXTURES.modelsDir, 'kokoro-82m-int8'), join(empty, 'kokoro-82m-int8'));
    if (options.seams) await seams(empty);
    if (!options.kokoro) return;
    // Kokoro with the plan a user gets (one worker using every core, see thread-plan.ts).
    const kokoro = await startServerProcess(['--models-dir', empty], {}, 120_000);
    try {
      console.log(`\n3. Footprint: idle RSS with Kokoro int8 loaded: ${(await idleRss(kokoro)).toFixed(0)} MB (target ≤ 450 MB)`);
      await kokoroFirstAudio(kokoro.url, options.peers, options.rounds);
      await concurrency(
        kokoro.url,
        'Kokoro af_heart',
        'af_heart',
        options.streams.filter((n) => n <= 8),
        Math.min(options.rounds, 3),
        kokoro.child.pid as number,
      );
    } finally {
      await kokoro.stop();
    }
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
}

await main();
