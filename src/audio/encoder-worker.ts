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
  | { type: 'stop' };

/** Encoder worker → main thread. */
export type FromEncoder =
  | { type: 'created'; id: number }
  | { type: 'data'; id: number; bytes: Uint8Array }
  | { type: 'ended'; id: number }
  | { type: 'error'; id: number; message: string; unavailable: boolean };

const encoders = new Map<number, Promise<AudioEncoder>>();
const post = (message: FromEncoder, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const fail = (id: number, error: unknown): void => {
  encoders.delete(id);
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
      created.then(
        () => post({ type: 'created', id }),
        (error: unknown) => fail(id, error),
      );
      return;
    }
    case 'write':
      // Writes run in order after creation (the promise chain keeps them sequential).
      encoders.get(message.id)?.then(
        (encoder) => encoder.write(message.pcm),
        () => undefined,
      );
      return;
    case 'end': {
      const { id } = message;
      encoders
        .get(id)
        ?.then((encoder) => encoder.end())
        .then(
          () => {
            encoders.delete(id);
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
      encoders.delete(message.id);
      return;
    case 'stop':
      for (const encoder of encoders.values())
        encoder.then(
          (e) => e.destroy(),
          () => undefined,
        );
      encoders.clear();
      port.close();
      return;
  }
});
