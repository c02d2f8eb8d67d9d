/**
 * Discord voice: our realtime Opus packets (48 kHz, 20 ms) go to @discordjs/voice as they are —
 * `createAudioResource(speech.stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 })` —
 * with no transcoding and no ffmpeg. This module does not import @discordjs/voice: it hands over
 * a stream of packets, so it works with whichever version the bot uses.
 *
 * The player reads one packet every 20 ms and gives up after `maxMissedFrames` (5 = 100 ms) reads
 * that find nothing, which would cut speech whenever the next sentence (or the LLM's next words)
 * is late. While an utterance is still going, the stream therefore answers a read that finds no
 * speech with an Opus silence frame, so speech stays continuous across gaps; it ends as soon as
 * the utterance is done — or at once on barge-in, within one packet, with no trailing padding.
 */
import { Readable } from 'node:stream';
import { type SpeakTokenStreamOptions, speakTokenStream, type TokenChunk } from './llm.js';
import type { RealtimeClient, RealtimeContextHandle } from './realtime-client.js';

/** The 3-byte Opus frame of 20 ms of silence (what Discord clients send themselves). */
export const OPUS_SILENCE_FRAME: Readonly<Buffer> = Buffer.from([0xf8, 0xff, 0xfe]);

/**
 * Where a packet stream is: `speaking` (gaps are filled with silence), `finishing` (no more
 * speech will come; it ends once the queue is read), or `stopped` (barge-in: it ends at the next read).
 */
type PacketStreamState = 'speaking' | 'finishing' | 'stopped';

/** A readable of Opus packets, one per read, that fills gaps with silence until it is finished. */
export class OpusPacketStream extends Readable {
  readonly #queue: Buffer[] = [];
  #state: PacketStreamState = 'speaking';
  /** Silence frames sent to cover gaps (for monitoring). */
  silenceFrames = 0;

  constructor() {
    // One packet at a time: nothing waits inside the stream, so a stop takes effect at the next read.
    super({ objectMode: true, highWaterMark: 1 });
  }

  /** Adds a packet of speech. */
  enqueue(packet: Uint8Array): void {
    if (this.#state !== 'speaking') return;
    this.#queue.push(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
  }

  /** No more speech: the stream ends once the queued packets are read. */
  finish(): void {
    this.#setState('finishing');
  }

  /** Barge-in: drops what is queued; the stream ends at the next read. */
  stop(): void {
    this.#setState('stopped');
  }

  /** Packets of speech waiting to be read. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The one transition: `stopped` is final and drops the queue; `finishing` only follows `speaking`. */
  #setState(next: PacketStreamState): void {
    if (this.#state === 'stopped' || (this.#state === 'finishing' && next === 'speaking')) return;
    this.#state = next;
    if (next === 'stopped') this.#queue.length = 0;
  }

  override _read(): void {
    if (this.#state === 'stopped') {
      this.push(null);
      return;
    }
    const packet = this.#queue.shift();
    if (packet) {
      this.push(packet);
      return;
    }
    if (this.#state === 'finishing') {
      this.push(null);
      return;
    }
    this.silenceFrames++;
    this.push(OPUS_SILENCE_FRAME);
  }
}

/** One utterance on its way to Discord. */
export interface DiscordSpeech {
  /** Give this to `createAudioResource(stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 })`. */
  stream: OpusPacketStream;
  context: RealtimeContextHandle;
  /** Resolves when the utterance is fully received (done) or stopped. */
  finished: Promise<void>;
  /** Barge-in: cancels synthesis and ends the stream within one packet. */
  stop(): Promise<void>;
}

function pipeContext(context: RealtimeContextHandle, stream: OpusPacketStream, cancel: () => Promise<void>): DiscordSpeech {
  const finished = (async () => {
    try {
      for await (const event of context) if (event.type === 'audio') stream.enqueue(event.data);
    } catch {
      // The socket closed, or the server refused the utterance (an unknown voice): what arrived is
      // played, then the stream ends.
    } finally {
      stream.finish();
    }
  })();
  return {
    stream,
    context,
    finished,
    async stop() {
      stream.stop();
      await cancel();
    },
  };
}

function requireOpus(client: RealtimeClient): void {
  const { format } = client.ready;
  if (format.encoding !== 'opus' || format.sample_rate !== 48000 || format.frame_ms !== 20) {
    throw new TypeError(
      'Discord needs the realtime session in Opus, 48 kHz, 20 ms frames: createRealtimeClient(url, { format: { encoding: "opus", channels: 2 } }).',
    );
  }
}

/** Speaks `text` for Discord. The client's session must be Opus (stereo is what Discord plays). */
export function speakForDiscord(
  client: RealtimeClient,
  text: string,
  options: { voice?: string; contextId?: string } = {},
): DiscordSpeech {
  requireOpus(client);
  const context = client.speak(text, options);
  return pipeContext(context, new OpusPacketStream(), async () => {
    await context.cancel().catch(() => undefined);
  });
}

/** Speaks an LLM's token stream for Discord as it arrives (see speakTokenStream). */
export function speakTokensForDiscord(
  client: RealtimeClient,
  tokens: AsyncIterable<TokenChunk>,
  options: Omit<SpeakTokenStreamOptions, 'signal'> = {},
): DiscordSpeech {
  requireOpus(client);
  const reply = speakTokenStream(client, tokens, options);
  return pipeContext(reply.context, new OpusPacketStream(), () => reply.cancel());
}

/**
 * A per-guild speech queue: utterances play one after another; `stop()` is barge-in (the current
 * one stops within a packet and the queue is cleared). `play` is how the bot plays a stream,
 * e.g. `(stream) => player.play(createAudioResource(stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 }))`,
 * resolving when the player goes idle.
 */
export class DiscordSpeechQueue {
  readonly #pending: (() => DiscordSpeech)[] = [];
  #current: DiscordSpeech | undefined;
  /** The loop playing the queue, while it runs. */
  #playing: Promise<void> | undefined;

  constructor(private readonly play: (stream: OpusPacketStream) => Promise<void>) {}

  /** Queues an utterance (started only when its turn comes, so it costs nothing while waiting). */
  enqueue(start: () => DiscordSpeech): void {
    this.#pending.push(start);
    this.#playing ??= this.#run().finally(() => {
      this.#playing = undefined;
    });
  }

  /** Utterances waiting (not counting the one playing). */
  get size(): number {
    return this.#pending.length;
  }

  /** Resolves once nothing is playing or queued. */
  async idle(): Promise<void> {
    await this.#playing;
  }

  /** Barge-in: stops what is playing and drops the queue. */
  async stop(): Promise<void> {
    this.#pending.length = 0;
    await this.#current?.stop();
  }

  async #run(): Promise<void> {
    try {
      for (let start = this.#pending.shift(); start; start = this.#pending.shift()) {
        const speech = start();
        this.#current = speech;
        await this.play(speech.stream);
        await speech.finished;
      }
    } finally {
      this.#current = undefined;
    }
  }
}
