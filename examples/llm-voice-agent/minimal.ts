import { createRealtimeClient, speakTokenStream } from 'flash-tts/adapters';
import OpenAI from 'openai';

const llm = new OpenAI({ baseURL: process.env.LLM_BASE_URL, apiKey: process.env.LLM_API_KEY ?? 'none' });
const tts = await createRealtimeClient('ws://127.0.0.1:8000/v1/realtime', { format: { encoding: 'pcm_s16le', sample_rate: 24000 } });
const answer = await llm.chat.completions.create({ model: process.env.LLM_MODEL ?? 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Tell me a joke.' }] });
const reply = speakTokenStream(tts, answer); // speech starts with the first sentence; reply.cancel() barges in
for await (const event of reply.context) if (event.type === 'audio') process.stdout.write(event.data); // raw 24 kHz PCM
await tts.close();
