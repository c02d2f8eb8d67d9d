/**
 * The Wyoming endpoint (Home Assistant), on the real built server (`serve --port 0 --wyoming-port
 * 0`), spoken to by the real `wyoming` Python package from the fixtures venv
 * (test/helpers/wyoming_client.py). Audio is measured and listened to with pocketsphinx.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { configFromEnv, resolveConfig } from '../../src/server/config.js';
import { decodeAudio, transcribe, voicedShare, wordErrorRate } from '../helpers/audio.js';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';
import { waitFor, withDeadline } from '../helpers/wait.js';
import { REAL_FIXTURES } from '../helpers/whisper.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = join(REPO, 'test', 'helpers', 'wyoming_client.py');
/** Written by scripts/fixtures.sh once the wyoming package is in the venv. */
const STAMP = join(REPO, '.fixtures', 'venv', '.flash-tts-requirements-wyoming');
const MAX_EVENT_BYTES = 65536;

const TEXT = 'The quick brown fox jumps over the lazy dog. Please call me tomorrow morning.';
const CHUNKS = ['The quick brown fox ', 'jumps over the lazy dog. Please', ' call me tomorrow ', 'morning.'];

interface WyomingVoiceInfo {
  name: string;
  languages: string[];
  speakers: string[] | null;
  attribution: { name: string; url: string };
  installed: boolean;
  description: string | null;
}
interface DescribeResult {
  type: string;
  tts: { name: string; installed: boolean; supports_synthesize_streaming: boolean; voices: WyomingVoiceInfo[] }[];
}
interface AudioResult {
  log: string[];
  counts: Record<string, number>;
  formats: [number, number, number][];
  rate: number | null;
  width: number | null;
  channels: number | null;
  bytes: number;
  error: { code: string; text: string } | null;
}
interface Reply {
  type: string;
  code?: string;
  text?: string;
}

let server: ServerProcess;
let host: string;
let port: number;
let dir: string;

/** Runs a scenario of the Python client; rejects with its error output when it fails. */
async function wyoming<T>(scenario: string, request: object): Promise<T> {
  const child = spawn(REAL_FIXTURES.python, [CLIENT, scenario, host, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(JSON.stringify(request));
  const code = await exit;
  if (code !== 0) throw new Error(`wyoming_client.py ${scenario} exited with ${code}:\n${Buffer.concat(stderr).toString()}`);
  return JSON.parse(Buffer.concat(stdout).toString()) as T;
}

/** The idle timeout the server runs with here: short, so that the test of it is quick. */
const IDLE_TIMEOUT_MS = 3000;

async function openStreams(): Promise<number> {
  const res = await fetch(`${server.url}/healthz`);
  return ((await res.json()) as { open_streams: number }).open_streams;
}

beforeAll(async () => {
  if (!existsSync(REAL_FIXTURES.python) || !existsSync(STAMP)) {
    throw new Error(`The wyoming package is not in ${REAL_FIXTURES.python}'s venv: run scripts/fixtures.sh.`);
  }
  dir = await mkdtemp(join(tmpdir(), 'flash-tts-wyoming-'));
  server = await startServerProcess(['--wyoming-port', '0', '--speakers-dir', join(dir, 'speakers')], {
    FLASH_TTS_WYOMING_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES),
    FLASH_TTS_WS_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
  });
  // Reported in the same start-up line as the HTTP URL.
  const match = /"wyoming":"tcp:\/\/([^"]+):(\d+)"/.exec(server.logs());
  if (!match) throw new Error(`the server reported no Wyoming address:\n${server.logs()}`);
  host = match[1] as string;
  port = Number(match[2]);
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Wyoming settings', () => {
  it.each([
    [{}, undefined, '127.0.0.1'],
    [{ FLASH_TTS_WYOMING_PORT: '10200' }, 10200, '127.0.0.1'],
    [{ FLASH_TTS_WYOMING_PORT: '0', FLASH_TTS_WYOMING_HOST: '0.0.0.0', HOST: '::' }, 0, '0.0.0.0'],
    [{ HOST: '0.0.0.0' }, undefined, '127.0.0.1'],
  ])('env %j: port %s on %s (off unless asked; loopback whatever HOST is)', (env, wyomingPort, wyomingHost) => {
    const config = resolveConfig(configFromEnv(env));
    expect(config.wyomingPort).toBe(wyomingPort);
    expect(config.wyomingHost).toBe(wyomingHost);
  });

  it('listens on loopback by default and reports its port', () => {
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
  });
});

describe('Wyoming endpoint, through the wyoming package', () => {
  it('describe lists every voice of the HTTP server as a streaming TTS program', async () => {
    const info = await wyoming<DescribeResult>('describe', {});
    expect(info.type).toBe('info');
    expect(info.tts).toHaveLength(1);
    const program = info.tts[0];
    expect(program).toMatchObject({ name: 'flash-tts', installed: true, supports_synthesize_streaming: true });
    const http = (await (await fetch(`${server.url}/v1/audio/voices`)).json()) as { voices: { id: string; language: string }[] };
    expect(http.voices.length).toBeGreaterThan(0);
    const listed = new Map(program?.voices.map((v) => [v.name, v]));
    for (const voice of http.voices) {
      expect(listed.get(voice.id)).toMatchObject({ installed: true, languages: [voice.language] });
    }
    expect(listed.get('slt')?.attribution.name).toMatch(/Flite/);
  });

  it('synthesize streams 16-bit mono audio at the announced rate, as long as the same text over REST, and it is heard', async () => {
    const wav = join(dir, 'synthesize.wav');
    const result = await wyoming<AudioResult>('synthesize', { text: TEXT, voice: 'female', wav });
    expect(result.error).toBeNull();
    expect(result.log[0]).toBe('audio-start');
    expect(result.log.at(-1)).toBe('audio-stop');
    expect(result.counts['audio-chunk']).toBeGreaterThan(1);
    expect({ rate: result.rate, width: result.width, channels: result.channels }).toEqual({ rate: 16000, width: 2, channels: 1 });
    expect(result.formats).toEqual([[16000, 2, 1]]);

    const audio = await decodeAudio(new Uint8Array(await readFile(wav)), 'wav');
    expect(audio.sampleRate).toBe(16000);
    expect(audio.duration).toBeCloseTo(result.bytes / 2 / 16000, 3);
    const rest = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', input: TEXT, voice: 'female', response_format: 'wav', sample_rate: 16000 }),
    });
    const overRest = await decodeAudio(new Uint8Array(await rest.arrayBuffer()), 'wav');
    expect(Math.abs(audio.duration - overRest.duration)).toBeLessThan(0.1);
    expect(voicedShare(audio.samples, audio.sampleRate)).toBeGreaterThan(0.4);
    expect(wordErrorRate(TEXT, await transcribe(new Uint8Array(await readFile(wav)), 'wav'))).toBeLessThan(0.35);
  });

  it('streaming synthesis speaks the first sentence before the last chunk is sent, then synthesize-stopped', async () => {
    const wav = join(dir, 'stream.wav');
    const result = await wyoming<AudioResult>('stream', { chunks: CHUNKS, voice: 'female', wav });
    expect(result.error).toBeNull();
    const { log } = result;
    // The client holds the last chunk back until audio arrives: audio first is the server speaking early.
    expect(log.indexOf('audio-chunk')).toBeGreaterThan(-1);
    expect(log.indexOf('audio-chunk')).toBeLessThan(log.indexOf(`sent chunk ${CHUNKS.length - 1}`));
    expect(log.at(-1)).toBe('synthesize-stopped');
    // A block of audio per segment; every one closed before synthesize-stopped.
    expect(result.counts['audio-start']).toBeGreaterThanOrEqual(2);
    expect(result.counts['audio-stop']).toBe(result.counts['audio-start']);
    expect(result.formats).toEqual([[16000, 2, 1]]);

    // The whole text once: the copy Home Assistant sends as `synthesize` inside the stream is not spoken again.
    const whole = await wyoming<AudioResult>('synthesize', { text: CHUNKS.join(''), voice: 'female', wav: join(dir, 'w.wav') });
    expect(Math.abs(result.bytes - whole.bytes) / 2 / 16000).toBeLessThan(0.1);
    expect(wordErrorRate(CHUNKS.join(''), await transcribe(new Uint8Array(await readFile(wav)), 'wav'))).toBeLessThan(0.35);
    // Each Wyoming request's first audio is counted for the operators (earlier tests spoke some too).
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const firstAudio = /flash_tts_time_to_first_audio_seconds_count\{engine="flite",route="wyoming"\} (\d+)/.exec(metrics);
    expect(Number(firstAudio?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('answers an unknown voice, malformed and oversized events with errors, and keeps serving', async () => {
    const replies = await wyoming<Record<string, Reply & { ended?: boolean; bytes?: number; error?: unknown }>>('errors', {
      max_event_bytes: MAX_EVENT_BYTES,
    });
    // A failed request: its error, then the connection ends (Home Assistant waits for audio or the end, not errors).
    expect(replies['unknown voice']).toMatchObject({
      type: 'error',
      code: 'voice_not_found',
      text: expect.stringMatching(/nobody/),
      ended: true,
    });
    expect(replies['no text']).toMatchObject({ type: 'error', code: 'invalid_request', text: expect.stringMatching(/"text"/) });
    expect(replies['no text']?.ended).toBe(true);
    expect(replies['stream with unknown voice']).toMatchObject({ type: 'error', code: 'voice_not_found', ended: true });
    // Text the voice cannot read is refused, not spoken as silence (no Chinese voice is installed here).
    for (const name of ['chinese for an english voice', 'chinese chunk in a stream']) {
      expect(replies[name]).toMatchObject({
        type: 'error',
        code: 'engine_not_installed',
        text: expect.stringMatching(/Chinese/),
      });
    }
    // Malformed and oversized events: an error each, and the same connection goes on (the unknown type is ignored).
    expect(replies['not json']).toMatchObject({ type: 'error', code: 'invalid_message' });
    expect(replies['payload too large']).toMatchObject({ type: 'error', code: 'payload_too_large' });
    expect(replies['header too long']).toMatchObject({ type: 'error', code: 'payload_too_large' });
    expect(replies['describe after']).toEqual({ type: 'info' });
    // And the server serves everyone else.
    expect(replies['new connection']).toMatchObject({ error: null, rate: 16000 });
    expect(replies['new connection']?.bytes).toBeGreaterThan(16000);
  });

  it('a client that disconnects mid-speech frees its scheduler slot at once', async () => {
    // About twenty minutes of speech each: far longer to synthesize than the wait below.
    const sentence = 'The quick brown fox jumps over the lazy dog, and then it runs away into the forest. ';
    const text = sentence.repeat(Math.floor(19000 / sentence.length));
    await wyoming('disconnect', { text });
    await waitFor(async () => (await openStreams()) === 0, 'both scheduler slots freed', 3000);
  });

  it('closes a connection that stays silent past the idle timeout, telling it why', async () => {
    const socket = connect(port, host);
    await once(socket, 'connect');
    const opened = performance.now();
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await withDeadline(once(socket, 'close'), 'the server closing a silent connection', IDLE_TIMEOUT_MS * 4);
    expect(performance.now() - opened).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
    const header = JSON.parse(Buffer.concat(received).toString().split('\n')[0] as string) as { type: string };
    expect(header.type).toBe('error');
    expect(Buffer.concat(received).toString()).toContain('idle_timeout');
  });
});
