/**
 * The one module that imports onnxruntime-node. Engines load their graphs through
 * {@link OnnxModel.load}, which checks the graph's inputs and outputs against what the engine
 * will feed and read (names, element types, ranks) and fails with a message naming the mismatch,
 * instead of an obscure error at the first request. Runs only inside engine worker threads:
 * `session.run()` blocks its thread.
 */
import * as ort from 'onnxruntime-node';

/** Element types used by the engines. */
export type TensorType = 'float32' | 'int64' | 'bool';

/** One input or output an engine expects. */
export interface TensorSpec {
  /** The engine's own name for it. */
  key: string;
  /**
   * Names the graph may give it (exports differ: Kokoro's `input_ids` or `tokens`). For outputs,
   * `'#0'`, `'#1'`… stand for "the output at that position, whatever its name".
   */
  names: readonly string[];
  /** Element type, or the types exports are known to use. */
  type: TensorType | readonly TensorType[];
  /** Rank, or the ranks exports are known to use. */
  rank: number | readonly number[];
  /** Feed it only if the graph has it (e.g. Piper's `sid`). */
  optional?: boolean;
}

/** A tensor to feed or read: flat data and dimensions. */
export interface TensorData {
  type: TensorType;
  data: Float32Array | BigInt64Array | Uint8Array;
  dims: readonly number[];
}

/** How sessions run. */
export interface OnnxOptions {
  /**
   * Threads one inference may use. Default 1; the server plans it from the engines and cores
   * (engine/thread-plan.ts: with a neural engine, one worker using every core).
   */
  intraOpThreads: number;
}

/** Zero-filled tensors for recurrent state inputs (symbolic dimensions start at 0). */
export function zeroState(inputs: { name: string; type: TensorType; shape: (number | string)[] }[]): Record<string, TensorData> {
  const state: Record<string, TensorData> = {};
  for (const input of inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 0));
    const size = dims.reduce((a, b) => a * b, 1);
    const data =
      input.type === 'int64' ? new BigInt64Array(size) : input.type === 'bool' ? new Uint8Array(size) : new Float32Array(size);
    state[input.name] = { type: input.type, data, dims };
  }
  return state;
}

/** A loaded graph, its tensors resolved to the engine's keys. */
export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** Engine key → graph name, for the inputs and outputs the graph has. */
    private readonly names: ReadonlyMap<string, string>,
    readonly path: string,
  ) {}

  /**
   * Loads a graph and checks it against `inputs` and `outputs`: from its file, or from a rewritten
   * copy (`file`, see dequantized-graph.ts) while messages name the model's own `path`.
   */
  static async load(
    source: string | { path: string; file: string },
    signature: {
      inputs: readonly TensorSpec[];
      outputs: readonly TensorSpec[];
      /** Inputs named with this prefix (recurrent state) are accepted and listed in {@link stateInputs}. */
      statePrefix?: string;
    },
    options: Partial<OnnxOptions> = {},
  ): Promise<OnnxModel> {
    const path = typeof source === 'string' ? source : source.path;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: Math.max(1, options.intraOpThreads ?? 1),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // errors only: the engine reports what matters itself
      // Left at onnxruntime's defaults, measured on Kokoro int8 with 2 threads (2026-11-30): intra-op
      // spinning on (off used ~13 % less CPU but was no faster alone and ~6 % slower under load);
      // weight prepacking on (off saved ~13 MB); memory pattern on; CPU memory arena on. With the
      // arena off (2026-12-01) an idle server held 398 MB instead of 455 MB after start, but after
      // bench/kokoro-speed.ts's load (six sentences of different lengths, 1–2 clients) 765–850 MB
      // instead of 580 MB: per-run allocations of varying sizes left glibc's per-thread heaps
      // fragmented, where the arena reuses its own blocks. Per-call times moved within noise.
    };
    const session = await ort.InferenceSession.create(typeof source === 'string' ? source : source.file, sessionOptions);
    const names = new Map<string, string>();
    const problems: string[] = [];
    const check = (
      side: 'input' | 'output',
      specs: readonly TensorSpec[],
      metadata: readonly ort.InferenceSession.ValueMetadata[],
    ) => {
      for (const spec of specs) {
        const found = metadata.find(
          (m, position) => spec.names.includes(m.name) || (side === 'output' && spec.names.includes(`#${position}`)),
        );
        if (!found) {
          if (!spec.optional) {
            problems.push(
              `no ${side} named ${spec.names.map((n) => `"${n}"`).join(' or ')} (it has ${metadata.map((m) => `"${m.name}"`).join(', ')})`,
            );
          }
          continue;
        }
        names.set(spec.key, found.name);
        if (!found.isTensor) {
          problems.push(`${side} "${found.name}" is not a tensor`);
          continue;
        }
        const types: readonly string[] = typeof spec.type === 'string' ? [spec.type] : spec.type;
        if (!types.includes(found.type))
          problems.push(`${side} "${found.name}" is ${found.type}, expected ${types.join(' or ')}`);
        const ranks: readonly number[] = typeof spec.rank === 'number' ? [spec.rank] : spec.rank;
        if (found.shape.length > 0 && !ranks.includes(found.shape.length)) {
          problems.push(
            `${side} "${found.name}" has rank ${found.shape.length} [${found.shape.join(', ')}], expected rank ${ranks.join(' or ')}`,
          );
        }
      }
      // An input the engine does not know would be left unfed.
      if (side === 'input') {
        for (const m of metadata) {
          if (signature.statePrefix && m.name.startsWith(signature.statePrefix)) continue;
          if (!specs.some((s) => s.names.includes(m.name))) problems.push(`input "${m.name}" is not one this engine feeds`);
        }
      }
    };
    check('input', signature.inputs, session.inputMetadata);
    check('output', signature.outputs, session.outputMetadata);
    if (problems.length > 0) {
      await session.release();
      throw new Error(`${path} does not look like the expected model: ${problems.join('; ')}.`);
    }
    return new OnnxModel(session, names, path);
  }

  /** The graph's inputs whose names start with `prefix` (recurrent state), with type and shape. */
  stateInputs(prefix: string): { name: string; type: TensorType; shape: (number | string)[] }[] {
    return this.session.inputMetadata.flatMap((m) =>
      m.isTensor && m.name.startsWith(prefix)
        ? [{ name: m.name, type: m.type as TensorType, shape: m.shape.map((d) => (typeof d === 'number' ? d : String(d))) }]
        : [],
    );
  }

  /** Names of every output, in order. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Whether the graph has the input or output of this engine key. */
  has(key: string): boolean {
    return this.names.has(key);
  }

  /** Runs the graph. Feeds for keys the graph lacks (optional ones) are skipped. */
  async run(feeds: Record<string, TensorData>, outputs: readonly string[]): Promise<Record<string, TensorData>> {
    const input: Record<string, ort.Tensor> = {};
    for (const [key, tensor] of Object.entries(feeds)) {
      const name = this.names.get(key) ?? (this.session.inputNames.includes(key) ? key : undefined);
      if (name) input[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
    }
    const fetches = outputs.map((key) => this.names.get(key) ?? key);
    const result = await this.session.run(input, fetches);
    const out: Record<string, TensorData> = {};
    outputs.forEach((key, i) => {
      const tensor = result[fetches[i] as string] as ort.Tensor;
      out[key] = { type: tensor.type as TensorType, data: tensor.data as TensorData['data'], dims: tensor.dims };
    });
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
