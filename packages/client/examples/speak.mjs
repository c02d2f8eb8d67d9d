// Speaks a sentence over the realtime WebSocket and once over REST, and prints what came back as JSON.
//   node examples/speak.mjs http://127.0.0.1:8000 "Hello from the client package."
import { createRealtimeClient, createRestClient } from '@flash-tts/client';

const url = process.argv[2] ?? 'http://127.0.0.1:8000';
const text = process.argv[3] ?? 'Hello from the client package. It has no engine of its own.';
const tts = await createRealtimeClient(url, { format: { encoding: 'pcm_s16le', sample_rate: 24000 }, timestamps: true });
const started = performance.now();
let firstAudioMs;
let bytes = 0;
let words = 0;
for await (const event of tts.speak(text)) {
  if (event.type === 'audio') {
    firstAudioMs ??= performance.now() - started;
    bytes += event.data.byteLength;
  }
  if (event.type === 'words') words += event.words.length;
}
await tts.close();
const wav = await createRestClient(url).speech({ input: text, voice: 'female', response_format: 'wav', sample_rate: 16000 });
const rest = {
  bytes: wav.byteLength,
  riff: new TextDecoder().decode(wav.subarray(0, 4)),
  sample_rate: new DataView(wav.buffer, wav.byteOffset).getUint32(24, true),
};
console.log(JSON.stringify({ sample_rate: tts.ready.format.sample_rate, bytes, words, first_audio_ms: firstAudioMs, rest }));
