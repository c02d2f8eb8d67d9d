/**
 * The Discord adapter with a real @discordjs/voice AudioPlayer (no connection needed: with
 * NoSubscriberBehavior.Play it reads one packet per 20 ms as it would for a voice channel).
 */
import { createRequire } from 'node:module';
import {
  AudioPlayerStatus,
  type AudioResource,
  createAudioPlayer,
  createAudioResource,
  NoSubscriberBehavior,
  StreamType,
} from '@discordjs/voice';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiscordSpeechQueue, OPUS_SILENCE_FRAME, speakForDiscord, speakTokensForDiscord } from '../../src/adapters/discord.js';
import { createRealtimeClient, type RealtimeClient } from '../../src/adapters/realtime-client.js';
import { concatFloat32 } from '../../src/audio/pcm.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { transcribe, wordErrorRate } from '../helpers/audio.js';
import { floatToPcmBytes } from '../helpers/realtime.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const require = createRequire(import.meta.url);
const { OpusEncoder } = require('@discordjs/opus') as {
  OpusEncoder: new (rate: number, channels: number) => { decode(b: Buffer): Buffer };
};

interface Played {
  packets: Buffer[];
  times: number[];
  states: string[];
}

/** Plays a stream on a real AudioPlayer, recording every packet it reads and every state it takes. */
function playOnPlayer(stream: NodeJS.ReadableStream): { played: Played; idle: Promise<void>; resource: AudioResource } {
  const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play, maxMissedFrames: 5 } });
  const resource = createAudioResource(stream as never, { inputType: StreamType.Opus, silencePaddingFrames: 0 });
  const played: Played = { packets: [], times: [], states: [] };
  const read = resource.read.bind(resource);
  resource.read = () => {
    const packet = read();
    if (packet) {
      played.packets.push(packet);
      played.times.push(performance.now());
    }
    return packet;
  };
  player.on('stateChange', (_old, next) => played.states.push(next.status));
  const idle = new Promise<void>((resolve) => player.on(AudioPlayerStatus.Idle, () => resolve()));
  player.play(resource);
  return { played, idle, resource };
}

function decodeStereo(packets: Buffer[]): Float32Array {
  const decoder = new OpusEncoder(48000, 2);
  const parts = packets.map((p) => {
    const pcm = decoder.decode(p);
    const ints = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
    return Float32Array.from({ length: ints.length / 2 }, (_, i) => (ints[i * 2] as number) / 32768);
  });
  return concatFloat32(parts);
}

describe('Discord adapter on a real AudioPlayer', () => {
  let server: RunningServer;
  let client: RealtimeClient;
  beforeAll(async () => {
    server = await startServer({ port: 0, logLevel: 'silent' });
    client = await createRealtimeClient(server.url, { format: { encoding: 'opus', channels: 2 } });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('plays our packets every 20 ms, untranscoded, and they decode to the spoken text', async () => {
    const text = 'Hello from the voice channel. This is the second sentence of the reply.';
    const speech = speakForDiscord(client, text);
    const { played, idle } = playOnPlayer(speech.stream);
    await idle;
    // Continuous: the player never stalled between sentences, it went idle once, at the end.
    expect(played.states.filter((s) => s === AudioPlayerStatus.Idle)).toHaveLength(1);
    expect(played.states).not.toContain(AudioPlayerStatus.AutoPaused);
    // Cadence: one packet per 20 ms on average.
    const span = (played.times.at(-1) as number) - (played.times[0] as number);
    expect(span / (played.packets.length - 1)).toBeGreaterThan(17);
    expect(span / (played.packets.length - 1)).toBeLessThan(25);
    // Every packet decodes to 20 ms of stereo, and it is the speech.
    const speechPackets = played.packets.filter((p) => !p.equals(OPUS_SILENCE_FRAME));
    expect(speechPackets.length).toBeGreaterThan(100);
    const pcm = decodeStereo(played.packets);
    expect(pcm.length).toBe(played.packets.length * 960);
    expect(wordErrorRate(text, await transcribe(floatToPcmBytes(pcm), 'pcm', 48000))).toBeLessThan(0.35);
  });

  it('stays continuous through a pause in the LLM stream longer than the player would wait', async () => {
    async function* tokens(): AsyncGenerator<string> {
      yield 'The first part comes at once. ';
      await new Promise((resolve) => setTimeout(resolve, 4000)); // the LLM pauses: the speech of part one is over long before
      yield 'And after a long pause, the rest arrives.';
    }
    const speech = speakTokensForDiscord(client, tokens());
    const { played, idle } = playOnPlayer(speech.stream);
    await idle;
    expect(speech.stream.silenceFrames).toBeGreaterThan(5); // the gap was covered with silence…
    expect(played.states.filter((s) => s === AudioPlayerStatus.Idle)).toHaveLength(1); // …so the player never stopped
    const decoded = decodeStereo(played.packets.filter((p) => !p.equals(OPUS_SILENCE_FRAME)));
    const heard = await transcribe(floatToPcmBytes(decoded), 'pcm', 48000);
    expect(heard).toMatch(/rest|arrives|pause/);
  });

  it('stops within one packet on barge-in, with no trailing padding', async () => {
    const speech = speakForDiscord(
      client,
      'This is a long answer that the listener will interrupt. It would go on and on for many sentences more.',
    );
    const { played, idle } = playOnPlayer(speech.stream);
    await waitFor(() => played.packets.filter((p) => !p.equals(OPUS_SILENCE_FRAME)).length >= 15, '15 packets of speech played');
    const before = played.packets.length;
    await speech.stop();
    await idle;
    expect(played.packets.length - before).toBeLessThanOrEqual(1);
    // The utterance is about 7 s (350 packets): it was cut after the first few.
    expect(played.packets.length).toBeLessThan(100);
    expect(speech.stream.queued).toBe(0);
  });

  it('queues utterances per guild and clears the queue on stop', async () => {
    const started: string[] = [];
    const queue = new DiscordSpeechQueue(async (stream) => {
      await playOnPlayer(stream).idle;
    });
    for (const text of ['One.', 'Two.', 'Three.']) {
      queue.enqueue(() => {
        started.push(text);
        return speakForDiscord(client, text);
      });
    }
    await waitFor(() => started.length === 1, 'the first utterance started');
    await queue.stop();
    await withDeadline(queue.idle(), 'the queue idle after stop');
    expect(started).toEqual(['One.']);
    expect(queue.size).toBe(0);
  });

  it('goes on to the next utterance when one names a voice the server does not have', async () => {
    const played: number[] = [];
    const queue = new DiscordSpeechQueue(async (stream) => {
      const player = playOnPlayer(stream);
      await player.idle;
      played.push(player.played.packets.filter((p) => !p.equals(OPUS_SILENCE_FRAME)).length);
    });
    const refused = speakForDiscord(client, 'A typo in the voice.', { voice: 'af_nicle' });
    queue.enqueue(() => refused);
    queue.enqueue(() => speakForDiscord(client, 'The next one still plays.'));
    await withDeadline(queue.idle(), 'both utterances over');
    await expect(refused.context.finished).rejects.toMatchObject({ name: 'RealtimeRequestError', code: 'voice_not_found' });
    // The refused one ended at once with nothing to play; the next one spoke.
    expect(played[0]).toBe(0);
    expect(played[1]).toBeGreaterThan(50);
  });

  it('refuses a session that is not Opus', async () => {
    const pcm = await createRealtimeClient(server.url, { format: { encoding: 'pcm_s16le' } });
    expect(() => speakForDiscord(pcm, 'Hi')).toThrow(/Opus, 48 kHz, 20 ms/);
    await pcm.close();
  });
});
