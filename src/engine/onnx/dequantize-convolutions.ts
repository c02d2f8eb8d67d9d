/**
 * Rewrites dynamically quantized convolutions of an ONNX graph into float convolutions whose
 * weights are dequantized inside the graph. onnxruntime's `quantize_dynamic` turns each Conv into
 *
 *   x → DynamicQuantizeLinear → ConvInteger(w uint8) [→ Add(bias int32)] → Cast(float) → Mul(x_scale · w_scale) → y
 *
 * and this rewrites that into
 *
 *   x → Conv(DequantizeLinear(w, w_scale, w_zero_point), bias float) → y
 *
 * leaving the weights as they are stored (uint8: no more memory) and the activations in float.
 * Why: onnxruntime-node 1.30's uint8 × uint8 ConvInteger took ~2.6× as long as onnxruntime 1.32's
 * (Python) on Kokoro's graph with the same inputs (profiled per operator; the other operators were
 * within ~1.4×), and the convolutions of Kokoro's generator, at audio rate with 128 or 256 channels,
 * were ~80 % of its time. As float convolutions they are faster than either version's ConvInteger:
 * measured on Kokoro-82M v1.0 int8 (2026-11-30, 1 thread), the whole graph 0.65–0.68 s of CPU per
 * second of audio instead of 1.24–1.29; Python onnxruntime 1.32 on the original graph 0.68–0.71.
 * Wide convolutions (more than `maxOutputChannels` outputs) run at frame rate on few steps:
 * rewriting them as well measured no faster (within the noise), so they stay integer and their
 * weights are not dequantized on every call.
 *
 * The output is not bit-identical to the integer graph: activations are no longer rounded to
 * 8 bits before these convolutions, which brings the result closer to the float model.
 * Pure: bytes in, bytes out. A graph with subgraphs (If, Loop, Scan) or without the pattern
 * comes back unchanged.
 */
import {
  ATTRIBUTE,
  ATTRIBUTE_TYPE,
  elements,
  GRAPH,
  type GraphNode,
  intAttribute,
  NODE,
  parseGraph,
  TYPE,
  withGraph,
} from './onnx-graph.js';
import { ProtoWriter } from './protobuf-wire.js';

/** Options of {@link dequantizeConvolutions}; defaults in {@link DEFAULT_DEQUANTIZE_OPTIONS}. */
export interface DequantizeOptions {
  /** Rewrite only convolutions with at most this many output channels. Default `256` (Kokoro's generator). */
  maxOutputChannels: number;
}

/** Defaults of {@link DequantizeOptions}. */
export const DEFAULT_DEQUANTIZE_OPTIONS: DequantizeOptions = { maxOutputChannels: 256 };

/** What {@link dequantizeConvolutions} did. */
export interface DequantizeResult {
  /** The rewritten model, or the input itself when nothing was rewritten. */
  model: Uint8Array;
  /** Convolutions rewritten. */
  rewritten: number;
}

/** One matched pattern: what replaces the ConvInteger, and the nodes that go. */
interface Match {
  conv: number;
  replacement: ProtoWriter[];
  /** Nodes after the ConvInteger that the float Conv replaces (Add, Cast, Mul). */
  removed: number[];
  /** Nodes that feed only the integer path (DynamicQuantizeLinear, scale Mul, bias quantization), removed once unused. */
  feeders: number[];
  /** Tensors the replacement reads. */
  reads: string[];
}

/**
 * Rewrites the dynamically quantized convolutions of `model` (a serialized ModelProto) into float
 * convolutions on dequantized weights (see the module comment).
 */
export function dequantizeConvolutions(model: Uint8Array, options: Partial<DequantizeOptions> = {}): DequantizeResult {
  const { maxOutputChannels } = { ...DEFAULT_DEQUANTIZE_OPTIONS, ...options };
  const unchanged = { model, rewritten: 0 };
  const parsed = parseGraph(model);
  if (!parsed) return unchanged;
  const { nodes, initializers, graphOutputs, opset, producer, consumers, uniqueName } = parsed;
  if (!nodes.some((n) => n.opType === 'ConvInteger') || nodes.some((n) => n.hasSubgraph)) return unchanged;

  const nodeOf = (tensor: string | undefined, opType: string): number | undefined => {
    const index = tensor === undefined ? undefined : producer.get(tensor);
    return index !== undefined && nodes[index]?.opType === opType && nodes[index]?.domain === '' ? index : undefined;
  };
  /** The one node reading `tensor`, if it has exactly one reader and is not a graph output. */
  const onlyConsumer = (tensor: string | undefined, opType: string): number | undefined => {
    if (tensor === undefined || graphOutputs.has(tensor)) return undefined;
    const readers = consumers.get(tensor) ?? [];
    const index = readers.length === 1 ? readers[0] : undefined;
    return index !== undefined && nodes[index]?.opType === opType && nodes[index]?.domain === '' ? index : undefined;
  };
  /** The input of a two-input node that is not `input`. */
  const other = (node: GraphNode, input: string): string | undefined => {
    if (node.inputs.length !== 2) return undefined;
    const [a, b] = node.inputs;
    return a === input ? b : b === input ? a : undefined;
  };

  const match = (index: number): Match | undefined => {
    const conv = nodes[index] as GraphNode;
    const [xq, w, xz, wz] = conv.inputs;
    if (conv.domain !== '' || xq === undefined || w === undefined || xz === undefined) return undefined;
    const quantize = nodeOf(xq, 'DynamicQuantizeLinear');
    const dq = quantize === undefined ? undefined : (nodes[quantize] as GraphNode);
    const x = dq?.inputs[0];
    if (!dq || !x || dq.outputs[0] !== xq || dq.outputs[2] !== xz) return undefined;
    const weights = initializers.get(w)?.();
    const outputs = weights?.dims[0];
    if (!weights || outputs === undefined || outputs > maxOutputChannels || weights.external) return undefined;
    if (weights.dataType !== TYPE.uint8 && weights.dataType !== TYPE.int8) return undefined;

    // ConvInteger [→ Add(quantized bias)] → Cast → Mul(scale)
    let bias: string | undefined;
    let biasScale: string | undefined;
    const feeders = [quantize as number];
    const removed: number[] = [];
    let tail = conv.outputs[0];
    const add = onlyConsumer(tail, 'Add');
    if (add !== undefined) {
      const addNode = nodes[add] as GraphNode;
      const reshape = nodeOf(other(addNode, tail as string), 'Reshape');
      const cast = nodeOf(reshape === undefined ? undefined : nodes[reshape]?.inputs[0], 'Cast');
      const floor = nodeOf(cast === undefined ? undefined : nodes[cast]?.inputs[0], 'Floor');
      const divide = nodeOf(floor === undefined ? undefined : nodes[floor]?.inputs[0], 'Div');
      if (reshape === undefined || cast === undefined || floor === undefined || divide === undefined) return undefined;
      [bias, biasScale] = (nodes[divide] as GraphNode).inputs;
      const biasTensor = bias === undefined ? undefined : initializers.get(bias)?.();
      if (!biasTensor || biasTensor.dataType !== TYPE.float || elements(biasTensor) !== outputs || biasTensor.dims.length !== 1) {
        return undefined;
      }
      feeders.push(reshape, cast, floor, divide);
      removed.push(add);
      tail = addNode.outputs[0];
    }
    const cast = onlyConsumer(tail, 'Cast');
    if (cast === undefined || intAttribute(nodes[cast] as GraphNode, 'to') !== TYPE.float) return undefined;
    const mul = onlyConsumer(nodes[cast]?.outputs[0], 'Mul');
    if (mul === undefined) return undefined;
    const mulNode = nodes[mul] as GraphNode;
    const scale = other(mulNode, nodes[cast]?.outputs[0] as string);
    const y = mulNode.outputs[0];
    if (scale === undefined || y === undefined || (biasScale !== undefined && biasScale !== scale)) return undefined;
    removed.push(cast, mul);

    // scale = x_scale · w_scale
    const scaleMul = nodeOf(scale, 'Mul');
    const wScale = scaleMul === undefined ? undefined : other(nodes[scaleMul] as GraphNode, dq.outputs[1] as string);
    const wScaleTensor = wScale === undefined ? undefined : initializers.get(wScale)?.();
    if (scaleMul === undefined || !wScale || !wScaleTensor || wScaleTensor.dataType !== TYPE.float) return undefined;
    feeders.push(scaleMul);
    const perChannel = elements(wScaleTensor) !== 1;
    if (perChannel && (elements(wScaleTensor) !== outputs || wScaleTensor.dims.length !== 1)) return undefined;
    const wZero = wz ? initializers.get(wz)?.() : undefined;
    if (wz && (!wZero || wZero.dataType !== weights.dataType || elements(wZero) !== elements(wScaleTensor))) return undefined;
    // DequantizeLinear's axis (per-channel scales) needs opset 13.
    if (perChannel && opset < 13) return undefined;

    const dequantized = uniqueName(`${w}_dequantized`);
    const dequantize = new ProtoWriter().string(NODE.input, w).string(NODE.input, wScale);
    if (wz) dequantize.string(NODE.input, wz);
    dequantize
      .string(NODE.output, dequantized)
      .string(NODE.name, uniqueName(`${conv.name || w}_dequantize`))
      .string(NODE.opType, 'DequantizeLinear');
    if (perChannel) {
      dequantize.message(
        NODE.attribute,
        new ProtoWriter().string(ATTRIBUTE.name, 'axis').int(ATTRIBUTE.i, 0).int(ATTRIBUTE.type, ATTRIBUTE_TYPE.int),
      );
    }
    const float = new ProtoWriter().string(NODE.input, x).string(NODE.input, dequantized);
    if (bias) float.string(NODE.input, bias);
    float.string(NODE.output, y).string(NODE.name, conv.name).string(NODE.opType, 'Conv');
    for (const attribute of conv.attributes) float.bytes(NODE.attribute, attribute);
    const reads = [x, w, wScale, ...(wz ? [wz] : []), ...(bias ? [bias] : [])];
    return { conv: index, replacement: [dequantize, float], removed, feeders, reads };
  };

  const matches = nodes.flatMap((node, index) => (node.opType === 'ConvInteger' ? (match(index) ?? []) : []));
  if (matches.length === 0) return unchanged;

  const gone = new Set<number>(matches.flatMap((m) => [m.conv, ...m.removed]));
  const replaced = new Map(matches.map((m) => [m.conv, m.replacement]));
  // What fed only the integer path goes too, once nothing reads it (a quantized activation may
  // still feed a wide convolution that stays integer). Removal goes back one node per pass.
  const feeders = [...new Set(matches.flatMap((m) => m.feeders))];
  for (let changed = true; changed; ) {
    changed = false;
    const read = new Set<string>(graphOutputs);
    nodes.forEach((node, index) => {
      if (!gone.has(index)) for (const input of node.inputs) read.add(input);
    });
    for (const m of matches) for (const input of m.reads) read.add(input);
    for (const index of feeders) {
      if (gone.has(index) || (nodes[index] as GraphNode).outputs.some((o) => o && read.has(o))) continue;
      gone.add(index);
      changed = true;
    }
  }

  const graph = new ProtoWriter();
  let nodeIndex = 0;
  for (const f of parsed.graphFields) {
    if (f.field !== GRAPH.node) {
      graph.raw(f.bytes);
      continue;
    }
    const index = nodeIndex++;
    const replacement = replaced.get(index);
    if (replacement) for (const node of replacement) graph.message(GRAPH.node, node);
    else if (!gone.has(index)) graph.raw(f.bytes);
  }
  return { model: withGraph(parsed, graph), rewritten: matches.length };
}
