/**
 * Mandarin through the real server: Kokoro-82M v1.0 int8 with the real z… voices (and the Chinese
 * roles) speaks sentences with numbers, dates, money and an English word; Whisper base listens in
 * Chinese. Scored by syllables (pinyin without tones, both sides through our normalizer), so
 * simplified/traditional characters and digits/numerals written either way compare equal. Also the
 * 4xx for voices and text without a checked front end.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { pinyin } from 'pinyin-pro';
import { normalizeChinese } from '../../src/text/normalize-chinese.js';
import { decodeAudio, leadingSilence, rmsLevel } from '../helpers/audio.js';
import { useRealServer } from '../helpers/real-server.js';
import { transcribe } from '../helpers/whisper.js';

/** Our own sentences: news, dialogue, a date and money, a time and a percentage, English inside. */
const SENTENCES: readonly string[] = [
  '你好，请问这本书多少钱？',
  '会议定于2024年6月18日召开，门票是380元。',
  '明天早上8:30出发，降水概率是60%。',
  '我刚买了一台新的iPhone，拍照效果很好。',
];
/** Most syllables wrong, per voice, over SENTENCES (measured: see README). */
const MAX_SER = 0.12;

const real = useRealServer('zh', ['kokoro-82m-int8', 'kokoro-82m-voices-multilingual']);

async function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${real.server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', response_format: 'wav', sample_rate: 24000, ...body }),
  });
}

/** Toneless pinyin of the Chinese (and letters of any English) in a text, after our normalizer. */
function syllables(text: string): string[] {
  const normalized = normalizeChinese(text);
  return normalized
    .split(/([A-Za-z]+)/)
    .flatMap((part) =>
      /^[A-Za-z]+$/.test(part)
        ? [part.toLowerCase()]
        : pinyin(part.replace(/[^\p{Script=Han}]/gu, ''), { toneType: 'none', type: 'array' }).filter((s) => s !== ''),
    );
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

describe('Mandarin with the real Kokoro voices', () => {
  it.each(['zf_xiaobei', 'zm_yunjian'])(
    '%s speaks Mandarin that Whisper hears, at a natural rate, with nothing cut',
    async (voice) => {
      const responses = await Promise.all(SENTENCES.map((input) => post({ voice, input })));
      const items: { audio: string; reference: string }[] = [];
      for (const [i, res] of responses.entries()) {
        expect(res.status).toBe(200);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const audio = await decodeAudio(bytes, 'wav');
        expect(rmsLevel(audio.samples)).toBeGreaterThan(0.01);
        expect(leadingSilence(audio.samples, audio.sampleRate)).toBeLessThan(0.15);
        // Mandarin runs at about 3–6 syllables a second.
        const rate = syllables(SENTENCES[i] as string).length / audio.duration;
        expect(rate).toBeGreaterThan(2.5);
        expect(rate).toBeLessThan(7.5);
        const path = join(real.dir, `${voice}-${i}.wav`);
        await writeFile(path, bytes);
        items.push({ audio: path, reference: SENTENCES[i] as string });
      }
      const heard = await transcribe(items, { language: 'zh' });
      let errors = 0;
      let total = 0;
      const lines: string[] = [];
      for (const [i, t] of heard.entries()) {
        const want = syllables(SENTENCES[i] as string);
        const got = syllables(t.text);
        errors += editDistance(want, got);
        total += want.length;
        lines.push(`  ${SENTENCES[i]} → heard ${t.text}`);
        // The end is there: the last syllable is among the last three heard.
        expect(got.slice(-3)).toContain(want.at(-1));
      }
      const ser = errors / total;
      process.stdout.write(
        `${voice}: syllable error rate ${(ser * 100).toFixed(1)} % (${errors}/${total})\n${lines.join('\n')}\n`,
      );
      expect(ser).toBeLessThanOrEqual(MAX_SER);
    },
    240_000,
  );

  it('lists the Chinese roles and maps them to Mandarin voices', async () => {
    const res = await fetch(`${real.server.url}/v1/audio/voices`);
    const body = (await res.json()) as { voices: { id: string; description: string }[] };
    const described = (id: string): string | undefined => body.voices.find((v) => v.id === id)?.description;
    expect(described('女声')).toMatch(/zf_xiaobei/);
    expect(described('男声')).toMatch(/zm_yunjian/);
    expect(described('赞助商')).toMatch(/zf_xiaobei/);
  });

  it('refuses voices and text without a checked front end with a 400 that says what to use', async () => {
    const japanese = await post({ voice: 'jf_alpha', input: 'Hello there.' });
    expect(japanese.status).toBe(400);
    const error = ((await japanese.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('language_not_supported');
    expect(error.message).toMatch(/Japanese.*Mandarin z…/);
    const kana = await post({ voice: 'zf_xiaobei', input: 'こんにちは、元気ですか。' });
    expect(kana.status).toBe(400);
    expect(((await kana.json()) as { error: { message: string } }).error.message).toMatch(/Japanese/);
  });
});
