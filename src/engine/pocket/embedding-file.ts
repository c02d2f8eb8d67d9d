/**
 * The file format of a Pocket-TTS voice embedding, owned here because the engine reads it:
 * `<path>` holds the float32 data (little-endian, as the platform writes it) and `<path>.json`
 * its dimensions. The speaker store decides where such files live (content-addressed by
 * {@link embeddingDigest}) and writes them atomically. What makes an embedding usable is checked
 * in one place ({@link embeddingProblem}), for uploads and for files read back alike.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TtsError } from '../../errors.js';
import type { VoiceEmbedding } from '../types.js';

/** Width of one embedding row (the model's conditioning size). */
export const EMBEDDING_WIDTH = 1024;
/**
 * Most rows a voice embedding may have: 500 rows of 80 ms = 40 s, twice what a reference is cut
 * to (20 s). Each row costs the model a step for every segment spoken with the voice.
 */
export const EMBEDDING_MAX_ROWS = 500;
/** Largest magnitude of a value: real embeddings stay far below it; beyond it a voice is noise. */
export const EMBEDDING_MAX_ABS = 1000;

/**
 * What makes `embedding` unusable as a voice, or undefined when it is fine: dims
 * [1, rows, 1024] with 1–500 rows, as many values as the dims say, every value finite and
 * within ±1000.
 */
export function embeddingProblem(embedding: VoiceEmbedding): string | undefined {
  const { data, dims } = embedding;
  if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== EMBEDDING_WIDTH) {
    return `its shape is [${dims.join(', ')}], not [1, frames, ${EMBEDDING_WIDTH}]`;
  }
  const rows = dims[1] as number;
  if (!Number.isInteger(rows) || rows < 1 || rows > EMBEDDING_MAX_ROWS) {
    return `it has ${rows} frames; a voice has 1 to ${EMBEDDING_MAX_ROWS}`;
  }
  if (data.length !== rows * EMBEDDING_WIDTH)
    return `it holds ${data.length} values, not the ${rows * EMBEDDING_WIDTH} its shape says`;
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as number;
    if (!Number.isFinite(value)) return `value ${i} is ${value} (every value must be a finite number)`;
    if (Math.abs(value) > EMBEDDING_MAX_ABS) return `value ${i} is ${value}, outside ±${EMBEDDING_MAX_ABS}`;
  }
  return undefined;
}

/** The content address of an embedding: sha256 of its dimensions and its bytes. */
export function embeddingDigest(embedding: VoiceEmbedding): string {
  const { data, dims } = embedding;
  return createHash('sha256')
    .update(JSON.stringify(dims))
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

/** The two files of an embedding stored at `path`: dimensions first, so a data file always has them. */
export function embeddingFiles(path: string, embedding: VoiceEmbedding): { path: string; contents: Uint8Array | string }[] {
  const { data } = embedding;
  return [
    { path: `${path}.json`, contents: JSON.stringify(embedding.dims) },
    { path, contents: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
  ];
}

/** The paths that must all exist for an embedding stored at `path` to be whole. */
export function embeddingFilePaths(path: string): string[] {
  return [path, `${path}.json`];
}

/**
 * Reads an embedding written by {@link embeddingFiles}, checked. A missing file is a voice that
 * was deleted (`voice_not_found`); a broken one is refused rather than spoken.
 */
export async function readEmbeddingFile(path: string): Promise<VoiceEmbedding> {
  let dims: number[];
  let bytes: Buffer;
  try {
    dims = JSON.parse(await readFile(`${path}.json`, 'utf8')) as number[];
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TtsError('voice_not_found', 'This voice was deleted while it was in use; choose another voice.');
    }
    throw error;
  }
  const embedding = {
    data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    dims: Array.isArray(dims) ? dims : [],
  };
  const problem = bytes.length % 4 === 0 ? embeddingProblem(embedding) : 'its data is not whole float32 values';
  if (problem) throw new Error(`the stored voice embedding ${path} is unusable: ${problem}`);
  return embedding;
}
