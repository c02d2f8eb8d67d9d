/** Child process for the kill -9 test: saves speaker "alpha" over and over with fresh audio until killed. */
import { SpeakerStore } from '../../src/speakers/speaker-store.js';

const store = await SpeakerStore.open(process.argv[2] as string);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const samples = Float32Array.from({ length: 48000 }, () => Math.random() - 0.5);
  const audio = await store.saveAudio(samples);
  const embedding = await store.saveEmbedding('pocket-tts', { data: samples.slice(0, 1024), dims: [1, 1, 1024] });
  await store.put({
    name: 'alpha',
    audio,
    sampleRate: 24000,
    referenceText: `take ${i}`,
    embeddings: { 'pocket-tts': { digest: embedding, from: 'audio' } },
  });
}
