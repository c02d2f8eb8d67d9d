/**
 * Listening with a real speech recogniser: Whisper base (faster-whisper, CPU, int8) in the Python
 * venv that `scripts/fixtures.sh` makes, scored against reference texts through Whisper's English
 * normalizer. Also where the real model fixtures are, and a check that they are there.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(REPO, 'test', 'helpers', 'transcribe.py');

/** The models `scripts/fixtures.sh` imports into {@link REAL_FIXTURES}.modelsDir. */
export const REAL_MODEL_NAMES = ['kokoro-82m-int8', 'kokoro-82m-voices-multilingual', 'piper-en_US-joe-medium'] as const;

/** Name of a model `scripts/fixtures.sh` installs. */
export type RealModelName = (typeof REAL_MODEL_NAMES)[number];

/** Where `scripts/fixtures.sh` puts the real fixtures (all under `.fixtures/` in the repository). */
export const REAL_FIXTURES = {
  /** Installed real models, for `--models-dir` / `FLASH_TTS_MODELS_DIR`. */
  modelsDir: join(REPO, '.fixtures', 'models'),
  /** Whisper base in the CTranslate2 format (`FLASH_TTS_WHISPER_DIR` overrides it). */
  whisperDir: process.env.FLASH_TTS_WHISPER_DIR || join(REPO, '.fixtures', 'whisper-base'),
  /** The venv's Python, which has faster-whisper and whisper-normalizer. */
  python: join(REPO, '.fixtures', 'venv', 'bin', 'python'),
} as const;

/** A word Whisper heard, with its start and end in seconds. */
export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
}

/** What Whisper heard in one file, and how far it is from the reference. */
export interface Transcript {
  /** The recogniser's text as it wrote it. */
  text: string;
  /** The reference after Whisper's English normalizer (lower case, numbers as digits, no punctuation). */
  referenceNormalized: string;
  /** The recognised text after the same normalizer. */
  hypothesisNormalized: string;
  /** Word substitutions + deletions + insertions between the two normalized texts. */
  errors: number;
  /** Words in the normalized reference. */
  wordsInReference: number;
  /** `errors / wordsInReference` (1 for words heard against an empty reference). */
  wer: number;
  /** Each recognised word with its timing; present when `words: true` was asked. */
  words?: TranscriptWord[];
}

/** A file to transcribe and the text it should say. */
export interface TranscribeItem {
  /** Path of the audio: any format FFmpeg reads. */
  audio: string;
  /** What the audio should say. */
  reference: string;
  /** The language spoken in this file, when not the one of the options (Whisper's code). */
  language?: string;
}

/** Options of {@link transcribe}. */
export interface TranscribeOptions {
  /** Also return each recognised word with its start and end. */
  words?: boolean;
  /**
   * After the normalizer, also write clock times and a.m./p.m. one way on both sides ("7 30",
   * "7.30", "730" → "730"; "p m" → "pm"): Whisper writes a spoken time in any of these forms.
   */
  clockTimes?: boolean;
  /** The language spoken (Whisper's code, default `en`); other than English, errors count characters, unnormalized. */
  language?: string;
}

interface RawTranscript {
  text: string;
  reference_normalized: string;
  hypothesis_normalized: string;
  errors: number;
  words_in_reference: number;
  wer: number;
  words?: TranscriptWord[];
}

/**
 * Throws an Error naming every real fixture that is missing (the Python venv, Whisper base, and
 * the installed `models`, all of {@link REAL_MODEL_NAMES} unless given) and how to make them.
 * Tests that listen with Whisper call it first, so a missing fixture fails loudly instead of
 * skipping.
 */
export function requireRealFixtures(models: readonly RealModelName[] = REAL_MODEL_NAMES): void {
  const missing: string[] = [];
  if (!existsSync(REAL_FIXTURES.python)) missing.push(`the Python venv (${REAL_FIXTURES.python})`);
  // Written by scripts/fixtures.sh once the test requirements are installed.
  else if (!existsSync(join(REPO, '.fixtures', 'venv', '.flash-tts-requirements-test'))) {
    missing.push('faster-whisper and whisper-normalizer in the venv (scripts/requirements-test.txt was not installed)');
  }
  for (const file of ['model.bin', 'config.json', 'tokenizer.json', 'vocabulary.txt']) {
    const path = join(REAL_FIXTURES.whisperDir, file);
    if (!existsSync(path)) missing.push(`Whisper base's ${file} (${path})`);
  }
  for (const name of models) {
    const path = join(REAL_FIXTURES.modelsDir, name, 'installed.json');
    if (!existsSync(path)) missing.push(`the model ${name} (${path})`);
  }
  if (missing.length > 0) {
    throw new Error(`Real fixtures are missing: ${missing.join('; ')}. Run scripts/fixtures.sh (it downloads and checks them).`);
  }
}

/**
 * Transcribes every item with Whisper base, loading the model once, and scores each against its
 * reference. Results come in the order of `items`. Rejects with the recogniser's error output
 * when it fails (a file it cannot decode, a missing fixture).
 */
export async function transcribe(items: readonly TranscribeItem[], options: TranscribeOptions = {}): Promise<Transcript[]> {
  if (items.length === 0) return [];
  if (!existsSync(REAL_FIXTURES.python)) {
    throw new Error(`No Python venv at ${REAL_FIXTURES.python}: run scripts/fixtures.sh to make it.`);
  }
  const args = [
    SCRIPT,
    ...(options.words ? ['--words'] : []),
    ...(options.clockTimes ? ['--clock-times'] : []),
    ...(options.language ? ['--language', options.language] : []),
  ];
  const child = spawn(REAL_FIXTURES.python, args, {
    env: { ...process.env, FLASH_TTS_WHISPER_DIR: REAL_FIXTURES.whisperDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  // A recogniser that dies early closes its stdin; the exit code then tells what happened.
  child.stdin.on('error', () => {});
  child.stdin.end(JSON.stringify(items.map(({ audio, reference, language }) => ({ audio, reference, language }))));
  const code = await exit;
  if (code !== 0) {
    throw new Error(`transcribe.py exited with ${code}:\n${Buffer.concat(stderr).toString().trim()}`);
  }
  const raw = JSON.parse(Buffer.concat(stdout).toString()) as RawTranscript[];
  if (!Array.isArray(raw) || raw.length !== items.length) {
    throw new Error(`transcribe.py returned ${Array.isArray(raw) ? raw.length : 'no'} results for ${items.length} files`);
  }
  return raw.map((r) => {
    const transcript: Transcript = {
      text: r.text,
      referenceNormalized: r.reference_normalized,
      hypothesisNormalized: r.hypothesis_normalized,
      errors: r.errors,
      wordsInReference: r.words_in_reference,
      wer: r.wer,
    };
    if (r.words) transcript.words = r.words;
    return transcript;
  });
}

/** Word error rate over several transcripts: all their errors over all their reference words. */
export function totalWer(transcripts: readonly Transcript[]): number {
  const words = transcripts.reduce((n, t) => n + t.wordsInReference, 0);
  const errors = transcripts.reduce((n, t) => n + t.errors, 0);
  return words === 0 ? (errors > 0 ? 1 : 0) : errors / words;
}
