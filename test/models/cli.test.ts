/**
 * `flash-tts models` end to end: manifests pointing at a local HTTP server (on port 0) that serves
 * a synthetic Piper voice; pull with progress, list, serve it, remove.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadManifests, type ModelManifest } from '../../src/models/manifest.js';
import { startServerProcess } from '../helpers/server.js';
import { installSyntheticPiper } from '../helpers/synthetic-models.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('flash-tts models', () => {
  let dir: string;
  let http: Server;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-models-cli-'));
    const source = installSyntheticPiper(join(dir, 'source'), { voice: 'en_US-cli-medium', samplesPerId: 256 });
    files.set('/voice.onnx', readFileSync(join(source, 'model.onnx')));
    files.set('/voice.onnx.json', readFileSync(join(source, 'model.onnx.json')));
    http = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      if (!body) res.writeHead(404).end();
      else res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    http.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const manifest: ModelManifest = {
      name: 'piper-en_US-cli-medium',
      engine: 'piper',
      description: 'a synthetic voice served locally',
      licence: 'MIT',
      sample_rate: 22050,
      languages: ['en-US'],
      voices: [{ id: 'en_US-cli-medium', gender: 'female' }],
      files: [
        {
          path: 'model.onnx',
          url: `${base}/voice.onnx`,
          size: files.get('/voice.onnx')?.length ?? 0,
          sha256: sha(files.get('/voice.onnx') as Buffer),
        },
        { path: 'model.onnx.json', url: `${base}/voice.onnx.json`, size: null, sha256: null },
      ],
    };
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'piper-en_US-cli-medium.json'), JSON.stringify(manifest));
  });
  afterAll(async () => {
    http.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pulls with progress, lists, serves and removes a model', async () => {
    const env = { ...process.env, FLASH_TTS_MANIFESTS_DIR: join(dir, 'manifests') };
    const modelsDir = join(dir, 'installed');
    const pulled = await run(process.execPath, [CLI, 'models', 'pull', 'piper-en_US-cli-medium', '--models-dir', modelsDir], {
      env,
    });
    expect(pulled.stdout).toContain('installed piper-en_US-cli-medium');
    expect(pulled.stderr).toMatch(/piper-en_US-cli-medium: 100%/);
    expect(pulled.stderr).toContain('model.onnx.json: no published sha256; recorded');

    const listed = await run(process.execPath, [CLI, 'models', 'list', '--models-dir', modelsDir], { env });
    expect(listed.stdout).toMatch(/\* piper-en_US-cli-medium +piper/);

    const server = await startServerProcess(['--models-dir', modelsDir]);
    try {
      const { voices } = (await (await fetch(`${server.url}/v1/audio/voices`)).json()) as { voices: { id: string }[] };
      expect(voices.map((v) => v.id)).toContain('en_US-cli-medium');
      const res = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'tts-1',
          voice: 'en_US-cli-medium',
          input: 'Hello.',
          response_format: 'pcm',
          sample_rate: 22050,
        }),
      });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength % (256 * 2)).toBe(0);
    } finally {
      await server.stop();
    }

    const removed = await run(process.execPath, [CLI, 'models', 'remove', 'piper-en_US-cli-medium', '--models-dir', modelsDir], {
      env,
    });
    expect(removed.stdout).toContain('removed piper-en_US-cli-medium');
    await expect(
      run(process.execPath, [CLI, 'models', 'pull', 'nothing-such', '--models-dir', modelsDir], { env }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('No model is called "nothing-such". Models: piper-en_US-cli-medium'),
    });
  });

  it('ships valid manifests: Kokoro graphs, all 54 Kokoro voices, Piper voices in several languages', () => {
    const manifests = [...loadManifests(fileURLToPath(new URL('../../models', import.meta.url))).values()];
    const kokoroVoices = new Set(manifests.filter((m) => m.engine === 'kokoro').flatMap((m) => m.voices.map((v) => v.id)));
    expect(kokoroVoices.size).toBe(54);
    expect(
      manifests.filter((m) => m.engine === 'kokoro' && m.files.some((f) => f.path === 'model.onnx')).map((m) => m.name),
    ).toEqual(['kokoro-82m-fp16', 'kokoro-82m-fp32', 'kokoro-82m-int8']);
    const piperLanguages = new Set(manifests.filter((m) => m.engine === 'piper').flatMap((m) => m.languages));
    expect(piperLanguages.size).toBeGreaterThanOrEqual(4);
    for (const m of manifests) {
      for (const f of m.files) expect(f.url).toMatch(/^https:\/\//);
      if (m.engine === 'piper')
        expect(m.files.map((f) => f.path)).toEqual(expect.arrayContaining(['model.onnx', 'model.onnx.json']));
    }
  });

  it('pins the digest of every file of the real weights tests run on, and ships misaki lexicons with Kokoro', () => {
    const manifests = loadManifests(fileURLToPath(new URL('../../models', import.meta.url)));
    for (const name of ['kokoro-82m-int8', 'kokoro-82m-voices-multilingual', 'piper-en_US-joe-medium']) {
      const manifest = manifests.get(name);
      expect(manifest?.files.filter((f) => f.sha256 === null || f.size === null)).toEqual([]);
    }
    const voiceFiles = ['kokoro-82m-int8', 'kokoro-82m-voices-multilingual'].flatMap(
      (n) => manifests.get(n)?.files.filter((f) => f.path.startsWith('voices/')) ?? [],
    );
    expect(voiceFiles).toHaveLength(54);
    for (const graph of ['kokoro-82m-int8', 'kokoro-82m-fp16', 'kokoro-82m-fp32']) {
      expect(
        manifests
          .get(graph)
          ?.files.filter((f) => f.path.startsWith('lexicons/'))
          .map((f) => f.path),
      ).toEqual(['lexicons/us_gold.json', 'lexicons/us_silver.json', 'lexicons/gb_gold.json', 'lexicons/gb_silver.json']);
    }
  });
});
