/**
 * Spanish, French, Italian, Brazilian Portuguese and Hindi through the real server: Kokoro-82M
 * v1.0 int8 with one real voice per language (front end: espeak-ng with misaki's rewrites) speaks
 * two sentences, one with a number written in digits; Whisper base listens in that language.
 * Scored by words (lower case, punctuation dropped, digits compared as written) — a number read in
 * English, or words spoken with the wrong phonemes, would show up as errors.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { decodeAudio, rmsLevel } from '../helpers/audio.js';
import { useRealServer } from '../helpers/real-server.js';
import { type TranscribeItem, transcribe } from '../helpers/whisper.js';

/** Our own sentences, one voice per language. */
interface Language {
  name: string;
  voice: string;
  whisper: string;
  sentences: readonly string[];
  /** The sentences as Whisper should write them, when in another script. */
  heardAs?: readonly string[];
}
const LANGUAGES: readonly Language[] = [
  {
    name: 'Spanish',
    voice: 'ef_dora',
    whisper: 'es',
    sentences: ['Mañana vamos a la playa con mis amigos.', 'Tengo 25 años y vivo en Madrid.'],
  },
  {
    name: 'French',
    voice: 'ff_siwis',
    whisper: 'fr',
    sentences: ['Nous allons au marché tous les samedis.', "J'ai 25 ans et j'habite à Paris."],
  },
  {
    name: 'Italian',
    voice: 'if_sara',
    whisper: 'it',
    sentences: ['Domani andiamo al mare con gli amici.', 'Ho 25 anni e abito a Roma.'],
  },
  {
    name: 'Brazilian Portuguese',
    voice: 'pf_dora',
    whisper: 'pt',
    sentences: ['Amanhã vamos à praia com os nossos amigos.', 'Tenho 25 anos e moro em São Paulo.'],
  },
  {
    name: 'Hindi',
    voice: 'hf_alpha',
    whisper: 'ur',
    sentences: ['कल हम अपने दोस्तों के साथ बाज़ार जाएँगे।', 'मेरी उम्र 25 साल है।'],
    // Whisper base hears spoken Hindi far better as Urdu (the same spoken language) than in
    // Devanagari: it listens in Urdu and is scored against the sentences in Urdu's script.
    heardAs: ['کل ہم اپنے دوستوں کے ساتھ بازار جائیں گے۔', 'میری عمر 25 سال ہے۔'],
  },
];
/** Most words wrong per language over its two sentences (measured: see README). */
const MAX_WER = 0.3;

const real = useRealServer('langs', ['kokoro-82m-int8', 'kokoro-82m-voices-multilingual']);

async function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${real.server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', response_format: 'wav', sample_rate: 24000, ...body }),
  });
}

/** Words in lower case without punctuation (letters with their marks, and digits, kept). */
function words(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((w) => w !== '');
}

/** Fewest substitutions, deletions and insertions between two sequences. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(
        Math.min(
          (previous[j] as number) + 1,
          (current[j - 1] as number) + 1,
          (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        ),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

describe('Kokoro voices read through espeak-ng, on the real graph', () => {
  it('each language is spoken so that Whisper hears the words, numbers in the language', async () => {
    // One request per language with both sentences: the server speaks them as two segments.
    const responses = await Promise.all(LANGUAGES.map((l) => post({ voice: l.voice, input: l.sentences.join(' ') })));
    const items: TranscribeItem[] = [];
    for (const [k, res] of responses.entries()) {
      const l = LANGUAGES[k] as Language;
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const audio = await decodeAudio(bytes, 'wav');
      expect(rmsLevel(audio.samples)).toBeGreaterThan(0.01);
      // Two sentences of 6–9 words take 3–8 s: not cut short, not spelled out letter by letter.
      expect(audio.duration).toBeGreaterThan(3);
      expect(audio.duration).toBeLessThan(8);
      const path = join(real.dir, `${l.voice}.wav`);
      await writeFile(path, bytes);
      items.push({ audio: path, reference: (l.heardAs ?? l.sentences).join(' '), language: l.whisper });
    }
    const heard = await transcribe(items);
    const lines: string[] = [];
    const rates: [string, number][] = [];
    for (const [k, t] of heard.entries()) {
      const l = LANGUAGES[k] as Language;
      const want = words((l.heardAs ?? l.sentences).join(' '));
      const errors = editDistance(want, words(t.text));
      rates.push([l.name, errors / want.length]);
      lines.push(
        `${l.name} (${l.voice}): word error rate ${((errors / want.length) * 100).toFixed(1)} % (${errors}/${want.length}) — heard ${t.text}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    for (const [name, wer] of rates) expect([name, wer <= MAX_WER]).toEqual([name, true]);
  }, 150_000);

  it('still refuses the Japanese voices with a 400 that says why', async () => {
    const res = await post({ voice: 'jf_alpha', input: 'Hello there.' });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('language_not_supported');
    expect(error.message).toMatch(/Japanese.*dictionary/);
  });
});
