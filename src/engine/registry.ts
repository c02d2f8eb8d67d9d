/**
 * The engines this build can load inside a worker, by id. Each engine's module is imported only
 * when it is created: the neural front ends load a pronunciation dictionary and onnxruntime (about
 * 0.6 s each), which a worker that speaks only with Flite should not pay for at start.
 */
import type { InstalledModel } from '../models/manifest.js';
import { pickKokoro } from './engine-selection.js';
import type { OnnxOptions } from './onnx/ort.js';
import type { Engine, EngineId } from './types.js';

/** What an engine is created from. */
export interface EngineContext {
  /** Installed models (each engine takes its own). */
  models: readonly InstalledModel[];
  onnx: Partial<OnnxOptions>;
}

/** Factories of every known engine. */
export const ENGINE_FACTORIES: Readonly<Record<EngineId, (context: EngineContext) => Promise<Engine>>> = {
  flite: async () => (await import('./flite/flite-engine.js')).createFliteEngine(),
  kokoro: async (context) => {
    const model = pickKokoro(context.models);
    if (!model) throw new Error('no Kokoro graph is installed (pull kokoro-82m-int8, -fp16 or -fp32)');
    const { createKokoroEngine } = await import('./kokoro/kokoro-engine.js');
    return createKokoroEngine(
      model,
      context.onnx,
      context.models.filter((m) => m.engine === 'kokoro'),
    );
  },
  'pocket-tts': async (context) => {
    const model = context.models.find((m) => m.engine === 'pocket-tts');
    if (!model) throw new Error('the Pocket-TTS model is not installed (flash-tts models pull pocket-tts-int8)');
    const { createPocketEngine } = await import('./pocket/pocket-engine.js');
    return createPocketEngine(model, context.onnx);
  },
  piper: async (context) => {
    const { createPiperEngine } = await import('./piper/piper-engine.js');
    return createPiperEngine(
      context.models.filter((m) => m.engine === 'piper'),
      context.onnx,
    );
  },
};
