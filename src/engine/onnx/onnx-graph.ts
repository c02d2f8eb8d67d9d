/**
 * An ONNX model read far enough to rewrite its main graph (dequantize-convolutions.ts,
 * crop-decoder-padding.ts): the graph's nodes with their inputs, outputs and attributes, its
 * initializers' headers (read on demand), its outputs and the default-domain opset. Fields that a
 * rewrite leaves alone are copied as they are.
 */
import { fieldText, ProtoWriter, readFields, readPackedVarints, WIRE, type WireField } from './protobuf-wire.js';

// ONNX field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const MODEL_OPSET = 8;
const OPSET = { domain: 1, version: 2 } as const;
export const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
export const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
export const ATTRIBUTE = { name: 1, i: 3, g: 6, ints: 8, graphs: 11, type: 20 } as const;
/** AttributeProto types. */
export const ATTRIBUTE_TYPE = { int: 2, ints: 7 } as const;
export const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, dataLocation: 14 } as const;
/** TensorProto data types. */
export const TYPE = { float: 1, uint8: 2, int8: 3, int64: 7 } as const;

export interface GraphNode {
  /** The whole `node` field of the graph, to copy as it is. */
  field: Uint8Array;
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  /** Each attribute's serialized AttributeProto. */
  attributes: Uint8Array[];
  hasSubgraph: boolean;
}

export interface Tensor {
  dims: number[];
  dataType: number;
  /** Stored outside the model file. */
  external: boolean;
}

/** A model's main graph, parsed (see the module comment). */
export interface ParsedGraph {
  /** The model's top-level fields. */
  modelFields: WireField[];
  /** The one of them that holds the graph. */
  graphField: WireField;
  /** The graph's fields, in order. */
  graphFields: WireField[];
  /** The graph's nodes, in the order of their fields. */
  nodes: GraphNode[];
  /** Initializer name → its header. */
  initializers: Map<string, () => Tensor>;
  /** Names of the graph's inputs. */
  graphInputs: Set<string>;
  /** Names of the graph's outputs. */
  graphOutputs: Set<string>;
  /** The default domain's opset version (0 when the model names none). */
  opset: number;
  /** Node index that writes each tensor. */
  producer: Map<string, number>;
  /** Node indexes that read each tensor. */
  consumers: Map<string, number[]>;
  /** A tensor name that no node, initializer or output uses yet, from `base` (reserved once returned). */
  uniqueName(base: string): string;
}

function parseNode(field: WireField): GraphNode {
  const node: GraphNode = {
    field: field.bytes,
    inputs: [],
    outputs: [],
    name: '',
    opType: '',
    domain: '',
    attributes: [],
    hasSubgraph: false,
  };
  for (const f of readFields(field.payload)) {
    if (f.field === NODE.input) node.inputs.push(fieldText(f));
    else if (f.field === NODE.output) node.outputs.push(fieldText(f));
    else if (f.field === NODE.name) node.name = fieldText(f);
    else if (f.field === NODE.opType) node.opType = fieldText(f);
    else if (f.field === NODE.domain) node.domain = fieldText(f);
    else if (f.field === NODE.attribute) {
      node.attributes.push(f.payload);
      for (const a of readFields(f.payload)) if (a.field === ATTRIBUTE.g || a.field === ATTRIBUTE.graphs) node.hasSubgraph = true;
    }
  }
  return node;
}

/** An initializer's name, and its header (dims, type) read on demand. */
function parseTensor(payload: Uint8Array): { name: string; tensor: () => Tensor } {
  let name = '';
  for (const f of readFields(payload)) if (f.field === TENSOR.name) name = fieldText(f);
  return {
    name,
    tensor: () => {
      const t: Tensor = { dims: [], dataType: 0, external: false };
      const dims: WireField[] = [];
      for (const f of readFields(payload)) {
        if (f.field === TENSOR.dims) dims.push(f);
        else if (f.field === TENSOR.dataType) t.dataType = f.value;
        else if (f.field === TENSOR.dataLocation) t.external = f.value === 1;
      }
      t.dims = readPackedVarints(dims);
      return t;
    },
  };
}

/** The model's main graph, parsed; undefined when the model has none. */
export function parseGraph(model: Uint8Array): ParsedGraph | undefined {
  const modelFields = [...readFields(model)];
  const graphField = modelFields.find((f) => f.field === MODEL_GRAPH && f.wire === WIRE.bytes);
  if (!graphField) return undefined;

  let opset = 0;
  for (const f of modelFields) {
    if (f.field !== MODEL_OPSET) continue;
    let domain = '';
    let version = 0;
    for (const g of readFields(f.payload)) {
      if (g.field === OPSET.domain) domain = fieldText(g);
      else if (g.field === OPSET.version) version = g.value;
    }
    if (domain === '' || domain === 'ai.onnx') opset = version;
  }

  const graphFields = [...readFields(graphField.payload)];
  const nodes: GraphNode[] = [];
  const initializers = new Map<string, () => Tensor>();
  const graphInputs = new Set<string>();
  const graphOutputs = new Set<string>();
  for (const f of graphFields) {
    if (f.field === GRAPH.node) nodes.push(parseNode(f));
    else if (f.field === GRAPH.initializer) {
      const { name, tensor } = parseTensor(f.payload);
      initializers.set(name, tensor);
    } else if (f.field === GRAPH.output || f.field === GRAPH.input) {
      for (const g of readFields(f.payload))
        if (g.field === 1) (f.field === GRAPH.output ? graphOutputs : graphInputs).add(fieldText(g));
    }
  }
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, index) => {
    for (const output of node.outputs) if (output) producer.set(output, index);
    for (const input of node.inputs) if (input) consumers.set(input, [...(consumers.get(input) ?? []), index]);
  });
  const names = new Set([...producer.keys(), ...consumers.keys(), ...initializers.keys(), ...graphOutputs]);
  const uniqueName = (base: string): string => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  return {
    modelFields,
    graphField,
    graphFields,
    nodes,
    initializers,
    graphInputs,
    graphOutputs,
    opset,
    producer,
    consumers,
    uniqueName,
  };
}

/** The model of `parsed` with its graph replaced by `graph`, as one buffer. */
export function withGraph(parsed: ParsedGraph, graph: ProtoWriter): Uint8Array {
  const out = new ProtoWriter();
  for (const f of parsed.modelFields) {
    if (f === parsed.graphField) out.message(MODEL_GRAPH, graph);
    else out.raw(f.bytes);
  }
  return out.finish();
}

/** Element count of a tensor: the product of its dims (1 for a scalar). */
export const elements = (t: Tensor): number => t.dims.reduce((a, b) => a * b, 1);

/** The integer value of the attribute `name` of a node, if it has one. */
export function intAttribute(node: GraphNode, name: string): number | undefined {
  for (const attribute of node.attributes) {
    let attrName = '';
    let value: number | undefined;
    for (const f of readFields(attribute)) {
      if (f.field === ATTRIBUTE.name) attrName = fieldText(f);
      else if (f.field === ATTRIBUTE.i) value = f.value;
    }
    if (attrName === name) return value;
  }
  return undefined;
}

/** A node to add to a graph: `op(inputs) → outputs`, with int or ints attributes. */
export function nodeProto(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: Readonly<Record<string, number | readonly number[]>> = {},
): ProtoWriter {
  const node = new ProtoWriter();
  for (const input of inputs) node.string(NODE.input, input);
  for (const output of outputs) node.string(NODE.output, output);
  node.string(NODE.name, name).string(NODE.opType, op);
  for (const [key, value] of Object.entries(attributes)) {
    const attribute = new ProtoWriter().string(ATTRIBUTE.name, key);
    if (typeof value === 'number') attribute.int(ATTRIBUTE.i, value).int(ATTRIBUTE.type, ATTRIBUTE_TYPE.int);
    else {
      for (const v of value) attribute.int(ATTRIBUTE.ints, v);
      attribute.int(ATTRIBUTE.type, ATTRIBUTE_TYPE.ints);
    }
    node.message(NODE.attribute, attribute);
  }
  return node;
}
