/**
 * Python clients the HTTP tests run (the OpenAI SDK, requests, schemathesis): they live in the venv
 * that `scripts/fixtures.sh` makes from scripts/requirements-test.txt. `FLASH_TTS_TEST_PYTHON`
 * points at another interpreter that has them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REAL_FIXTURES } from './whisper.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The interpreter with the test requirements. */
export const TEST_PYTHON: string = process.env.FLASH_TTS_TEST_PYTHON || REAL_FIXTURES.python;

/** The original service's client guide, beside the repository (shared/client-guide.md). */
export const CLIENT_GUIDE: string = process.env.FLASH_TTS_CLIENT_GUIDE || join(REPO, '..', 'shared', 'client-guide.md');

/** Why the Python client tests cannot run here, or undefined when they can. */
export function pythonMissing(): string | undefined {
  if (!existsSync(TEST_PYTHON)) {
    return `No Python venv at ${TEST_PYTHON}: run scripts/fixtures.sh (it installs scripts/requirements-test.txt), or set FLASH_TTS_TEST_PYTHON.`;
  }
  return undefined;
}

/** What a Python run printed, and how it ended. */
export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `python args…` in `cwd`, failing after `timeoutMs` (the child is killed). */
export async function runPython(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<PythonRun> {
  const child = spawn(TEST_PYTHON, args, {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`python ${args.join(' ')}: not done within ${timeoutMs} ms\n${Buffer.concat(stderr).toString()}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  return { code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
}
