/**
 * AAC (ADTS) output through ffmpeg's native AAC encoder, run as a child process: no JavaScript or
 * WASM AAC-LC encoder of sound quality and licence exists, while ffmpeg is everywhere (and ships
 * inside the optional @ffmpeg-installer/ffmpeg package).
 *
 * ADTS cannot say how many priming samples the encoder put in front (1024), so decoders play them.
 * To keep the decoded duration within half a frame of the true one (11 ms at 48 kHz), the input's
 * end is cut to a whole AAC frame, one frame shorter when that is nearer: the priming then takes
 * the place of trailing silence.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { type AudioEncoder, type EncoderOptions, EncoderUnavailableError } from './encoder.js';

const require = createRequire(import.meta.url);
const AAC_FRAME = 1024;

let cachedPath: string | null | undefined;

/**
 * Where ffmpeg is: `FLASH_TTS_FFMPEG`, else the @ffmpeg-installer/ffmpeg binary, else `ffmpeg` on
 * PATH; null when none runs.
 */
export function findFfmpeg(): string | null {
  if (cachedPath !== undefined) return cachedPath;
  const candidates: string[] = [];
  if (process.env.FLASH_TTS_FFMPEG) candidates.push(process.env.FLASH_TTS_FFMPEG);
  try {
    candidates.push((require('@ffmpeg-installer/ffmpeg') as { path: string }).path);
  } catch {
    // optional dependency not installed on this platform
  }
  candidates.push('ffmpeg');
  cachedPath = candidates.find((c) => spawnSync(c, ['-hide_banner', '-version'], { stdio: 'ignore' }).status === 0) ?? null;
  return cachedPath;
}

/** AAC encoder; throws {@link EncoderUnavailableError} when no ffmpeg can be found. */
export function createAacEncoder(options: EncoderOptions): AudioEncoder {
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) {
    throw new EncoderUnavailableError(
      'AAC output needs ffmpeg: install it (apt install ffmpeg) or set FLASH_TTS_FFMPEG to its path, or ask for another response_format.',
    );
  }
  const { sampleRate, channels, onData } = options;
  const child = spawn(
    ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'f32le',
      '-ar',
      String(sampleRate),
      '-ac',
      String(channels),
      '-i',
      'pipe:0',
    ].concat(['-c:a', 'aac', '-b:a', channels === 1 ? '64k' : '128k', '-f', 'adts', 'pipe:1']),
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let destroyed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (!destroyed) onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.on('error', () => {
    // the exit code below reports what went wrong
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  // The last whole frame is held back too, so that end() can still decide to drop it.
  let held = new Float32Array(0);
  let lastFrame = new Float32Array(0);
  let sentFrames = 0;
  let dropLastFrame = false;
  const send = (pcm: Float32Array): void => {
    if (pcm.length === 0) return;
    sentFrames += pcm.length / channels;
    child.stdin.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  };
  const flushLast = (): void => {
    if (!dropLastFrame) send(lastFrame);
    lastFrame = new Float32Array(0);
  };
  return {
    write(pcm) {
      const joined = new Float32Array(held.length + pcm.length);
      joined.set(held);
      joined.set(pcm, held.length);
      const keep = ((joined.length / channels) % AAC_FRAME) * channels;
      const whole = joined.subarray(0, joined.length - keep);
      held = joined.slice(joined.length - keep);
      if (whole.length === 0) return;
      send(lastFrame);
      const frameLength = AAC_FRAME * channels;
      send(whole.subarray(0, whole.length - frameLength));
      lastFrame = whole.slice(whole.length - frameLength);
    },
    async end() {
      // `held` is under a frame; dropping one more whole frame is nearer when held is under half.
      const heldFrames = held.length / channels;
      if (heldFrames < AAC_FRAME / 2 && sentFrames >= 2 * AAC_FRAME) dropLastFrame = true;
      flushLast();
      child.stdin.end();
      const code = await exited;
      if (code !== 0 && !destroyed) throw new Error(`ffmpeg AAC encoder failed (exit ${code}): ${stderr.trim()}`);
    },
    destroy() {
      destroyed = true;
      child.kill('SIGKILL');
    },
  };
}
