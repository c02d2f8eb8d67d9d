/**
 * A web page on another origin, in headless Chromium (playwright-core driving the system's
 * /usr/bin/chromium), calls the REST API (streamed speech, read with the exposed headers) and
 * speaks over the realtime WebSocket — allowed by --cors-origins — while a page of an origin the
 * server does not allow can do neither. Skipped, saying why, where Chromium is not installed
 * (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { decodeAudio, voicedShare } from '../helpers/audio.js';

const CHROMIUM = process.env.FLASH_TTS_CHROMIUM || '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt install chromium, or set FLASH_TTS_CHROMIUM)`;
if (missing) console.warn(`Skipping the browser test: ${missing}.`);
const describeWithChromium = missing ? describe.skip : describe;

/** A server of one empty page, on its own port: its own origin. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>another origin</title><p>A page that speaks.</p>');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface RestOutcome {
  status: number;
  contentType: string | null;
  disposition: string | null;
  pieces: number;
  base64: string;
}

interface SocketOutcome {
  ready: boolean;
  audioMessages: number;
  done: boolean;
  closeCode: number | undefined;
}

describeWithChromium('a page on another origin in Chromium', () => {
  let api: RunningServer;
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let browser: Browser;

  beforeAll(async () => {
    allowed = await pageServer();
    other = await pageServer();
    api = await startServer({ port: 0, logLevel: 'silent', workers: 1, corsOrigins: [allowed.origin] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    allowed?.server.close();
    other?.server.close();
  });

  /** In the page: POST /v1/audio/speech with fetch, read the stream, return what it got. */
  const restCall = async (base: string): Promise<RestOutcome> => {
    const res = await fetch(`${base}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-needed' },
      body: JSON.stringify({
        model: 'tts-1',
        voice: 'alloy',
        input: 'A page on another origin asked for this.',
        response_format: 'wav',
      }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const parts: number[] = [];
    let pieces = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces++;
      for (const byte of value) parts.push(byte);
    }
    let binary = '';
    for (const byte of parts) binary += String.fromCharCode(byte);
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      pieces,
      base64: btoa(binary),
    };
  };

  /** In the page: speak over the realtime WebSocket (JSON codec), count the audio until `done`. */
  const socketCall = (wsUrl: string) =>
    new Promise<SocketOutcome>((resolve) => {
      const outcome: SocketOutcome = { ready: false, audioMessages: 0, done: false, closeCode: undefined };
      const ws = new WebSocket(wsUrl, 'flash-tts.v1.json');
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'init', voice: 'female', format: { encoding: 'pcm_s16le', sample_rate: 16000 } }));
        ws.send(JSON.stringify({ type: 'speak', context_id: 'page', text: 'Hello from the page.' }));
      };
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as { type: string };
        if (message.type === 'ready') outcome.ready = true;
        if (message.type === 'audio') outcome.audioMessages++;
        if (message.type === 'done') {
          outcome.done = true;
          ws.close();
        }
      };
      ws.onclose = (event) => {
        outcome.closeCode = event.code;
        resolve(outcome);
      };
    });

  it('calls the REST API and reads streamed audio with the exposed headers', async () => {
    const page = await browser.newPage();
    await page.goto(allowed.origin);
    const result = await page.evaluate(restCall, api.url);
    await page.close();
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('audio/wav');
    expect(result.disposition).toBe('attachment; filename=speech.wav');
    expect(result.pieces).toBeGreaterThan(0);
    const audio = await decodeAudio(new Uint8Array(Buffer.from(result.base64, 'base64')), 'wav');
    expect(audio.duration).toBeGreaterThan(1.5);
    expect(voicedShare(audio.samples, audio.sampleRate)).toBeGreaterThan(0.3);
  });

  it('speaks over the realtime WebSocket', async () => {
    const page = await browser.newPage();
    await page.goto(allowed.origin);
    const result = await page.evaluate(socketCall, `${api.url.replace('http', 'ws')}/v1/realtime`);
    await page.close();
    expect(result).toMatchObject({ ready: true, done: true });
    expect(result.audioMessages).toBeGreaterThan(3);
  });

  it('cannot be used from a page of an origin the server does not allow', async () => {
    const page = await browser.newPage();
    await page.goto(other.origin);
    const rest = await page.evaluate(
      (base) =>
        fetch(`${base}/v1/audio/speech`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Not from here.' }),
        }).then(
          (res) => `status ${res.status}`,
          (error: Error) => `refused: ${error.name}`,
        ),
      api.url,
    );
    expect(rest).toBe('refused: TypeError');
    const socket = await page.evaluate(socketCall, `${api.url.replace('http', 'ws')}/v1/realtime`);
    await page.close();
    expect(socket).toMatchObject({ ready: false, audioMessages: 0, closeCode: 1006 });
  });
});
