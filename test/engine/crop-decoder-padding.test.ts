/**
 * The crop of Kokoro's decoder inputs to the speech's frames, checked on small graphs with the
 * export's tensor names, run by onnxruntime: the three frame-rate tensors the decoder reads come
 * out sliced to [max(0, d[0] − margin), min(F, end of the last real token + margin)) (the pitch and
 * energy curves at two points per frame), for pads longer and shorter than the margin; the nodes
 * are written in an order where every input is made before it is read; with the tail input, the
 * frames of the tokens it counts (closing punctuation) are skipped too, but for the margin; graphs
 * that do not match come back as they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CROP_TAIL_INPUT, cropDecoderPadding } from '../../src/engine/onnx/crop-decoder-padding.js';
import { parseGraph } from '../../src/engine/onnx/onnx-graph.js';
import { runGraph } from '../helpers/onnx-run.js';
import { writeOnnxModel } from '../helpers/onnx-writer.js';

const CHANNELS = 2;
const dir = mkdtempSync(join(tmpdir(), 'flash-tts-crop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A graph shaped like Kokoro's encoder-to-decoder boundary for the durations `d` (frames per token,
 * pads included): x [1, CHANNELS, F] → asr (MatMul with the identity), F0 and N (x reshaped to
 * [1, 1, 2F]); the "decoder" passes each on to an output.
 */
function kokoroLike(d: number[], options: { names?: boolean; durationsOutput?: boolean } = {}): Uint8Array {
  const frames = d.reduce((a, b) => a + b, 0);
  const named = options.names ?? true;
  const identity = Array.from({ length: frames * frames }, (_, i) => (i % (frames + 1) === 0 ? 1 : 0));
  const outputs = [
    { name: 'asr_out', type: 'float32' as const, shape: [1, CHANNELS, 'F'] },
    { name: 'f0_out', type: 'float32' as const, shape: [1, 1, 'P'] },
    { name: 'n_out', type: 'float32' as const, shape: [1, 1, 'P'] },
  ];
  if (options.durationsOutput) outputs.push({ name: 'durations', type: 'float32' as const, shape: [1, CHANNELS, 'F'] });
  return writeOnnxModel({
    name: 'kokoro-like',
    inputs: [{ name: 'x', type: 'float32', shape: [1, CHANNELS, frames] }],
    outputs,
    nodes: [
      { op: 'CumSum', name: named ? '/encoder/CumSum' : 'cumsum', inputs: ['d', 'axis'], outputs: ['cumsum'] },
      { op: 'MatMul', name: named ? '/encoder/MatMul_1' : 'matmul', inputs: ['x', 'eye'], outputs: ['asr'] },
      { op: 'Reshape', name: named ? '/encoder/Reshape' : 'reshape', inputs: ['x', 'curve_shape'], outputs: ['f0'] },
      { op: 'Reshape', name: named ? '/encoder/Reshape_1' : 'reshape_1', inputs: ['x', 'curve_shape'], outputs: ['n'] },
      // Something that reads the durations' sum, as the alignment does.
      { op: 'Identity', inputs: ['cumsum'], outputs: ['cumsum_read'] },
      { op: 'Identity', name: '/decoder/asr', inputs: ['asr'], outputs: ['asr_out'] },
      { op: 'Identity', name: '/decoder/f0', inputs: ['f0'], outputs: ['f0_out'] },
      { op: 'Identity', name: '/decoder/n', inputs: ['n'], outputs: ['n_out'] },
      ...(options.durationsOutput ? [{ op: 'Identity', inputs: ['asr'], outputs: ['durations'] }] : []),
    ],
    initializers: [
      { name: 'd', type: 'int64', dims: [d.length], values: d },
      { name: 'axis', type: 'int64', dims: [], values: [0] },
      { name: 'eye', type: 'float32', dims: [frames, frames], values: identity },
      { name: 'curve_shape', type: 'int64', dims: [3], values: [1, 1, -1] },
    ],
  });
}

/** x [1, CHANNELS, frames]: each value its own index, so a slice shows where it came from. */
const input = (frames: number) => ({
  data: Float32Array.from({ length: CHANNELS * frames }, (_, i) => i),
  dims: [1, CHANNELS, frames],
});

/** Frames [start, end) of each channel of x, and points [2·start, 2·end) of x read as one curve. */
function expected(frames: number, start: number, end: number): { asr: number[]; curve: number[] } {
  const asr: number[] = [];
  for (let c = 0; c < CHANNELS; c++) for (let t = start; t < end; t++) asr.push(c * frames + t);
  const curve = Array.from({ length: 2 * (end - start) }, (_, i) => 2 * start + i);
  return { asr, curve };
}

/** Every node input is a graph input, an initializer or the output of an earlier node. */
function inTopologicalOrder(model: Uint8Array): boolean {
  const parsed = parseGraph(model);
  if (!parsed) return false;
  const made = new Set<string>(['', ...parsed.graphInputs, ...parsed.initializers.keys()]);
  for (const node of parsed.nodes) {
    if (!node.inputs.every((i) => made.has(i))) return false;
    for (const o of node.outputs) made.add(o);
  }
  return true;
}

describe('cropDecoderPadding', () => {
  it.each([
    // d: leading pad, tokens, trailing pad (frames); margin; the kept frames [start, end)
    { d: [12, 3, 5, 18], margin: 4, start: 8, end: 24 },
    { d: [12, 3, 5, 18], margin: 0, start: 12, end: 20 },
    { d: [2, 5, 1], margin: 4, start: 0, end: 8 }, // pads shorter than the margin: nothing cut
    { d: [7, 4, 6], margin: 3, start: 4, end: 14 },
  ])('keeps frames $start–$end of d = $d with a margin of $margin', async ({ d, margin, start, end }) => {
    const frames = d.reduce((a, b) => a + b, 0);
    const original = kokoroLike(d);
    const { model, cropped } = cropDecoderPadding(original, { marginFrames: margin });
    expect(cropped).toBe(true);
    expect(inTopologicalOrder(model)).toBe(true);
    const before = await runGraph(dir, `before-${d.join('-')}-${margin}.onnx`, original, input(frames), [
      'asr_out',
      'f0_out',
      'n_out',
    ]);
    const after = await runGraph(dir, `after-${d.join('-')}-${margin}.onnx`, model, input(frames), [
      'asr_out',
      'f0_out',
      'n_out',
    ]);
    expect(before.asr_out).toHaveLength(CHANNELS * frames); // the original passes everything
    const want = expected(frames, start, end);
    expect(Array.from(after.asr_out as Float32Array)).toEqual(want.asr);
    expect(Array.from(after.f0_out as Float32Array)).toEqual(want.curve);
    expect(Array.from(after.n_out as Float32Array)).toEqual(want.curve);
  });

  it.each([
    // d: leading pad, tokens (the last ones punctuation), trailing pad; tail fed; the kept frames
    { d: [12, 3, 5, 9, 18], tail: 1, start: 8, end: 24 }, // the "!" token's 9 frames skipped but the margin
    { d: [12, 3, 5, 9, 18], tail: 0, start: 8, end: 33 }, // fed 0: as without the input
    { d: [12, 3, 5, 2, 18], tail: 1, start: 8, end: 24 }, // the margin reaches past a short punctuation token
    { d: [12, 3, 6, 2, 18], tail: 2, start: 8, end: 19 }, // two closing tokens
  ])('with a tail input fed $tail, keeps frames $start–$end of d = $d', async ({ d, tail, start, end }) => {
    const frames = d.reduce((a, b) => a + b, 0);
    const { model, cropped } = cropDecoderPadding(kokoroLike(d), { marginFrames: 4, tailInput: CROP_TAIL_INPUT });
    expect(cropped).toBe(true);
    expect(parseGraph(model)?.graphInputs.has(CROP_TAIL_INPUT)).toBe(true);
    const after = await runGraph(dir, `tail-${d.join('-')}-${tail}.onnx`, model, input(frames), ['asr_out', 'f0_out', 'n_out'], {
      [CROP_TAIL_INPUT]: tail,
    });
    const want = expected(frames, start, end);
    expect(Array.from(after.asr_out as Float32Array)).toEqual(want.asr);
    expect(Array.from(after.f0_out as Float32Array)).toEqual(want.curve);
  });

  it('leaves a graph without the export’s tensors, or with a durations output, as it was', () => {
    const other = kokoroLike([12, 3, 5, 18], { names: false });
    expect(cropDecoderPadding(other)).toEqual({ model: other, cropped: false });
    const withDurations = kokoroLike([12, 3, 5, 18], { durationsOutput: true });
    expect(cropDecoderPadding(withDurations)).toEqual({ model: withDurations, cropped: false });
    const empty = writeOnnxModel({ name: 'p', inputs: [], outputs: [], nodes: [] });
    expect(cropDecoderPadding(empty).cropped).toBe(false);
  });

  it('refuses a margin that is not a whole number of frames', () => {
    expect(() => cropDecoderPadding(kokoroLike([4, 2, 4]), { marginFrames: -1 })).toThrow(/whole number/);
    expect(() => cropDecoderPadding(kokoroLike([4, 2, 4]), { marginFrames: 1.5 })).toThrow(/whole number/);
  });
});
