/**
 * Before the server takes requests, every engine worker speaks a short phrase once, both as PCM
 * (the REST path) and as Opus frames (the realtime path), and the main thread runs its text front
 * end once. First runs pay for JIT compilation, ONNX arena allocation and codec set-up; without
 * this the first client would wait for all of it.
 */
import type { Logger } from 'pino';
import type { Scheduler } from '../engine/scheduler.js';
import { planSegments, segmentJob } from '../engine/tts-service.js';
import type { VoiceCatalog } from '../speakers/voice-catalog.js';

const PHRASE = 'Ready, at 10:30 on May 5th.';

export async function warmUp(scheduler: Scheduler, catalog: VoiceCatalog, workers: number, log: Logger): Promise<void> {
  const voice = catalog.resolve('female') ?? catalog.list()[0];
  if (!voice) return;
  const started = performance.now();
  const [segment] = planSegments(PHRASE);
  if (!segment) return;
  const run = async (opus: boolean): Promise<void> => {
    const stream = scheduler.openStream();
    try {
      const job = segmentJob(
        segment.spoken,
        { voice, speed: 1, pitchSemitones: 0, sampleRate: opus ? 48000 : 24000 },
        scheduler.engines,
      );
      if (opus) job.framing = { encoding: 'opus', sample_rate: 48000, channels: 1, frame_ms: 20 };
      for await (const _ of stream.submit(job)) {
        // drained: only the side effects matter
      }
    } finally {
      stream.close();
    }
  };
  try {
    // As many jobs as workers at a time, so each idle worker takes one of each kind.
    for (const opus of [false, true]) await Promise.all(Array.from({ length: workers }, () => run(opus)));
    log.debug({ ms: Math.round(performance.now() - started), voice: voice.id }, 'engines warmed up');
  } catch (error) {
    log.warn({ err: error }, 'warm-up failed; the first requests will be slower');
  }
}
