/**
 * Benchmarks of the embedded engine, printed as ratios measured side by side in one run:
 *  1. time to first byte of a streamed /speak vs the engine's own time for that first fragment;
 *  2. throughput with 1, 2, 4 and 8 concurrent requests vs the engine alone on one thread;
 *  3. encode cost of each format as a share of synthesis time;
 *  4. the realtime WebSocket: first audio vs the engine, throughput and event-loop delay under load.
 * Run: npm run bench
 */
import { AUDIO_FORMATS, encodeAudio, encoderInputRate, Resampler } from '../src/audio/index.js';
import { createFliteEngine } from '../src/engine/flite/flite-engine.js';
import { planSegments } from '../src/engine/speech-stream.js';
import { startServer } from '../src/server/server.js';
import { realtimeBench, settle } from './realtime.js';

const PARAGRAPH =
  'Streaming speech starts with a short first fragment, so the listener hears something at once. ' +
  'Then the rest of the text follows sentence by sentence, while the next sentence is already being synthesized. ' +
  'A good server keeps every stream smooth, even when many people talk to it at the same time.';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  const engine = await createFliteEngine();
  const never = new AbortController().signal;
  const synth = async (text: string): Promise<{ ms: number; samples: number }> => {
    const t = performance.now();
    let samples = 0;
    for await (const { pcm } of engine.synthesize({ text, voice: 'slt', speed: 1 }, never)) samples += pcm.length;
    return { ms: performance.now() - t, samples };
  };
  const segments = planSegments(PARAGRAPH);
  const first = segments[0]?.spoken ?? '';
  for (let i = 0; i < 3; i++) await synth(first); // warm up

  const startedAt = performance.now();
  const server = await startServer({ port: 0, logLevel: 'warn' });
  const startMs = performance.now() - startedAt;
  try {
    // 1. TTFB vs engine time for the first fragment; the very first request is reported apart.
    const engineFirst: number[] = [];
    const ttfb: number[] = [];
    for (let i = -1; i < 7; i++) {
      engineFirst.push((await synth(first)).ms);
      await settle();
      const t = performance.now();
      const res = await fetch(`${server.url}/speak`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'female', text: PARAGRAPH, stream: true, response_format: 'pcm' }),
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      ttfb.push(performance.now() - t);
      if (i === -1) engineFirst.pop();
      while (!(await reader.read()).done) {
        // drain
      }
    }
    const coldTtfb = ttfb.shift() as number;
    console.log('\n1. First audio (median of 7)');
    console.log(`   server start (engines and encoders warmed up): ${startMs.toFixed(0)} ms`);
    console.log(`   first request after start (this client's first fetch too), time to first byte: ${coldTtfb.toFixed(1)} ms`);
    console.log(`   first fragment: "${segments[0]?.written}"`);
    console.log(`   engine alone, first fragment: ${median(engineFirst).toFixed(1)} ms`);
    console.log(`   streamed /speak, time to first byte: ${median(ttfb).toFixed(1)} ms`);
    console.log(`   ratio TTFB / engine: ${(median(ttfb) / median(engineFirst)).toFixed(2)}`);

    // 2. Throughput.
    let alone = { ms: 0, samples: 0 };
    for (const s of segments) {
      const r = await synth(s.spoken);
      alone = { ms: alone.ms + r.ms, samples: alone.samples + r.samples };
    }
    const aloneRtf = alone.samples / 16000 / (alone.ms / 1000);
    console.log('\n2. Throughput (seconds of audio per second of wall time)');
    console.log(`   engine alone, one thread: ${aloneRtf.toFixed(1)}x realtime`);
    for (const concurrency of [1, 2, 4, 8]) {
      const t = performance.now();
      const sizes = await Promise.all(
        Array.from({ length: concurrency }, async () => {
          const res = await fetch(`${server.url}/speak`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'female', text: PARAGRAPH, response_format: 'pcm' }),
          });
          return (await res.arrayBuffer()).byteLength;
        }),
      );
      const audioSeconds = sizes.reduce((a, b) => a + b, 0) / 2 / 16000;
      const rtf = audioSeconds / ((performance.now() - t) / 1000);
      console.log(
        `   server, ${concurrency} concurrent: ${rtf.toFixed(1)}x realtime (${(rtf / aloneRtf).toFixed(2)} of the engine alone)`,
      );
    }

    // 4. Realtime WebSocket.
    await realtimeBench(server, synth, PARAGRAPH, first);
  } finally {
    await server.close();
  }

  // 3. Encode cost.
  const resampler = await Resampler.create();
  const parts: Float32Array[] = [];
  const t = performance.now();
  for (const s of segments)
    for await (const { pcm } of engine.synthesize({ text: s.spoken, voice: 'slt', speed: 1 }, never)) parts.push(pcm);
  const synthMs = performance.now() - t;
  const pcm16k = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    pcm16k.set(p, offset);
    offset += p.length;
  }
  console.log(
    `\n3. Encode cost as a share of synthesis time (${(pcm16k.length / 16000).toFixed(1)} s of audio, synthesis ${synthMs.toFixed(0)} ms)`,
  );
  for (const rate of [16000, 24000]) {
    for (const format of AUDIO_FORMATS) {
      const inputRate = encoderInputRate(format, rate);
      const input = resampler.resample(pcm16k, 16000, inputRate);
      await encodeAudio(input, { format, sampleRate: inputRate, requestedRate: rate }); // warm up
      const e = performance.now();
      await encodeAudio(input, { format, sampleRate: inputRate, requestedRate: rate });
      const ms = performance.now() - e;
      console.log(
        `   ${format.padEnd(5)} at ${rate} Hz: ${ms.toFixed(1)} ms = ${((ms / synthMs) * 100).toFixed(1)}% of synthesis`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
