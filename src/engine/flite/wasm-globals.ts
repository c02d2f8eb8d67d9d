/**
 * Adds an export for every global a WebAssembly module defines ("__global_<index>"), so that a
 * host can save and restore them — with the memory, that is the whole state of an instance, and
 * a command-style program can then be run again on the same instance instead of a fresh one.
 * The rewrite only appends entries to the export section (adding one if there is none). And the
 * module without its data and names ({@link withoutData}), for instances restored from an image.
 */

import { concatBytes } from '../../audio/pcm.js';

function readLeb(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let next = offset;
  for (;;) {
    const byte = bytes[next++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next };
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

/** Skips an import's description (after module and field names) and says whether it was a global. */
function skipImportDesc(bytes: Uint8Array, offset: number): { next: number; global: boolean } {
  const kind = bytes[offset] as number;
  let p = offset + 1;
  switch (kind) {
    case 0: // function: type index
      return { next: readLeb(bytes, p).next, global: false };
    case 1: {
      // table: reftype, limits
      p++;
      const flags = bytes[p++] as number;
      p = readLeb(bytes, p).next;
      if (flags & 1) p = readLeb(bytes, p).next;
      return { next: p, global: false };
    }
    case 2: {
      // memory: limits
      const flags = bytes[p++] as number;
      p = readLeb(bytes, p).next;
      if (flags & 1) p = readLeb(bytes, p).next;
      return { next: p, global: false };
    }
    case 3: // global: valtype, mutability
      return { next: p + 2, global: true };
    default:
      throw new Error(`unknown import kind ${kind}`);
  }
}

function readName(bytes: Uint8Array, offset: number): { name: string; next: number } {
  const { value: length, next } = readLeb(bytes, offset);
  return { name: new TextDecoder().decode(bytes.subarray(next, next + length)), next: next + length };
}

interface Section {
  id: number;
  start: number;
  end: number;
  payloadStart: number;
}

/** The sections of a module, in order. */
function sectionsOf(wasm: Uint8Array): Section[] {
  const sections: Section[] = [];
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p] as number;
    const { value: size, next } = readLeb(wasm, p + 1);
    sections.push({ id, start: p, end: next + size, payloadStart: next });
    p = next + size;
  }
  return sections;
}

/** Section ids: custom sections (names, debug info), and the data section. */
const CUSTOM = 0;
const DATA = 11;
/** Data-count section: present when code refers to data segments (bulk memory). */
const DATA_COUNT = 12;

/**
 * The module without its data segments and custom sections, or undefined when its code refers to
 * its data segments (a data-count section). Its instances start with zeroed memory: the caller
 * restores a memory image taken from the whole module before running anything. Flite's module
 * is 17 MB of data and 4 MB of names around 0.2 MB of code; a compiled module keeps its bytes, so
 * the process holds 0.2 MB instead of 21.
 */
export function withoutData(wasm: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | undefined {
  const sections = sectionsOf(wasm);
  if (sections.some((s) => s.id === DATA_COUNT)) return undefined;
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  for (const section of sections) {
    if (section.id === CUSTOM) continue;
    // An empty data section: zero segments.
    parts.push(section.id === DATA ? new Uint8Array([DATA, 1, 0]) : wasm.subarray(section.start, section.end));
  }
  // A fresh buffer (concatBytes allocates one).
  return concatBytes(parts) as Uint8Array<ArrayBuffer>;
}

/** The module with every defined global exported as `__global_<index>`. */
export function exportGlobals(wasm: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const sections = sectionsOf(wasm);
  let importedGlobals = 0;
  const imports = sections.find((s) => s.id === 2);
  if (imports) {
    let q = imports.payloadStart;
    const { value: count, next } = readLeb(wasm, q);
    q = next;
    for (let i = 0; i < count; i++) {
      q = readName(wasm, q).next;
      q = readName(wasm, q).next;
      const desc = skipImportDesc(wasm, q);
      if (desc.global) importedGlobals++;
      q = desc.next;
    }
  }
  const globals = sections.find((s) => s.id === 6);
  const definedGlobals = globals ? readLeb(wasm, globals.payloadStart).value : 0;
  if (definedGlobals === 0) return wasm;

  const exports = sections.find((s) => s.id === 7);
  const entries: number[] = [];
  let existing = 0;
  let existingBytes: Uint8Array = new Uint8Array(0);
  if (exports) {
    const { value: count, next } = readLeb(wasm, exports.payloadStart);
    existing = count;
    existingBytes = wasm.subarray(next, exports.end);
  }
  const encoder = new TextEncoder();
  for (let i = 0; i < definedGlobals; i++) {
    const name = encoder.encode(`__global_${importedGlobals + i}`);
    entries.push(...leb(name.length), ...name, 0x03, ...leb(importedGlobals + i));
  }
  const payload = [...leb(existing + definedGlobals), ...existingBytes, ...entries];
  const section = new Uint8Array([7, ...leb(payload.length), ...payload]);
  // The export section goes where it was, or right after the global section (section order matters).
  const before = exports ? exports.start : (globals as { end: number }).end;
  const after = exports ? exports.end : (globals as { end: number }).end;
  const out = new Uint8Array(before + section.length + (wasm.length - after));
  out.set(wasm.subarray(0, before));
  out.set(section, before);
  out.set(wasm.subarray(after), before + section.length);
  return out;
}
