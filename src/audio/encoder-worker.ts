/**
 * Entry point of an encoder worker thread: codecs run here (MP3 and Opus cost a few ms of CPU per
 * second of audio), so the main thread only moves bytes and stays responsive.
 * It loads its codecs before it says it is ready, so no request pays for that.
 */
import { parentPort } from 'node:worker_threads';
import { TtsError } from '../errors.js';
import { IdleCollector } from '../util/idle-collector.js';
import type { StopMessage, WorkerHello } from '../util/worker-pool.js';
import { createAudioEncoder, createEncoder, type EncoderTarget } from './create-encoder.js';
import type { AudioEncoder } from './encoder.js';
import { EncoderUnavailableError } from './encoder.js';
import type { OpusOptions } from './opus-encoder.js';
import { prepareReference, type ReferenceLimits } from './reference-audio.js';

if (!parentPort) throw new Error('encoder-worker must run in a worker thread');
const port = parentPort;

/** The settings of a remote encoder: {@link EncoderOptions} without the callback. */
export interface RemoteEncoderSettings {
  sampleRate: number;
  channels: number;
  totalFrames?: number;
  requestedRate?: number;
  opus?: Partial<OpusOptions>;
}

/** Main thread → encoder worker. */
export type ToEncoder =
  | { type: 'create'; id: number; target: EncoderTarget; settings: RemoteEncoderSettings }
  | { type: 'write'; id: number; pcm: Float32Array }
  | { type: 'end'; id: number }
  | { type: 'destroy'; id: number }
  /** Decode reference audio for cloning (see reference-audio.ts): its answer is `decoded` or `error`. */
  | { type: 'decodeReference'; id: number; bytes: Uint8Array; rate: number; field: string; limits: Partial<ReferenceLimits> }
  | StopMessage;

/** Encoder worker → main thread. */
export type FromEncoder =
  | { type: 'data'; id: number; parts: Uint8Array[] }
  /** `busyMs`: the time this worker spent encoding for it. */
  | { type: 'ended'; id: number; busyMs: number }
  | { type: 'error'; id: number; message: string; unavailable: boolean; user?: { code: TtsError['code']; param?: string } }
  | { type: 'decoded'; id: number; samples: Float32Array; sampleRate: number; originalSeconds: number };

interface Remote {
  encoder: Promise<AudioEncoder>;
  /** Bytes made since the last post. */
  parts: Uint8Array[];
  /** Streamed files (no total known ahead) are fed in short pieces; undefined for others. */
  stream: { rate: number; channels: number; started: boolean } | undefined;
  /** Time spent encoding so far, in ms. */
  busyMs: number;
}

const encoders = new Map<number, Remote>();
/** Collects the thread's garbage once no encoder has been open for a while. */
const idle = new IdleCollector();

/** Forgets encoder `id` (ended, failed or destroyed). */
function forget(id: number): void {
  if (encoders.delete(id)) idle.end();
}
const FIRST_PIECE_S = 0.1;
/** Most pieces of output in one message (25 = half a second of 20 ms frames): the main thread sends a message's worth at once. */
const MAX_PARTS = 25;
const PIECE_S = 0.25;

const post = (message: FromEncoder | WorkerHello<null>, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

/** Posts what an encoder made since the last post, as one message. */
function flush(id: number, remote: Remote): void {
  if (remote.parts.length === 0) return;
  const parts = remote.parts;
  remote.parts = [];
  post({ type: 'data', id, parts }, [...new Set(parts.map((p) => p.buffer as ArrayBuffer))]);
}

/**
 * Feeds a streamed write to its encoder in short pieces, each piece's bytes posted as soon as they
 * are encoded, so the client hears the start of a long sentence while the rest is still being
 * encoded (LAME takes several milliseconds per second of audio). A stream's first piece is the
 * shortest.
 */
function write(id: number, remote: Remote, encoder: AudioEncoder, pcm: Float32Array): void {
  const { stream } = remote;
  if (!stream) {
    encoder.write(pcm);
    flush(id, remote);
    return;
  }
  let offset = 0;
  if (!stream.started) {
    stream.started = true;
    offset = Math.min(pcm.length, Math.round(stream.rate * FIRST_PIECE_S) * stream.channels);
    encoder.write(pcm.subarray(0, offset));
    flush(id, remote);
  }
  const piece = Math.round(stream.rate * PIECE_S) * stream.channels;
  for (; offset < pcm.length; offset += piece) {
    encoder.write(pcm.subarray(offset, offset + piece));
    flush(id, remote);
  }
}

/** Loads every in-process codec once (wasm compile, module graphs). */
async function warm(): Promise<void> {
  for (const format of ['mp3', 'opus', 'flac', 'wav'] as const) {
    const encoder = await createAudioEncoder(format, { sampleRate: 48000, channels: 1, onData: () => undefined });
    encoder.write(new Float32Array(960));
    encoder.destroy();
  }
  const frames = await createEncoder(
    { kind: 'frames', format: { encoding: 'opus', sample_rate: 48000, channels: 1, frame_ms: 20 } },
    { sampleRate: 48000, channels: 1, onData: () => undefined },
  );
  frames.write(new Float32Array(960));
  frames.destroy();
}

const fail = (id: number, error: unknown): void => {
  forget(id);
  post({
    type: 'error',
    id,
    message: error instanceof Error ? error.message : String(error),
    unavailable: error instanceof EncoderUnavailableError,
    ...(error instanceof TtsError
      ? { user: { code: error.code, ...(error.param === undefined ? {} : { param: error.param }) } }
      : {}),
  });
};

port.on('message', (message: ToEncoder) => {
  switch (message.type) {
    case 'create': {
      const { id, target, settings } = message;
      const remote: Remote = {
        parts: [],
        busyMs: 0,
        stream:
          target.kind === 'file' && settings.totalFrames === undefined
            ? { rate: settings.sampleRate, channels: settings.channels, started: false }
            : undefined,
        encoder: createEncoder(target, {
          ...settings,
          onData: (bytes) => {
            remote.parts.push(bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());
            if (remote.parts.length >= MAX_PARTS) flush(id, remote);
          },
        }),
      };
      encoders.set(id, remote);
      idle.begin();
      remote.encoder.catch((error: unknown) => fail(id, error));
      return;
    }
    case 'write': {
      // Writes run in order after creation (the promise chain keeps them sequential).
      const { id, pcm } = message;
      const remote = encoders.get(id);
      remote?.encoder.then(
        (encoder) => {
          const started = performance.now();
          write(id, remote, encoder, pcm);
          remote.busyMs += performance.now() - started;
        },
        () => undefined,
      );
      return;
    }
    case 'end': {
      const { id } = message;
      const remote = encoders.get(id);
      let started = 0;
      remote?.encoder
        .then((encoder) => {
          started = performance.now();
          return encoder.end();
        })
        .then(
          () => {
            flush(id, remote);
            forget(id);
            post({ type: 'ended', id, busyMs: remote.busyMs + performance.now() - started });
          },
          (error: unknown) => fail(id, error),
        );
      return;
    }
    case 'decodeReference': {
      const { id, bytes, rate, field, limits } = message;
      idle.begin();
      prepareReference(bytes, rate, field, limits)
        .then(
          (reference) => post({ type: 'decoded', id, ...reference }, [reference.samples.buffer as ArrayBuffer]),
          (error: unknown) => fail(id, error),
        )
        .finally(() => idle.end());
      return;
    }
    case 'destroy':
      encoders.get(message.id)?.encoder.then(
        (encoder) => encoder.destroy(),
        () => undefined,
      );
      forget(message.id);
      return;
    case 'stop':
      for (const remote of encoders.values())
        remote.encoder.then(
          (e) => e.destroy(),
          () => undefined,
        );
      encoders.clear();
      idle.stop();
      port.close();
      return;
  }
});

warm().then(
  () => post({ type: 'ready', ready: null }),
  (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
