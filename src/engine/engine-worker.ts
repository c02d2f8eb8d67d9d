/**
 * Entry point of an engine worker thread. Engines block while they compute (WASM, ONNX
 * `session.run()`), so they live here, never on the main thread; this thread also does the
 * per-segment DSP (pitch, tempo, resampling) so the main thread only moves finished PCM.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Resampler, type ResamplerStream } from '../audio/resampler.js';
import { VoiceEffectsProcessor } from '../audio/voice-effects.js';
import { TtsError } from '../errors.js';
import { IdleCollector } from '../util/idle-collector.js';
import type { WorkerHello } from '../util/worker-pool.js';
import { ENGINE_FACTORIES } from './registry.js';
import type { Engine, EngineId, WordTiming } from './types.js';
import type {
  EngineJob,
  EngineWorkerData,
  EngineWorkerReady,
  FromEngineWorker,
  SynthesizeJob,
  ToEngineWorker,
} from './worker-messages.js';

if (!parentPort) throw new Error('engine-worker must run in a worker thread');
const port = parentPort;
/**
 * Jobs convert engine audio in growing pieces: first one output frame (plus a little for the
 * resampler's delay), so the first message leaves about half a millisecond after the engine's
 * audio; then a short piece that lands before that frame has played; then seconds.
 */
const pieceSeconds = (index: number, firstPieceMs: number): number =>
  index === 0 ? (firstPieceMs + 5) / 1000 : index === 1 ? 0.2 : 1;
const post = (message: FromEngineWorker | WorkerHello<EngineWorkerReady>, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

async function main(): Promise<void> {
  const { engines: ids, models, onnxThreads } = workerData as EngineWorkerData;
  const engines = new Map<EngineId, Engine>();
  for (const id of ids) {
    const factory = ENGINE_FACTORIES[id];
    engines.set(id, await factory({ models, onnx: { intraOpThreads: onnxThreads } }));
  }
  const resampler = await Resampler.create();
  const effects = await VoiceEffectsProcessor.create();
  const running = new Map<number, AbortController>();
  const idle = new IdleCollector();

  const synthesize = async (id: number, engine: Engine, job: SynthesizeJob, signal: AbortSignal): Promise<void> => {
    const emit = (pcm: Float32Array, words: WordTiming[] | undefined): void => {
      if (pcm.length === 0 && !words) return;
      const owned = pcm.buffer.byteLength === pcm.byteLength ? pcm : pcm.slice();
      const output = words ? { kind: 'audio' as const, pcm: owned, words } : { kind: 'audio' as const, pcm: owned };
      post({ type: 'output', id, output }, [owned.buffer as ArrayBuffer]);
    };
    // One conversion for the whole segment, so chunk boundaries leave no seams in the filter.
    let converter: ResamplerStream | undefined;
    let piece = 0;
    try {
      for await (const chunk of engine.synthesize(job.request, signal)) {
        if (signal.aborted) return;
        const rate = chunk.sampleRate ?? engine.info.sampleRate;
        converter ??= resampler.stream(rate, job.outputRate);
        const shaped = effects.apply(chunk.pcm, rate, job.effects);
        // A server-side tempo change stretches the timeline the engine's word times refer to.
        const tempo = job.effects.tempo;
        let words = chunk.words?.map((w) => ({ word: w.word, start: w.start / tempo, end: w.end / tempo }));
        for (let offset = 0, size = 0; offset < shaped.length; offset += size) {
          size = Math.round(rate * pieceSeconds(piece++, job.firstPieceMs));
          emit(converter.process(shaped.subarray(offset, offset + size)), words);
          words = undefined;
          if (signal.aborted) return;
        }
        if (words) emit(new Float32Array(0), words);
      }
      if (converter && !signal.aborted) {
        const tail = converter.end();
        converter = undefined;
        emit(tail, undefined);
      }
    } finally {
      converter?.end(); // frees the converter when the job stops early
    }
  };

  const run = async (id: number, job: EngineJob, signal: AbortSignal): Promise<void> => {
    const engine = engines.get(job.engine);
    if (!engine) throw new Error(`engine "${job.engine}" is not loaded in this worker`);
    switch (job.kind) {
      case 'synthesize':
        return synthesize(id, engine, job, signal);
      case 'embedReference': {
        if (!engine.embedReference) throw new Error(`engine "${job.engine}" cannot embed reference audio`);
        const embedding = await engine.embedReference(job.audio);
        post({ type: 'output', id, output: { kind: 'embedding', embedding } }, [embedding.data.buffer as ArrayBuffer]);
        return;
      }
    }
  };

  port.on('message', (message: ToEngineWorker) => {
    switch (message.type) {
      case 'cancel':
        running.get(message.id)?.abort();
        return;
      case 'stop':
        idle.stop();
        for (const controller of running.values()) controller.abort();
        // With the port closed nothing keeps the thread alive: it exits once the current step ends.
        port.close();
        return;
      case 'run': {
        const controller = new AbortController();
        running.set(message.id, controller);
        idle.begin();
        run(message.id, message.job, controller.signal)
          .then(
            () => post({ type: 'done', id: message.id }),
            (error: unknown) =>
              post({
                type: 'error',
                id: message.id,
                message: error instanceof Error ? error.message : String(error),
                ...(error instanceof TtsError ? { code: error.code } : {}),
              }),
          )
          .finally(() => {
            running.delete(message.id);
            idle.end();
          });
      }
    }
  });
  post({ type: 'ready', ready: { engines: [...engines.values()].map((e) => e.info) } });
}

main().catch((error: unknown) => {
  post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
});
