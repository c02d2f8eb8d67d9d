/**
 * Loads an Emscripten-built WASM library (such as the Speex resampler or Sonic) and gives direct
 * access to its exports and its memory, which these builds do not export themselves.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** A loaded Emscripten module: its C functions (by name, with the leading underscore) and memory. */
export interface WasmLibrary {
  call<T extends number = number>(name: string, ...args: number[]): T;
  readonly memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(pointer: number): void;
}

type EmscriptenFactory = (options: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * Loads the ESM Emscripten factory `specifier` (a package export) with the `.wasm` file beside it,
 * capturing the instance's memory as it is instantiated.
 */
export async function loadWasmLibrary(specifier: string): Promise<WasmLibrary> {
  const jsPath = require.resolve(specifier);
  const binary = await readFile(jsPath.replace(/\.js$/, '.wasm'));
  const factory = ((await import(pathToFileURL(jsPath).href)) as { default: EmscriptenFactory }).default;
  let memory: WebAssembly.Memory | undefined;
  const module = await factory({
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
      WebAssembly.instantiate(binary, imports).then(({ instance }) => {
        memory = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
        receive(instance);
      });
      return {};
    },
  });
  if (!memory) throw new Error(`${jsPath} exported no memory`);
  const mem = memory;
  const fn = (name: string): ((...args: number[]) => number) => {
    const f = module[name];
    if (typeof f !== 'function') throw new Error(`${jsPath} has no function ${name}`);
    return f as (...args: number[]) => number;
  };
  return {
    memory: mem,
    call: <T extends number>(name: string, ...args: number[]) => fn(name)(...args) as T,
    malloc: (bytes) => fn('_malloc')(bytes),
    free: (pointer) => {
      fn('_free')(pointer);
    },
  };
}
