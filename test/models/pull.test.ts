import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { INSTALLED_FILE, type ModelManifest, scanInstalled } from '../../src/models/manifest.js';
import { pullModel, removeModel } from '../../src/models/pull.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('models pull against a local HTTP server', () => {
  const weights = randomBytes(300_000);
  const voice = randomBytes(5_000);
  let server: Server;
  let base: string;
  let dir: string;
  const requests: { url: string; range: string | undefined }[] = [];
  /** Paths whose next response is cut off after this many bytes. */
  const cutOnce = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', range: req.headers.range });
      const body =
        req.url === '/weights.onnx'
          ? weights
          : req.url === '/voices/a.bin'
            ? voice
            : req.url === '/corrupt.onnx'
              ? Buffer.from(weights).fill(7, 0, 10)
              : undefined;
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const slice = body.subarray(start);
      res.writeHead(range ? 206 : 200, {
        'content-length': slice.length,
        ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      });
      const cut = cutOnce.get(req.url ?? '');
      if (cut !== undefined) {
        cutOnce.delete(req.url ?? '');
        res.write(slice.subarray(0, cut), () => res.destroy());
        return;
      }
      res.end(slice);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-models-'));
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const manifest = (name: string, weightsPath = '/weights.onnx', weightsSha: string | null = sha(weights)): ModelManifest => ({
    name,
    engine: 'piper',
    description: 'test model',
    licence: 'MIT',
    sample_rate: 22050,
    languages: ['en-US'],
    voices: [{ id: name, gender: 'female' }],
    files: [
      { path: 'model.onnx', url: `${base}${weightsPath}`, size: weights.length, sha256: weightsSha },
      { path: 'voices/a.bin', url: `${base}/voices/a.bin`, size: voice.length, sha256: sha(voice) },
    ],
  });

  it('installs every file, checked, with progress, and the server-side scan finds it', async () => {
    const progress: number[] = [];
    const installed = await pullModel(manifest('good'), { modelsDir: dir, onProgress: (p) => progress.push(p.received) });
    expect(readFileSync(join(installed.dir, 'model.onnx')).equals(weights)).toBe(true);
    expect(readFileSync(join(installed.dir, 'voices/a.bin')).equals(voice)).toBe(true);
    expect(progress.at(-1)).toBe(weights.length + voice.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(scanInstalled(dir).map((m) => m.name)).toEqual(['good']);
    // Installed already: nothing is downloaded again.
    const before = requests.length;
    await pullModel(manifest('good'), { modelsDir: dir });
    expect(requests.length).toBe(before);
  });

  it('finds a model folder that is a link to one kept elsewhere, and skips a dangling link', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'flash-tts-linked-'));
    const linked = await mkdtemp(join(tmpdir(), 'flash-tts-links-'));
    try {
      await pullModel(manifest('good'), { modelsDir: elsewhere });
      await symlink(join(elsewhere, 'good'), join(linked, 'good'));
      await symlink(join(elsewhere, 'gone'), join(linked, 'gone'));
      const found = scanInstalled(linked);
      expect(found.map((m) => m.name)).toEqual(['good']);
      expect(readFileSync(join(found[0]?.dir as string, 'model.onnx')).equals(weights)).toBe(true);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
      await rm(linked, { recursive: true, force: true });
    }
  });

  it('refuses a corrupted download and installs nothing', async () => {
    await expect(pullModel(manifest('bad', '/corrupt.onnx'), { modelsDir: dir })).rejects.toThrow(
      /checksum mismatch for model.onnx/,
    );
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    const staging = await readdir(join(dir, '.bad.partial'));
    expect(staging.some((f) => f.endsWith('.part'))).toBe(false);
    expect(scanInstalled(dir).map((m) => m.name)).toEqual(['good']);
  });

  it('says where it could not connect and how to install without a download, leaving no empty staging folder', async () => {
    // A port nothing listens on (taken, then given back).
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const offline = {
      ...manifest('offline'),
      files: manifest('offline').files.map((f) => ({ ...f, url: `http://127.0.0.1:${port}/x` })),
    };
    await expect(pullModel(offline, { modelsDir: dir })).rejects.toThrow(
      new RegExp(
        `could not download model\\.onnx of offline from 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*flash-tts models import offline --from <folder>`,
      ),
    );
    expect(existsSync(join(dir, '.offline.partial'))).toBe(false);
    expect(existsSync(join(dir, 'offline'))).toBe(false);
  });

  it('resumes an interrupted download where it stopped', async () => {
    cutOnce.set('/weights.onnx', 120_000);
    await expect(pullModel(manifest('resumed'), { modelsDir: dir })).rejects.toThrow(/interrupted at 120000 of 300000 bytes/);
    expect(existsSync(join(dir, 'resumed'))).toBe(false);
    const notes: string[] = [];
    const installed = await pullModel(manifest('resumed'), { modelsDir: dir, onNote: (n) => notes.push(n) });
    expect(notes.join('\n')).toContain('resuming model.onnx at 120000');
    expect(requests.filter((r) => r.url === '/weights.onnx').at(-1)?.range).toBe('bytes=120000-');
    expect(readFileSync(join(installed.dir, 'model.onnx')).equals(weights)).toBe(true);
    expect(existsSync(join(dir, '.resumed.partial'))).toBe(false);
  });

  it('records the digest of a file published without one', async () => {
    const notes: string[] = [];
    const installed = await pullModel(manifest('unsigned', '/weights.onnx', null), {
      modelsDir: dir,
      onNote: (n) => notes.push(n),
    });
    const record = JSON.parse(readFileSync(join(installed.dir, INSTALLED_FILE), 'utf8')) as ModelManifest;
    expect(record.files[0]?.sha256).toBe(sha(weights));
    expect(notes.join('\n')).toContain('no published sha256');
  });

  it('removes a model', async () => {
    expect(await removeModel(dir, 'unsigned')).toBe(true);
    expect(scanInstalled(dir).map((m) => m.name)).not.toContain('unsigned');
    expect(await removeModel(dir, 'unsigned')).toBe(false);
  });
});
