/**
 * Pocket-TTS (Kyutai, CC-BY-4.0) voice cloning on onnxruntime, as the ONNX export in the
 * `pocket-tts-int8` manifest lays it out:
 *   mimi_encoder      audio float32 [1,1,S] at 24 kHz → voice embedding [1,V,1024]
 *   text_conditioner  token_ids int64 [1,L] (SentencePiece) → [1,L,1024]
 *   flow_lm_main      sequence [1,N,32] + text_embeddings [1,M,1024] + state_* → conditioning
 *                     [1,1024], eos_logit [1,1], out_state_* (primed with the voice, then the text)
 *   flow_lm_flow      c [1,1024], s [1,1], t [1,1], x [1,32] → velocity [1,32] (Euler steps)
 *   mimi_decoder      latent [1,n,32] + state_* → audio (1920 samples per latent), out_state_*
 * State tensors are whatever `state_*` inputs the graphs declare (read from the graphs, never
 * hard-coded), zero-initialized, and fed back from the matching `out_state_*` outputs.
 * Generation and decoding go frame by frame: audio streams after the first frame, and a cancel
 * stops at the next one.
 */
import { join } from 'node:path';
import { SentencePieceProcessor } from '@sctg/sentencepiece-js';
import type { InstalledModel } from '../../models/manifest.js';
import { OnnxModel, type OnnxOptions, type TensorData, zeroState } from '../onnx/ort.js';
import type { Engine, EngineInfo, SynthesisRequest, VoiceEmbedding } from '../types.js';
import { readEmbeddingFile } from './embedding-file.js';

export const POCKET_SAMPLE_RATE = 24000;
export const POCKET_FRAME_SAMPLES = 1920;
/** End-of-speech threshold on the eos logit, and frames kept after it fires. */
const EOS_THRESHOLD = -4;
const FRAMES_AFTER_EOS = 3;
/** Flow-matching steps per frame. */
const LSD_STEPS = 10;
/** Longest segment, in frames (80 ms each): 40 s. */
const MAX_FRAMES = 500;
const DEFAULT_TEMPERATURE = 0.7;
const LATENT = 32;

const STATE = 'state_';

const GRAPHS = {
  encoder: ['onnx/mimi_encoder.onnx'],
  conditioner: ['onnx/text_conditioner.onnx'],
  main: ['onnx/flow_lm_main_int8.onnx', 'onnx/flow_lm_main.onnx'],
  flow: ['onnx/flow_lm_flow_int8.onnx', 'onnx/flow_lm_flow.onnx'],
  decoder: ['onnx/mimi_decoder_int8.onnx', 'onnx/mimi_decoder.onnx'],
} as const;

/** The Pocket-TTS engine: it clones, so it embeds reference audio (dims [1, V, 1024]). */
export type PocketEngine = Engine & Required<Pick<Engine, 'embedReference'>>;

function firstExisting(model: InstalledModel, candidates: readonly string[]): string {
  const files = new Set(model.manifest.files.map((f) => f.path));
  const found = candidates.find((c) => files.has(c));
  return join(model.dir, found ?? (candidates[0] as string));
}

/** Feeds `out_state_<i>` outputs back as `state_<i>` inputs. */
function carryState(state: Record<string, TensorData>, outputs: Record<string, TensorData>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (name.startsWith(`out_${STATE}`)) state[name.slice(4)] = value;
  }
}

/** Standard normal samples (Box–Muller). */
function gaussian(n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - Math.random();
    const v = Math.random();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Pocket-TTS capitalizes the first letter and ends with punctuation, as in its training text. */
export function prepareText(text: string): string {
  let t = text.trim();
  if (t === '') return t;
  if (/[\p{L}\p{N}]$/u.test(t)) t += '.';
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** Creates the Pocket-TTS engine from an installed model. */
export async function createPocketEngine(model: InstalledModel, onnx: Partial<OnnxOptions> = {}): Promise<PocketEngine> {
  const load = (
    graph: keyof typeof GRAPHS,
    inputs: Parameters<typeof OnnxModel.load>[1]['inputs'],
    outputs: Parameters<typeof OnnxModel.load>[1]['outputs'],
  ) => OnnxModel.load(firstExisting(model, GRAPHS[graph]), { inputs, outputs, statePrefix: STATE }, onnx);
  const encoder = await load(
    'encoder',
    [{ key: 'audio', names: ['audio'], type: 'float32', rank: 3 }],
    [{ key: 'embedding', names: ['#0'], type: 'float32', rank: [2, 3, 4] }],
  );
  const conditioner = await load(
    'conditioner',
    [{ key: 'token_ids', names: ['token_ids'], type: 'int64', rank: 2 }],
    [{ key: 'embeddings', names: ['#0'], type: 'float32', rank: [2, 3] }],
  );
  const main = await load(
    'main',
    [
      { key: 'sequence', names: ['sequence'], type: 'float32', rank: 3 },
      { key: 'text_embeddings', names: ['text_embeddings'], type: 'float32', rank: 3 },
    ],
    [
      { key: 'conditioning', names: ['#0'], type: 'float32', rank: [2, 3] },
      { key: 'eos_logit', names: ['#1'], type: 'float32', rank: [1, 2] },
    ],
  );
  const flow = await load(
    'flow',
    [
      { key: 'c', names: ['c'], type: 'float32', rank: 2 },
      { key: 's', names: ['s'], type: 'float32', rank: 2 },
      { key: 't', names: ['t'], type: 'float32', rank: 2 },
      { key: 'x', names: ['x'], type: 'float32', rank: 2 },
    ],
    [{ key: 'velocity', names: ['#0'], type: 'float32', rank: 2 }],
  );
  const decoder = await load(
    'decoder',
    [{ key: 'latent', names: ['latent'], type: 'float32', rank: 3 }],
    [{ key: 'audio', names: ['#0'], type: 'float32', rank: [1, 2, 3] }],
  );
  const tokenizer = new SentencePieceProcessor();
  await tokenizer.load(join(model.dir, 'tokenizer.model'));
  const mainStateNames = main.outputNames.filter((n) => n.startsWith(`out_${STATE}`));
  const decoderStateNames = decoder.outputNames.filter((n) => n.startsWith(`out_${STATE}`));
  const embeddings = new Map<string, VoiceEmbedding>();

  const info: EngineInfo = {
    id: 'pocket-tts',
    label: `Pocket-TTS (${model.name})`,
    sampleRate: POCKET_SAMPLE_RATE,
    // Its voices are the saved speakers and cloned references, not a fixed list.
    voices: [],
    capabilities: { speed: false, temperature: true, topK: false, topP: false },
    licence: model.manifest.licence,
  };

  const voiceEmbedding = async (path: string): Promise<VoiceEmbedding> => {
    const cached = embeddings.get(path);
    if (cached) return cached;
    const loaded = await readEmbeddingFile(path);
    if (embeddings.size > 64) embeddings.delete(embeddings.keys().next().value as string);
    embeddings.set(path, loaded);
    return loaded;
  };

  return {
    info,
    async embedReference(audio) {
      // Whole 80 ms frames, as the codec works in.
      const length = Math.max(POCKET_FRAME_SAMPLES, Math.ceil(audio.length / POCKET_FRAME_SAMPLES) * POCKET_FRAME_SAMPLES);
      const padded = new Float32Array(length);
      padded.set(audio);
      const result = await encoder.run({ audio: { type: 'float32', data: padded, dims: [1, 1, length] } }, ['embedding']);
      const out = result.embedding as TensorData;
      const dims = [...out.dims];
      while (dims.length > 3 && dims[0] === 1) dims.shift();
      if (dims.length === 2) dims.unshift(1);
      return { data: Float32Array.from(out.data as Float32Array), dims };
    },
    async *synthesize(request: SynthesisRequest, signal: AbortSignal) {
      const voice = await voiceEmbedding(request.voice);
      const ids = tokenizer.encodeIds(prepareText(request.text));
      if (ids.length === 0 || signal.aborted) return;
      const text = await conditioner.run(
        { token_ids: { type: 'int64', data: BigInt64Array.from(ids, (i) => BigInt(i)), dims: [1, ids.length] } },
        ['embeddings'],
      );
      const textEmbeddings = text.embeddings as TensorData;
      const textDims = textEmbeddings.dims.length === 2 ? [1, ...textEmbeddings.dims] : [...textEmbeddings.dims];
      const emptySequence: TensorData = { type: 'float32', data: new Float32Array(0), dims: [1, 0, LATENT] };
      const emptyText: TensorData = { type: 'float32', data: new Float32Array(0), dims: [1, 0, 1024] };
      const state = zeroState(main.stateInputs(STATE));
      const step = async (sequence: TensorData, embeddings: TensorData) => {
        const out = await main.run({ sequence, text_embeddings: embeddings, ...state }, [
          'conditioning',
          'eos_logit',
          ...mainStateNames,
        ]);
        carryState(state, out);
        return out;
      };
      // Prime with the voice, then the text.
      await step(emptySequence, { type: 'float32', data: voice.data, dims: voice.dims });
      await step(emptySequence, { type: 'float32', data: textEmbeddings.data, dims: textDims });
      const decoderState = zeroState(decoder.stateInputs(STATE));
      const temperature = request.temperature ?? DEFAULT_TEMPERATURE;
      const std = temperature > 0 ? Math.sqrt(temperature) : 0;
      const dt = 1 / LSD_STEPS;
      let current: TensorData = { type: 'float32', data: new Float32Array(LATENT).fill(Number.NaN), dims: [1, 1, LATENT] };
      let eosAt: number | undefined;
      for (let frame = 0; frame < MAX_FRAMES; frame++) {
        if (signal.aborted) return;
        const out = await step(current, emptyText);
        const eos = Number((out.eos_logit as TensorData).data[0]);
        if (eosAt === undefined && eos > EOS_THRESHOLD) eosAt = frame;
        if (eosAt !== undefined && frame >= eosAt + FRAMES_AFTER_EOS) return;
        const conditioning = out.conditioning as TensorData;
        const c: TensorData = { type: 'float32', data: conditioning.data, dims: [1, (conditioning.data as Float32Array).length] };
        const x = std > 0 ? gaussian(LATENT, std) : new Float32Array(LATENT);
        for (let k = 0; k < LSD_STEPS; k++) {
          const v = await flow.run(
            {
              c,
              s: { type: 'float32', data: Float32Array.of(k * dt), dims: [1, 1] },
              t: { type: 'float32', data: Float32Array.of((k + 1) * dt), dims: [1, 1] },
              x: { type: 'float32', data: x, dims: [1, LATENT] },
            },
            ['velocity'],
          );
          const velocity = v.velocity?.data as Float32Array;
          for (let i = 0; i < LATENT; i++) x[i] = (x[i] as number) + (velocity[i] as number) * dt;
        }
        current = { type: 'float32', data: x, dims: [1, 1, LATENT] };
        const decoded = await decoder.run({ latent: current, ...decoderState }, ['audio', ...decoderStateNames]);
        carryState(decoderState, decoded);
        if (signal.aborted) return;
        yield { pcm: Float32Array.from(decoded.audio?.data as Float32Array) };
      }
    },
  };
}
