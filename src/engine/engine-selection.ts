/** Which engines and models to load, from the installed models (no engine code: safe on the main thread). */
import type { InstalledModel } from '../models/manifest.js';
import type { EngineId } from './types.js';

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

/** The engines to load for a set of installed models (Flite always). */
export function enginesFor(models: readonly InstalledModel[]): EngineId[] {
  const engines: EngineId[] = ['flite'];
  if (pickKokoro(models)) engines.push('kokoro');
  if (models.some((m) => m.engine === 'piper')) engines.push('piper');
  if (models.some((m) => m.engine === 'pocket-tts')) engines.push('pocket-tts');
  return engines;
}
