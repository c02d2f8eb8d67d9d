/**
 * Entry point of an encoder worker thread: REST responses are encoded here (lamejs MP3 costs about
 * as much as synthesis itself), so the main thread only moves bytes and realtime sessions stay smooth.
 */
import { parentPort } from 'node:worker_threads';
import { createAudioEncoder } from './create-encoder.js';
import type { AudioEncoder } from './encoder.js';
import { EncoderUnavailableError } from './encoder.js';
import type { AudioFormat } from './formats.js';

if (!parentPort) throw new Error('encoder-worker must run in a worker thread');
const port = parentPort;

/** Main thread → encoder worker. */
export type ToEncoder =
  | {
      type: 'create';
      id: number;
      format: AudioFormat;
      sampleRate: number;
      channels: number;
      totalFrames?: number;
      requestedRate: number;
    }
  | { type: 'write'; id: number; pcm: Float32Array }
  | { type: 'end'; id: number }
  | { type: 'destroy'; id: number }
  | { type: 'warm' }
  | { type: 'stop' };

/** Encoder worker → main thread. */
export type FromEncoder =
  | { type: 'created'; id: number }
  | { type: 'data'; id: number; bytes: Uint8Array }
  | { type: 'ended'; id: number }
  | { type: 'warm' }
  | { type: 'error'; id: number; message: string; unavailable: boolean };

const encoders = new Map<number, Promise<AudioEncoder>>();
/** Streams (no total known ahead): their rate, and whether they were written to yet. */
const streams = new Map<number, { rate: number; channels: number; started: boolean }>();
const FIRST_PIECE_S = 0.1;
const PIECE_S = 0.25;

/**
 * Feeds a streamed write to its encoder in short pieces: each piece's bytes are posted as soon as
 * they are encoded, so the client hears the start of a long sentence while the rest is still being
 * encoded (lamejs takes tens of milliseconds per second of audio). A stream's first piece is the
 * shortest.
 */
function writeStreamed(
  encoder: AudioEncoder,
  pcm: Float32Array,
  stream: { rate: number; channels: number; started: boolean },
): void {
  let offset = 0;
  if (!stream.started) {
    stream.started = true;
    offset = Math.min(pcm.length, Math.round(stream.rate * FIRST_PIECE_S) * stream.channels);
    encoder.write(pcm.subarray(0, offset));
  }
  const piece = Math.round(stream.rate * PIECE_S) * stream.channels;
  for (; offset < pcm.length; offset += piece) encoder.write(pcm.subarray(offset, offset + piece));
}

/** Loads every in-process codec once (wasm compile, module graphs) so no request pays for it. */
async function warm(): Promise<void> {
  for (const format of ['mp3', 'opus', 'flac', 'wav'] as const) {
    const encoder = await createAudioEncoder(format, { sampleRate: 48000, channels: 1, onData: () => undefined });
    encoder.write(new Float32Array(960));
    encoder.destroy();
  }
}
const post = (message: FromEncoder, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const forget = (id: number): void => {
  encoders.delete(id);
  streams.delete(id);
};
const fail = (id: number, error: unknown): void => {
  forget(id);
  post({
    type: 'error',
    id,
    message: error instanceof Error ? error.message : String(error),
    unavailable: error instanceof EncoderUnavailableError,
  });
};

port.on('message', (message: ToEncoder) => {
  switch (message.type) {
    case 'create': {
      const { id } = message;
      const created = createAudioEncoder(
        message.format,
        {
          sampleRate: message.sampleRate,
          channels: message.channels,
          ...(message.totalFrames === undefined ? {} : { totalFrames: message.totalFrames }),
          onData: (bytes) => {
            const owned = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
            post({ type: 'data', id, bytes: owned }, [owned.buffer as ArrayBuffer]);
          },
        },
        message.requestedRate,
      );
      encoders.set(id, created);
      if (message.totalFrames === undefined)
        streams.set(id, { rate: message.sampleRate, channels: message.channels, started: false });
      created.then(
        () => post({ type: 'created', id }),
        (error: unknown) => fail(id, error),
      );
      return;
    }
    case 'write': {
      // Writes run in order after creation (the promise chain keeps them sequential).
      const { id, pcm } = message;
      encoders.get(id)?.then(
        (encoder) => {
          const stream = streams.get(id);
          if (stream) writeStreamed(encoder, pcm, stream);
          else encoder.write(pcm);
        },
        () => undefined,
      );
      return;
    }
    case 'end': {
      const { id } = message;
      encoders
        .get(id)
        ?.then((encoder) => encoder.end())
        .then(
          () => {
            forget(id);
            post({ type: 'ended', id });
          },
          (error: unknown) => fail(id, error),
        );
      return;
    }
    case 'destroy':
      encoders.get(message.id)?.then(
        (encoder) => encoder.destroy(),
        () => undefined,
      );
      forget(message.id);
      return;
    case 'warm':
      warm().then(
        () => post({ type: 'warm' }),
        () => post({ type: 'warm' }),
      );
      return;
    case 'stop':
      for (const encoder of encoders.values())
        encoder.then(
          (e) => e.destroy(),
          () => undefined,
        );
      encoders.clear();
      streams.clear();
      port.close();
      return;
  }
});
