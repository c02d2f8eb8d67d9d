/**
 * A small, dependency-free writer of ONNX models (protobuf wire format), for the synthetic graphs
 * the engine tests run: real input/output names, types and shapes, trivial arithmetic inside.
 * Opset 17: Unsqueeze/Squeeze take axes as inputs; ReduceMean takes them as an attribute (none = all).
 */

const DATA_TYPES = { float32: 1, uint8: 2, int32: 6, int64: 7 } as const;
type DataType = keyof typeof DATA_TYPES;

class Proto {
  readonly bytes: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.bytes.push(byte);
    } while (v > 0n);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.tag(field, 5);
    this.bytes.push(...b);
    return this;
  }

  raw(field: number, value: Uint8Array | number[]): this {
    this.tag(field, 2).varint(value.length);
    this.bytes.push(...value);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, [...new TextEncoder().encode(value)]);
  }

  message(field: number, inner: Proto): this {
    return this.raw(field, inner.bytes);
  }
}

/** A graph input or output: name, type and shape (numbers, or strings for symbolic dimensions). */
export interface ValueInfo {
  name: string;
  type: DataType;
  shape: (number | string)[];
}

/** An attribute of a node. */
export type Attribute = { name: string; int: number } | { name: string; float: number } | { name: string; ints: number[] };

export interface Node {
  op: string;
  /** Default: the operator and the node's index. */
  name?: string;
  inputs: string[];
  outputs: string[];
  attributes?: Attribute[];
}

/** A constant tensor. */
export interface Initializer {
  name: string;
  type: DataType;
  dims: number[];
  values: number[];
}

function valueInfo(info: ValueInfo): Proto {
  const shape = new Proto();
  for (const dim of info.shape) {
    const d = new Proto();
    if (typeof dim === 'number') d.int(1, dim);
    else d.string(2, dim);
    shape.message(1, d);
  }
  const tensorType = new Proto().int(1, DATA_TYPES[info.type]).message(2, shape);
  const type = new Proto().message(1, tensorType);
  return new Proto().string(1, info.name).message(2, type);
}

function tensor(init: Initializer): Proto {
  const p = new Proto();
  for (const d of init.dims) p.int(1, d);
  p.int(2, DATA_TYPES[init.type]);
  p.string(8, init.name);
  const data =
    init.type === 'float32'
      ? new Uint8Array(Float32Array.from(init.values).buffer)
      : init.type === 'uint8'
        ? Uint8Array.from(init.values)
        : init.type === 'int32'
          ? new Uint8Array(Int32Array.from(init.values).buffer)
          : new Uint8Array(BigInt64Array.from(init.values.map((v) => BigInt(v))).buffer);
  return p.raw(9, data);
}

function node(n: Node, index: number): Proto {
  const p = new Proto();
  for (const i of n.inputs) p.string(1, i);
  for (const o of n.outputs) p.string(2, o);
  p.string(3, n.name ?? `${n.op.toLowerCase()}_${index}`);
  p.string(4, n.op);
  for (const a of n.attributes ?? []) {
    const attr = new Proto().string(1, a.name);
    if ('int' in a) attr.int(3, a.int).int(20, 2);
    else if ('float' in a) attr.float(2, a.float).int(20, 1);
    else {
      for (const v of a.ints) attr.int(8, v);
      attr.int(20, 7);
    }
    p.message(5, attr);
  }
  return p;
}

/** Serializes a model with one graph at opset 17. */
export function writeOnnxModel(graph: {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: Node[];
  initializers?: Initializer[];
}): Uint8Array {
  const g = new Proto();
  for (const [i, n] of graph.nodes.entries()) g.message(1, node(n, i));
  g.string(2, graph.name);
  for (const init of graph.initializers ?? []) g.message(5, tensor(init));
  for (const input of graph.inputs) g.message(11, valueInfo(input));
  for (const output of graph.outputs) g.message(12, valueInfo(output));
  const model = new Proto()
    .int(1, 8) // ir_version
    .string(2, 'flash-tts-tests')
    .message(7, g)
    .message(8, new Proto().string(1, '').int(2, 17));
  return Uint8Array.from(model.bytes);
}
