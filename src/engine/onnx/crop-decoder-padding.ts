/**
 * Makes Kokoro's decoder skip most of the silence it voices for the two pad tokens of each call.
 *
 * Kokoro's graph gives every token, the pads at both ends included, a predicted duration in frames
 * (25 ms each), builds an alignment of tokens to frames, and hands the decoder three frame-rate
 * tensors: the aligned text features (`asr`, [1, C, F]) and the predicted pitch and energy curves
 * (`F0`, `N`, [1, 2F]). The pads take ~0.3 s before the speech and ~0.45 s after it: for a short
 * fragment ("Sure!") most of what the decoder computes, at the same cost per second as speech, is
 * silence the engine then trims. This rewrite slices those three tensors on their time axis to the
 * speech's frames plus `marginFrames` on each side:
 *
 *   start = max(0, d[0] − margin),  end = min(F, cumsum(d)[T−2] + margin)
 *
 * where `d` is the durations and `cumsum(d)[T−2]` the end of the last real token. Everything before
 * the decoder (durations, alignment, pitch and energy) is computed as before, on all the frames,
 * so the speech keeps its timing, pitch and energy; only the decoder sees fewer silent frames. (Capping
 * the pads' durations instead changes what the predictor sees, and Whisper then missed the first
 * words of sentences.) The decoder's instance normalisations now take their statistics over fewer
 * silent frames, so the output is not sample-identical: measured on 48 sentences and short fragments
 * in four voices (2026-12-01), Whisper's word errors and a learned MOS predictor's scores stayed the
 * same, and the long-term spectrum of whole sentences within 0.3 dB.
 *
 * It matches the kokoro-onnx export of Kokoro-82M v1.0 (fp32 and int8 alike) by its tensor names
 * (`/encoder/CumSum`, `/encoder/MatMul_1`, `/encoder/Reshape`, `/encoder/Reshape_1`) and checks their
 * operators; a graph without them, with a `durations` output (whose frame times would no longer
 * match the audio) or below opset 13 comes back unchanged. Pure: bytes in, bytes out.
 */
import { GRAPH, NODE, nodeProto, type ParsedGraph, parseGraph, TENSOR, TYPE, withGraph } from './onnx-graph.js';
import { fieldText, ProtoWriter, readFields } from './protobuf-wire.js';

/** Options of {@link cropDecoderPadding}. */
export interface CropOptions {
  /**
   * Pad frames (25 ms each) kept on each side of the speech, so the decoder's convolutions see
   * the edges as before and the trimmed call still has its lead-in. Default `4`.
   */
  marginFrames: number;
  /**
   * Adds an int64 scalar graph input of this name: how many tokens before the end pad (a sentence's
   * or clause's closing punctuation) end the speech early, so the decoder skips their frames too
   * but the margin's. Their frames are the pause after the text, silence the caller can make
   * itself; the predictor still sees them, so the intonation they give is kept. Fed 0, the crop is
   * as without it.
   */
  tailInput?: string;
}

/** Defaults of {@link CropOptions}. */
export const DEFAULT_CROP_OPTIONS: CropOptions = { marginFrames: 4 };

/** The name {@link CropOptions.tailInput} is given by the engines that feed it. */
export const CROP_TAIL_INPUT = 'pad_crop_tail';

/** What {@link cropDecoderPadding} did. */
export interface CropResult {
  /** The rewritten model, or the input itself when it does not match. */
  model: Uint8Array;
  cropped: boolean;
}

/** The tensors the rewrite reads, by the node of the export that writes each. */
const KOKORO_NODES = {
  cumsum: { name: '/encoder/CumSum', op: 'CumSum' },
  asr: { name: '/encoder/MatMul_1', op: 'MatMul' },
  f0: { name: '/encoder/Reshape', op: 'Reshape' },
  n: { name: '/encoder/Reshape_1', op: 'Reshape' },
} as const;

/** The output of the node named `name` with operator `op`, if the graph has that node. */
function outputOf(parsed: ParsedGraph, name: string, op: string): string | undefined {
  const node = parsed.nodes.find((n) => n.name === name);
  return node && node.opType === op && node.domain === '' && node.outputs.length === 1 ? node.outputs[0] : undefined;
}

/** An int64 initializer: a scalar, or a vector when `vector` is set. */
function int64(name: string, value: number, vector = false): ProtoWriter {
  const tensor = new ProtoWriter();
  if (vector) tensor.int(TENSOR.dims, 1);
  return tensor
    .int(TENSOR.dataType, TYPE.int64)
    .string(TENSOR.name, name)
    .bytes(TENSOR.rawData, new Uint8Array(BigInt64Array.of(BigInt(value)).buffer));
}

/** Rewrites `model` so its decoder skips most of the pad frames (see the module comment). */
export function cropDecoderPadding(model: Uint8Array, options: Partial<CropOptions> = {}): CropResult {
  const { marginFrames, tailInput } = { ...DEFAULT_CROP_OPTIONS, ...options };
  const unchanged = { model, cropped: false };
  if (!Number.isInteger(marginFrames) || marginFrames < 0) throw new RangeError('marginFrames must be a whole number ≥ 0');
  const parsed = parseGraph(model);
  if (!parsed || parsed.opset < 13 || parsed.nodes.some((n) => n.hasSubgraph)) return unchanged;
  if ([...parsed.graphOutputs].some((name) => name === 'durations' || name === 'pred_dur')) return unchanged;
  const cumsum = outputOf(parsed, KOKORO_NODES.cumsum.name, KOKORO_NODES.cumsum.op);
  const asr = outputOf(parsed, KOKORO_NODES.asr.name, KOKORO_NODES.asr.op);
  const f0 = outputOf(parsed, KOKORO_NODES.f0.name, KOKORO_NODES.f0.op);
  const n = outputOf(parsed, KOKORO_NODES.n.name, KOKORO_NODES.n.op);
  const cumsumNode = parsed.nodes[parsed.producer.get(cumsum ?? '') ?? -1];
  const durations = cumsumNode?.inputs[0];
  if (!cumsum || !asr || !f0 || !n || !durations) return unchanged;
  const frameTensors = [asr, f0, n];
  if (frameTensors.some((t) => parsed.graphOutputs.has(t))) return unchanged;
  if (tailInput !== undefined && (parsed.graphInputs.has(tailInput) || parsed.producer.has(tailInput))) return unchanged;

  const name = (base: string): string => parsed.uniqueName(`pad_crop/${base}`);
  const initializers: ProtoWriter[] = [];
  const initializerNames: string[] = [];
  const constant = (base: string, value: number, vector = false): string => {
    const tensor = name(base);
    initializerNames.push(tensor);
    initializers.push(int64(tensor, value, vector));
    return tensor;
  };
  const margin = constant('margin', marginFrames);
  const zero = constant('zero', 0);
  const added: GraphEntry[] = [];
  const op = (type: string, inputs: string[], base: string): string => {
    const output = name(base);
    added.push({ inputs, outputs: [output], node: nodeProto(type, inputs, [output], name(`${base}_node`)) });
    return output;
  };
  // First kept frame: the leading pad's frames less the margin.
  const leading = op('Gather', [durations, constant('first', 0)], 'leading_frames');
  const start = op('Max', [op('Sub', [leading, margin], 'start_unclamped'), zero], 'start');
  // Frame after the last kept one: the end of the last real token (or of the last one before the
  // fed tail) plus the margin.
  const lastToken = constant('last_token', -2);
  const speechEndToken = tailInput === undefined ? lastToken : op('Sub', [lastToken, tailInput], 'speech_end_token');
  const speechEnd = op('Gather', [cumsum, speechEndToken], 'speech_end');
  const total = op('Gather', [cumsum, constant('last', -1)], 'total_frames');
  const end = op('Min', [op('Add', [speechEnd, margin], 'end_unclamped'), total], 'end');
  const axis0 = constant('axis0', 0, true);
  const startFrames = op('Unsqueeze', [start, axis0], 'start_frames');
  const endFrames = op('Unsqueeze', [end, axis0], 'end_frames');
  // The pitch and energy curves have two points per frame.
  const two = constant('two', 2);
  const startPoints = op('Mul', [startFrames, two], 'start_points');
  const endPoints = op('Mul', [endFrames, two], 'end_points');
  const lastAxis = constant('time_axis', -1, true);
  const cropped = new Map<string, string>([
    [asr, op('Slice', [asr, startFrames, endFrames, lastAxis], 'asr')],
    [f0, op('Slice', [f0, startPoints, endPoints, lastAxis], 'f0')],
    [n, op('Slice', [n, startPoints, endPoints, lastAxis], 'n')],
  ]);

  // Every reader of the three tensors (the decoder) reads the cropped ones instead.
  const readers = new Set(frameTensors.flatMap((t) => parsed.consumers.get(t) ?? []));
  const entries: GraphEntry[] = parsed.nodes.map((node, index) => {
    if (!readers.has(index)) return { inputs: node.inputs, outputs: node.outputs, field: node.field };
    const inputs = node.inputs.map((input) => cropped.get(input) ?? input);
    // The node as it was, but for the inputs it reads.
    const rewritten = new ProtoWriter();
    const [field] = readFields(node.field);
    for (const f of readFields(field?.payload ?? new Uint8Array())) {
      if (f.field === NODE.input) rewritten.string(NODE.input, cropped.get(fieldText(f)) ?? fieldText(f));
      else rewritten.raw(f.bytes);
    }
    return { inputs, outputs: node.outputs, node: rewritten };
  });
  entries.push(...added);
  const sorted = topologicalOrder(
    entries,
    new Set([...parsed.graphInputs, ...parsed.initializers.keys(), ...initializerNames, ...(tailInput ? [tailInput] : [])]),
  );
  if (!sorted) return unchanged;

  const graph = new ProtoWriter();
  let nodesWritten = false;
  for (const f of parsed.graphFields) {
    if (f.field !== GRAPH.node) graph.raw(f.bytes);
    else if (!nodesWritten) {
      for (const entry of sorted) {
        if (entry.field) graph.raw(entry.field);
        else if (entry.node) graph.message(GRAPH.node, entry.node);
      }
      nodesWritten = true;
    }
  }
  for (const tensor of initializers) graph.message(GRAPH.initializer, tensor);
  if (tailInput !== undefined) graph.message(GRAPH.input, int64ScalarInput(tailInput));
  return { model: withGraph(parsed, graph), cropped: true };
}

/** A graph input (ValueInfoProto) of type int64 and shape [] (a scalar). */
function int64ScalarInput(name: string): ProtoWriter {
  const VALUE_INFO = { name: 1, type: 2 } as const;
  const TYPE_PROTO = { tensorType: 1 } as const;
  const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
  const tensorType = new ProtoWriter().int(TENSOR_TYPE.elemType, TYPE.int64).message(TENSOR_TYPE.shape, new ProtoWriter());
  return new ProtoWriter()
    .string(VALUE_INFO.name, name)
    .message(VALUE_INFO.type, new ProtoWriter().message(TYPE_PROTO.tensorType, tensorType));
}

/** A node of the graph being written: its original field, or a new or rewritten node. */
interface GraphEntry {
  inputs: readonly string[];
  outputs: readonly string[];
  field?: Uint8Array;
  node?: ProtoWriter;
}

/**
 * The entries in an order where each comes after the writers of what it reads (the given order
 * wherever that already holds); undefined when some input is never written (or in a cycle).
 */
function topologicalOrder(entries: readonly GraphEntry[], available: Set<string>): GraphEntry[] | undefined {
  const ready = new Set(available);
  ready.add('');
  const waiting = new Map<string, number[]>(); // tensor → entries waiting for it
  const missing = entries.map((entry, index) => {
    const needs = new Set(entry.inputs.filter((input) => !ready.has(input)));
    for (const input of needs) waiting.set(input, [...(waiting.get(input) ?? []), index]);
    return needs.size;
  });
  const out: GraphEntry[] = [];
  const emit = (index: number): void => {
    const stack = [index];
    while (stack.length > 0) {
      const at = stack.pop() as number;
      const entry = entries[at] as GraphEntry;
      out.push(entry);
      for (const output of entry.outputs) {
        if (!output || ready.has(output)) continue;
        ready.add(output);
        for (const reader of waiting.get(output) ?? []) {
          missing[reader] = (missing[reader] as number) - 1;
          if (missing[reader] === 0 && reader < scanned) stack.push(reader);
        }
      }
    }
  };
  let scanned = 0;
  for (; scanned < entries.length; ) {
    const index = scanned++;
    if (missing[index] === 0) emit(index);
  }
  return out.length === entries.length ? out : undefined;
}
