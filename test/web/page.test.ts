/**
 * The web page at GET / in headless Chromium (playwright-core, the system's chromium): it loads
 * with no console error, speaks over the realtime socket (frames arrive, decode and are scheduled
 * on Web Audio), highlights words, stops on cancel with nothing after it, downloads, clones on the
 * synthetic Pocket-TTS model, saves and deletes a speaker, asks for the API key and shows errors.
 * Set PAGE_SCREENSHOT=docs/page.png to save the README's screenshot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium, type Page } from 'playwright-core';
import { encodeAudio } from '../../src/audio/index.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { installSyntheticPocket } from '../helpers/synthetic-pocket.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--autoplay-policy=no-user-gesture-required',
  // A microphone that plays a test tone, allowed without asking: the recording test.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];
const WAIT_MS = 60_000;

/** What the page exposes to tests (window.__flashTts). */
interface PageHook {
  ready: boolean;
  stats: {
    audioMessages: number;
    samplesScheduled: number;
    audioAfterCancelled: number;
    audioIgnoredAfterStop: number;
    wordsMessages: number;
    playing: number;
    state: string;
  };
  clone: { samples: number; sampleRate: number };
  downloads: { format: string; type: string; bytes: number }[];
  recordedChunks: number;
}

const hook = (page: Page): Promise<PageHook> => page.evaluate(() => (window as unknown as { __flashTts: PageHook }).__flashTts);

/**
 * Waits until the page's hook satisfies `predicate`, which runs in the page (passed as a function:
 * the page's CSP forbids evaluating strings).
 */
async function waitForHook(page: Page, predicate: (h: PageHook) => boolean): Promise<void> {
  await page.waitForFunction(() => Boolean((window as unknown as { __flashTts?: PageHook }).__flashTts), undefined, {
    timeout: WAIT_MS,
  });
  const handle = await page.evaluateHandle(() => (window as unknown as { __flashTts: PageHook }).__flashTts);
  await page.waitForFunction(predicate, handle, { timeout: WAIT_MS, polling: 20 });
  await handle.dispose();
}

/** Opens `url` in a new page that records console errors and uncaught exceptions. */
async function openPage(browser: Browser, url: string, width = 900): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/** A voice-like reference of `seconds` at 24 kHz, as a WAV file. */
async function referenceWav(seconds: number, rate = 24000): Promise<Buffer> {
  const samples = Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 150 * i) / rate) * (0.7 + 0.3 * Math.sin(i / 900)),
  );
  return Buffer.from(await encodeAudio(samples, { format: 'wav', sampleRate: rate }));
}

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
});

describe('the web page, with the cloning model', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-page-'));
    installSyntheticPocket(join(dir, 'models'));
    server = await startServer({
      port: 0,
      logLevel: 'silent',
      workers: 1,
      modelsDir: join(dir, 'models'),
      speakersDir: join(dir, 'speakers'),
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page at GET / and keeps the JSON routes', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${server.url}/web/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect(((await (await fetch(`${server.url}/server_info`)).json()) as { name: string }).name).toBe('flash-tts');
  });

  it('loads with no console error, lists the voices grouped, and speaks while it synthesizes, highlighting words', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await waitForHook(page, (h) => h.ready);
    const groups = await page.$$eval('#voice optgroup', (els) => els.map((e) => (e as HTMLOptGroupElement).label));
    expect(groups[0]).toBe('Built-in roles');
    expect(groups.some((g) => /flite/i.test(g))).toBe(true);
    expect(await page.textContent('#engines')).toMatch(/Pocket-TTS/i);
    expect(await page.textContent('#limits')).toContain('20000 characters');
    expect(await page.isHidden('#clone-unavailable')).toBe(true);

    await page.fill('#text', 'Hello there. The weather today is sunny, with a high of 21 degrees.');
    await page.click('#speak');
    // Audio is scheduled before the utterance is over: it plays while it is synthesized.
    await waitForHook(page, (h) => h.stats.samplesScheduled > 0 && h.stats.state === 'speaking');
    await page.waitForSelector('#transcript .word.current', { timeout: WAIT_MS });
    if (process.env.PAGE_SCREENSHOT) await page.screenshot({ path: process.env.PAGE_SCREENSHOT, fullPage: true });
    await waitForHook(page, (h) => h.stats.state === 'done');
    const { stats } = await hook(page);
    expect(stats.wordsMessages).toBeGreaterThan(0);
    // Flite says this in 3–8 s; every frame was decoded and scheduled (40 ms frames at 24 kHz).
    expect(stats.samplesScheduled / 24000).toBeGreaterThan(3);
    expect(stats.samplesScheduled / 24000).toBeLessThan(8);
    expect(stats.audioMessages).toBeGreaterThanOrEqual(Math.floor(stats.samplesScheduled / 960));
    expect(await page.textContent('#play-status')).toBe('Done.');
    expect(await page.$$eval('#transcript .word', (els) => els.length)).toBeGreaterThan(8);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stops on cancel (keyboard: Ctrl+Enter speaks, Escape stops): nothing is scheduled after it', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await waitForHook(page, (h) => h.ready);
    await page.fill('#text', 'This sentence is one of many that would take a long time to say. '.repeat(40));
    await page.focus('#text');
    await page.keyboard.press('Control+Enter');
    await waitForHook(page, (h) => h.stats.samplesScheduled > 24000);
    await page.keyboard.press('Escape');
    const atStop = (await hook(page)).stats.samplesScheduled;
    await waitForHook(page, (h) => h.stats.state === 'cancelled');
    const { stats } = await hook(page);
    expect(stats.samplesScheduled).toBe(atStop);
    expect(stats.audioAfterCancelled).toBe(0);
    expect(stats.playing).toBe(0);
    // Forty long sentences are minutes of speech; far less was scheduled.
    expect(stats.samplesScheduled / 24000).toBeLessThan(60);
    expect(await page.textContent('#play-status')).toBe('Stopped.');
    expect(await page.isEnabled('#speak')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('downloads in the chosen format and rate', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await waitForHook(page, (h) => h.ready);
    await page.fill('#text', 'A short file.');
    await page.selectOption('#format', 'wav');
    await page.selectOption('#sample-rate', '16000');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('speech.wav');
    const { downloads } = await hook(page);
    expect(downloads[0]?.type).toBe('audio/wav');
    // 16 kHz 16-bit mono: a short phrase is tens of kilobytes.
    expect(downloads[0]?.bytes).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('clones an uploaded reference, saves it as a speaker, speaks with it, and deletes it', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await waitForHook(page, (h) => h.ready);
    await page.setInputFiles('#reference-file', { name: 'me.wav', mimeType: 'audio/wav', buffer: await referenceWav(2) });
    await page.click('#clone');
    await waitForHook(page, (h) => h.clone.samples > 0);
    const { clone } = await hook(page);
    // The synthetic model makes whole 80 ms frames (the page's decoder resamples to its own rate).
    const frames = clone.samples / clone.sampleRate / 0.08;
    expect(frames).toBeGreaterThanOrEqual(3);
    expect(Math.abs(frames - Math.round(frames))).toBeLessThan(0.05);
    expect(await page.isVisible('#clone-audio')).toBe(true);

    await page.fill('#speaker-name', 'Zoë');
    await page.click('#save-speaker');
    await page.waitForSelector('#voice optgroup[label="Saved speakers (cloned)"] option[value="Zoë"]', {
      state: 'attached',
      timeout: WAIT_MS,
    });
    expect(await page.inputValue('#voice')).toBe('Zoë');
    expect(await page.textContent('#messages')).toContain('Speaker "Zoë" was added.');

    const before = (await hook(page)).stats.samplesScheduled;
    await page.fill('#text', 'Good morning to all of you.');
    await page.click('#speak');
    await waitForHook(page, (h) => h.stats.state === 'done');
    expect((await hook(page)).stats.samplesScheduled).toBeGreaterThan(before);

    await page.click('button[aria-label="Delete speaker Zoë"]');
    await page.waitForSelector('#voice option[value="Zoë"]', { state: 'detached', timeout: WAIT_MS });
    expect(await page.textContent('#messages')).toContain('Speaker "Zoë" was deleted.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('records a reference with MediaRecorder and clones it', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await waitForHook(page, (h) => h.ready);
    await page.click('#record');
    // 250 ms pieces: six are 1.5 s, over the server's 1 s minimum.
    await waitForHook(page, (h) => h.recordedChunks >= 6);
    await page.click('#record-stop');
    await page.waitForFunction(
      () => /^Recorded \d/.test(document.getElementById('reference-status')?.textContent ?? ''),
      undefined,
      {
        timeout: WAIT_MS,
      },
    );
    await page.click('#clone');
    await waitForHook(page, (h) => h.clone.samples > 0);
    expect(await page.textContent('#messages')).toMatch(/Cloned: \d/);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the web page, with an API key and no cloning model', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-page-key-'));
    server = await startServer({
      port: 0,
      logLevel: 'silent',
      workers: 1,
      apiKey: 'right-key',
      modelsDir: join(dir, 'models'),
      speakersDir: join(dir, 'speakers'),
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for the key, shows a wrong key as an error, then works with the right one on a narrow screen', async () => {
    const { page, errors } = await openPage(browser, server.url, 360);
    await page.waitForSelector('#key-form', { state: 'visible', timeout: WAIT_MS });
    expect(await page.isHidden('#app')).toBe(true);

    await page.fill('#api-key', 'wrong-key');
    await page.press('#api-key', 'Enter');
    await page.waitForSelector('#messages .error', { timeout: WAIT_MS });
    expect(await page.textContent('#messages')).toContain('The API key is wrong.');

    await page.fill('#api-key', 'right-key');
    await page.click('#key-form button[type="submit"]');
    await waitForHook(page, (h) => h.ready);
    expect(await page.isHidden('#key-form')).toBe(true);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // Without the model: a clear message, and the cloning controls are off.
    expect(await page.textContent('#clone-unavailable')).toContain('npx flash-tts models pull pocket-tts-int8');
    expect(await page.$eval('#clone-fields', (el) => (el as HTMLFieldSetElement).disabled)).toBe(true);
    expect(await page.isDisabled('#record')).toBe(true);

    // The realtime socket takes the key from init. A word longer than the screen is wide (a pasted
    // link, say) wraps in the transcript instead of widening the page.
    await page.fill('#text', 'Key accepted for pneumonoultramicroscopicsilicovolcanoconiosisandsupercalifragilistic.');
    await page.click('#speak');
    await waitForHook(page, (h) => h.stats.state === 'done');
    expect((await hook(page)).stats.samplesScheduled).toBeGreaterThan(0);
    expect(await page.textContent('#transcript')).toContain('pneumonoultramicroscopic');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // An error the realtime server sends is shown: a voice that does not exist.
    await page.evaluate(() => {
      const select = document.getElementById('voice') as HTMLSelectElement;
      select.append(new Option('gone', 'no-such-voice'));
      select.value = 'no-such-voice';
    });
    await page.click('#speak');
    await page.waitForSelector('#messages .error', { timeout: WAIT_MS });
    expect(await page.textContent('#messages')).toMatch(/no-such-voice/);
    // Only the browser's own lines about the refused requests (401), nothing from the page.
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
    await page.close();
  });
});
