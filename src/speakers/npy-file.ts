/**
 * Reads NumPy `.npy` files of float32 data (the `latent_file` of the original API). Pure: bytes
 * in, data out. The header is checked before anything is allocated: its shape must describe
 * exactly the bytes that follow, so a truncated file or one whose header claims [1, 1e8, 1024]
 * is refused without reading (or allocating) what it claims.
 */

/** A parsed `.npy` array. */
export interface NpyArray {
  data: Float32Array;
  /** The shape the header gives. */
  shape: number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Why a file is not a usable `.npy` float32 array; thrown by {@link parseNpyFloat32}. */
export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';
}

/**
 * Parses a `.npy` file of little-endian float32 values in C order. `maxElements` bounds the
 * shape's product before anything is allocated. Throws {@link NpyFormatError} saying what is wrong.
 */
export function parseNpyFloat32(bytes: Uint8Array, maxElements: number): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError('it does not start with the .npy signature (\\x93NUMPY)');
  }
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw new NpyFormatError(`its format version ${major} is not 1, 2 or 3`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new NpyFormatError('it is truncated inside its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) throw new NpyFormatError('it is truncated inside its header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  if (descr === undefined) throw new NpyFormatError('its header has no dtype ("descr")');
  if (descr !== '<f4' && descr !== '=f4') {
    throw new NpyFormatError(`its dtype is ${descr}, not little-endian float32 (<f4)`);
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  if (fortran === undefined) throw new NpyFormatError('its header has no "fortran_order"');
  if (fortran === 'True') throw new NpyFormatError('it is in Fortran order; save it in C order (numpy.ascontiguousarray)');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new NpyFormatError('its header has no shape');
  const parts = shapeText
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.some((p) => !/^\d{1,12}$/.test(p))) throw new NpyFormatError(`its shape (${shapeText}) is not a tuple of sizes`);
  const shape = parts.map(Number);
  let elements = 1;
  for (const size of shape) {
    elements *= size;
    if (elements > maxElements) {
      throw new NpyFormatError(`its shape [${shape.join(', ')}] holds more than the ${maxElements} values a voice may have`);
    }
  }
  const expected = elements * 4;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    throw new NpyFormatError(
      `its header's shape [${shape.join(', ')}] needs ${expected} bytes of data but the file has ${actual} (${actual < expected ? 'truncated' : 'extra bytes'})`,
    );
  }
  // Copied onto a fresh, aligned buffer: the input may sit at any offset.
  const data = new Float32Array(bytes.slice(dataStart).buffer);
  return { data, shape };
}
