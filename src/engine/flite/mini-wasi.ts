/**
 * A tiny in-memory WASI (preview1) host: just the imports a command-style WASI program such as
 * Flite needs to read its arguments, write files and print.
 *
 * Why not `node:wasi`: on Node 20.20 Flite under `node:wasi` corrupted the heap after repeated
 * syntheses unless V8 ran with `--no-turbo-fast-api-calls`; a plain JavaScript host has no
 * fast-API calls to go wrong, needs no flags, and keeps every file in memory, so nothing touches disk.
 */

import { concatBytes } from '../../audio/pcm.js';

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOENT = 44;
const ERRNO_NOSYS = 52;

const FILETYPE_CHARACTER_DEVICE = 2;
const FILETYPE_DIRECTORY = 3;
const FILETYPE_REGULAR_FILE = 4;

const PREOPEN_FD = 3;
const OFLAGS_CREAT = 1;
const OFLAGS_TRUNC = 8;

/** Thrown by `proc_exit` to unwind the program's stack; carries its exit code. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`WASI program exited with code ${code}`);
  }
}

interface OpenFile {
  path: string;
  data: Uint8Array;
  size: number;
  position: number;
}

/** Result of one run of a WASI command. */
export interface WasiRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Files the program wrote, by the path it opened them with (relative to `/`). */
  files: Map<string, Uint8Array>;
}

/** A WASI command that can be run again and again. */
export interface WasiCommand {
  /** Runs `_start` with `args` as argv (argv[0] included), each time from the program's initial state. */
  run(args: readonly string[]): WasiRunResult;
}

/** Memory may grow to this many times its initial size before the instance is replaced. */
const MAX_GROWTH = 4;

/** The initial state of an instance of a module whose globals are exported (see wasm-globals.ts). */
export interface WasiImage {
  memory: Uint8Array;
  globals: number[];
}

function exportedGlobals(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === 'global' && e.name.startsWith('__global_'))
    .map((e) => e.name);
}

function imageOf(
  instance: WebAssembly.Instance,
  globalNames: readonly string[],
  copy: (bytes: Uint8Array) => Uint8Array,
): WasiImage {
  const memory = instance.exports.memory as WebAssembly.Memory;
  return {
    memory: copy(new Uint8Array(memory.buffer)),
    globals: globalNames.map((name) => (instance.exports[name] as WebAssembly.Global).value as number),
  };
}

/**
 * The initial state of `module` (its data in memory, its globals), in shared memory: one copy that
 * every worker's {@link createWasiCommand} restores from, instead of one copy per worker.
 * Instantiating runs no code of a WASI command (it has `_start`, no start function).
 */
export function captureWasiImage(module: WebAssembly.Module): WasiImage {
  const none = new Proxy({}, { get: () => () => ERRNO_NOSYS });
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: none });
  return imageOf(instance, exportedGlobals(module), (bytes) => {
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    return shared;
  });
}

/**
 * Instantiates a compiled WASI command module once and runs it as often as asked. Instantiating
 * costs ~50 ms for Flite (its 17 MB memory image is copied into fresh pages); so instead, when the
 * module exports its globals (see `exportGlobals`), the first instance's memory and globals are
 * saved and restored after every run (about a millisecond, in the idle time right after it), which
 * gives the program exactly the state of a fresh instance. A module without exported globals gets a fresh instance
 * per run. `image`, when given (see {@link captureWasiImage}), is that saved state, shared.
 */
export function createWasiCommand(module: WebAssembly.Module, image?: WasiImage): WasiCommand {
  const encoder = new TextEncoder();
  let encodedArgs: Uint8Array[] = [];
  let stdout: Uint8Array[] = [];
  let stderr: Uint8Array[] = [];
  let files = new Map<string, Uint8Array>();
  let openFiles = new Map<number, OpenFile>();
  let nextFd = PREOPEN_FD + 1;
  let memory: WebAssembly.Memory | undefined;

  const view = (): DataView => new DataView((memory as WebAssembly.Memory).buffer);
  const bytes = (): Uint8Array => new Uint8Array((memory as WebAssembly.Memory).buffer);

  const ensureCapacity = (file: OpenFile, needed: number): void => {
    if (needed <= file.data.length) return;
    const grown = new Uint8Array(Math.max(needed, file.data.length * 2, 65536));
    grown.set(file.data.subarray(0, file.size));
    file.data = grown;
  };

  const imports = {
    args_sizes_get(argcPtr: number, bufSizePtr: number): number {
      const v = view();
      v.setUint32(argcPtr, encodedArgs.length, true);
      v.setUint32(
        bufSizePtr,
        encodedArgs.reduce((n, a) => n + a.length, 0),
        true,
      );
      return ERRNO_SUCCESS;
    },
    args_get(argvPtr: number, bufPtr: number): number {
      const v = view();
      const mem = bytes();
      let offset = bufPtr;
      encodedArgs.forEach((arg, i) => {
        v.setUint32(argvPtr + i * 4, offset, true);
        mem.set(arg, offset);
        offset += arg.length;
      });
      return ERRNO_SUCCESS;
    },
    clock_time_get(_clockId: number, _precision: bigint, timePtr: number): number {
      view().setBigUint64(timePtr, process.hrtime.bigint(), true);
      return ERRNO_SUCCESS;
    },
    fd_close(fd: number): number {
      const file = openFiles.get(fd);
      if (!file) return fd <= PREOPEN_FD ? ERRNO_SUCCESS : ERRNO_BADF;
      files.set(file.path, file.data.slice(0, file.size));
      openFiles.delete(fd);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      let type: number;
      if (fd <= 2) type = FILETYPE_CHARACTER_DEVICE;
      else if (fd === PREOPEN_FD) type = FILETYPE_DIRECTORY;
      else if (openFiles.has(fd)) type = FILETYPE_REGULAR_FILE;
      else return ERRNO_BADF;
      const v = view();
      v.setUint8(statPtr, type);
      v.setUint16(statPtr + 2, 0, true);
      // Grant every right: the program can only ever reach this in-memory directory.
      v.setBigUint64(statPtr + 8, 0xffffffffffffffffn, true);
      v.setBigUint64(statPtr + 16, 0xffffffffffffffffn, true);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_set_flags(): number {
      return ERRNO_SUCCESS;
    },
    fd_prestat_get(fd: number, prestatPtr: number): number {
      if (fd !== PREOPEN_FD) return ERRNO_BADF;
      const v = view();
      v.setUint8(prestatPtr, 0);
      v.setUint32(prestatPtr + 4, 1, true);
      return ERRNO_SUCCESS;
    },
    fd_prestat_dir_name(fd: number, pathPtr: number, pathLen: number): number {
      if (fd !== PREOPEN_FD || pathLen < 1) return ERRNO_BADF;
      bytes()[pathPtr] = 0x2f; // "/"
      return ERRNO_SUCCESS;
    },
    fd_read(_fd: number, _iovs: number, _iovsLen: number, nreadPtr: number): number {
      // No stdin and no readable files: every read is end-of-file.
      view().setUint32(nreadPtr, 0, true);
      return ERRNO_SUCCESS;
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
      const file = openFiles.get(fd);
      if (!file) return ERRNO_BADF;
      const base = whence === 0 ? 0 : whence === 1 ? file.position : file.size;
      const target = base + Number(offset);
      if (target < 0) return ERRNO_INVAL;
      file.position = target;
      view().setBigUint64(newOffsetPtr, BigInt(target), true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
      const v = view();
      const mem = bytes();
      const file = openFiles.get(fd);
      if (!file && fd !== 1 && fd !== 2) return ERRNO_BADF;
      let written = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        const chunk = mem.subarray(ptr, ptr + len);
        if (file) {
          ensureCapacity(file, file.position + len);
          file.data.set(chunk, file.position);
          file.position += len;
          file.size = Math.max(file.size, file.position);
        } else {
          (fd === 1 ? stdout : stderr).push(chunk.slice());
        }
        written += len;
      }
      v.setUint32(nwrittenPtr, written, true);
      return ERRNO_SUCCESS;
    },
    path_open(
      dirFd: number,
      _dirFlags: number,
      pathPtr: number,
      pathLen: number,
      oflags: number,
      _rightsBase: bigint,
      _rightsInheriting: bigint,
      _fdFlags: number,
      fdPtr: number,
    ): number {
      if (dirFd !== PREOPEN_FD) return ERRNO_BADF;
      const path = new TextDecoder().decode(bytes().subarray(pathPtr, pathPtr + pathLen));
      const existing = files.get(path);
      if (!existing && (oflags & OFLAGS_CREAT) === 0) return ERRNO_NOENT;
      const data = existing && (oflags & OFLAGS_TRUNC) === 0 ? existing.slice() : new Uint8Array(0);
      const fd = nextFd++;
      openFiles.set(fd, { path, data, size: data.length, position: 0 });
      view().setUint32(fdPtr, fd, true);
      return ERRNO_SUCCESS;
    },
    proc_exit(code: number): never {
      throw new WasiExit(code);
    },
  };

  const wasiImports: Record<string, (...args: never[]) => number> = new Proxy(imports, {
    get(target, name: string) {
      return (target as Record<string, unknown>)[name] ?? (() => ERRNO_NOSYS);
    },
  }) as unknown as Record<string, (...args: never[]) => number>;

  const globalNames = exportedGlobals(module);
  /** Puts `from`'s memory and globals into `target`. */
  const restore = (target: WebAssembly.Instance, from: WasiImage): void => {
    const current = new Uint8Array((target.exports.memory as WebAssembly.Memory).buffer);
    current.set(from.memory);
    // Pages grown during the last run must read as fresh (zeroed) memory again.
    current.fill(0, from.memory.length);
    for (const [i, name] of globalNames.entries()) {
      (target.exports[name] as WebAssembly.Global).value = from.globals[i];
    }
  };
  let instance: WebAssembly.Instance | undefined;
  let snapshot: WasiImage | undefined = image;
  let dirty = false;

  const instantiate = (): WebAssembly.Instance => {
    const created = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasiImports });
    memory = created.exports.memory as WebAssembly.Memory;
    if (image) restore(created, image); // the module may carry no data of its own (see withoutData)
    snapshot ??= globalNames.length > 0 ? imageOf(created, globalNames, (bytes) => bytes.slice()) : undefined;
    dirty = false;
    return created;
  };

  /** An instance in its initial state: restored, or fresh when it cannot be restored (or grew too much). */
  const ready = (): WebAssembly.Instance => {
    if (instance && !dirty) return instance;
    const mem = memory as WebAssembly.Memory;
    if (!instance || !snapshot || mem.buffer.byteLength > snapshot.memory.length * MAX_GROWTH) {
      instance = instantiate();
      return instance;
    }
    restore(instance, snapshot);
    dirty = false;
    return instance;
  };
  instance = instantiate();

  let restoreQueued = false;
  return {
    run(args) {
      const current = ready();
      dirty = true;
      if (!restoreQueued) {
        // Restore in the idle time after this run, so the next run need not wait for it.
        restoreQueued = true;
        setImmediate(() => {
          restoreQueued = false;
          if (dirty && instance) ready();
        });
      }
      encodedArgs = args.map((a) => encoder.encode(`${a}\0`));
      stdout = [];
      stderr = [];
      files = new Map();
      openFiles = new Map();
      nextFd = PREOPEN_FD + 1;
      let exitCode = 0;
      try {
        (current.exports._start as () => void)();
      } catch (error) {
        if (!(error instanceof WasiExit)) {
          // A trap leaves the instance in an unknown state: never restore onto it.
          instance = undefined;
          throw error;
        }
        exitCode = error.code;
      }
      for (const file of openFiles.values()) files.set(file.path, file.data.slice(0, file.size));
      const decoder = new TextDecoder();
      return {
        exitCode,
        stdout: decoder.decode(concatBytes(stdout)),
        stderr: decoder.decode(concatBytes(stderr)),
        files,
      };
    },
  };
}

/** Instantiates and runs a WASI command once (see {@link prepareWasiCommand}). */
export function runWasiCommand(module: WebAssembly.Module, args: readonly string[]): WasiRunResult {
  return createWasiCommand(module).run(args);
}
