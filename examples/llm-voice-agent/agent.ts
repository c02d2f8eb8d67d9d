/**
 * Ask an OpenAI-compatible LLM a question and speak the answer while it is being written.
 *
 *   LLM_BASE_URL=http://localhost:11434/v1 LLM_MODEL=llama3.2 npm start -- "Why is the sky blue?" answer.wav
 *
 * Env: LLM_BASE_URL, LLM_MODEL, LLM_API_KEY (if the endpoint needs one), FLASH_TTS_URL
 * (default ws://127.0.0.1:8000/v1/realtime), FLASH_TTS_VOICE. Writes a WAV file, and prints when
 * the first audio arrived and when the LLM finished.
 */
import { writeFile } from 'node:fs/promises';
import { createRealtimeClient, speakTokenStream } from 'flash-tts/adapters';
import OpenAI from 'openai';

const [question = 'Say hello in two sentences.', output = 'answer.wav'] = process.argv.slice(2);
const llm = new OpenAI({ baseURL: process.env.LLM_BASE_URL, apiKey: process.env.LLM_API_KEY ?? 'none' });
const tts = await createRealtimeClient(process.env.FLASH_TTS_URL ?? 'ws://127.0.0.1:8000/v1/realtime', {
  format: { encoding: 'pcm_s16le', sample_rate: 24000 },
  ...(process.env.FLASH_TTS_VOICE ? { voice: process.env.FLASH_TTS_VOICE } : {}),
});

const started = performance.now();
const completion = await llm.chat.completions.create({
  model: process.env.LLM_MODEL ?? 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content: question }],
});
const reply = speakTokenStream(tts, completion);
reply.fed.then(() => console.log(`LLM finished after ${Math.round(performance.now() - started)} ms`));

const chunks: Uint8Array[] = [];
for await (const event of reply.context) {
  if (event.type === 'audio') {
    if (chunks.length === 0) console.log(`first audio after ${Math.round(performance.now() - started)} ms`);
    chunks.push(event.data);
  }
  if (event.type === 'segment') console.log(`speaking: ${event.text}`);
}
await tts.close();

const pcm = Buffer.concat(chunks);
const header = Buffer.alloc(44);
header.write('RIFF', 0);
header.writeUInt32LE(36 + pcm.length, 4);
header.write('WAVEfmt ', 8);
header.writeUInt32LE(16, 16);
header.writeUInt16LE(1, 20);
header.writeUInt16LE(1, 22);
header.writeUInt32LE(24000, 24);
header.writeUInt32LE(48000, 28);
header.writeUInt16LE(2, 32);
header.writeUInt16LE(16, 34);
header.write('data', 36);
header.writeUInt32LE(pcm.length, 40);
await writeFile(output, Buffer.concat([header, pcm]));
console.log(`wrote ${output} (${(pcm.length / 48000).toFixed(1)} s)`);
