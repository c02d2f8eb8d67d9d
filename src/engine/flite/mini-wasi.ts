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

/** A WASI command instantiated ahead of time, to be run once. */
export interface PreparedWasiCommand {
  /** Runs `_start` with `args` as argv (argv[0] included). Throws if run twice. */
  run(args: readonly string[]): WasiRunResult;
}

/**
 * Instantiates a compiled WASI command module now (the costly part: its memory image is copied)
 * so that a later `run()` starts at once.
 */
export function prepareWasiCommand(module: WebAssembly.Module): PreparedWasiCommand {
  const encoder = new TextEncoder();
  let encodedArgs: Uint8Array[] = [];
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  const files = new Map<string, Uint8Array>();
  const openFiles = new Map<number, OpenFile>();
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

  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasiImports });
  memory = instance.exports.memory as WebAssembly.Memory;
  let used = false;
  return {
    run(args) {
      if (used) throw new Error('A prepared WASI command runs only once');
      used = true;
      encodedArgs = args.map((a) => encoder.encode(`${a}\0`));
      let exitCode = 0;
      try {
        (instance.exports._start as () => void)();
      } catch (error) {
        if (!(error instanceof WasiExit)) throw error;
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
  return prepareWasiCommand(module).run(args);
}
