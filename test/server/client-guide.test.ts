/**
 * The original service's client guide (shared/client-guide.md), run as its users run it: every
 * Python snippet, verbatim, with `requests` and the OpenAI Python SDK (§5 streams to a file with
 * `with_streaming_response`), against the real server with a synthetic Pocket-TTS for cloning.
 * Needs the test venv (scripts/fixtures.sh); without it the test is skipped and says why.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dump } from 'npyjs';
import { encodeAudio } from '../../src/audio/index.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { decodeAudio, voicedShare } from '../helpers/audio.js';
import { CLIENT_GUIDE, pythonMissing, runPython } from '../helpers/python.js';
import { installSyntheticPocket } from '../helpers/synthetic-pocket.js';

const RUNNER = fileURLToPath(new URL('../helpers/run-client-guide.py', import.meta.url));
const missing = pythonMissing() ?? (existsSync(CLIENT_GUIDE) ? undefined : `The client guide is not at ${CLIENT_GUIDE}.`);
if (missing) console.warn(`Skipping the client guide's Python snippets: ${missing}`);
const describeWithPython = missing ? describe.skip : describe;

/** A voice-like reference of `seconds` at 24 kHz, as a WAV file. */
async function referenceWav(seconds: number, rate = 24000): Promise<Uint8Array> {
  const samples = Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 150 * i) / rate) * (0.7 + 0.3 * Math.sin(i / 900)),
  );
  return encodeAudio(samples, { format: 'wav', sampleRate: rate });
}

interface SnippetRun {
  block: number;
  function: string;
  ok: boolean;
  stdout: string;
  error: string | null;
  files: string[];
}

describeWithPython("the client guide's Python snippets, verbatim", () => {
  let dir: string;
  let work: string;
  let server: RunningServer;
  let runs: SnippetRun[];

  const run = (name: string, nth = 0): SnippetRun => {
    const found = runs.filter((r) => r.function === name)[nth];
    if (!found) throw new Error(`the guide's ${name}() did not run: ${JSON.stringify(runs.map((r) => r.function))}`);
    return found;
  };
  const file = async (r: SnippetRun, name: string): Promise<Uint8Array> => {
    const found = r.files.find((f) => f.endsWith(`-${name}`));
    if (!found) throw new Error(`${r.function}() wrote no ${name} (it wrote ${r.files.join(', ') || 'nothing'})`);
    return new Uint8Array(await readFile(join(work, 'results', found)));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-guide-'));
    installSyntheticPocket(join(dir, 'models'));
    server = await startServer({
      port: 0,
      logLevel: 'silent',
      workers: 2,
      modelsDir: join(dir, 'models'),
      speakersDir: join(dir, 'speakers'),
    });
    work = join(dir, 'work');
    await mkdir(join(work, 'data', 'mega-roles', '御姐'), { recursive: true });
    const ref = await referenceWav(3);
    await writeFile(join(work, 'ref.wav'), ref);
    await writeFile(join(work, 'speaker_ref.wav'), ref);
    await writeFile(join(work, 'data', 'mega-roles', '御姐', '御姐配音.wav'), ref);
    await writeFile(join(work, 'speaker_latent.npy'), new Uint8Array(dump(new Float32Array(20 * 1024).fill(0.1), [1, 20, 1024])));
    // §5 speaks with the original's built-in role 赞助商: here it is a saved speaker.
    const form = new FormData();
    form.append('name', '赞助商');
    form.append('audio_file', new Blob([new Uint8Array(ref)]), 'sponsor.wav');
    expect((await fetch(`${server.url}/add_speaker`, { method: 'POST', body: form })).status).toBe(200);
    const result = await runPython([RUNNER, CLIENT_GUIDE, server.url, work], { timeoutMs: 240_000 });
    if (result.code !== 0) throw new Error(`the guide runner failed (${result.code}):\n${result.stderr}`);
    runs = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as SnippetRun);
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every snippet without an exception', () => {
    expect(runs.map((r) => r.function)).toEqual([
      'generate_voice',
      'clone_with_base64',
      'clone_with_file',
      'clone_voice_stream',
      'openai_speech',
      'openai_speech',
      'add_speaker',
      'delete_speaker',
    ]);
    for (const r of runs) expect([r.function, r.error]).toEqual([r.function, null]);
  });

  it('§1 /speak saves a voiced 16 kHz mp3', async () => {
    const r = run('generate_voice');
    expect(r.stdout).toMatch(/Character voice saved: voice.mp3/);
    const audio = await decodeAudio(await file(r, 'voice.mp3'), 'mp3');
    expect(audio.sampleRate).toBe(16000);
    expect(audio.duration).toBeGreaterThan(0.5);
    expect(voicedShare(audio.samples, audio.sampleRate)).toBeGreaterThan(0.3);
  });

  it('§2 and §3 clone from base64 and from an upload', async () => {
    expect(run('clone_with_base64').stdout).toMatch(/Cloned voice saved: clone.mp3/);
    expect((await decodeAudio(await file(run('clone_with_base64'), 'clone.mp3'), 'mp3')).duration).toBeGreaterThan(0.3);
    expect(run('clone_with_file').stdout).toMatch(/File upload clone complete/);
    expect((await decodeAudio(await file(run('clone_with_file'), 'clone.mp3'), 'mp3')).duration).toBeGreaterThan(0.3);
  });

  it('§4 streams a WAV that the 16 kHz 16-bit mono player can play as it comes', async () => {
    const settings = JSON.parse(await readFile(join(work, 'pyaudio-open.json'), 'utf8')) as Record<string, unknown>;
    expect(settings).toEqual({ format: 8, channels: 1, rate: 16000, output: true });
    const played = await file(run('clone_voice_stream'), 'pyaudio-out.raw');
    expect(Buffer.from(played.subarray(0, 4)).toString('latin1')).toBe('RIFF');
    expect(Buffer.from(played).readUInt32LE(24)).toBe(16000);
    expect((await decodeAudio(played, 'wav')).duration).toBeGreaterThan(0.5);
  });

  it('§5 streams to a file with the OpenAI Python SDK, by voice name and by base64 audio', async () => {
    const named = run('openai_speech', 0);
    expect(named.stdout).toMatch(/Output file: out.mp3/);
    const out = await decodeAudio(await file(named, 'out.mp3'), 'mp3');
    expect(out.duration).toBeGreaterThan(0.5);
    const cloned = run('openai_speech', 1);
    expect(cloned.stdout).toMatch(/Cloned file: clone.mp3/);
    expect((await decodeAudio(await file(cloned, 'clone.mp3'), 'mp3')).duration).toBeGreaterThan(0.5);
  });

  it("§6 and §7 add and delete a speaker, answering with the original's role key", () => {
    expect(run('add_speaker').stdout).toMatch(/Speaker added successfully: \{'success': True, 'role': 'new_speaker'/);
    expect(run('delete_speaker').stdout).toMatch(/Speaker deleted successfully: \{'success': True, 'role': 'new_speaker'/);
  });
});
