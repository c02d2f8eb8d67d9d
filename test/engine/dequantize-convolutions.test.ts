/**
 * The rewrite of dynamically quantized convolutions (onnxruntime's quantize_dynamic pattern) into
 * float convolutions on dequantized weights, checked on small graphs of that exact pattern run by
 * onnxruntime: the rewritten narrow convolution computes the float convolution of the dequantized
 * weights, a wide one stays integer and gives the same output as before, and a graph without the
 * pattern comes back as it was.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { dequantizeConvolutions } from '../../src/engine/onnx/dequantize-convolutions.js';
import { withDequantizedGraph } from '../../src/engine/onnx/dequantized-graph.js';
import { fieldText, readFields } from '../../src/engine/onnx/protobuf-wire.js';
import { runGraph } from '../helpers/onnx-run.js';
import { type Initializer, type Node, writeOnnxModel } from '../helpers/onnx-writer.js';

const CHANNELS = 3;
const STEPS = 16;
const KERNEL = 3;

/** Deterministic pseudo-random numbers in [-1, 1). */
function noise(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 2 - 1;
  });
}

interface ConvSpec {
  /** Output channels. */
  outputs: number;
  /** Name prefix. */
  id: string;
  /** uint8 weights [outputs, CHANNELS, KERNEL]. */
  weights: number[];
  zero: number[];
  scale: number[];
  bias: number[];
}

function convSpec(id: string, outputs: number, perChannel = false): ConvSpec {
  const count = perChannel ? outputs : 1;
  return {
    id,
    outputs,
    weights: noise(outputs * CHANNELS * KERNEL, outputs * 7 + 1).map((v) => Math.round((v + 1) * 127.5)),
    zero: Array.from({ length: count }, (_, m) => 120 + m),
    scale: Array.from({ length: count }, (_, m) => 0.01 + 0.002 * m),
    bias: noise(outputs, outputs * 3 + 2).map((v) => v / 2),
  };
}

/** The nodes quantize_dynamic writes for one Conv with bias, reading the shared DynamicQuantizeLinear of x. */
function quantizedConv(spec: ConvSpec): { nodes: Node[]; initializers: Initializer[] } {
  const n = (name: string): string => `${spec.id}_${name}`;
  const vector = spec.zero.length > 1;
  return {
    nodes: [
      { op: 'Mul', inputs: ['x_scale', n('w_scale')], outputs: [n('scale')] },
      { op: 'Div', inputs: [n('bias'), n('scale')], outputs: [n('bias_div')] },
      { op: 'Floor', inputs: [n('bias_div')], outputs: [n('bias_floor')] },
      { op: 'Cast', inputs: [n('bias_floor')], outputs: [n('bias_int')], attributes: [{ name: 'to', int: 6 }] },
      { op: 'Reshape', inputs: [n('bias_int'), 'bias_shape'], outputs: [n('bias_reshaped')] },
      {
        op: 'ConvInteger',
        inputs: ['x_quantized', n('w'), 'x_zero_point', n('w_zero_point')],
        outputs: [n('conv_int')],
        attributes: [
          { name: 'kernel_shape', ints: [KERNEL] },
          { name: 'pads', ints: [1, 1] },
        ],
      },
      { op: 'Add', inputs: [n('conv_int'), n('bias_reshaped')], outputs: [n('conv_biased')] },
      { op: 'Cast', inputs: [n('conv_biased')], outputs: [n('conv_float')], attributes: [{ name: 'to', int: 1 }] },
      { op: 'Mul', inputs: [n('conv_float'), n('scale')], outputs: [spec.id] },
    ],
    initializers: [
      { name: n('w'), type: 'uint8', dims: [spec.outputs, CHANNELS, KERNEL], values: spec.weights },
      { name: n('w_zero_point'), type: 'uint8', dims: vector ? [spec.outputs] : [], values: spec.zero },
      { name: n('w_scale'), type: 'float32', dims: vector ? [spec.outputs] : [], values: spec.scale },
      { name: n('bias'), type: 'float32', dims: [spec.outputs], values: spec.bias },
    ],
  };
}

function quantizedGraph(convs: ConvSpec[]): Uint8Array {
  const parts = convs.map(quantizedConv);
  return writeOnnxModel({
    name: 'quantized-convolutions',
    inputs: [{ name: 'x', type: 'float32', shape: [1, CHANNELS, STEPS] }],
    outputs: convs.map((c) => ({ name: c.id, type: 'float32' as const, shape: [1, c.outputs, STEPS] })),
    nodes: [
      { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['x_quantized', 'x_scale', 'x_zero_point'] },
      ...parts.flatMap((p) => p.nodes),
    ],
    initializers: [{ name: 'bias_shape', type: 'int64', dims: [3], values: [1, -1, 1] }, ...parts.flatMap((p) => p.initializers)],
  });
}

/** The float convolution of the dequantized weights, with bias (padding 1 on each side). */
function floatConv(spec: ConvSpec, x: Float32Array): Float32Array {
  const y = new Float32Array(spec.outputs * STEPS);
  for (let m = 0; m < spec.outputs; m++) {
    const zero = spec.zero[spec.zero.length > 1 ? m : 0] as number;
    const scale = spec.scale[spec.scale.length > 1 ? m : 0] as number;
    for (let t = 0; t < STEPS; t++) {
      let sum = spec.bias[m] as number;
      for (let c = 0; c < CHANNELS; c++) {
        for (let k = 0; k < KERNEL; k++) {
          const at = t + k - 1;
          if (at < 0 || at >= STEPS) continue;
          sum += ((spec.weights[(m * CHANNELS + c) * KERNEL + k] as number) - zero) * scale * (x[c * STEPS + at] as number);
        }
      }
      y[m * STEPS + t] = sum;
    }
  }
  return y;
}

/** Operator types of a serialized model's nodes, in order. */
function opTypes(model: Uint8Array): string[] {
  const graph = [...readFields(model)].find((f) => f.field === 7);
  if (!graph) throw new Error('no graph');
  return [...readFields(graph.payload)]
    .filter((f) => f.field === 1)
    .map((node) => fieldText([...readFields(node.payload)].find((f) => f.field === 4) ?? node));
}

const dir = mkdtempSync(join(tmpdir(), 'flash-tts-dequantize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a graph on {@link X} in a worker thread: its float outputs by name. */
const run = (model: Uint8Array, name: string, outputs: string[]): Promise<Record<string, Float32Array>> =>
  runGraph(dir, name, model, { data: X, dims: [1, CHANNELS, STEPS] }, outputs);

const X = Float32Array.from(noise(CHANNELS * STEPS, 99));
const maxError = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('dequantizeConvolutions', () => {
  const narrow = convSpec('narrow', 4);
  const wide = convSpec('wide', 8);
  const original = quantizedGraph([narrow, wide]);

  it('makes a narrow quantized convolution float: the float convolution of its dequantized weights', async () => {
    const { model, rewritten } = dequantizeConvolutions(original, { maxOutputChannels: 4 });
    expect(rewritten).toBe(1);
    const ops = opTypes(model);
    expect(ops.filter((o) => o === 'ConvInteger')).toHaveLength(1); // the wide one
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(1);
    expect(ops).toContain('DequantizeLinear');
    // The narrow convolution's integer path is gone; the quantizer of x stays for the wide one.
    expect(ops.filter((o) => o === 'Floor')).toHaveLength(1);
    expect(ops).toContain('DynamicQuantizeLinear');

    const before = await run(original, 'before.onnx', ['narrow', 'wide']);
    const after = await run(model, 'after.onnx', ['narrow', 'wide']);
    const reference = floatConv(narrow, X);
    expect(maxError(after.narrow as Float32Array, reference)).toBeLessThan(1e-5);
    // The integer graph rounds x to 8 bits first: further from the float result.
    expect(maxError(before.narrow as Float32Array, reference)).toBeGreaterThan(1e-4);
    expect(maxError(before.narrow as Float32Array, reference)).toBeLessThan(0.05);
    // The wide convolution was left integer: the same numbers as before.
    expect(Array.from(after.wide as Float32Array)).toEqual(Array.from(before.wide as Float32Array));
  });

  it('removes the quantizer of the input once no integer convolution reads it', async () => {
    const { model, rewritten } = dequantizeConvolutions(original, { maxOutputChannels: 8 });
    expect(rewritten).toBe(2);
    const ops = opTypes(model);
    for (const gone of ['ConvInteger', 'DynamicQuantizeLinear', 'Floor', 'Div', 'Reshape', 'Add', 'Cast'])
      expect(ops).not.toContain(gone);
    expect(ops).toEqual(['DequantizeLinear', 'Conv', 'DequantizeLinear', 'Conv']);
    const after = await run(model, 'both.onnx', ['narrow', 'wide']);
    expect(maxError(after.wide as Float32Array, floatConv(wide, X))).toBeLessThan(1e-5);
  });

  it('dequantizes per-channel weights along the output channels', async () => {
    const perChannel = convSpec('narrow', 4, true);
    const { model, rewritten } = dequantizeConvolutions(quantizedGraph([perChannel]));
    expect(rewritten).toBe(1);
    const after = await run(model, 'per-channel.onnx', ['narrow']);
    expect(maxError(after.narrow as Float32Array, floatConv(perChannel, X))).toBeLessThan(1e-5);
  });

  it('returns a graph without the pattern as it was', () => {
    const plain = writeOnnxModel({
      name: 'plain',
      inputs: [{ name: 'x', type: 'float32', shape: [1, CHANNELS, STEPS] }],
      outputs: [{ name: 'y', type: 'float32', shape: [1, CHANNELS, STEPS] }],
      nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] }],
      initializers: [{ name: 'two', type: 'float32', dims: [], values: [2] }],
    });
    const result = dequantizeConvolutions(plain);
    expect(result.rewritten).toBe(0);
    expect(result.model).toBe(plain);
  });

  it('leaves a convolution alone when its output feeds more than the pattern', () => {
    // The integer output is also a graph output: rewriting would change what the graph returns.
    const model = writeOnnxModel({
      name: 'exposed',
      inputs: [{ name: 'x', type: 'float32', shape: [1, CHANNELS, STEPS] }],
      outputs: [
        { name: 'narrow', type: 'float32', shape: [1, 4, STEPS] },
        { name: 'narrow_conv_int', type: 'int32', shape: [1, 4, STEPS] },
      ],
      nodes: [
        { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['x_quantized', 'x_scale', 'x_zero_point'] },
        ...quantizedConv(narrow).nodes,
      ],
      initializers: [{ name: 'bias_shape', type: 'int64', dims: [3], values: [1, -1, 1] }, ...quantizedConv(narrow).initializers],
    });
    expect(dequantizeConvolutions(model).rewritten).toBe(0);
  });
});

describe('withDequantizedGraph', () => {
  it('loads the rewritten graph from a temporary copy, and the model itself when there is nothing to rewrite', async () => {
    const path = join(dir, 'model.onnx');
    writeFileSync(path, quantizedGraph([convSpec('narrow', 4)]));
    const loaded = await withDequantizedGraph(path, async (file) => {
      expect(file).not.toBe(path);
      return opTypes(readFileSync(file));
    });
    expect(loaded).toContain('DequantizeLinear');
    const plain = join(dir, 'plain.onnx');
    writeFileSync(plain, writeOnnxModel({ name: 'p', inputs: [], outputs: [], nodes: [] }));
    await expect(withDequantizedGraph(plain, async (file) => file)).resolves.toBe(plain);
  });
});
