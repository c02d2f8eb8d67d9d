/**
 * Realtime benchmark, side by side in one run:
 *  a. time to first audio over the WebSocket (client connected, `speak` sent → first `audio`)
 *     vs the engine's own time for the same first fragment;
 *  b. aggregate realtime factor with 1, 4, 8 and 16 concurrent streams vs the engine alone;
 *  c. the server's main-thread event-loop delay (p99) under that load.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRealtimeClient } from '../src/adapters/realtime-client.js';
import type { RunningServer } from '../src/server/server.js';

type Synth = (text: string) => Promise<{ ms: number; samples: number }>;

/** Waits until work queued after the last measurement has run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export async function realtimeBench(server: RunningServer, synth: Synth, text: string, firstFragment: string): Promise<void> {
  for (const encoding of ['pcm_s16le', 'opus'] as const) {
    const client = await createRealtimeClient(server.url, {
      format: encoding === 'opus' ? { encoding } : { encoding, sample_rate: 16000 },
    });
    const engineFirst: number[] = [];
    const firstAudio: number[] = [];
    for (let i = -3; i < 25; i++) {
      const engineMs = (await synth(firstFragment)).ms;
      // The engine measured here shares this thread with the server: let its idle-time work
      // (Flite restores its instance right after a run) finish, so the server starts idle, as it
      // would with the client in another process.
      await settle();
      const t = performance.now();
      // Drained to the end, so the next round starts with idle workers.
      let first = true;
      for await (const event of client.speak(text)) {
        if (event.type === 'audio' && first) {
          // The first three rounds warm up.
          if (i >= 0) {
            firstAudio.push(performance.now() - t);
            engineFirst.push(engineMs);
          }
          first = false;
        }
      }
    }
    await client.close();
    const ratio = median(firstAudio) / median(engineFirst);
    console.log(`\n4a. First audio over WebSocket, ${encoding} (median of 25)`);
    console.log(`   engine alone, first fragment "${firstFragment}": ${median(engineFirst).toFixed(1)} ms`);
    console.log(`   WebSocket speak → first audio message: ${median(firstAudio).toFixed(1)} ms`);
    console.log(`   overhead ratio: ${ratio.toFixed(3)} (+${(median(firstAudio) - median(engineFirst)).toFixed(1)} ms)`);
  }

  const alone = await synth(text);
  const aloneRtf = alone.samples / 16000 / (alone.ms / 1000);
  console.log('\n4b/c. Realtime streams (Opus, one socket each): aggregate realtime factor, main-thread event-loop delay');
  console.log(`   engine alone, one thread: ${aloneRtf.toFixed(1)}x realtime`);
  for (const streams of [1, 4, 8, 16]) {
    const clients = await Promise.all(Array.from({ length: streams }, () => createRealtimeClient(server.url)));
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const t = performance.now();
    const durations = await Promise.all(
      clients.map(async (client) => {
        let ms = 0;
        for await (const event of client.speak(text)) if (event.type === 'done') ms = event.duration_ms;
        return ms;
      }),
    );
    const wall = (performance.now() - t) / 1000;
    delay.disable();
    await Promise.all(clients.map((c) => c.close()));
    const rtf = durations.reduce((a, b) => a + b, 0) / 1000 / wall;
    console.log(
      `   ${String(streams).padStart(2)} streams: ${rtf.toFixed(1)}x realtime (${(rtf / aloneRtf).toFixed(2)} of the engine alone), ` +
        `event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
    );
  }
}
