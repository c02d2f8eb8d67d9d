/**
 * Kokoro-82M v1.0 (Apache-2.0) on onnxruntime: text → misaki phonemes (src/text/g2p: English from
 * misaki's lexicons first, then the CMU dictionary, then letter-to-sound; Chinese through the
 * Mandarin front end; for Spanish, French, Italian, Portuguese and Hindi voices espeak-ng with
 * misaki's rewrites) → token ids
 * from config.json's vocab → `input_ids` int64 [1, T+2] (pad 0 at both ends), `style` float32
 * [1, 256] (row T of the voice), `speed` float32 [1] → `waveform` float32 24 kHz. Phoneme strings
 * longer than 510 tokens are split at punctuation (or a space) and synthesized in turn. An int8
 * graph's narrow convolutions are loaded as float convolutions on dequantized weights
 * (onnx/dequantize-convolutions.ts): about twice as fast on onnxruntime-node 1.30.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTrimRange, pauseAfter } from '../../audio/trim-silence.js';
import type { InstalledModel } from '../../models/manifest.js';
import { type PhonemizedText, phonemizeEnglishWords } from '../../text/g2p/english.js';
import { phonemizeWithEspeak } from '../../text/g2p/espeak-kokoro.js';
import { type LexiconData, MisakiLexicon } from '../../text/g2p/misaki-lexicon.js';
import { lazyLetterToSound } from '../flite/letter-to-sound.js';
import { KOKORO_FRONT_ENDS, KOKORO_LANGUAGES, kokoroReads, kokoroVoiceLanguage } from '../front-ends.js';
import { CROP_TAIL_INPUT } from '../onnx/crop-decoder-padding.js';
import { withDequantizedGraph } from '../onnx/dequantized-graph.js';
import { OnnxModel, type OnnxOptions, type TensorSpec } from '../onnx/ort.js';
import type { Engine, EngineInfo, EngineVoice, SynthesisRequest, WordTiming } from '../types.js';
import { estimateWordTimes } from './estimated-word-times.js';
import { KokoroVoices } from './kokoro-voices.js';

export const KOKORO_SAMPLE_RATE = 24000;
/** Most phoneme tokens one call may take (the model's context is 512 with the two pads). */
export const KOKORO_MAX_TOKENS = 510;

export const KOKORO_SIGNATURE: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [
    { key: 'tokens', names: ['input_ids', 'tokens'], type: 'int64', rank: 2 },
    { key: 'style', names: ['style'], type: 'float32', rank: 2 },
    { key: 'speed', names: ['speed'], type: 'float32', rank: 1 },
    // Our crop's (crop-decoder-padding.ts): the closing punctuation's frames are not decoded.
    { key: 'cropTail', names: [CROP_TAIL_INPUT], type: 'int64', rank: 0, optional: true },
  ],
  outputs: [
    { key: 'waveform', names: ['waveform', 'audio'], type: 'float32', rank: [1, 2] },
    // Some exports also give each token's predicted duration: used for word timestamps.
    { key: 'durations', names: ['durations', 'duration', 'pred_dur'], type: ['int64', 'float32'], rank: [1, 2], optional: true },
  ],
};

const HAN = /\p{Script=Han}/u;
/** Symbols that may close a piece without being spoken: punctuation and spaces. */
const CLOSING = /^[\p{P}\s]$/u;

type MandarinFrontEnd = typeof import('../../text/g2p/mandarin.js');
let mandarin: Promise<MandarinFrontEnd> | undefined;
/**
 * The Mandarin front end, loaded on first use: its word and pinyin dictionaries cost ~0.8 s and
 * ~160 MB per engine thread (pypinyin's ~50 MB included), which English-only servers do not pay.
 */
function loadMandarin(): Promise<MandarinFrontEnd> {
  mandarin ??= import('../../text/g2p/mandarin.js').then((m) => {
    m.phonemizeMandarin('中文'); // builds the dictionaries now, not in the first request
    return m;
  });
  return mandarin;
}

const SENTENCE_END = new Set(['.', '!', '?', '…']);
const CLAUSE_END = new Set([',', ';', ':', '—']);
const CLOSERS = new Set(['"', '”', ')']);

/**
 * Splits phoneme symbols into [start, end) ranges of at most `max` symbols: at the last sentence
 * end that fits, else the last clause end, else the last space, else hard at `max`.
 */
export function splitPhonemeRanges(symbols: readonly string[], max = KOKORO_MAX_TOKENS): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  const skipSpaces = (): void => {
    while (symbols[start] === ' ') start++;
  };
  skipSpaces();
  while (symbols.length - start > max) {
    let cut = -1;
    for (const ends of [SENTENCE_END, CLAUSE_END, undefined]) {
      for (let i = start + max; i > start; i--) {
        if (symbols[i] !== ' ') continue;
        let j = i - 1;
        while (j > start && CLOSERS.has(symbols[j] as string)) j--;
        if (!ends || ends.has(symbols[j] as string)) {
          cut = i;
          break;
        }
      }
      if (cut > 0) break;
    }
    const end = cut > 0 ? cut : start + max;
    ranges.push([start, end]);
    start = end;
    skipSpaces();
  }
  if (start < symbols.length) ranges.push([start, symbols.length]);
  return ranges;
}

/** Splits a phoneme string into pieces of at most `max` symbols (see {@link splitPhonemeRanges}). */
export function splitPhonemes(phonemes: string, max = KOKORO_MAX_TOKENS): string[] {
  const symbols = [...phonemes];
  return splitPhonemeRanges(symbols, max).map(([a, b]) => symbols.slice(a, b).join(''));
}

function voiceInfo(id: string, model: InstalledModel): EngineVoice {
  const listed = model.manifest.voices.find((v) => v.id === id);
  const gender = listed?.gender ?? (id[1] === 'f' ? 'female' : id[1] === 'm' ? 'male' : 'neutral');
  const language = listed?.language ?? KOKORO_LANGUAGES[id[0] ?? ''] ?? 'en-US';
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
 * misaki's lexicons (the dictionaries Kokoro was trained with), a US and a British pair, read from
 * the model's `lexicons/` folder: US at start, British when a British voice (`b…`) first speaks.
 * A model installed without them speaks through the CMU dictionary.
 */
class KokoroLexicons {
  readonly #dir: string;
  readonly #loaded = new Map<'us' | 'gb', MisakiLexicon | undefined>();

  constructor(dir: string) {
    this.#dir = dir;
    this.#load('us');
  }

  /** The lexicon for a voice (or mix), by the region letter its first voice starts with. */
  for(voice: string): MisakiLexicon | undefined {
    return this.#load(voice.trimStart().startsWith('b') ? 'gb' : 'us');
  }

  #load(region: 'us' | 'gb'): MisakiLexicon | undefined {
    if (this.#loaded.has(region)) return this.#loaded.get(region);
    const read = (name: string): LexiconData | undefined => {
      const path = join(this.#dir, `${region}_${name}.json`);
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LexiconData) : undefined;
    };
    const gold = read('gold');
    const silver = read('silver');
    const lexicon = gold ? new MisakiLexicon({ gold, silver: silver ?? {}, british: region === 'gb' }) : undefined;
    this.#loaded.set(region, lexicon);
    return lexicon;
  }
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
  const graphPath = join(model.dir, 'model.onnx');
  // int8 exports: float convolutions on dequantized weights, about twice as fast on onnxruntime-node 1.30.
  // The decoder skips most of the pads' silence (crop-decoder-padding.ts): ~100–150 ms less per call;
  // and the frames of a piece's closing punctuation, whose pause is added below as silence.
  const session = await withDequantizedGraph(
    graphPath,
    (file) => OnnxModel.load({ path: graphPath, file }, KOKORO_SIGNATURE, onnx),
    { cropPadding: { tailInput: CROP_TAIL_INPUT } },
  );
  // For the words the lexicons lack, loaded at the first such word, not at start.
  const letterToSound = lazyLetterToSound();
  const lexicons = new KokoroLexicons(join(model.dir, 'lexicons'));

  const info: EngineInfo = {
    id: 'kokoro',
    label: `Kokoro-82M v1.0 (${model.name})`,
    sampleRate: KOKORO_SAMPLE_RATE,
    voices: voices.ids.map((id) => voiceInfo(id, files.get(id)?.model ?? model)),
    capabilities: { speed: true, temperature: false, topK: false, topP: false },
    licence: model.manifest.licence,
  };

  const withDurations = session.has('durations');
  const cropsTail = session.has('cropTail');
  // With Mandarin voices installed, Chinese is expected: its front end loads before the engine is ready.
  if ([...files.keys()].some((id) => id.startsWith('z'))) await loadMandarin();

  return {
    info,
    async *synthesize(request: SynthesisRequest, signal: AbortSignal) {
      voices.get(request.voice); // unknown voices fail before any work
      // Chinese text (any voice: z… voices were trained on it) through the Mandarin front end,
      // English words in it through misaki's English rules; other text through the front end of
      // the voice's language: espeak-ng for e…, f…, i…, p…, h…, misaki's English rules otherwise.
      const english = (text: string): PhonemizedText =>
        phonemizeEnglishWords(text, { alphabet: 'misaki', oov: letterToSound.oov, lexicon: lexicons.for(request.voice) });
      const language = kokoroVoiceLanguage(request.voice);
      const mandarin = HAN.test(request.text) ? await loadMandarin() : undefined;
      const { phonemes, words } = await letterToSound.phonemize(() =>
        mandarin
          ? mandarin.phonemizeMandarin(request.text, { latin: english })
          : !KOKORO_FRONT_ENDS.has(language) && kokoroReads(language)
            ? phonemizeWithEspeak(request.text, language)
            : english(request.text),
      );
      const symbols = [...phonemes];
      let elapsed = 0; // seconds of audio before this piece
      for (const [start, end] of splitPhonemeRanges(symbols)) {
        if (signal.aborted) return;
        // Token index of each symbol of the piece (-1: not in the vocabulary, dropped).
        const tokenAt: number[] = [];
        const tokens: number[] = [];
        for (let i = start; i < end; i++) {
          const id = vocab.get(symbols[i] as string);
          tokenAt.push(id === undefined ? -1 : tokens.length);
          if (id !== undefined) tokens.push(id);
        }
        if (tokens.length === 0) continue;
        const ids = BigInt64Array.from([0, ...tokens.slice(0, KOKORO_MAX_TOKENS), 0], (t) => BigInt(t));
        // Closing punctuation (and spaces) at the end, whose frames are the pause after the text: the
        // cropped decoder skips them (but a margin), and the pause is made below as silence. At
        // least one token is spoken.
        const tail = cropsTail && tokens.length <= KOKORO_MAX_TOKENS ? closingTokens(symbols, start, end, tokenAt) : 0;
        const result = await session.run(
          {
            tokens: { type: 'int64', data: ids, dims: [1, ids.length] },
            style: { type: 'float32', data: voices.style(request.voice, ids.length - 2), dims: [1, 256] },
            speed: { type: 'float32', data: Float32Array.of(request.speed), dims: [1] },
            cropTail: { type: 'int64', data: BigInt64Array.of(BigInt(tail)), dims: [] },
          },
          withDurations ? ['waveform', 'durations'] : ['waveform'],
        );
        if (signal.aborted) return;
        const raw = result.waveform?.data as Float32Array;
        silenceEdges(raw);
        // The model pads each call with ~0.3 s of silence before and ~0.45 s after the speech; the
        // cropped decoder keeps 0.1 s after the last token it decodes. The pause kept after the
        // sound is what the decoder made of it and, where its closing punctuation was not decoded,
        // silence up to the pause's length.
        // A faster speaker pauses for less: the pause follows the speed as the speech does.
        const pause = pauseAfter(symbols.slice(start, end).join('')) / request.speed;
        const kept = findTrimRange(raw, KOKORO_SAMPLE_RATE, { tail: pause });
        const fullPause = tail > 0 ? kept.soundEnd + Math.round(pause * KOKORO_SAMPLE_RATE) : 0;
        const pcm = new Float32Array(Math.max(kept.end, fullPause) - kept.start);
        pcm.set(raw.subarray(kept.start, kept.end));
        const durations = result.durations ? Array.from(result.durations.data as ArrayLike<number | bigint>, Number) : undefined;
        const timings = durations
          ? wordTimings(words, start, end, tokenAt, durations, raw.length, elapsed - kept.start / KOKORO_SAMPLE_RATE)
          : estimateWordTimes(
              symbols,
              words,
              { from: start, to: end },
              {
                start: (kept.soundStart - kept.start) / KOKORO_SAMPLE_RATE,
                end: (kept.soundEnd - kept.start) / KOKORO_SAMPLE_RATE,
                offset: elapsed,
              },
            );
        elapsed += pcm.length / KOKORO_SAMPLE_RATE;
        yield { pcm, words: timings };
      }
    },
  };
}

/**
 * Samples at each end of a call's waveform that the decoder's inverse STFT (n_fft 20) fills from
 * one side only: half its window.
 */
const ISTFT_EDGE = 10;

/**
 * Zeroes the waveform's first and last {@link ISTFT_EDGE} samples in place. The decoder leaves a
 * spike of up to −19 dBFS there (sample 9 of "Sure!"), inside the silence before the speech: kept
 * by the trim, it was a click before the first word, and it counted as sound, so the trim kept
 * the silence between it and the word.
 */
export function silenceEdges(waveform: Float32Array): void {
  const edge = Math.min(ISTFT_EDGE, Math.floor(waveform.length / 2));
  waveform.fill(0, 0, edge);
  waveform.fill(0, waveform.length - edge);
}

/**
 * How many tokens at the end of the piece `symbols[start, end)` are closing punctuation or spaces
 * (symbols with no token skipped), leaving at least one token before them.
 */
function closingTokens(symbols: readonly string[], start: number, end: number, tokenAt: readonly number[]): number {
  const spoken = tokenAt.filter((t) => t >= 0).length;
  let tail = 0;
  for (let i = end - 1; i >= start && tail < spoken - 1; i--) {
    if ((tokenAt[i - start] as number) < 0) continue;
    if (!CLOSING.test(symbols[i] as string)) break;
    tail++;
  }
  return tail;
}

/**
 * Word times of one model call from its per-token durations (pads included): the audio is
 * spread over the tokens in proportion to their durations, whatever unit the export uses.
 */
function wordTimings(
  words: PhonemizedText['words'],
  start: number,
  end: number,
  tokenAt: readonly number[],
  durations: readonly number[],
  samples: number,
  offset: number,
): WordTiming[] {
  const total = durations.reduce((a, b) => a + b, 0);
  if (total <= 0) return [];
  const secondsPerUnit = samples / KOKORO_SAMPLE_RATE / total;
  // Time at which token k (0 = the leading pad) starts.
  const startOf: number[] = [0];
  for (const d of durations) startOf.push((startOf.at(-1) as number) + d);
  const timings: WordTiming[] = [];
  for (const w of words) {
    if (w.start < start || w.end > end) continue;
    const first = tokenAt.slice(w.start - start, w.end - start).find((t) => t >= 0);
    const last = tokenAt
      .slice(w.start - start, w.end - start)
      .filter((t) => t >= 0)
      .at(-1);
    if (first === undefined || last === undefined) continue;
    timings.push({
      word: w.word,
      start: Math.max(0, offset + (startOf[first + 1] as number) * secondsPerUnit),
      end: offset + (startOf[last + 2] as number) * secondsPerUnit,
    });
  }
  return timings;
}
