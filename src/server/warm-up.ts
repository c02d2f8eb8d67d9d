/**
 * Before the server takes requests, every engine worker speaks a short phrase once at the rates
 * REST (24 kHz) and realtime Opus (48 kHz) use most, and the main thread runs its text front end
 * once. First runs pay for JIT compilation, ONNX arena allocation and resampler set-up; without
 * this the first client would wait for all of it. (Encoder workers load their codecs themselves.)
 */
import type { Logger } from 'pino';
import type { Scheduler } from '../engine/scheduler.js';
import { planSegments, segmentJob } from '../engine/speech-stream.js';
import type { VoiceCatalog } from '../speakers/voice-catalog.js';

const PHRASE = 'Ready, at 10:30 on May 5th.';

export async function warmUp(scheduler: Scheduler, catalog: VoiceCatalog, workers: number, log: Logger): Promise<void> {
  const voice = catalog.resolve('female') ?? catalog.list()[0];
  if (!voice) return;
  const started = performance.now();
  const [segment] = planSegments(PHRASE);
  if (!segment) return;
  const run = async (sampleRate: number): Promise<void> => {
    const stream = scheduler.openStream();
    try {
      const job = segmentJob(
        segment.spoken,
        { voice, speed: 1, pitchSemitones: 0, sampleRate, firstPieceMs: 20 },
        scheduler.engines,
      );
      for await (const _ of stream.submit(job)) {
        // drained: only the side effects matter
      }
    } finally {
      stream.close();
    }
  };
  try {
    // As many jobs as workers at a time, so each idle worker takes one at each rate.
    for (const rate of [24000, 48000]) await Promise.all(Array.from({ length: workers }, () => run(rate)));
    log.debug({ ms: Math.round(performance.now() - started), voice: voice.id }, 'engines warmed up');
  } catch (error) {
    log.warn({ err: error }, 'warm-up failed; the first requests will be slower');
  }
}
