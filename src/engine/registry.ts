/** The engines this build can load inside a worker, by id. */
import { createFliteEngine } from './flite/flite-engine.js';
import type { Engine } from './types.js';

/** Factories of every known engine. Later engines (Kokoro, Piper, Pocket-TTS) register here. */
export const ENGINE_FACTORIES: Readonly<Record<string, () => Promise<Engine>>> = {
  flite: createFliteEngine,
};
