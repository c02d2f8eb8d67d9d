/**
 * The Python client (clients/python) against the real built server on port 0: its pytest suite (the
 * client, the Pipecat service in a real Pipecat pipeline, the LiveKit plugin driven as LiveKit's
 * tts_node drives it), pocketsphinx listening to the LiveKit reply, and the README's client snippets
 * (TypeScript, Python, the command line, LiveKit) run as written with the server's URL.
 *
 * Python comes from `.fixtures/venv-clients` (`scripts/fixtures.sh` makes it: pytest, pipecat-ai and
 * livekit-agents at pinned versions). This checkout's `clients/python` is put first on PYTHONPATH, so
 * the code under test is this one whichever checkout the editable install points at.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeAudio, transcribe, wordErrorRate } from '../helpers/audio.js';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';

const REPO = process.cwd();
const PYTHON = join(REPO, '.fixtures', 'venv-clients', 'bin', 'python');
const CLIENT_DIR = join(REPO, 'clients', 'python');
const TMP_ROOT = join(REPO, 'test', '.tmp');
/** What tests/test_livekit.py streams token by token. */
const LIVEKIT_REPLY =
  'Sure! Here is what I found. The weather today is sunny, with a high of twenty one degrees and a light breeze from the west.';

interface Ran {
  code: number;
  output: string;
}

/** Runs a program to its end; resolves with its exit code and stdout + stderr (never rejects on a code). */
function runProgram(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO, env: options.env ?? process.env, timeout: options.timeoutMs, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (error && typeof error.code !== 'number') reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${output}`));
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, output });
      },
    );
  });
}

/** A README snippet marked `<!-- snippet: NAME -->`, with the documented URL replaced by `url`. */
function snippet(name: string, url: string): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
  if (!match?.[1]) throw new Error(`README.md has no snippet "${name}"`);
  expect(match[1]).toContain('http://127.0.0.1:8000');
  return match[1].replaceAll('http://127.0.0.1:8000', url);
}

const pythonEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PYTHONPATH: [CLIENT_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
  PYTHONDONTWRITEBYTECODE: '1',
  ...extra,
});

describe('Python client, Pipecat and LiveKit plugins, README client snippets', () => {
  let server: ServerProcess;
  let tmp: string;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) {
      throw new Error(`${PYTHON} is missing: run scripts/fixtures.sh (it makes .fixtures/venv-clients)`);
    }
    mkdirSync(TMP_ROOT, { recursive: true });
    tmp = mkdtempSync(join(TMP_ROOT, 'python-client-'));
    server = await startServerProcess();
  });

  afterAll(async () => {
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('passes its pytest suite against the server, and the LiveKit reply is heard', async () => {
    const { code, output } = await runProgram(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rs', 'tests'], {
      cwd: CLIENT_DIR,
      env: pythonEnv({ FLASH_TTS_URL: server.url, FLASH_TTS_PYTEST_OUT: tmp }),
      timeoutMs: 110_000,
    });
    if (code !== 0) throw new Error(`pytest exited with ${code}:\n${output}`);
    const summary = /^=*\s*(\d+) passed\b.*$/m.exec(output);
    expect(summary?.[0]).toBeDefined();
    // Nothing skipped (a missing framework would skip its tests) and the LiveKit tests ran.
    expect(summary?.[0]).not.toMatch(/skipped|failed|error/);
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(11);

    const wav = new Uint8Array(readFileSync(join(tmp, 'livekit-stream.wav')));
    const decoded = await decodeAudio(wav, 'wav');
    expect(decoded.sampleRate).toBe(24000);
    const heard = await transcribe(wav, 'wav');
    expect(wordErrorRate(LIVEKIT_REPLY, heard)).toBeLessThan(0.35);
  });

  it('runs the README snippets: TypeScript client, Python client, command line, LiveKit', async () => {
    // TypeScript: the package's built entry stands in for its installed name.
    const entry = join(REPO, 'packages', 'client', 'dist', 'index.js');
    const tsFile = join(tmp, 'ts-client.mjs');
    writeFileSync(tsFile, snippet('ts-client', server.url).replace("'@flash-tts/client'", JSON.stringify(entry)));
    const ts = await runProgram(process.execPath, [tsFile], { timeoutMs: 30_000 });
    expect(ts.code).toBe(0);
    const tsSeconds = Number(/^(\d+\.\d+) s of 24 kHz PCM$/m.exec(ts.output)?.[1]);
    expect(tsSeconds).toBeGreaterThan(1);
    expect(tsSeconds).toBeLessThan(6);

    const py = await runProgram(PYTHON, ['-c', snippet('python-client', server.url)], { env: pythonEnv(), timeoutMs: 30_000 });
    expect(py.code).toBe(0);
    const pyLine = /^(\d+\.\d+) s at 24000 Hz: (.*)$/m.exec(py.output);
    expect(Number(pyLine?.[1])).toBeGreaterThan(0.6);
    expect(pyLine?.[2]?.toLowerCase()).toMatch(/hello.*python/);

    // The command line, split as a shell would (the text is its last, quoted, argument).
    const cli = snippet('cli', server.url).trim();
    const text = /"([^"]+)"$/.exec(cli)?.[1] as string;
    const args = cli
      .slice(0, cli.length - text.length - 2)
      .trim()
      .split(/\s+/);
    expect(args.slice(0, 3)).toEqual(['python', '-m', 'flash_tts_client']);
    const run = await runProgram(PYTHON, [...args.slice(1), text], { cwd: tmp, env: pythonEnv(), timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    expect(run.output.trim().split('\n').at(-1)).toMatch(/^first audio: \d+(\.\d+)? ms$/);
    const out = new Uint8Array(readFileSync(join(tmp, 'out.wav')));
    expect(await transcribe(out, 'wav')).toMatch(/command line/);

    const lk = await runProgram(PYTHON, ['-c', snippet('livekit', server.url)], { env: pythonEnv(), timeoutMs: 30_000 });
    expect(lk.code).toBe(0);
    const lkSeconds = Number(/^(\d+\.\d+) s at 24000 Hz$/m.exec(lk.output)?.[1]);
    expect(lkSeconds).toBeGreaterThan(0.6);
    expect(lkSeconds).toBeLessThan(5);
  });
});
