/**
 * `@flash-tts/client` as a user gets it: packed with `npm pack`, installed from the tarball into an
 * empty project offline (from npm's cache, no registry), and its example run against the real
 * server. The install must bring no engine and no required native build.
 *
 * npm's cache holds the tarballs `npm ci` fetched but not the registry's package listings, so the
 * empty project gets a lockfile: the tarball, plus the client's dependency closure pinned as in this
 * repository's lock (name, version, integrity). `npm ci --offline` then installs from the cache.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';

const run = promisify(execFile);
const CLIENT_DIR = join(process.cwd(), 'packages/client');
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  optional?: boolean;
  hasInstallScript?: boolean;
  [key: string]: unknown;
}

/** A lockfile for a project depending on `tarball` alone, its dependencies pinned from the repository's lock. */
function lockFor(
  tarball: string,
  fileSpec: string,
  manifest: { name: string; version: string; dependencies: Record<string, string> },
) {
  const root = JSON.parse(readFileSync(join(process.cwd(), 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'pack-test-app', dependencies: { [manifest.name]: fileSpec } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: fileSpec,
      integrity,
      dependencies: manifest.dependencies,
    },
  };
  const pending = Object.keys(manifest.dependencies);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    const key = `node_modules/${name}`;
    const entry = root.packages[key];
    if (packages[key] || !entry) continue;
    packages[key] = entry;
    pending.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}));
  }
  return { name: 'pack-test-app', lockfileVersion: 3, requires: true, packages };
}

/** Every installed package under node_modules (scoped ones as `@scope/name`). */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const inner of readdirSync(join(nodeModules, entry))) names.push(`${entry}/${inner}`);
    else names.push(entry);
  }
  return names;
}

describe('@flash-tts/client from its npm pack tarball', () => {
  let server: ServerProcess;
  let dir: string;
  let app: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flash-tts-client-pack-'));
    app = join(dir, 'app');
    const [started, packed] = await Promise.all([
      startServerProcess(),
      run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: CLIENT_DIR, env: NPM_ENV }),
    ]);
    server = started;
    const tarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]?.filename ?? '');
    const manifest = JSON.parse(readFileSync(join(CLIENT_DIR, 'package.json'), 'utf8')) as Parameters<typeof lockFor>[2];
    const fileSpec = `file:../${basename(tarball)}`;
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'pack-test-app', private: true, type: 'module', dependencies: { [manifest.name]: fileSpec } }),
    );
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockFor(tarball, fileSpec, manifest), null, 2));
    await run('npm', ['ci', '--offline'], { cwd: app, env: NPM_ENV });
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs offline with only pure-JS dependencies: no engine, no required install script', () => {
    const nodeModules = join(app, 'node_modules');
    const installed = installedPackages(nodeModules);
    expect(installed).toContain('@flash-tts/client');
    expect(installed.filter((name) => /onnxruntime|ffmpeg|@discordjs\/opus|sentencepiece/.test(name))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(nodeModules, '@flash-tts/client/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    for (const name of Object.keys(manifest.dependencies)) {
      const scripts = (
        JSON.parse(readFileSync(join(nodeModules, name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }
      ).scripts;
      expect([name, scripts?.install ?? scripts?.postinstall ?? scripts?.preinstall]).toEqual([name, undefined]);
    }
    expect(manifest.peerDependenciesMeta['@discordjs/voice']?.optional).toBe(true);
    expect(existsSync(join(nodeModules, '@flash-tts/client/dist/index.d.ts'))).toBe(true);
  });

  it('runs its example against the real server: realtime PCM with word times, and a WAV over REST', async () => {
    const text = 'Hello from the client package. It has no engine of its own.';
    const example = join(app, 'node_modules/@flash-tts/client/examples/speak.mjs');
    const { stdout } = await run(process.execPath, [example, server.url, text], { cwd: app });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      sample_rate: number;
      bytes: number;
      words: number;
      first_audio_ms: number;
      rest: { bytes: number; riff: string; sample_rate: number };
    };
    expect(result.sample_rate).toBe(24000);
    // ~60 characters of speech: 2 to 8 seconds of 16-bit mono at 24 kHz.
    const seconds = result.bytes / 2 / 24000;
    expect(seconds).toBeGreaterThan(2);
    expect(seconds).toBeLessThan(8);
    expect(result.words).toBeGreaterThanOrEqual(10);
    expect(result.rest).toMatchObject({ riff: 'RIFF', sample_rate: 16000 });
    expect(result.rest.bytes).toBeGreaterThan(2 * 16000 * 2);
  });
});
