/**
 * LiveKit Agents' and Pipecat's OpenAI TTS plugins point the OpenAI client at a base URL and read
 * `/v1/audio/speech` with response_format "pcm" as a stream of raw 24 kHz mono 16-bit samples.
 * This calls it the same way with the OpenAI Node SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { decodeAudio, transcribe, wordErrorRate } from '../helpers/audio.js';

const TEXT =
  'Thanks for calling. Your order has shipped and should arrive on Thursday. ' +
  'The driver will ring the bell when the parcel is at your door. ' +
  'You can follow every step of the delivery in the app. Is there anything else I can help you with today?';

describe('OpenAI TTS plugins (LiveKit, Pipecat) against /v1/audio/speech', () => {
  let server: RunningServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startServer({ port: 0, logLevel: 'silent' });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    // A running server is warm; the first synthesis after start pays for loading.
    await (
      await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Warm up.', response_format: 'pcm' })
    ).arrayBuffer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('streams raw 24 kHz 16-bit mono PCM while it synthesizes', async () => {
    const t0 = performance.now();
    const response = await client.audio.speech
      .create({ model: 'tts-1', voice: 'alloy', input: TEXT, response_format: 'pcm', speed: 1, instructions: 'Speak warmly.' })
      .asResponse();
    expect(response.headers.get('content-type')).toBe('audio/pcm');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    let firstAt = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (chunks.length === 0) firstAt = performance.now() - t0;
      chunks.push(value);
    }
    const totalAt = performance.now() - t0;
    const pcm = Buffer.concat(chunks);
    expect(chunks.length).toBeGreaterThan(1); // streamed, segment by segment
    expect(firstAt).toBeLessThan(totalAt / 2);
    expect(pcm.subarray(0, 4).toString('latin1')).not.toBe('RIFF'); // no header
    expect(pcm.length % 2).toBe(0);
    // The same speech as a WAV file says the rate is 24 kHz and the length matches.
    const wav = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: TEXT, response_format: 'wav' });
    const reference = await decodeAudio(new Uint8Array(await wav.arrayBuffer()), 'wav');
    expect(reference.sampleRate).toBe(24000);
    expect(Math.abs(pcm.length / 2 / 24000 - reference.duration)).toBeLessThan(0.03);
    expect(wordErrorRate(TEXT, await transcribe(new Uint8Array(pcm), 'pcm', 24000))).toBeLessThan(0.35);
  });
});
