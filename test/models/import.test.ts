/**
 * `flash-tts models import NAME --from DIR` through the built CLI: installs from a folder with the
 * manifest's checks, refuses a missing or altered file by name and installs nothing, replaces an
 * installed copy atomically; the server then speaks with the imported voice.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { INSTALLED_FILE, type ModelManifest, scanInstalled } from '../../src/models/manifest.js';
import { startServerProcess } from '../helpers/server.js';
import { installSyntheticPiper } from '../helpers/synthetic-models.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const NAME = 'piper-en_US-import-medium';

describe('flash-tts models import', () => {
  let dir: string;
  let source: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-import-'));
    source = installSyntheticPiper(join(dir, 'source'), { voice: 'en_US-import-medium', samplesPerId: 256 });
    // What a user copies from elsewhere holds only the model's files, not our install record.
    await rm(join(source, INSTALLED_FILE));
    const onnx = readFileSync(join(source, 'model.onnx'));
    const config = readFileSync(join(source, 'model.onnx.json'));
    const manifest: ModelManifest = {
      name: NAME,
      engine: 'piper',
      description: 'a synthetic voice',
      licence: 'MIT',
      sample_rate: 22050,
      languages: ['en-US'],
      voices: [{ id: 'en_US-import-medium', gender: 'female' }],
      files: [
        { path: 'model.onnx', url: 'https://example.invalid/model.onnx', size: onnx.length, sha256: sha(onnx) },
        { path: 'model.onnx.json', url: 'https://example.invalid/model.onnx.json', size: config.length, sha256: sha(config) },
      ],
    };
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', `${NAME}.json`), JSON.stringify(manifest));
    env = { ...process.env, FLASH_TTS_MANIFESTS_DIR: join(dir, 'manifests') };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const importFrom = (from: string, modelsDir: string) =>
    run(process.execPath, [CLI, 'models', 'import', NAME, '--from', from, '--models-dir', modelsDir], { env });

  it('refuses a folder with an altered file, naming it, and installs nothing', async () => {
    const altered = join(dir, 'altered');
    await cp(source, altered, { recursive: true });
    await appendFile(join(altered, 'model.onnx.json'), ' ');
    const modelsDir = join(dir, 'refused');
    await expect(importFrom(altered, modelsDir)).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /model\.onnx\.json in .* has \d+ bytes, the manifest of piper-en_US-import-medium says \d+; nothing was installed/,
      ),
    });
    await writeFile(join(altered, 'model.onnx.json'), readFileSync(join(source, 'model.onnx.json')));
    const onnx = readFileSync(join(altered, 'model.onnx'));
    onnx.writeUInt8((onnx.at(-1) as number) ^ 1, onnx.length - 1); // same size, other bytes
    await writeFile(join(altered, 'model.onnx'), onnx);
    await expect(importFrom(altered, modelsDir)).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /model\.onnx in .* has sha256 [0-9a-f]{64}, the manifest .* says [0-9a-f]{64}; nothing was installed/,
      ),
    });
    await rm(join(altered, 'model.onnx'));
    await expect(importFrom(altered, modelsDir)).rejects.toMatchObject({
      stderr: expect.stringContaining('model.onnx is missing from'),
    });
    // --from a folder that is not there, or a file: said so, not "model.onnx is missing".
    await expect(importFrom(join(dir, 'nowhere'), modelsDir)).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /nowhere does not exist: --from names the folder that holds the model's files \(model\.onnx, model\.onnx\.json\)/,
      ),
    });
    await expect(importFrom(join(source, 'model.onnx'), modelsDir)).rejects.toMatchObject({
      stderr: expect.stringMatching(/model\.onnx is a file: --from names the folder/),
    });
    expect(scanInstalled(modelsDir)).toEqual([]);
    expect(existsSync(modelsDir) ? await readdir(modelsDir) : []).toEqual([]);
  });

  it('installs a checked copy the server speaks with, and replaces an installed one', async () => {
    const modelsDir = join(dir, 'installed');
    const first = await importFrom(source, modelsDir);
    expect(first.stdout).toContain(`installed ${NAME}`);
    const record = JSON.parse(readFileSync(join(modelsDir, NAME, INSTALLED_FILE), 'utf8')) as ModelManifest;
    expect(record.files.map((f) => f.path)).toEqual(['model.onnx', 'model.onnx.json']);
    expect(readFileSync(join(modelsDir, NAME, 'model.onnx')).equals(readFileSync(join(source, 'model.onnx')))).toBe(true);
    await importFrom(source, modelsDir);
    expect(await readdir(modelsDir)).toEqual([NAME]); // no staging left behind

    const server = await startServerProcess(['--models-dir', modelsDir]);
    try {
      const res = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'en_US-import-medium', input: 'Hello there.', response_format: 'wav' }),
      });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(44 + 2 * 256);
    } finally {
      await server.stop();
    }
  });

  it('names the models there are when the name is unknown', async () => {
    await expect(
      run(process.execPath, [CLI, 'models', 'import', 'nothing-such', '--from', source, '--models-dir', join(dir, 'x')], { env }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining(`No model is called "nothing-such". Models: ${NAME}`) });
  });
});
