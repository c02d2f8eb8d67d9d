/**
 * Synthetic Kokoro and Piper graphs with the real models' signatures, installed into a models
 * directory as `flash-tts models pull` would. Their "audio" encodes what reached the model, so a
 * test can read it back from the server's output:
 * - Kokoro: `samplesPerToken` samples per input id, each `(id / 1000 + mean(style)) * speed`.
 * - Piper: `samplesPerId` samples per id, each `id / 1000 * length_scale + sid / 100`.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PiperVoiceConfig } from '../../src/engine/piper/piper-engine.js';
import { INSTALLED_FILE, type ModelManifest } from '../../src/models/manifest.js';
import { type Initializer, type Node, writeOnnxModel } from './onnx-writer.js';

/** The real Kokoro voices and config shipped beside the repository. */
export const SHARED_KOKORO = resolve(process.cwd(), '../shared/models/kokoro-82m');

const int64 = (name: string, values: number[], dims = [values.length]): Initializer => ({ name, type: 'int64', dims, values });
const float = (name: string, value: number): Initializer => ({ name, type: 'float32', dims: [], values: [value] });

/** Repeats each value of a [1, T] float tensor `k` times along T, into shape `outShape`. */
function repeatNodes(
  input: string,
  k: number,
  outShape: number[],
  output: string,
): { nodes: Node[]; initializers: Initializer[] } {
  return {
    nodes: [
      { op: 'Unsqueeze', inputs: [input, 'axis2'], outputs: [`${input}_u`] },
      { op: 'Expand', inputs: [`${input}_u`, 'repeat_shape'], outputs: [`${input}_e`] },
      { op: 'Reshape', inputs: [`${input}_e`, 'out_shape'], outputs: [output] },
    ],
    initializers: [int64('axis2', [2]), int64('repeat_shape', [1, 1, k]), int64('out_shape', outShape)],
  };
}

export function kokoroGraph(
  options: { inputName?: 'input_ids' | 'tokens'; samplesPerToken?: number; durations?: boolean } = {},
): Uint8Array {
  const ids = options.inputName ?? 'input_ids';
  const k = options.samplesPerToken ?? 240;
  const repeat = repeatNodes('scaled', k, [1, -1], 'with_style_base');
  return writeOnnxModel({
    name: 'kokoro-synthetic',
    inputs: [
      { name: ids, type: 'int64', shape: [1, 'T'] },
      { name: 'style', type: 'float32', shape: [1, 256] },
      { name: 'speed', type: 'float32', shape: [1] },
    ],
    outputs: [
      { name: 'waveform', type: 'float32', shape: [1, 'N'] },
      // One duration unit per token: every token lasts samplesPerToken samples.
      ...(options.durations ? [{ name: 'durations', type: 'int64' as const, shape: [1, 'T'] }] : []),
    ],
    nodes: [
      ...(options.durations
        ? [
            { op: 'Mul', inputs: [ids, 'zero_i'], outputs: ['ids_zero'] },
            { op: 'Add', inputs: ['ids_zero', 'one_i'], outputs: ['durations'] },
          ]
        : []),
      { op: 'Cast', inputs: [ids], outputs: ['ids_f'], attributes: [{ name: 'to', int: 1 }] },
      { op: 'Mul', inputs: ['ids_f', 'milli'], outputs: ['scaled'] },
      ...repeat.nodes,
      { op: 'ReduceMean', inputs: ['style'], outputs: ['style_mean'], attributes: [{ name: 'keepdims', int: 1 }] },
      { op: 'Add', inputs: ['with_style_base', 'style_mean'], outputs: ['with_style'] },
      { op: 'Mul', inputs: ['with_style', 'speed'], outputs: ['waveform'] },
    ],
    initializers: [
      float('milli', 0.001),
      ...repeat.initializers,
      ...(options.durations ? [int64('zero_i', [0], []), int64('one_i', [1], [])] : []),
    ],
  });
}

export function piperGraph(options: { sid?: boolean; samplesPerId?: number } = {}): Uint8Array {
  const k = options.samplesPerId ?? 256;
  const repeat = repeatNodes('value', k, [1, 1, 1, -1], 'output');
  const sidNodes: Node[] = options.sid
    ? [
        { op: 'Cast', inputs: ['sid'], outputs: ['sid_f'], attributes: [{ name: 'to', int: 1 }] },
        { op: 'Mul', inputs: ['sid_f', 'centi'], outputs: ['sid_v'] },
        { op: 'Add', inputs: ['length_scaled', 'sid_v'], outputs: ['with_sid'] },
      ]
    : [];
  return writeOnnxModel({
    name: 'piper-synthetic',
    inputs: [
      { name: 'input', type: 'int64', shape: [1, 'T'] },
      { name: 'input_lengths', type: 'int64', shape: [1] },
      { name: 'scales', type: 'float32', shape: [3] },
      ...(options.sid ? [{ name: 'sid', type: 'int64' as const, shape: [1] }] : []),
    ],
    outputs: [{ name: 'output', type: 'float32', shape: [1, 1, 1, 'N'] }],
    nodes: [
      { op: 'Cast', inputs: ['input'], outputs: ['in_f'], attributes: [{ name: 'to', int: 1 }] },
      { op: 'Cast', inputs: ['input_lengths'], outputs: ['len_f'], attributes: [{ name: 'to', int: 1 }] },
      { op: 'Gather', inputs: ['scales', 'one'], outputs: ['length_scale'], attributes: [{ name: 'axis', int: 0 }] },
      { op: 'Mul', inputs: ['in_f', 'milli'], outputs: ['in_scaled'] },
      { op: 'Mul', inputs: ['in_scaled', 'length_scale'], outputs: ['length_scaled_raw'] },
      // input_lengths reaches the graph (times zero, so the values stay readable).
      { op: 'Mul', inputs: ['len_f', 'zero'], outputs: ['len_zero'] },
      { op: 'Add', inputs: ['length_scaled_raw', 'len_zero'], outputs: ['length_scaled'] },
      ...sidNodes,
      { op: 'Identity', inputs: [options.sid ? 'with_sid' : 'length_scaled'], outputs: ['value'] },
      ...repeat.nodes,
    ],
    initializers: [
      float('milli', 0.001),
      float('centi', 0.01),
      float('zero', 0),
      { name: 'one', type: 'int64', dims: [], values: [1] },
      ...repeat.initializers,
    ],
  });
}

function writeInstalled(dir: string, manifest: Omit<ModelManifest, 'files'>, files: string[]): void {
  const record: ModelManifest = {
    ...manifest,
    files: files.map((path) => ({ path, url: `https://example.invalid/${path}`, size: 1, sha256: null })),
  };
  writeFileSync(join(dir, INSTALLED_FILE), JSON.stringify(record, null, 2));
}

/**
 * Installs a synthetic Kokoro graph with the real config and the real English voices (as the
 * kokoro-82m-int8 manifest does; the other 26 are the multilingual pack's). Returns its directory.
 */
export function installSyntheticKokoro(
  modelsDir: string,
  options: { name?: string; inputName?: 'input_ids' | 'tokens'; samplesPerToken?: number; durations?: boolean } = {},
): string {
  const name = options.name ?? 'kokoro-82m-int8';
  const dir = join(modelsDir, name);
  mkdirSync(join(dir, 'voices'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), kokoroGraph(options));
  copyFileSync(join(SHARED_KOKORO, 'config.json'), join(dir, 'config.json'));
  const voices = readdirSync(join(SHARED_KOKORO, 'voices')).filter((f) => /^[ab][fm]_\w+\.bin$/.test(f));
  for (const v of voices) copyFileSync(join(SHARED_KOKORO, 'voices', v), join(dir, 'voices', v));
  writeInstalled(
    dir,
    {
      name,
      engine: 'kokoro',
      description: 'synthetic Kokoro graph',
      licence: 'Apache-2.0',
      sample_rate: 24000,
      languages: ['en-US'],
      voices: voices.map((v) => ({ id: v.slice(0, -4), gender: v[1] === 'f' ? 'female' : 'male' })),
    },
    ['model.onnx', 'config.json', ...voices.map((v) => `voices/${v}`)],
  );
  return dir;
}

/** A phoneme id map covering what the English front end produces. */
export function piperPhonemeMap(): Record<string, number[]> {
  const symbols = [
    '_',
    '^',
    '$',
    ' ',
    '!',
    "'",
    '(',
    ')',
    ',',
    '-',
    '.',
    ':',
    ';',
    '?',
    ...'abcdefghijklmnopqrstuvwxyz',
    ...'æçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɝɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ',
  ];
  return Object.fromEntries(symbols.map((s, i) => [s, [i]]));
}

/** Installs a synthetic Piper voice. Returns its directory. */
export function installSyntheticPiper(
  modelsDir: string,
  options: { voice?: string; sid?: boolean; sampleRate?: number; samplesPerId?: number; language?: string } = {},
): string {
  const voice = options.voice ?? 'en_US-test-medium';
  const name = `piper-${voice}`;
  const dir = join(modelsDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), piperGraph(options));
  const config: PiperVoiceConfig = {
    audio: { sample_rate: options.sampleRate ?? 22050 },
    espeak: { voice: options.language ?? 'en-us' },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_id_map: piperPhonemeMap(),
    ...(options.sid ? { num_speakers: 3, speaker_id_map: { alice: 0, bob: 1, carol: 2 } } : { num_speakers: 1 }),
  };
  writeFileSync(join(dir, 'model.onnx.json'), JSON.stringify(config));
  writeInstalled(
    dir,
    {
      name,
      engine: 'piper',
      description: 'synthetic Piper voice',
      licence: 'MIT',
      sample_rate: config.audio.sample_rate,
      languages: ['en-US'],
      voices: [{ id: voice, gender: 'female' }],
    },
    ['model.onnx', 'model.onnx.json'],
  );
  return dir;
}
