/**
 * The file format of a Pocket-TTS voice embedding, owned here because the engine reads it:
 * `<path>` holds the float32 data (little-endian, as the platform writes it) and `<path>.json`
 * its dimensions. The speaker store decides where such files live and writes them atomically.
 */
import { readFile } from 'node:fs/promises';
import type { VoiceEmbedding } from '../types.js';

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

/** Reads an embedding written by {@link embeddingFiles}. */
export async function readEmbeddingFile(path: string): Promise<VoiceEmbedding> {
  const dims = JSON.parse(await readFile(`${path}.json`, 'utf8')) as number[];
  const bytes = await readFile(path);
  return { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), dims };
}
