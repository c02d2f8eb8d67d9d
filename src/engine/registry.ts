/** The engines this build can load inside a worker, by id. */
import type { InstalledModel } from '../models/manifest.js';
import { pickKokoro } from './engine-selection.js';
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
