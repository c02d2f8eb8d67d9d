/**
 * Kokoro-82M v1.0 (Apache-2.0) on onnxruntime: text → misaki phonemes (src/text/g2p) → token ids
 * from config.json's vocab → `input_ids` int64 [1, T+2] (pad 0 at both ends), `style` float32
 * [1, 256] (row T of the voice), `speed` float32 [1] → `waveform` float32 24 kHz. Phoneme strings
 * longer than 510 tokens are split at punctuation (or a space) and synthesized in turn.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstalledModel } from '../../models/manifest.js';
import { phonemizeEnglish } from '../../text/g2p/english.js';
import { createLetterToSound } from '../flite/letter-to-sound.js';
import { OnnxModel, type OnnxOptions, type TensorSpec } from '../onnx/ort.js';
import type { Engine, EngineInfo, EngineVoice, SynthesisRequest } from '../types.js';
import { KokoroVoices } from './kokoro-voices.js';

export const KOKORO_SAMPLE_RATE = 24000;
/** Most phoneme tokens one call may take (the model's context is 512 with the two pads). */
export const KOKORO_MAX_TOKENS = 510;

export const KOKORO_SIGNATURE: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [
    { key: 'tokens', names: ['input_ids', 'tokens'], type: 'int64', rank: 2 },
    { key: 'style', names: ['style'], type: 'float32', rank: 2 },
    { key: 'speed', names: ['speed'], type: 'float32', rank: 1 },
  ],
  outputs: [{ key: 'waveform', names: ['waveform', 'audio'], type: 'float32', rank: [1, 2] }],
};

const LANGUAGES: Readonly<Record<string, string>> = {
  a: 'en-US',
  b: 'en-GB',
  e: 'es',
  f: 'fr-FR',
  h: 'hi',
  i: 'it',
  j: 'ja',
  p: 'pt-BR',
  z: 'zh',
};

/** Splits a phoneme string into pieces of at most `max` characters, at punctuation or spaces. */
export function splitPhonemes(phonemes: string, max = KOKORO_MAX_TOKENS): string[] {
  const pieces: string[] = [];
  let rest = phonemes.trim();
  while ([...rest].length > max) {
    const chars = [...rest];
    const window = chars.slice(0, max).join('');
    const cut = [/[.!?…][”"]?\s/g, /[,;:—]\s/g, /\s/g].reduce<number>((found, pattern) => {
      if (found > 0) return found;
      let last = -1;
      for (const m of window.matchAll(pattern)) last = m.index + m[0].length;
      return last;
    }, -1);
    const at = cut > 0 ? cut : window.length;
    pieces.push(window.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

function voiceInfo(id: string, model: InstalledModel): EngineVoice {
  const listed = model.manifest.voices.find((v) => v.id === id);
  const gender = listed?.gender ?? (id[1] === 'f' ? 'female' : id[1] === 'm' ? 'male' : 'neutral');
  const language = listed?.language ?? LANGUAGES[id[0] ?? ''] ?? 'en-US';
  const name = id.slice(3).replace(/^./, (c) => c.toUpperCase());
  return { id, name, language, gender, description: `Kokoro ${language} ${gender} voice "${name}"` };
}

/** Voice files of installed Kokoro models (`voices/<id>.bin`), id → path and the model listing it. */
function collectVoices(models: readonly InstalledModel[]): Map<string, { path: string; model: InstalledModel }> {
  const found = new Map<string, { path: string; model: InstalledModel }>();
  for (const model of models) {
    const dir = join(model.dir, 'voices');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.bin'))) {
      const id = file.slice(0, -4).toLowerCase();
      if (!found.has(id)) found.set(id, { path: join(dir, file), model });
    }
  }
  return found;
}

/**
 * Creates the Kokoro engine: the graph and config of `model`, the voices of every installed
 * Kokoro model (voice packs add to the voices of the graph's own model).
 */
export async function createKokoroEngine(
  model: InstalledModel,
  onnx: Partial<OnnxOptions> = {},
  voiceModels: readonly InstalledModel[] = [model],
): Promise<Engine> {
  const config = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as { vocab: Record<string, number> };
  const vocab = new Map(Object.entries(config.vocab));
  const files = collectVoices([model, ...voiceModels.filter((m) => m !== model)]);
  if (files.size === 0) throw new Error(`${join(model.dir, 'voices')} has no voice files`);
  const voices = new KokoroVoices(new Map([...files].map(([id, f]) => [id, f.path])));
  const session = await OnnxModel.load(join(model.dir, 'model.onnx'), KOKORO_SIGNATURE, onnx);
  const letterToSound = await createLetterToSound();

  const info: EngineInfo = {
    id: 'kokoro',
    label: `Kokoro-82M v1.0 (${model.name})`,
    sampleRate: KOKORO_SAMPLE_RATE,
    voices: voices.ids.map((id) => voiceInfo(id, files.get(id)?.model ?? model)),
    capabilities: { speed: true, temperature: false, topK: false, topP: false },
    licence: model.manifest.licence,
  };

  /** Token ids of a phoneme string (symbols outside the vocabulary are dropped). */
  const tokenize = (phonemes: string): number[] =>
    [...phonemes].flatMap((c) => {
      const id = vocab.get(c);
      return id === undefined ? [] : [id];
    });

  return {
    info,
    async *synthesize(request: SynthesisRequest, signal: AbortSignal) {
      voices.get(request.voice); // unknown voices fail before any work
      const phonemes = phonemizeEnglish(request.text, 'misaki', letterToSound);
      for (const piece of splitPhonemes(phonemes)) {
        if (signal.aborted) return;
        const tokens = tokenize(piece).slice(0, KOKORO_MAX_TOKENS);
        if (tokens.length === 0) continue;
        const ids = BigInt64Array.from([0, ...tokens, 0], (t) => BigInt(t));
        const result = await session.run(
          {
            tokens: { type: 'int64', data: ids, dims: [1, ids.length] },
            style: { type: 'float32', data: voices.style(request.voice, tokens.length), dims: [1, 256] },
            speed: { type: 'float32', data: Float32Array.of(request.speed), dims: [1] },
          },
          ['waveform'],
        );
        if (signal.aborted) return;
        yield { pcm: Float32Array.from(result.waveform?.data as Float32Array) };
      }
    },
  };
}
