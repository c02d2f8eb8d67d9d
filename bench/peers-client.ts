/**
 * Runs bench/peers.py (the Python peers on the same weights: kokoro-onnx, piper-tts) in the
 * fixtures venv and returns its timings. See peers.py for the job format.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REAL_FIXTURES } from '../test/helpers/whisper.js';

const PEERS = fileURLToPath(new URL('./peers.py', import.meta.url));

export interface PeerItem {
  engine: 'kokoro' | 'piper';
  voice: string;
  lang: string;
  text: string;
  /** Where the WAV is written. */
  out: string;
}

export interface PeerJob {
  threads: number;
  kokoro?: { model: string; voices_dir: string };
  piper?: { model: string; config: string };
  items: PeerItem[];
}

/** Per item, in order: synthesis wall time and audio length, in seconds. */
export interface PeerResult {
  out: string;
  seconds: number;
  audio_seconds: number;
}

export async function runPeers(job: PeerJob): Promise<PeerResult[]> {
  const child = spawn(REAL_FIXTURES.python, [PEERS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stdout: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(JSON.stringify(job));
  const code = await exit;
  if (code !== 0) throw new Error(`bench/peers.py exited with ${code}`);
  return JSON.parse(Buffer.concat(stdout).toString()) as PeerResult[];
}
