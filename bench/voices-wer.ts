/**
 * How well the neural voices say everyday English, heard by Whisper base: every sentence of
 * bench/sentences.txt (numbers, money, dates, times, abbreviations, homophones) spoken through the
 * built server's /v1/audio/speech by af_heart, am_michael, bf_emma, bm_george and
 * en_US-joe-medium, and by the Python peers on the same weights (kokoro-onnx with its espeak-ng
 * front end, piper-tts), then transcribed and scored: word error rate after Whisper's English
 * normalizer on both sides (and clock times written one way). Prints a markdown table; writes the
 * details as JSON to a temp folder.
 *
 * bench/sentences.txt: one sentence per line, as the server gets it; where the normalizer cannot
 * know how an abbreviation is read ("St." is Street here, not Saint), the line goes on with
 * ` | ` and the sentence as it should be heard, which is the reference.
 *
 * Needs the real fixtures: scripts/fixtures.sh --bench (and npm run build).
 * Run: npx tsx bench/voices-wer.ts [--verbose] [--limit N] [--voices af_heart,en_US-joe-medium] [--no-peers] [--keep-audio]
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '../test/helpers/server.js';
import { REAL_FIXTURES, requireRealFixtures, type Transcript, totalWer, transcribe } from '../test/helpers/whisper.js';
import { type PeerJob, runPeers } from './peers-client.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const VOICES = ['af_heart', 'am_michael', 'bf_emma', 'bm_george', 'en_US-joe-medium'];
const ONNX_THREADS = 2;

interface Options {
  verbose: boolean;
  limit: number;
  voices: string[];
  peers: boolean;
  keepAudio: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { verbose: false, limit: Number.POSITIVE_INFINITY, voices: VOICES, peers: true, keepAudio: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--verbose') options.verbose = true;
    else if (arg === '--no-peers') options.peers = false;
    else if (arg === '--keep-audio') options.keepAudio = true;
    else if (arg === '--limit') options.limit = Number(argv[++i]);
    else if (arg === '--voices') options.voices = (argv[++i] ?? '').split(',').filter(Boolean);
    else throw new Error(`unknown argument ${arg} (see the comment at the top of bench/voices-wer.ts)`);
  }
  if (!(options.limit > 0)) throw new Error('--limit wants a positive number of sentences');
  if (options.voices.length === 0) throw new Error('--voices wants a comma-separated list of voice ids');
  return options;
}

/** The engine a peer runs for a voice, and the espeak language kokoro-onnx reads it in. */
function peerOf(voice: string): { engine: 'kokoro' | 'piper'; name: string; lang: string } {
  if (/^[ab][fm]_/.test(voice)) return { engine: 'kokoro', name: 'kokoro-onnx', lang: voice.startsWith('b') ? 'en-gb' : 'en-us' };
  if (voice === 'en_US-joe-medium') return { engine: 'piper', name: 'piper-tts', lang: 'en-us' };
  throw new Error(`no peer for voice ${voice}`);
}

/** Seconds of audio in a PCM WAV file (its fmt and data chunks). */
function wavSeconds(bytes: Buffer): number {
  let byteRate = 0;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') byteRate = bytes.readUInt32LE(at + 16);
    // A streamed WAV may not know its data size: the rest of the file is the data.
    if (id === 'data') return byteRate > 0 ? Math.min(size, bytes.length - at - 8) / byteRate : 0;
    at += 8 + size + (size % 2);
  }
  return 0;
}

/** A line of bench/sentences.txt: what the server is sent, and what a listener should hear. */
interface Sentence {
  text: string;
  reference: string;
}

interface Synthesis {
  voice: string;
  sentence: number;
  text: string;
  reference: string;
  audio: string;
  seconds: number;
  audioSeconds: number;
}

async function synthesizeOurs(sentences: Sentence[], voices: string[], dir: string): Promise<Synthesis[]> {
  const server = await startServerProcess(['--models-dir', REAL_FIXTURES.modelsDir, '--workers', '1'], {
    FLASH_TTS_ONNX_THREADS: String(ONNX_THREADS),
  });
  const out: Synthesis[] = [];
  try {
    for (const voice of voices) {
      await mkdir(join(dir, 'ours', voice), { recursive: true });
      const started = performance.now();
      for (const [index, { text, reference }] of sentences.entries()) {
        const t = performance.now();
        const res = await fetch(`${server.url}/v1/audio/speech`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tts-1', voice, input: text, response_format: 'wav', stream: false }),
        });
        if (!res.ok) throw new Error(`${voice}: /v1/audio/speech answered ${res.status}: ${await res.text()}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        const seconds = (performance.now() - t) / 1000;
        const audio = join(dir, 'ours', voice, `${index + 1}.wav`);
        await writeFile(audio, bytes);
        out.push({ voice, sentence: index, text, reference, audio, seconds, audioSeconds: wavSeconds(bytes) });
      }
      console.error(`ours: ${voice}, ${sentences.length} sentences in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await server.stop();
  }
  return out;
}

async function synthesizePeers(sentences: Sentence[], voices: string[], dir: string): Promise<Synthesis[]> {
  const kokoro = join(REAL_FIXTURES.modelsDir, 'kokoro-82m-int8');
  const piper = join(REAL_FIXTURES.modelsDir, 'piper-en_US-joe-medium');
  const items = voices.flatMap((voice) =>
    sentences.map(({ text, reference }, index) => {
      const peer = peerOf(voice);
      const out = join(dir, 'peers', voice, `${index + 1}.wav`);
      return { engine: peer.engine, voice, lang: peer.lang, text, reference, out };
    }),
  );
  const job: PeerJob = {
    threads: ONNX_THREADS,
    kokoro: { model: join(kokoro, 'model.onnx'), voices_dir: join(kokoro, 'voices') },
    piper: { model: join(piper, 'model.onnx'), config: join(piper, 'model.onnx.json') },
    items: items.map(({ reference: _, ...item }) => item),
  };
  const results = await runPeers(job);
  return items.map((item, i) => ({
    voice: item.voice,
    sentence: i % sentences.length,
    text: item.text,
    reference: item.reference,
    audio: item.out,
    seconds: results[i]?.seconds ?? Number.NaN,
    audioSeconds: results[i]?.audio_seconds ?? Number.NaN,
  }));
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  requireRealFixtures(['kokoro-82m-int8', 'piper-en_US-joe-medium']);
  if (options.peers && !existsSync(join(REPO, '.fixtures', 'venv', '.flash-tts-requirements-bench'))) {
    throw new Error(
      'The peers (kokoro-onnx, piper-tts) are not installed: run scripts/fixtures.sh --bench (or pass --no-peers).',
    );
  }
  for (const voice of options.voices) peerOf(voice);
  const sentences = (await readFile(join(REPO, 'bench', 'sentences.txt'), 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .slice(0, options.limit)
    .map((line): Sentence => {
      const [text = '', spoken] = line.split(' | ');
      return { text: text.trim(), reference: (spoken ?? text).trim() };
    });

  const dir = await mkdtemp(join(tmpdir(), 'flash-tts-voices-wer-'));
  const ours = await synthesizeOurs(sentences, options.voices, dir);
  const peers = options.peers ? await synthesizePeers(sentences, options.voices, dir) : [];
  console.error(`whisper: transcribing ${ours.length + peers.length} files`);
  const started = performance.now();
  const heard = await transcribe(
    [...ours, ...peers].map((s) => ({ audio: s.audio, reference: s.reference })),
    { clockTimes: true },
  );
  console.error(`whisper: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const oursHeard = heard.slice(0, ours.length);
  const peersHeard = heard.slice(ours.length);

  const rows = options.voices.map((voice) => {
    const pick = (runs: Synthesis[], transcripts: Transcript[]) =>
      runs.flatMap((run, i) => (run.voice === voice && transcripts[i] ? [{ run, transcript: transcripts[i] }] : []));
    const mine = pick(ours, oursHeard);
    const theirs = pick(peers, peersHeard);
    const summary = (list: { run: Synthesis; transcript: Transcript }[]) => ({
      wer: totalWer(list.map((x) => x.transcript)),
      errors: list.reduce((n, x) => n + x.transcript.errors, 0),
      words: list.reduce((n, x) => n + x.transcript.wordsInReference, 0),
      synthesisSeconds: list.reduce((n, x) => n + x.run.seconds, 0),
      audioSeconds: list.reduce((n, x) => n + x.run.audioSeconds, 0),
    });
    return {
      voice,
      peer: peerOf(voice).name,
      sentences: mine.length,
      ours: summary(mine),
      peers: theirs.length > 0 ? summary(theirs) : null,
      items: mine.map(({ run, transcript }, i) => ({
        sentence: run.text,
        reference: run.reference,
        ours: { ...transcript, synthesisSeconds: run.seconds, audioSeconds: run.audioSeconds },
        peer: theirs[i] ? { ...theirs[i].transcript, synthesisSeconds: theirs[i].run.seconds } : null,
      })),
    };
  });

  console.log(
    `\nWhisper base word error rate, ${sentences.length} sentences of bench/sentences.txt per voice (lower is better)\n`,
  );
  console.log('| voice | ours WER | peer WER | sentences |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    const peer = row.peers ? `${percent(row.peers.wer)} (${row.peer})` : 'n/a';
    console.log(`| ${row.voice} | ${percent(row.ours.wer)} | ${peer} | ${row.sentences} |`);
  }
  const all = (key: 'ours' | 'peers') => {
    const list = rows.flatMap((r) => (r[key] ? [r[key]] : []));
    const words = list.reduce((n, s) => n + s.words, 0);
    return list.length === 0 || words === 0 ? 'n/a' : percent(list.reduce((n, s) => n + s.errors, 0) / words);
  };
  console.log(`| all | ${all('ours')} | ${all('peers')} | ${rows.reduce((n, r) => n + r.sentences, 0)} |`);
  const speed = (key: 'ours' | 'peers') =>
    rows.flatMap((r) => (r[key] ? [`${r.voice} ${(r[key].audioSeconds / r[key].synthesisSeconds).toFixed(2)}x`] : [])).join(', ');
  console.log(
    `\nSynthesis speed (seconds of audio per second, ${ONNX_THREADS} ONNX threads): ours ${speed('ours')}` +
      (options.peers ? `; peers ${speed('peers')}` : ''),
  );

  if (options.verbose) {
    console.log('\nOur sentences with errors (reference → what Whisper heard, both normalized):');
    for (const row of rows) {
      for (const [i, item] of row.items.entries()) {
        if (item.ours.errors === 0) continue;
        console.log(`- ${row.voice} #${i + 1} (${item.ours.errors}/${item.ours.wordsInReference}): ${item.sentence}`);
        console.log(`    ref: ${item.ours.referenceNormalized}`);
        console.log(`    ours: ${item.ours.hypothesisNormalized}`);
        if (item.peer) console.log(`    peer: ${item.peer.hypothesisNormalized}`);
      }
    }
  }

  const json = join(dir, 'voices-wer.json');
  await writeFile(json, `${JSON.stringify({ sentences: sentences.length, onnxThreads: ONNX_THREADS, voices: rows }, null, 2)}\n`);
  if (!options.keepAudio) {
    await rm(join(dir, 'ours'), { recursive: true, force: true });
    await rm(join(dir, 'peers'), { recursive: true, force: true });
  }
  console.log(`\nDetails: ${json}${options.keepAudio ? ` (audio kept in ${dir})` : ''}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
