/**
 * The real-weights server of the test/real files: the built server on port 0 over the fixtures'
 * models (2 workers × 1 ONNX thread), with a scratch folder, started before the file's tests and
 * stopped after them. Fails with the fixtures command when a model is missing (never skips).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import { type ServerProcess, startServerProcess } from './server.js';
import { REAL_FIXTURES, type RealModelName, requireRealFixtures } from './whisper.js';

export interface RealServer {
  /** The running server (set once `beforeAll` ran). */
  readonly server: ServerProcess;
  /** A scratch folder for the file's audio. */
  readonly dir: string;
}

/** Registers the file's real server; `models` are the fixtures it needs (default: every one). */
export function useRealServer(prefix: string, models?: readonly RealModelName[]): RealServer {
  const state: { server?: ServerProcess; dir?: string } = {};
  beforeAll(async () => {
    requireRealFixtures(models);
    state.dir = await mkdtemp(join(tmpdir(), `flash-tts-${prefix}-`));
    state.server = await startServerProcess(
      ['--models-dir', REAL_FIXTURES.modelsDir, '--workers', '2', '--onnx-threads', '1'],
      {},
      100_000,
    );
  }, 120_000);
  afterAll(async () => {
    await state.server?.stop();
    if (state.dir) await rm(state.dir, { recursive: true, force: true });
  });
  return {
    get server() {
      if (!state.server) throw new Error('the real server is not started (use it inside a test)');
      return state.server;
    },
    get dir() {
      if (!state.dir) throw new Error('the real server is not started (use it inside a test)');
      return state.dir;
    },
  };
}
