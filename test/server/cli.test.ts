import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { decodeAudio, transcribe } from '../helpers/audio.js';
import { startServerProcess } from '../helpers/server.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

describe('flash-tts say', () => {
  it('writes speech in the format of the file name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flash-tts-cli-'));
    try {
      const out = join(dir, 'out.flac');
      await run(process.execPath, [CLI, 'say', 'Please call me tomorrow morning.', '-o', out, '--voice', 'male']);
      const bytes = new Uint8Array(await readFile(out));
      const audio = await decodeAudio(bytes, 'flac');
      expect(audio.codec).toBe('flac');
      expect(audio.duration).toBeGreaterThan(1);
      expect(await transcribe(bytes, 'flac')).toMatch(/tomorrow/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes Ogg Opus to a .ogg file, and refuses an extension it cannot tell the format from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flash-tts-cli-'));
    try {
      const out = join(dir, 'out.ogg');
      await run(process.execPath, [CLI, 'say', 'Hello there.', '-o', out]);
      expect((await decodeAudio(new Uint8Array(await readFile(out)), 'opus')).codec).toBe('opus');
      await expect(run(process.execPath, [CLI, 'say', 'Hello there.', '-o', join(dir, 'out.m4a')])).rejects.toMatchObject({
        stderr: expect.stringMatching(/cannot tell the audio format from "\.m4a": name the file \.mp3, .*or give --format/),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a bad flag value and an empty text as the command line gives them', async () => {
    await expect(run(process.execPath, [CLI, 'say', 'hi', '-o', '/dev/null', '--speed', 'fast'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/speed must be a number such as 1\.25, not "fast"/),
    });
    await expect(run(process.execPath, [CLI, 'say', ' ', '-o', '/dev/null'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/<text> is empty/),
    });
  });

  it('fails with a message naming the valid voices', async () => {
    await expect(run(process.execPath, [CLI, 'say', 'hi', '-o', '/dev/null', '--voice', 'nobody'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/No voice is called "nobody". Valid voices: female, male/),
    });
  });
});

describe('flash-tts models list', () => {
  it('gives each model its size, and says so where the publisher gives none instead of printing 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flash-tts-cli-models-'));
    try {
      const { stdout } = await run(process.execPath, [CLI, 'models', 'list', '--models-dir', dir]);
      const line = (name: string): string => stdout.split('\n').find((l) => l.trim().startsWith(name)) ?? '';
      expect(line('kokoro-82m-int8 ')).toMatch(/ \d+\.\d MB /);
      // Piper's Amy lists her files without sizes.
      expect(line('piper-en_US-amy-low')).toMatch(/ unknown /);
      expect(stdout).not.toMatch(/ 0\.0 MB/);
      expect(stdout).toContain(`installed in ${dir}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('flash-tts serve with settings it cannot honour', () => {
  it('says so at start: a models folder that is not there, a default engine that is not installed', async () => {
    const server = await startServerProcess(['--workers', '1'], {
      FLASH_TTS_MODELS_DIR: '/nonexistent/flash-tts-models',
      FLASH_TTS_DEFAULT_ENGINE: 'kokoro',
    });
    try {
      const logs = server.logs();
      expect(logs).toMatch(/"level":40.*the models folder does not exist: only the embedded engine speaks/);
      expect(logs).toMatch(/"level":40.*the default engine kokoro is not installed: the roles speak with flite/);
    } finally {
      await server.stop();
    }
  });

  it('refuses a setting no request could use, before it starts', async () => {
    await expect(
      run(process.execPath, [CLI, 'serve', '--port', '0'], { env: { ...process.env, FLASH_TTS_SAMPLE_RATE: '12345' } }),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/FLASH_TTS_SAMPLE_RATE\) must be one of 8000, 16000/) });
  });
});
