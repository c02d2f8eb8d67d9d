/** The engines this build can load inside a worker, by id. */
import type { InstalledModel } from '../models/manifest.js';
import { createFliteEngine } from './flite/flite-engine.js';
import { createKokoroEngine } from './kokoro/kokoro-engine.js';
import type { OnnxOptions } from './onnx/ort.js';
import { createPiperEngine } from './piper/piper-engine.js';
import { createPocketEngine } from './pocket/pocket-engine.js';
import type { Engine } from './types.js';

/** What an engine is created from. */
export interface EngineContext {
  /** Installed models (each engine takes its own). */
  models: readonly InstalledModel[];
  onnx: Partial<OnnxOptions>;
}

/** Kokoro variants, preferred first when several are installed (int8 is the fastest on CPUs). */
export const KOKORO_PREFERENCE = ['kokoro-82m-int8', 'kokoro-82m-fp16', 'kokoro-82m-fp32'];

/** The Kokoro model to load among the installed ones. */
export function pickKokoro(models: readonly InstalledModel[]): InstalledModel | undefined {
  // Voice packs have no graph.
  const kokoro = models.filter((m) => m.engine === 'kokoro' && m.manifest.files.some((f) => f.path === 'model.onnx'));
  const rank = (m: InstalledModel): number => {
    const i = KOKORO_PREFERENCE.indexOf(m.name);
    return i < 0 ? KOKORO_PREFERENCE.length : i;
  };
  return kokoro.sort((a, b) => rank(a) - rank(b))[0];
}

/** Factories of every known engine. */
export const ENGINE_FACTORIES: Readonly<Record<string, (context: EngineContext) => Promise<Engine>>> = {
  flite: () => createFliteEngine(),
  kokoro: (context) => {
    const model = pickKokoro(context.models);
    if (!model) throw new Error('no Kokoro graph is installed (pull kokoro-82m-int8, -fp16 or -fp32)');
    return createKokoroEngine(
      model,
      context.onnx,
      context.models.filter((m) => m.engine === 'kokoro'),
    );
  },
  'pocket-tts': (context) => {
    const model = context.models.find((m) => m.engine === 'pocket-tts');
    if (!model) throw new Error('the Pocket-TTS model is not installed (flash-tts models pull pocket-tts-int8)');
    return createPocketEngine(model, context.onnx);
  },
  piper: (context) =>
    createPiperEngine(
      context.models.filter((m) => m.engine === 'piper'),
      context.onnx,
    ),
};

/** The engines to load for a set of installed models (Flite always). */
export function enginesFor(models: readonly InstalledModel[]): string[] {
  const engines = ['flite'];
  if (pickKokoro(models)) engines.push('kokoro');
  if (models.some((m) => m.engine === 'piper')) engines.push('piper');
  if (models.some((m) => m.engine === 'pocket-tts')) engines.push('pocket-tts');
  return engines;
}
