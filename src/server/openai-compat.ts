/**
 * What OpenAI's speech API accepts beyond our own names: dated model snapshots
 * (`gpt-4o-mini-tts-2025-12-15`), custom-voice objects (`{"id": "..."}`), and the server-sent
 * event stream (`stream_format: "sse"`) with its usage count.
 */
import { TOKENS_PER_SECOND } from './speech-params.js';

/** Model names /v1/audio/speech accepts: ours, the original's, and OpenAI's. */
export const MODEL_NAMES = ['flash-tts', 'flite', 'spark', 'tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'] as const;

const DATED = /^(.+)-(\d{4}-\d{2}-\d{2})$/;

/**
 * The model a request names, with a dated snapshot (`tts-1-2025-01-01`, `gpt-4o-mini-tts-2025-12-15`)
 * read as its model; undefined when it is none of {@link MODEL_NAMES}.
 */
export function resolveModelName(model: string): (typeof MODEL_NAMES)[number] | undefined {
  const names = MODEL_NAMES as readonly string[];
  const name = model.trim().toLowerCase();
  const base = names.includes(name) ? name : DATED.exec(name)?.[1];
  return base !== undefined && names.includes(base) ? (base as (typeof MODEL_NAMES)[number]) : undefined;
}

/** The voice name of a request's `voice`: a name, or OpenAI's custom-voice object `{id}`. */
export function voiceName(voice: string | { id: string }): string {
  return typeof voice === 'string' ? voice : voice.id;
}

/**
 * The `usage` of a `speech.audio.done` event. There are no language-model tokens here, so input
 * tokens are the input's characters and output tokens the audio's length in the original
 * service's tokens (50 a second).
 */
export function speechUsage(
  input: string,
  audioSeconds: number,
): { input_tokens: number; output_tokens: number; total_tokens: number } {
  const inputTokens = [...input].length;
  const outputTokens = Math.round(audioSeconds * TOKENS_PER_SECOND);
  return { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
}
