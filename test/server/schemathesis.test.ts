/**
 * schemathesis (PyPI) fuzzes every operation of GET /openapi.json against the real server and
 * must find no server error (5xx): whatever a client sends, the answer is a 4xx that says what to
 * change, or the audio. Needs the test venv (scripts/fixtures.sh); without it the test is skipped
 * and says why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pythonMissing, runPython } from '../helpers/python.js';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';

const missing = pythonMissing();
if (missing) console.warn(`Skipping schemathesis: ${missing}`);
const describeWithPython = missing ? describe.skip : describe;

describeWithPython('schemathesis against /openapi.json', () => {
  let server: ServerProcess;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-schemathesis-'));
    // Short texts keep each fuzzed synthesis short on a small machine.
    server = await startServerProcess(['--workers', '1', '--speakers-dir', join(dir, 'speakers')], {
      FLASH_TTS_MAX_TEXT_CHARS: '200',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds no server error in any operation', async () => {
    const result = await runPython(
      [
        '-m',
        'schemathesis.cli',
        'run',
        `${server.url}/openapi.json`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        '10',
        '--max-time',
        '100',
        '--request-timeout',
        '30',
        '--seed',
        '1',
        '--no-color',
      ],
      { cwd: dir, timeoutMs: 200_000 },
    );
    const failures = result.stdout.slice(result.stdout.indexOf('FAILURES'));
    const serverLog = server
      .logs()
      .split('\n')
      .filter((line) => line.includes('"request failed"'))
      .slice(0, 3)
      .join('\n');
    expect([result.code, result.code === 0 ? '' : `${failures}\n${result.stderr}\n${serverLog}`]).toEqual([0, '']);
    expect(result.stdout).toMatch(/Tested: 1[0-9]/);
  }, 240_000);
});
