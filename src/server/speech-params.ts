/**
 * Request validation for the speech routes (zod), and the mapping of the original service's
 * level names to numbers.
 */
import { z } from 'zod';
import { PCM_SAMPLE_RATES } from '../../protocol/messages.js';
import { AUDIO_FORMATS, type AudioFormat } from '../audio/formats.js';
import { TtsError } from '../errors.js';
import { describeValue, schemaProblem } from './request-checks.js';

/** The original service's five levels for pitch and speed. */
export const LEVELS = ['very_low', 'low', 'moderate', 'high', 'very_high'] as const;
export type Level = (typeof LEVELS)[number];

/** Speaking-rate factor of each speed level. */
export const SPEED_FACTORS: Readonly<Record<Level, number>> = {
  very_low: 0.7,
  low: 0.85,
  moderate: 1,
  high: 1.2,
  very_high: 1.45,
};

/** Pitch shift of each pitch level, in semitones. */
export const PITCH_SEMITONES: Readonly<Record<Level, number>> = {
  very_low: -4,
  low: -2,
  moderate: 0,
  high: 2,
  very_high: 4,
};

/** Audio of one second, in the original's tokens (its codec makes 50 tokens a second). */
export const TOKENS_PER_SECOND = 50;

/** Form fields arrive as strings; these coerce "0.9", "true", "50" while rejecting junk. */
const formNumber = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number());
const formBoolean = z.preprocess((v) => {
  // The original service (pydantic) also reads JSON 1 and 0 as booleans.
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off', ''].includes(lower)) return false;
  return v;
}, z.boolean());

const level = z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` });
const format = z.enum(AUDIO_FORMATS, { error: `must be one of ${AUDIO_FORMATS.join(', ')}` });
const sampleRate = formNumber.pipe(
  z.number().refine((r) => (PCM_SAMPLE_RATES as readonly number[]).includes(r), {
    error: `must be one of ${PCM_SAMPLE_RATES.join(', ')}`,
  }),
);

/**
 * A number within limits: each check says what failed and the whole allowed range, and the range
 * is checked before wholeness (so 1e308 is "at most", not zod's "expected int to be <= …").
 */
const boundedNumber = (min: number, max: number, options: { minExclusive?: boolean; whole?: boolean } = {}) => {
  const range = `${options.whole ? 'a whole number ' : ''}${options.minExclusive ? `greater than ${min} and at most ${max}` : `from ${min} to ${max}`}`;
  const low = options.minExclusive
    ? z.number().gt(min, `must be greater than ${min} (${range})`)
    : z.number().min(min, `must be at least ${min} (${range})`);
  const bounded = low.max(max, `must be at most ${max} (${range})`);
  return formNumber.pipe(options.whole ? bounded.refine(Number.isInteger, `must be a whole number (${range})`) : bounded);
};

/** Sampling fields shared by every speech route. */
const samplingFields = {
  temperature: boundedNumber(0, 2, { minExclusive: true }).optional(),
  top_k: boundedNumber(1, 1000, { whole: true }).optional(),
  top_p: boundedNumber(0, 1, { minExclusive: true }).optional(),
  max_tokens: boundedNumber(1, 1_000_000, { whole: true }).optional(),
};

const text = z.string({ error: 'is required: the text to speak' }).refine((t) => t.trim() !== '', { error: 'must not be empty' });

/** Body of POST /speak. */
export const speakBodySchema = z.object({
  name: z.string({ error: 'is required: the name of a voice, as GET /audio_roles lists them' }).min(1, 'must not be empty'),
  text,
  // null is "no change", as in the original service.
  pitch: level.nullable().default('moderate'),
  speed: level.nullable().default('moderate'),
  ...samplingFields,
  stream: formBoolean.default(false),
  response_format: format.default('mp3'),
  sample_rate: sampleRate.optional(),
});

/** Body of POST /v1/audio/speech. */
export const openaiSpeechBodySchema = z.object({
  model: z.string({ error: 'is required: a model name, for example "tts-1"' }).min(1, 'must not be empty'),
  input: text,
  // A name, or OpenAI's custom-voice object {"id": "..."}.
  voice: z.union([z.string().min(1), z.object({ id: z.string().min(1) })], {
    error: (issue) =>
      `${issue.input === undefined ? 'is required:' : 'must be'} a voice name, as GET /v1/audio/voices lists them, or {"id": "<name>"}`,
  }),
  // Continuous, as OpenAI's; null is "no change".
  speed: boundedNumber(0.25, 4).nullable().default(1),
  response_format: format.default('mp3'),
  // Unset: every format streams as it is synthesized, as OpenAI's API does; false asks for a whole file.
  stream: formBoolean.optional(),
  stream_format: z.enum(['audio', 'sse'], { error: 'must be "audio" or "sse" (server-sent events)' }).optional(),
  instructions: z.string().nullish(),
  // A level, or the original service's float (1.0 = no change; see originalPitchLevel); null = no change.
  pitch: z
    .union([level, formNumber.pipe(z.number().min(0, 'must be at least 0'))], {
      error: `must be one of ${LEVELS.join(', ')}, or the original service's pitch number (1.0 = no change, 0.5 or less = very_low, 3 or more = very_high)`,
    })
    .nullish(),
  sample_rate: sampleRate.optional(),
  ...samplingFields,
});

/** Body of POST /multi_speak: the original's multi-role text (see multi-role-text.ts). */
export const multiSpeakBodySchema = z.object({
  text,
  ...samplingFields,
  stream: formBoolean.default(false),
  response_format: format.default('mp3'),
  sample_rate: sampleRate.optional(),
});

/** Fields of POST /clone_voice (form or multipart). */
export const cloneBodySchema = z.object({
  text,
  reference_audio: z.string().optional(),
  reference_text: z.string().optional(),
  pitch: level.nullish(),
  speed: level.nullish(),
  ...samplingFields,
  stream: formBoolean.default(false),
  response_format: format.default('mp3'),
  sample_rate: sampleRate.optional(),
});

/** Fields of POST /add_speaker. */
export const addSpeakerBodySchema = z.object({
  // Checked further by validateSpeakerName (Unicode names, no paths or control characters).
  name: z.string({ error: 'is required: the name to save the speaker under' }),
  reference_text: z.string().optional(),
  audio: z.string().optional(),
});

/** Fields of POST /delete_speaker. */
export const deleteSpeakerBodySchema = z.object({
  name: z.string({ error: 'is required: the name of a saved speaker' }).min(1, 'must not be empty'),
});

/** Parses `body` with `schema`, turning the first problem into a 400 that names the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TtsError(
      'invalid_request',
      body === undefined
        ? 'The request body is missing or of a type this route does not read: send a JSON object (Content-Type: application/json) or form fields.'
        : `The request body must be a JSON object (or form fields), not ${describeValue(body)}.`,
      { param: 'body' },
    );
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw schemaProblem(result.error, body);
}

/** The numeric speed of a level or factor; absent or null is no change. */
export function speedFactor(speed: Level | number | null | undefined): number {
  if (speed === undefined || speed === null) return 1;
  return typeof speed === 'number' ? speed : SPEED_FACTORS[speed];
}

/**
 * The level of the original service's float pitch, as it reads it: ≤ 0.5 very_low, below 1 low,
 * 1 up to 2 moderate (1.0 = no change), 2 up to 3 high, 3 and more very_high.
 */
export function originalPitchLevel(pitch: number): Level {
  if (pitch <= 0.5) return 'very_low';
  if (pitch < 1) return 'low';
  if (pitch < 2) return 'moderate';
  if (pitch < 3) return 'high';
  return 'very_high';
}

/** The pitch shift in semitones of a level, or of the original's float (see {@link originalPitchLevel}); absent or null is none. */
export function pitchSemitones(pitch: Level | number | null | undefined): number {
  if (pitch === undefined || pitch === null) return 0;
  return PITCH_SEMITONES[typeof pitch === 'number' ? originalPitchLevel(pitch) : pitch];
}

/**
 * The output rate: the request's, else the route's default — but AAC defaults to 48 kHz, where the
 * encoder's 1024-sample priming (which ADTS cannot signal) costs least (see aac-encoder.ts).
 */
export function outputRate(format: AudioFormat, requested: number | undefined, routeDefault: number): number {
  if (requested !== undefined) return requested;
  return format === 'aac' ? 48000 : routeDefault;
}
