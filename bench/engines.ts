/**
 * Neural engine benchmark: for every installed model (FLASH_TTS_MODELS_DIR or the package's
 * models/), and for synthetic graphs with the real signatures (`--synthetic`, what CI runs),
 * prints the first-fragment latency and the realtime factor of the engine alone, one thread.
 * Run: npm run bench:engines [-- --synthetic]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFliteEngine } from '../src/engine/flite/flite-engine.js';
import { createKokoroEngine } from '../src/engine/kokoro/kokoro-engine.js';
import { createPiperEngine } from '../src/engine/piper/piper-engine.js';
import { pickKokoro } from '../src/engine/registry.js';
import { planSegments } from '../src/engine/tts-service.js';
import type { Engine } from '../src/engine/types.js';
import { defaultModelsDir, type InstalledModel, scanInstalled } from '../src/models/manifest.js';
import { installSyntheticKokoro, installSyntheticPiper } from '../test/helpers/synthetic-models.js';

const PARAGRAPH =
  'Streaming speech starts with a short first fragment, so the listener hears something at once. ' +
  'Then the rest of the text follows sentence by sentence, while the next sentence is already being synthesized.';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(label: string, engine: Engine, voice: string): Promise<void> {
  const never = new AbortController().signal;
  const run = async (text: string): Promise<{ ms: number; seconds: number }> => {
    const t = performance.now();
    let seconds = 0;
    for await (const chunk of engine.synthesize({ text, voice, speed: 1 }, never)) {
      seconds += chunk.pcm.length / (chunk.sampleRate ?? engine.info.sampleRate);
    }
    return { ms: performance.now() - t, seconds };
  };
  const segments = planSegments(PARAGRAPH);
  const first = segments[0]?.spoken ?? PARAGRAPH;
  await run(first); // warm up
  const firstMs: number[] = [];
  for (let i = 0; i < 5; i++) firstMs.push((await run(first)).ms);
  let ms = 0;
  let seconds = 0;
  for (const s of segments) {
    const r = await run(s.spoken);
    ms += r.ms;
    seconds += r.seconds;
  }
  console.log(
    `   ${label.padEnd(40)} first fragment ${median(firstMs).toFixed(1).padStart(7)} ms   ${(seconds / (ms / 1000)).toFixed(1).padStart(7)}x realtime`,
  );
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
}

async function main(): Promise<void> {
  const synthetic = process.argv.includes('--synthetic');
  console.log('Engines alone, one thread (first fragment: median of 5; realtime factor over a paragraph)');
  await measure('flite (embedded, slt)', await createFliteEngine(), 'slt');
  if (synthetic) {
    const dir = mkdtempSync(join(tmpdir(), 'flash-tts-bench-'));
    try {
      installSyntheticKokoro(dir);
      installSyntheticPiper(dir, { voice: 'en_US-synthetic-medium' });
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
