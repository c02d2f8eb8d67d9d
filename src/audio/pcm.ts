/** PCM sample conversions. Pure. */

/** Float samples in [-1, 1] → signed 16-bit, clipped; into `out` when given (as long as `samples`). */
export function floatToInt16(samples: Float32Array, out = new Int16Array(samples.length)): Int16Array {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as number;
    const clipped = s > 1 ? 1 : Math.max(s, -1);
    out[i] = clipped < 0 ? Math.round(clipped * 0x8000) : Math.round(clipped * 0x7fff);
  }
  return out;
}

/** Little-endian bytes of 16-bit samples (what `pcm` and WAV carry). */
export function int16ToBytes(samples: Int16Array): Uint8Array {
  if (isLittleEndian) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength).slice();
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] as number, true);
  return out;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Joins sample arrays. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Joins byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
