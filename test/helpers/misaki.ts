/**
 * The reference front end: misaki (the G2P Kokoro-82M was trained with) in the fixtures venv, run
 * by `misaki-reference.py`. Used to measure how often our front ends write the same phonemes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REAL_FIXTURES } from './whisper.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(REPO, 'test', 'helpers', 'misaki-reference.py');

/** misaki's phonemes for each text (`language`: a misaki language the script knows, e.g. `zh`). */
export async function misakiPhonemes(language: string, texts: readonly string[]): Promise<string[]> {
  if (!existsSync(REAL_FIXTURES.python)) {
    throw new Error(`${REAL_FIXTURES.python} is missing: run scripts/fixtures.sh (it installs misaki[zh] into .fixtures/venv)`);
  }
  const child = spawn(REAL_FIXTURES.python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(JSON.stringify({ language, texts }));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`misaki-reference.py failed (${code}): ${stderr.slice(-2000)} — run scripts/fixtures.sh`);
  return JSON.parse(stdout) as string[];
}

/** A sentence of a comparison list: its class (news, dialogue, numbers…) and text. */
export interface ClassedSentence {
  kind: string;
  text: string;
}

/** Reads a `class<TAB>sentence` list (lines starting with # are comments). */
export function readSentenceList(path: string): ClassedSentence[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [kind = '', text = ''] = line.split('\t');
      return { kind, text: text.trim() };
    });
}

/** Share of identical pairs, overall and per class. */
export function agreement(
  sentences: readonly ClassedSentence[],
  ours: readonly string[],
  theirs: readonly string[],
): { overall: number; byClass: Map<string, { same: number; total: number }>; differing: number[] } {
  const byClass = new Map<string, { same: number; total: number }>();
  const differing: number[] = [];
  sentences.forEach((s, i) => {
    const entry = byClass.get(s.kind) ?? { same: 0, total: 0 };
    entry.total++;
    if (ours[i] === theirs[i]) entry.same++;
    else differing.push(i);
    byClass.set(s.kind, entry);
  });
  return { overall: (sentences.length - differing.length) / sentences.length, byClass, differing };
}
