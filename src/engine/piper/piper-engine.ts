/**
 * Piper voices (VITS, MIT; voices under their own licences) on onnxruntime. Each installed voice
 * is `model.onnx` + `model.onnx.json`. Text → IPA from the `espeak-ng` program, clause by clause
 * with punctuation, as the voices were trained (without the program, English goes through the
 * dictionary front end and other languages are not offered) → ids from the
 * voice's `phoneme_id_map`: `^ _` first, each phoneme followed by `_`, `$` last → `input` int64 [1,T],
 * `input_lengths` int64 [1], `scales` float32 [3] (noise, length, noise_w), `sid` int64 [1] for
 * multi-speaker voices → `output` float32 [1,1,1,N] at the voice's rate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTrimRange, pauseAfter } from '../../audio/trim-silence.js';
import type { InstalledModel } from '../../models/manifest.js';
import { phonemizeEnglish } from '../../text/g2p/english.js';
import { lazyLetterToSound } from '../flite/letter-to-sound.js';
import { OnnxModel, type OnnxOptions, type TensorSpec } from '../onnx/ort.js';
import type { Engine, EngineInfo, EngineVoice, SynthesisRequest } from '../types.js';
import { espeakPhonemes, hasEspeak } from './espeak.js';

export const PIPER_SIGNATURE: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [
    { key: 'input', names: ['input'], type: 'int64', rank: 2 },
    { key: 'input_lengths', names: ['input_lengths'], type: 'int64', rank: 1 },
    { key: 'scales', names: ['scales'], type: 'float32', rank: 1 },
    { key: 'sid', names: ['sid'], type: 'int64', rank: 1, optional: true },
  ],
  outputs: [{ key: 'output', names: ['output'], type: 'float32', rank: 4 }],
};

/** The parts of a Piper voice's .onnx.json used here. */
export interface PiperVoiceConfig {
  audio: { sample_rate: number };
  espeak?: { voice?: string };
  language?: { code?: string };
  inference?: { noise_scale?: number; length_scale?: number; noise_w?: number };
  phoneme_id_map: Record<string, number[]>;
  num_speakers?: number;
  speaker_id_map?: Record<string, number>;
}

interface LoadedVoice {
  id: string;
  model: OnnxModel;
  config: PiperVoiceConfig;
  language: string;
}

/**
 * Phoneme ids as Piper's training saw them: `^` and its `_`, each phoneme then `_`, `$`. Without
 * the pad after `^` the voice slurs the first sound ("My" heard as "I", "Turn" as "earn").
 */
export function piperIds(phonemes: string, map: Record<string, number[]>): number[] {
  const pad = map._ ?? [];
  const ids = [...(map['^'] ?? []), ...pad];
  for (const symbol of [...phonemes.normalize('NFD')]) {
    const mapped = map[symbol];
    if (!mapped) continue;
    ids.push(...mapped, ...pad);
  }
  ids.push(...(map.$ ?? []));
  return ids;
}

/** Voice id of an installed Piper model: its name without the `piper-` prefix. */
export function piperVoiceId(model: InstalledModel): string {
  return model.name.replace(/^piper-/, '');
}

/** Creates the Piper engine over every installed Piper voice it can speak. */
export async function createPiperEngine(models: InstalledModel[], onnx: Partial<OnnxOptions> = {}): Promise<Engine> {
  const voices = new Map<string, LoadedVoice>();
  const infos: EngineVoice[] = [];
  // For the words the dictionary lacks (without espeak-ng), loaded at the first such word.
  const letterToSound = lazyLetterToSound();
  for (const installed of models) {
    const config = JSON.parse(readFileSync(join(installed.dir, 'model.onnx.json'), 'utf8')) as PiperVoiceConfig;
    const language = config.espeak?.voice ?? installed.manifest.languages[0] ?? 'en-us';
    if (!language.toLowerCase().startsWith('en')) {
      // Without espeak-ng only English text can be phonemized; other voices stay unlisted.
      if (!hasEspeak()) continue;
    }
    const model = await OnnxModel.load(join(installed.dir, 'model.onnx'), PIPER_SIGNATURE, onnx);
    const id = piperVoiceId(installed);
    voices.set(id, { id, model, config, language });
    const listed = installed.manifest.voices[0];
    const speakers = Object.keys(config.speaker_id_map ?? {});
    const base: EngineVoice = {
      id,
      name: id,
      language: listed?.language ?? language,
      gender: listed?.gender ?? 'neutral',
      description: `Piper ${language} voice ${id} (${config.audio.sample_rate} Hz)`,
    };
    infos.push(base);
    for (const speaker of speakers) infos.push({ ...base, id: `${id}:${speaker}`, name: `${id} (${speaker})` });
  }

  const info: EngineInfo = {
    id: 'piper',
    label: 'Piper (VITS)',
    // The most common rate; each chunk says its voice's own rate.
    sampleRate: 22050,
    voices: infos,
    capabilities: { speed: true, temperature: false, topK: false, topP: false },
    licence: 'MIT (engine); each voice has its own licence',
  };

  return {
    info,
    async *synthesize(request: SynthesisRequest, signal: AbortSignal) {
      const [voiceId = '', speaker] = request.voice.split(':');
      const voice = voices.get(voiceId);
      if (!voice) throw new Error(`Piper has no voice "${request.voice}"`);
      const { config } = voice;
      let phonemes: string;
      // The voices were trained on espeak-ng's phonemes: use it whenever it is installed. Without
      // it, English goes through the dictionary front end (lower accuracy: see the README).
      if (hasEspeak()) {
        phonemes = espeakPhonemes(request.text, voice.language);
      } else {
        phonemes = await letterToSound.phonemize(() =>
          phonemizeEnglish(request.text, { alphabet: 'espeak', oov: letterToSound.oov }),
        );
      }
      const ids = piperIds(phonemes, config.phoneme_id_map);
      if (signal.aborted || ids.length <= 2) return;
      const inference = config.inference ?? {};
      const sid = speaker === undefined ? 0 : (config.speaker_id_map?.[speaker] ?? 0);
      const result = await voice.model.run(
        {
          input: { type: 'int64', data: BigInt64Array.from(ids, (i) => BigInt(i)), dims: [1, ids.length] },
          input_lengths: { type: 'int64', data: BigInt64Array.of(BigInt(ids.length)), dims: [1] },
          scales: {
            type: 'float32',
            data: Float32Array.of(
              inference.noise_scale ?? 0.667,
              (inference.length_scale ?? 1) / request.speed,
              inference.noise_w ?? 0.8,
            ),
            dims: [3],
          },
          sid: { type: 'int64', data: BigInt64Array.of(BigInt(sid)), dims: [1] },
        },
        ['output'],
      );
      if (signal.aborted) return;
      const rate = config.audio.sample_rate;
      const raw = result.output?.data as Float32Array;
      // Silence kept around the speech as natural pauses (see trim-silence).
      const kept = findTrimRange(raw, rate, { tail: pauseAfter(request.text) });
      yield { pcm: raw.slice(kept.start, kept.end), sampleRate: rate };
    },
  };
}
