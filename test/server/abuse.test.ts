/**
 * No request may cost unbounded memory, time, disk or a slot (issue 14): each failure a hostile
 * client found, on the real server on port 0. Each test fails on the code before the fix.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { ErrorMessage, ReadyMessage } from '../../protocol/messages.js';
import { createRealtimeClient } from '../../src/adapters/realtime-client.js';
import { LIMIT_SETTINGS } from '../../src/server/config.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { decodeAudio } from '../helpers/audio.js';
import { collect, openRaw } from '../helpers/realtime.js';
import { startServerProcess } from '../helpers/server.js';
import { installSyntheticPocket } from '../helpers/synthetic-pocket.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const run = promisify(execFile);
const SENTENCE = 'This is a long sentence that keeps the engine busy for a while. ';
/** Text that expands: 16 characters become about seven seconds of speech. */
const EXPANDING = '$99999999999.99 '.repeat(1200);

const quiet = (options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> =>
  startServer({ port: 0, logLevel: 'silent', workers: 1, ...options });

const postJson = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A raw TCP connection to `server` that has sent `head`; it reads (and drops) what comes unless paused. */
async function rawSocket(server: RunningServer, head: string): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  socket.write(head);
  socket.resume();
  return socket;
}

/** An HTTP request for `path` with a JSON body, whose answer is never read. */
async function stalledRequest(server: RunningServer, path: string, body: unknown): Promise<Socket> {
  const json = JSON.stringify(body);
  const socket = await rawSocket(
    server,
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
  socket.pause();
  return socket;
}

/** Two long streamed requests from 127.0.0.1 whose answers are never read, once both synthesize. */
async function twoStalledStreams(server: RunningServer): Promise<Socket[]> {
  const text = SENTENCE.repeat(250);
  const stalled = await Promise.all(
    [0, 1].map(() =>
      stalledRequest(server, '/speak', { name: 'female', text, stream: true, response_format: 'wav', sample_rate: 48000 }),
    ),
  );
  await waitFor(() => server.scheduler.openStreams === 2, 'both stalled requests synthesizing');
  return stalled;
}

/** Peak resident memory of a process, in MB (VmHWM). */
const peakRssMb = (pid: number): number =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe('HTTP: slots and sockets a client cannot hold', () => {
  it('cuts off streamed responses nobody reads, freeing their synthesis slots for others', async () => {
    const server = await quiet({ maxStreams: 2, maxStreamsPerClient: 2, httpSendTimeoutMs: 1000 });
    try {
      const stalled = await twoStalledStreams(server);
      // Full: others are turned away while the stalled ones hold the slots…
      expect((await postJson(`${server.url}/speak`, { name: 'male', text: 'Hello there.', response_format: 'wav' })).status).toBe(
        503,
      );
      // …but only until the send timeout cuts them off.
      await waitFor(() => server.scheduler.openStreams === 0, 'the stalled readers cut off', 30_000);
      const res = await postJson(`${server.url}/speak`, { name: 'male', text: 'Hello there.', response_format: 'wav' });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      for (const socket of stalled) socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('lets no client take every slot: past its share it gets 429, and another client is still served', async () => {
    const server = await quiet({ maxStreams: 4, httpSendTimeoutMs: 60_000 });
    try {
      // Client A (127.0.0.1) holds two streams it does not read: its share of four slots.
      const stalled = await twoStalledStreams(server);
      const third = await postJson(`${server.url}/speak`, { name: 'male', text: 'Hello there.', response_format: 'wav' });
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(/limits\.max_streams_per_client/);
      // Client B, from another address, is served.
      const other = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ name: 'male', text: 'Hello there.', response_format: 'wav' });
        const req = httpRequest(
          `${server.url}/speak`,
          { method: 'POST', localAddress: '127.0.0.2', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(other).toBe(200);
      // Behind a proxy on this machine (nginx), the address it forwards is the client.
      const proxied = await fetch(`${server.url}/speak`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: JSON.stringify({ name: 'male', text: 'Hello there.', response_format: 'wav' }),
      });
      expect(proxied.status).toBe(200);
      await proxied.arrayBuffer();
      const info = (await (await fetch(`${server.url}/server_info`)).json()) as { limits: Record<string, number> };
      expect(info.limits).toMatchObject({ max_streams: 4, max_streams_per_client: 2 });
      for (const socket of stalled) socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('closes sockets that are slow to send headers or a body, and idle keep-alive sockets, on purpose', async () => {
    const server = await quiet({ httpHeadersTimeoutMs: 500, httpRequestTimeoutMs: 1000, httpKeepAliveTimeoutMs: 300 });
    try {
      const slowHeaders = await rawSocket(server, 'POST /speak HTTP/1.1\r\nHost: x\r\n');
      await withDeadline(once(slowHeaders, 'close'), 'a socket that never finishes its headers closed', 5000);
      const slowBody = await rawSocket(
        server,
        'POST /speak HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"na',
      );
      let answer = '';
      slowBody.on('data', (chunk: Buffer) => {
        answer += chunk.toString();
      });
      await withDeadline(once(slowBody, 'close'), 'a socket that never finishes its body closed', 5000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      const idle = await rawSocket(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await withDeadline(once(idle, 'close'), 'an idle keep-alive socket closed', 3000);
    } finally {
      await server.close();
    }
  });
});

describe('requests whose cost does not follow their length', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await quiet({ maxSpeechSeconds: 5, wholeResponseMaxBytes: 256 * 1024 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('does not parse megabytes of JSON values on the main thread: a text route takes 1 MiB, an audio route few values', async () => {
    // 10 M little arrays (40 MB) took 9 s of the main thread to parse, stalling every socket.
    const nested = `{"model":"tts-1","voice":"alloy","input":"hi","x":[${'[0],'.repeat(500_000)}[0]]}`;
    const speech = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: nested,
    });
    expect(speech.status).toBe(413);
    expect(((await speech.json()) as { error: { message: string } }).error.message).toMatch(/limits\.max_json_bytes/);
    const info = (await (await fetch(`${server.url}/server_info`)).json()) as { limits: { max_json_bytes: number } };
    expect(info.limits.max_json_bytes).toBeGreaterThanOrEqual(1024 * 1024);
    // An audio route takes a large body, as one base64 string, but not that many values.
    const clone = await fetch(`${server.url}/clone_voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"reference_audio":[${'0,'.repeat(500_000)}0]}`,
    });
    expect(clone.status).toBe(400);
    expect(((await clone.json()) as { error: { message: string } }).error.message).toMatch(/more than 10000 values.*base64/);
    // Text at the limit still fits, every character escaped.
    const escaped = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'é'.repeat(20_000), response_format: 'pcm' }).replace(
      /é/g,
      '\\u00e9',
    );
    const long = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: escaped,
    });
    expect(long.status).not.toBe(413);
    await long.arrayBuffer();
  });

  it('caps the spoken length of text that expands, over REST and realtime, and announces the cap', async () => {
    const started = performance.now();
    const res = await withDeadline(
      postJson(`${server.url}/speak`, { name: 'female', text: EXPANDING, response_format: 'pcm', sample_rate: 16000 }),
      'a capped response',
      30_000,
    );
    expect(res.status).toBe(200);
    const seconds = (await res.arrayBuffer()).byteLength / 2 / 16000;
    expect(seconds).toBeGreaterThan(4);
    expect(seconds).toBeLessThanOrEqual(5);
    expect(performance.now() - started).toBeLessThan(30_000);

    const client = await createRealtimeClient(server.url, { format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
    try {
      expect(client.ready.limits.max_speech_seconds).toBe(5);
      const events = await withDeadline(collect(client.speak(EXPANDING)), 'a capped realtime context', 30_000);
      const done = events.at(-1);
      expect(done?.type).toBe('done');
      // The segment the cap cut is closed like any other.
      expect(events.at(-2)?.type).toBe('segment_end');
      expect((done as { duration_ms: number }).duration_ms).toBeLessThanOrEqual(5000);
    } finally {
      await client.close();
    }
  });

  it('announces every limit in /server_info and ready', async () => {
    const info = (await (await fetch(`${server.url}/server_info`)).json()) as { limits: Record<string, number> };
    for (const expected of [
      'max_streams',
      'max_text_chars',
      'max_body_bytes',
      'max_speech_seconds',
      'whole_response_max_bytes',
      'reference_max_seconds',
      'reference_keep_seconds',
      'latent_max_frames',
      'http_send_timeout_ms',
      'http_headers_timeout_ms',
      'http_request_timeout_ms',
      'http_keep_alive_timeout_ms',
      'ws_max_contexts',
      'ws_max_message_bytes',
      'ws_idle_timeout_ms',
      'ws_idle_flush_ms',
      'ws_max_buffered_bytes',
      'ws_slow_consumer_ms',
      'ws_max_pings_per_second',
      'ws_max_invalid_messages',
    ]) {
      expect({ [expected]: typeof info.limits[expected] }).toEqual({ [expected]: 'number' });
    }
    // Every configurable limit is among them, under its snake_case name.
    const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    for (const { key } of LIMIT_SETTINGS) {
      expect({ [key]: snake(key) in info.limits }).toEqual({ [key]: true });
    }
    const raw = await openRaw(server.url);
    raw.send({ type: 'init' });
    const ready = (await raw.next((m) => m.type === 'ready')) as ReadyMessage;
    expect(ready.limits).toMatchObject({ max_speech_seconds: 5, max_pings_per_second: 20, max_invalid_messages: 100 });
    raw.ws.close();
  });

  it('sends a whole-file response too long to hold as a chunked stream of the same file', async () => {
    // About 20 s of speech: 1.3 MB of PCM at 16 kHz, over the 256 KiB held.
    const text = SENTENCE.repeat(5);
    for (const format of ['wav', 'mp3'] as const) {
      const res = await postJson(`${server.url}/speak`, { name: 'female', text, response_format: format });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBeNull();
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const audio = await decodeAudio(new Uint8Array(await res.arrayBuffer()), format);
      expect(audio.sampleRate).toBe(16000);
      expect(audio.duration).toBeGreaterThan(4.5);
      expect(audio.duration).toBeLessThanOrEqual(5.1);
    }
    // A short one is still whole, with its length.
    const short = await postJson(`${server.url}/speak`, { name: 'female', text: 'Hello there.', response_format: 'wav' });
    expect(Number(short.headers.get('content-length'))).toBe((await short.arrayBuffer()).byteLength);
  });
});

describe('hostile reference audio', () => {
  let dir: string;
  let server: RunningServer;
  let flac: Uint8Array;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-abuse-ref-'));
    installSyntheticPocket(join(dir, 'models'));
    const path = join(dir, 'silence.flac');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '3600', '-c:a', 'flac', path]);
    flac = new Uint8Array(await readFile(path));
    server = await quiet({ modelsDir: join(dir, 'models'), speakersDir: join(dir, 'speakers') });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an hour of FLAC silence (0.5 MB) by its header, off the main thread, without the memory it would take', async () => {
    expect(flac.length).toBeLessThan(1024 * 1024);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const rssBefore = process.memoryUsage().rss;
    delay.enable();
    const form = new FormData();
    form.append('text', 'Hello there.');
    form.append('reference_audio_file', new Blob([new Uint8Array(flac)]), 'silence.flac');
    const res = await fetch(`${server.url}/clone_voice`, { method: 'POST', body: form });
    delay.disable();
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; param: string } };
    expect(error.param).toBe('reference_audio_file');
    expect(error.message).toMatch(/3600 s long; send at most 300 s/);
    // This process is the server's: its event loop never stalled, and it kept no gigabytes.
    expect(delay.max / 1e6).toBeLessThan(500);
    expect((process.memoryUsage().rss - rssBefore) / 1e6).toBeLessThan(200);
  });
});

describe('realtime: replies a client never reads', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await quiet({ wsMaxBufferedBytes: 64 * 1024, wsSlowConsumerMs: 500 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers at most the announced pings a second; the rest get rate_limited', async () => {
    const raw = await openRaw(server.url);
    raw.send({ type: 'init' });
    await raw.next((m) => m.type === 'ready');
    for (let i = 0; i < 60; i++) raw.send({ type: 'ping', id: i });
    raw.send({ type: 'cancel', context_id: 'marker' });
    await raw.next((m) => m.type === 'cancelled');
    const pongs = raw.messages.filter((m) => m.type === 'pong').length;
    const limited = raw.messages.filter((m): m is ErrorMessage => m.type === 'error' && m.code === 'rate_limited');
    expect(pongs).toBeGreaterThanOrEqual(20);
    expect(pongs).toBeLessThan(25);
    expect(pongs + limited.length).toBe(60);
    expect(limited[0]?.message).toMatch(/limits\.max_pings_per_second/);
    raw.ws.close();
  });

  it('holds at most max_text_chars unspoken in a context: text sent faster than it is spoken is refused, not queued without end', async () => {
    const raw = await openRaw(server.url);
    raw.send({ type: 'init', encoding: 'pcm' });
    await raw.next((m) => m.type === 'ready');
    // 20 × 5,000 characters at once, with no flush: 100,000 waiting against a limit of 20,000.
    for (let i = 0; i < 20; i++) raw.send({ type: 'text', context_id: 'flood', text: SENTENCE.repeat(78) });
    raw.send({ type: 'ping', id: 'after' });
    await raw.next((m) => m.type === 'pong');
    const refused = raw.messages.filter((m): m is ErrorMessage => m.type === 'error' && m.code === 'text_too_long');
    expect(refused.length).toBeGreaterThanOrEqual(16);
    expect(refused.length).toBeLessThanOrEqual(17);
    expect(refused[0]?.message).toMatch(/not yet spoken.*max_text_chars.*send it again/s);
    expect(refused[0]?.context_id).toBe('flood');
    // Not fatal: the session goes on, and the context still speaks what it took.
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    await raw.next((m) => m.type === 'audio' && m.context_id === 'flood');
    raw.send({ type: 'cancel', context_id: 'flood' });
    await raw.next((m) => m.type === 'cancelled');
    raw.ws.close();
  });

  it('closes a socket that floods pings and never reads (4004), instead of queueing pongs without end', async () => {
    const raw = await openRaw(server.url);
    raw.send({ type: 'init' });
    await raw.next((m) => m.type === 'ready');
    raw.ws.pause();
    for (let i = 0; i < 20_000; i++) raw.send({ type: 'ping' });
    await waitFor(() => [...server.realtime.sessions].every((s) => s.closing), 'the flooding session closed');
    raw.ws.resume();
    expect((await raw.closed).code).toBe(4004);
  });

  it('counts every reply toward the buffered limit: a cancel flood that is never read ends in slow_consumer (4005)', async () => {
    const raw = await openRaw(server.url);
    raw.send({ type: 'init' });
    await raw.next((m) => m.type === 'ready');
    raw.ws.pause();
    // Each is answered with a `cancelled`; 300 000 of them are ~13 MB, far past the socket buffers.
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 300_000 && raw.ws.readyState === raw.ws.OPEN; i++) raw.send({ type: 'cancel', context_id: `c${i}` });
    await waitFor(() => [...server.realtime.sessions].every((s) => s.closing), 'the unread session closed', 30_000);
    raw.ws.resume();
    expect((await raw.closed).code).toBe(4005);
    expect((process.memoryUsage().rss - rssBefore) / 1e6).toBeLessThan(300);
  });
});

describe('logs', () => {
  it('logs a client that disconnects mid-upload as normal traffic, not as an error', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const server = await startServer({ port: 0, workers: 1 }, pino({ level: 'debug' }, sink));
    try {
      for (const [path, type, body] of [
        ['/speak', 'application/json', '{"name": "female", "text": "Hel'],
        [
          '/clone_voice',
          'multipart/form-data; boundary=XX',
          '--XX\r\nContent-Disposition: form-data; name="reference_audio_file"; filename="a.wav"\r\n\r\nRIFF',
        ],
        ['/clone_voice', 'application/x-www-form-urlencoded', 'text=Hello&reference_audio=UklGR'],
      ] as const) {
        const before = lines.length;
        const received = once(server.http, 'request');
        const socket = await rawSocket(
          server,
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n${body}`,
        );
        await withDeadline(received, `the server reading the headers of ${path}`);
        socket.destroy();
        await waitFor(
          () => lines.slice(before).some((l) => /went away|failed/.test(l.msg)),
          `the server noticing the client left ${path}`,
        );
      }
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('memory per request', () => {
  it('keeps two whole-file 48 kHz WAV responses of expanding text within the stated ceiling', async () => {
    const server = await startServerProcess(['--workers', '2', '--max-speech-seconds', '300']);
    try {
      const pid = server.child.pid as number;
      // Warm: one request of each kind, so what follows measures requests, not first use.
      await (
        await postJson(`${server.url}/speak`, { name: 'female', text: 'Hello there.', response_format: 'wav' })
      ).arrayBuffer();
      const baseline = peakRssMb(pid);
      const sizes = await Promise.all(
        [0, 1].map(async () => {
          const res = await postJson(`${server.url}/speak`, {
            name: 'female',
            text: EXPANDING,
            response_format: 'wav',
            sample_rate: 48000,
          });
          expect(res.status).toBe(200);
          return (await res.arrayBuffer()).byteLength;
        }),
      );
      const growth = peakRssMb(pid) - baseline;
      console.log(
        `two whole-file 48 kHz WAV responses of ${sizes.map((s) => (s / 2 / 48000).toFixed(0)).join(' s and ')} s: peak RSS ${peakRssMb(pid).toFixed(0)} MB, +${growth.toFixed(0)} MB over the ${baseline.toFixed(0)} MB of a warm server`,
      );
      for (const size of sizes) expect(size / 2 / 48000).toBeCloseTo(300, 0);
      expect(growth).toBeLessThan(200);
    } finally {
      await server.stop();
    }
  });
});
