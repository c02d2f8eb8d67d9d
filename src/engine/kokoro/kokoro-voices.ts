/**
 * Kokoro voice files and voice mixing. A voice file is raw little-endian float32 [510, 1, 256]:
 * row n is the style vector for an utterance of n phoneme tokens. Mixes are written as
 * Kokoro-FastAPI writes them: `af_bella+af_sky` (equal parts) or `af_bella(2)+af_sky(1)`
 * (weights, normalized to sum to 1); the mix is the weighted sum of the voices' tensors.
 */
import { readFileSync } from 'node:fs';

export const STYLE_ROWS = 510;
export const STYLE_DIM = 256;

/** One part of a voice mix. */
export interface VoicePart {
  voice: string;
  weight: number;
}

const PART = /^([a-z0-9_]+)(?:\((\d+(?:\.\d+)?)\))?$/i;

/** Parses a voice name or mix into parts with weights summing to 1; undefined if malformed. */
export function parseVoiceMix(spec: string): VoicePart[] | undefined {
  const parts: VoicePart[] = [];
  for (const raw of spec.split('+')) {
    const match = PART.exec(raw.trim());
    if (!match) return undefined;
    const weight = match[2] === undefined ? 1 : Number(match[2]);
    if (!(weight > 0)) return undefined;
    parts.push({ voice: (match[1] as string).toLowerCase(), weight });
  }
  const total = parts.reduce((n, p) => n + p.weight, 0);
  return parts.map((p) => ({ voice: p.voice, weight: p.weight / total }));
}

/** Loads one voice file. */
export function readVoiceFile(path: string): Float32Array {
  const bytes = readFileSync(path);
  if (bytes.length !== STYLE_ROWS * STYLE_DIM * 4) {
    throw new Error(`${path} is ${bytes.length} bytes; a Kokoro voice is ${STYLE_ROWS * STYLE_DIM * 4} (float32 510x1x256)`);
  }
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Voice tensors, loaded on first use, mixes cached. */
export class KokoroVoices {
  readonly #cache = new Map<string, Float32Array>();

  /** `files`: voice id → path of its file. */
  constructor(private readonly files: ReadonlyMap<string, string>) {}

  /** The voice ids, sorted. */
  get ids(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The tensor of a voice or mix; throws when a part is unknown. */
  get(spec: string): Float32Array {
    const key = spec.toLowerCase().replace(/\s+/g, '');
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const parts = parseVoiceMix(key);
    if (!parts) throw new Error(`"${spec}" is not a Kokoro voice or mix (e.g. af_bella or af_bella(2)+af_sky(1))`);
    const mixed = new Float32Array(STYLE_ROWS * STYLE_DIM);
    for (const part of parts) {
      const file = this.files.get(part.voice);
      if (!file) throw new Error(`Kokoro has no voice "${part.voice}"`);
      const tensor = this.#cache.get(part.voice) ?? readVoiceFile(file);
      this.#cache.set(part.voice, tensor);
      for (let i = 0; i < mixed.length; i++) mixed[i] = (mixed[i] as number) + part.weight * (tensor[i] as number);
    }
    this.#cache.set(key, mixed);
    return mixed;
  }

  /** The style vector for an utterance of `tokens` phoneme tokens (row clamped to 0..509). */
  style(spec: string, tokens: number): Float32Array {
    const row = Math.max(0, Math.min(STYLE_ROWS - 1, tokens));
    return this.get(spec).slice(row * STYLE_DIM, (row + 1) * STYLE_DIM);
  }
}
