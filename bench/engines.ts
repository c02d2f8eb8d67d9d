/**
 * Neural engine benchmark: for every installed model (FLASH_TTS_MODELS_DIR or the package's
 * models/), and for synthetic graphs with the real signatures (`--synthetic`, what CI runs),
 * prints the first-fragment latency and the realtime factor of the engine alone, one thread; for
 * Pocket-TTS also the cost of encoding a reference against reusing a saved speaker.
 * Run: npm run bench:engines [-- --synthetic]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickKokoro } from '../src/engine/engine-selection.js';
import { createFliteEngine } from '../src/engine/flite/flite-engine.js';
import { createKokoroEngine } from '../src/engine/kokoro/kokoro-engine.js';
import { createPiperEngine } from '../src/engine/piper/piper-engine.js';
import { createPocketEngine } from '../src/engine/pocket/pocket-engine.js';
import { planSegments } from '../src/engine/speech-stream.js';
import type { Engine } from '../src/engine/types.js';
import { defaultModelsDir, type InstalledModel, scanInstalled } from '../src/models/manifest.js';
import { SpeakerStore } from '../src/speakers/speaker-store.js';
import { installSyntheticKokoro, installSyntheticPiper } from '../test/helpers/synthetic-models.js';
import { installSyntheticPocket } from '../test/helpers/synthetic-pocket.js';

const PARAGRAPH =
  'Streaming speech starts with a short first fragment, so the listener hears something at once. ' +
  'Then the rest of the text follows sentence by sentence, while the next sentence is already being synthesized.';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(label: string, engine: Engine, voice: string): Promise<void> {
  const never = new AbortController().signal;
  const run = async (text: string): Promise<{ ms: number; firstMs: number; seconds: number }> => {
    const t = performance.now();
    let seconds = 0;
    let firstMs = 0;
    for await (const chunk of engine.synthesize({ text, voice, speed: 1 }, never)) {
      if (seconds === 0) firstMs = performance.now() - t;
      seconds += chunk.pcm.length / (chunk.sampleRate ?? engine.info.sampleRate);
    }
    return { ms: performance.now() - t, firstMs, seconds };
  };
  const segments = planSegments(PARAGRAPH);
  const first = segments[0]?.spoken ?? PARAGRAPH;
  await run(first); // warm up
  const firstMs: number[] = [];
  const firstAudioMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await run(first);
    firstMs.push(r.ms);
    firstAudioMs.push(r.firstMs);
  }
  let ms = 0;
  let seconds = 0;
  for (const s of segments) {
    const r = await run(s.spoken);
    ms += r.ms;
    seconds += r.seconds;
  }
  console.log(
    `   ${label.padEnd(40)} first fragment ${median(firstMs).toFixed(1).padStart(7)} ms (first audio ${median(firstAudioMs).toFixed(1)} ms)   ${(seconds / (ms / 1000)).toFixed(1).padStart(7)}x realtime`,
  );
}

/** Cloning: encoding a reference vs reusing a saved speaker's embedding, then speaking with it. */
async function benchCloning(model: InstalledModel): Promise<void> {
  const engine = await createPocketEngine(model);
  const reference = Float32Array.from({ length: 24000 * 10 }, (_, i) => 0.3 * Math.sin(i / 20) * Math.sin(i / 3000));
  await engine.embedReference(reference); // warm up
  const encodeMs: number[] = [];
  let embedding = await engine.embedReference(reference);
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    embedding = await engine.embedReference(reference);
    encodeMs.push(performance.now() - t);
  }
  const dir = mkdtempSync(join(tmpdir(), 'flash-tts-bench-voice-'));
  try {
    const store = await SpeakerStore.open(dir);
    const digest = await store.saveEmbedding('pocket-tts', embedding);
    const reuseMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await store.readEmbedding('pocket-tts', digest);
      reuseMs.push(performance.now() - t);
    }
    console.log(
      `   ${'pocket-tts: encode a 10 s reference'.padEnd(40)} ${median(encodeMs).toFixed(1).padStart(7)} ms   vs reusing a saved speaker ${median(reuseMs).toFixed(2)} ms`,
    );
    await measure(`pocket-tts (${model.name}, cloned voice)`, engine, store.embeddingPath('pocket-tts', digest));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchModels(models: InstalledModel[]): Promise<void> {
  const kokoro = pickKokoro(models);
  if (kokoro) {
    const engine = await createKokoroEngine(
      kokoro,
      {},
      models.filter((m) => m.engine === 'kokoro'),
    );
    const voice = engine.info.voices.find((v) => v.id === 'af_heart')?.id ?? (engine.info.voices[0]?.id as string);
    await measure(`kokoro (${kokoro.name}, ${voice})`, engine, voice);
  }
  const piper = models.filter((m) => m.engine === 'piper');
  if (piper.length > 0) {
    const engine = await createPiperEngine(piper);
    for (const v of engine.info.voices.filter((v) => !v.id.includes(':'))) await measure(`piper (${v.id})`, engine, v.id);
  }
  const pocket = models.find((m) => m.engine === 'pocket-tts');
  if (pocket) await benchCloning(pocket);
}

async function main(): Promise<void> {
  const synthetic = process.argv.includes('--synthetic');
  console.log(
    'Engines alone, one thread (first fragment whole and its first audio chunk: median of 5; realtime factor over a paragraph)',
  );
  await measure('flite (embedded, slt)', await createFliteEngine(), 'slt');
  if (synthetic) {
    const dir = mkdtempSync(join(tmpdir(), 'flash-tts-bench-'));
    try {
      installSyntheticKokoro(dir);
      installSyntheticPiper(dir, { voice: 'en_US-synthetic-medium' });
      installSyntheticPocket(dir);
      console.log('  synthetic graphs (real signatures, trivial arithmetic: measures the front end and ONNX overhead)');
      await benchModels(scanInstalled(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const dir = defaultModelsDir();
  const installed = scanInstalled(dir);
  if (installed.length === 0) console.log(`   no models installed in ${dir} (flash-tts models pull …; or --synthetic)`);
  await benchModels(installed);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
