/**
 * Entry point of an engine worker thread. Engines block while they compute (WASM, ONNX
 * `session.run()`), so they live here, never on the main thread; this thread also does the
 * per-segment DSP (pitch, tempo, resampling) so the main thread only moves finished PCM.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AudioFrame, AudioFramer } from '../audio/audio-framer.js';
import { Resampler, type ResamplerStream } from '../audio/resampler.js';
import { VoiceEffectsProcessor } from '../audio/voice-effects.js';
import type { PocketEngine } from './pocket/pocket-engine.js';
import { ENGINE_FACTORIES } from './registry.js';
import type { Engine, WordTiming } from './types.js';
import type { EngineWorkerData, FromWorker, SegmentJob, ToWorker } from './worker-messages.js';

if (!parentPort) throw new Error('engine-worker must run in a worker thread');
const port = parentPort;
/** Frames per message after the first (25 = half a second of 20 ms frames). */
const FRAME_BATCH = 25;
/**
 * Jobs convert (and realtime jobs encode) engine audio in growing pieces: first one output frame
 * (plus a little for the resampler's delay), so the first message leaves about half a millisecond
 * after the engine's audio; then a short piece that lands before that frame has played; then seconds.
 */
const pieceSeconds = (index: number, frameMs: number): number => (index === 0 ? (frameMs + 5) / 1000 : index === 1 ? 0.2 : 1);
const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function main(): Promise<void> {
  const { engines: ids, models, onnxThreads } = workerData as EngineWorkerData;
  const engines = new Map<string, Engine>();
  for (const id of ids) {
    const factory = ENGINE_FACTORIES[id];
    if (!factory) throw new Error(`unknown engine "${id}"`);
    engines.set(id, await factory({ models, onnx: { intraOpThreads: onnxThreads } }));
  }
  const resampler = await Resampler.create();
  const effects = await VoiceEffectsProcessor.create();
  const running = new Map<number, AbortController>();

  /** Posts frames in batches: the first alone, so it leaves before the rest are encoded. */
  const postFrames = (id: number, frames: Iterable<AudioFrame>, words: WordTiming[] | undefined, signal: AbortSignal): void => {
    let batch: AudioFrame[] = [];
    let pendingWords = words;
    let sent = 0;
    const flush = (): void => {
      post({ type: 'chunk', id, chunk: pendingWords ? { frames: batch, words: pendingWords } : { frames: batch } });
      sent += batch.length;
      batch = [];
      pendingWords = undefined;
    };
    for (const frame of frames) {
      if (signal.aborted) return;
      batch.push(frame);
      if (batch.length >= (sent === 0 ? 1 : FRAME_BATCH)) flush();
    }
    if (batch.length > 0 || pendingWords) flush();
  };

  const run = async (id: number, job: SegmentJob, signal: AbortSignal): Promise<void> => {
    const engine = engines.get(job.engine);
    if (!engine) throw new Error(`engine "${job.engine}" is not loaded in this worker`);
    if (job.encode) {
      if (!('encode' in engine)) throw new Error(`engine "${job.engine}" cannot encode reference audio`);
      const embedding = await (engine as PocketEngine).encode(job.encode);
      post({ type: 'chunk', id, chunk: { embedding } }, [embedding.data.buffer as ArrayBuffer]);
      return;
    }
    const framer = job.framing ? new AudioFramer(job.framing) : undefined;
    const frameMs = job.framing?.frame_ms ?? 20;
    /** Sends converted audio: as encoded frames (realtime) or as PCM. */
    const emit = (pcm: Float32Array, words: WordTiming[] | undefined): void => {
      if (framer) {
        postFrames(id, framer.push(pcm), words, signal);
        return;
      }
      if (pcm.length === 0 && !words) return;
      const owned = pcm.buffer.byteLength === pcm.byteLength ? pcm : pcm.slice();
      post({ type: 'chunk', id, chunk: words ? { pcm: owned, words } : { pcm: owned } }, [owned.buffer as ArrayBuffer]);
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
          size = Math.round(rate * pieceSeconds(piece++, frameMs));
          emit(converter.process(shaped.subarray(offset, offset + size)), words);
          words = undefined;
          if (signal.aborted) return;
        }
        if (words) emit(new Float32Array(0), words);
      }
      if (converter && !signal.aborted) {
        const tail = converter.end();
        converter = undefined;
        if (framer) {
          postFrames(
            id,
            (function* () {
              yield* framer.push(tail);
              yield* framer.endSegment();
            })(),
            undefined,
            signal,
          );
        } else emit(tail, undefined);
      }
    } finally {
      converter?.end(); // frees the converter when the job stops early
    }
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    if (message.type === 'stop') {
      for (const controller of running.values()) controller.abort();
      // With the port closed nothing keeps the thread alive: it exits once the current step ends.
      port.close();
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
