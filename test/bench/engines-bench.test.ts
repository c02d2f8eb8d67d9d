/** The engine benchmark runs in CI on the synthetic graphs, so users with real weights can trust it runs. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const run = promisify(execFile);
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const BENCH = fileURLToPath(new URL('../../bench/engines.ts', import.meta.url));

describe('bench/engines.ts --synthetic', () => {
  it('measures Flite, Kokoro, Piper and Pocket-TTS cloning and prints their figures', async () => {
    const { stdout } = await run(process.execPath, [TSX, BENCH, '--synthetic'], { timeout: 120_000 });
    expect(stdout).toMatch(/pocket-tts: encode a 10 s reference +[\d.]+ ms +vs reusing a saved speaker [\d.]+ ms/);
    for (const engine of [
      'flite (embedded, slt)',
      'kokoro (kokoro-82m-int8, af_heart)',
      'piper (en_US-synthetic-medium)',
      'pocket-tts (pocket-tts-int8, cloned voice)',
    ]) {
      expect(stdout).toMatch(
        new RegExp(
          `${engine.replace(/[()]/g, '\\$&')} +first fragment +[\\d.]+ ms \\(first audio [\\d.]+ ms\\) +[\\d.]+x realtime`,
        ),
      );
    }
  });
});
