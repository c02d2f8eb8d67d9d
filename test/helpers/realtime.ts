/** Helpers for realtime tests: collecting a context's events, decoding its audio. */
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { getCodec } from '../../protocol/codec.js';
import type { AudioMessage, ContextMessage, ServerMessage } from '../../protocol/messages.js';
import type { RealtimeContextHandle } from '../../src/adapters/realtime-client.js';

const require = createRequire(import.meta.url);

interface OpusCodec {
  decode(packet: Buffer): Buffer;
}
const { OpusEncoder } = require('@discordjs/opus') as { OpusEncoder: new (rate: number, channels: number) => OpusCodec };

/** Every event of a context until it ends. */
export async function collect(context: RealtimeContextHandle): Promise<ContextMessage[]> {
  const events: ContextMessage[] = [];
  for await (const event of context) events.push(event);
  return events;
}

export function audioOf(events: readonly ContextMessage[]): AudioMessage[] {
  return events.filter((e): e is AudioMessage => e.type === 'audio');
}

/** Decodes each Opus packet on its own decoder stream (as Discord does), returning per-packet sample counts and the mono signal. */
export function decodeOpusPackets(
  packets: readonly Uint8Array[],
  channels: 1 | 2,
): { perPacket: number[]; samples: Float32Array } {
  const decoder = new OpusEncoder(48000, channels);
  const perPacket: number[] = [];
  const parts: Int16Array[] = [];
  for (const packet of packets) {
    const pcm = decoder.decode(Buffer.from(packet));
    const ints = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
    perPacket.push(ints.length / channels);
    const mono = new Int16Array(ints.length / channels);
    for (let i = 0; i < mono.length; i++) mono[i] = ints[i * channels] as number;
    parts.push(mono);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const samples = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) samples[offset + i] = (part[i] as number) / 32768;
    offset += part.length;
  }
  return { perPacket, samples };
}

/** Mono float samples to 16-bit little-endian bytes. */
export function floatToPcmBytes(samples: Float32Array): Uint8Array {
  const ints = Int16Array.from(samples, (s) => Math.max(-32768, Math.min(32767, Math.round(s * 32768))));
  return new Uint8Array(ints.buffer);
}

/** A raw `ws` connection speaking msgpack, with every server message it received. */
export interface RawSession {
  ws: WebSocket;
  messages: ServerMessage[];
  send(message: object): void;
  /** Resolves with the first message (already received or coming) that matches. */
  next(predicate: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

export async function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawSession> {
  const codec = getCodec('msgpack');
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime`, { headers });
  const messages: ServerMessage[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data, isBinary) => {
    messages.push(codec.decode(isBinary ? (data as Buffer) : data.toString()) as ServerMessage);
    for (const listener of listeners) listener();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    send: (message) => ws.send(codec.encode(message)),
    next(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < messages.length; seen++) {
            const m = messages[seen] as ServerMessage;
            if (predicate(m)) {
              cleanup();
              resolve(m);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${messages.map((m) => m.type).join(',')}`));
        }, timeoutMs);
        const onClose = (): void => {
          check();
          cleanup();
          reject(new Error(`socket closed before a matching message; got ${messages.map((m) => m.type).join(',')}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
          ws.off('close', onClose);
        };
        listeners.add(check);
        ws.on('close', onClose);
        check();
      });
    },
  };
}
