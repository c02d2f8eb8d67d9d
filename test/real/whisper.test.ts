/**
 * The recogniser the real-model tests listen with: Whisper base hears the embedded Flite voice of
 * the built server say a known sentence, and does not hear that sentence in noise or silence.
 * Needs the fixtures of scripts/fixtures.sh (fails, naming what is missing, without them).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';
import { requireRealFixtures, totalWer, transcribe } from '../helpers/whisper.js';

const SENTENCE = 'Please call me back tomorrow morning, the meeting moved to half past ten.';

/** A 16-bit mono WAV of `samples` (-1..1) at `rate`. */
function wav(samples: Float32Array, rate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (const [i, s] of samples.entries()) data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, s)) * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** `seconds` of white noise from a fixed seed (the same file every run). */
function noise(seconds: number, rate: number): Float32Array {
  let state = 12345;
  return Float32Array.from({ length: Math.round(seconds * rate) }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 0xffffffff - 0.5) * 0.6;
  });
}

describe('Whisper base as the tests’ listener', () => {
  let server: ServerProcess;
  let dir: string;
  beforeAll(async () => {
    requireRealFixtures([]);
    dir = await mkdtemp(join(tmpdir(), 'flash-tts-whisper-'));
    // An empty models folder: the embedded Flite engine speaks, whatever is installed elsewhere.
    server = await startServerProcess(['--workers', '1'], { FLASH_TTS_MODELS_DIR: dir });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hears a sentence the server speaks, and not that sentence in noise or silence', async () => {
    const res = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: SENTENCE, response_format: 'wav', stream: false }),
    });
    expect(res.status).toBe(200);
    const speech = join(dir, 'speech.wav');
    await writeFile(speech, new Uint8Array(await res.arrayBuffer()));
    const hiss = join(dir, 'noise.wav');
    await writeFile(hiss, wav(noise(4, 16000), 16000));
    const quiet = join(dir, 'silence.wav');
    await writeFile(quiet, wav(new Float32Array(16000 * 3), 16000));

    const [spoken, heardInNoise, heardInSilence] = await transcribe(
      [
        { audio: speech, reference: SENTENCE },
        { audio: hiss, reference: SENTENCE },
        { audio: quiet, reference: SENTENCE },
      ],
      { words: true },
    );
    expect(spoken?.wer).toBeLessThan(0.3);
    expect(spoken?.hypothesisNormalized).toContain('tomorrow morning');
    // Word timings rise through the sentence and end within the audio.
    const words = spoken?.words ?? [];
    expect(words.length).toBeGreaterThan(8);
    expect(words.every((w, i) => w.end >= w.start && (i === 0 || w.start >= (words[i - 1]?.start ?? 0)))).toBe(true);
    expect(heardInNoise?.wer).toBeGreaterThan(0.8);
    expect(heardInSilence?.wer).toBeGreaterThan(0.8);
    expect(totalWer([heardInNoise, heardInSilence].filter((t) => t !== undefined))).toBeGreaterThan(0.8);
  });
});
