/**
 * Entry point of an engine worker thread. Engines block while they compute (WASM, ONNX
 * `session.run()`), so they live here, never on the main thread; this thread also does the
 * per-segment DSP (pitch, tempo, resampling) so the main thread only moves finished PCM.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Resampler } from '../audio/resampler.js';
import { VoiceEffectsProcessor } from '../audio/voice-effects.js';
import { ENGINE_FACTORIES } from './registry.js';
import type { Engine } from './types.js';
import type { EngineWorkerData, FromWorker, SegmentJob, ToWorker } from './worker-messages.js';

if (!parentPort) throw new Error('engine-worker must run in a worker thread');
const port = parentPort;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function main(): Promise<void> {
  const { engines: ids } = workerData as EngineWorkerData;
  const engines = new Map<string, Engine>();
  for (const id of ids) {
    const factory = ENGINE_FACTORIES[id];
    if (!factory) throw new Error(`unknown engine "${id}"`);
    engines.set(id, await factory());
  }
  const resampler = await Resampler.create();
  const effects = await VoiceEffectsProcessor.create();
  const running = new Map<number, AbortController>();

  const run = async (id: number, job: SegmentJob, signal: AbortSignal): Promise<void> => {
    const engine = engines.get(job.engine);
    if (!engine) throw new Error(`engine "${job.engine}" is not loaded in this worker`);
    const rate = engine.info.sampleRate;
    for await (const chunk of engine.synthesize(job.request, signal)) {
      if (signal.aborted) return;
      const shaped = effects.apply(chunk.pcm, rate, job.effects);
      const pcm = resampler.resample(shaped, rate, job.outputRate);
      const owned = pcm.buffer.byteLength === pcm.byteLength ? pcm : pcm.slice();
      // A server-side tempo change stretches the timeline the engine's word times refer to.
      const tempo = job.effects.tempo;
      const words = chunk.words?.map((w) => ({ word: w.word, start: w.start / tempo, end: w.end / tempo }));
      post({ type: 'chunk', id, chunk: words ? { pcm: owned, words } : { pcm: owned } }, [owned.buffer as ArrayBuffer]);
    }
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(message.id, controller);
    run(message.id, message.job, controller.signal)
      .then(
        () => post({ type: 'done', id: message.id }),
        (error: unknown) =>
          post({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => running.delete(message.id));
  });
  post({ type: 'ready', engines: [...engines.values()].map((e) => e.info) });
}

main().catch((error: unknown) => {
  post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
});
