/**
 * The checks every way in shares — REST routes, realtime sessions and the `say` command — each
 * with one message: text length, voice lookup, and a failed schema turned into the 400 that
 * names its field.
 */
import type { z } from 'zod';
import { MAX_ID_CHARS } from '../../protocol/messages.js';
import { TtsError } from '../errors.js';
import type { VoiceCatalog, VoiceEntry } from '../speakers/voice-catalog.js';

/** Where a problem was found: the field, and the realtime context when there is one. */
export interface ProblemSite {
  /** The request field. */
  field: string;
  /** The realtime context the request is about. */
  contextId?: string | undefined;
}

/** Throws `text_too_long` when `text` is longer than `maxChars`. */
export function checkTextLength(text: string, maxChars: number, site: ProblemSite): void {
  if (text.length <= maxChars) return;
  throw new TtsError(
    'text_too_long',
    `"${site.field}" is ${text.length} characters; this server accepts at most ${maxChars} at once (max_text_chars). Send it in several parts.`,
    { param: site.field, contextId: site.contextId },
  );
}

/** The voice called `name`, or `voice_not_found` saying how to install it or which voices there are. */
export function findVoice(catalog: VoiceCatalog, name: string, site: ProblemSite): VoiceEntry {
  const voice = catalog.resolve(name);
  if (voice) return voice;
  const valid = catalog
    .list()
    .map((v) => v.id)
    .join(', ');
  const aliases = catalog.openAiAliases().map((a) => a.name);
  const also = aliases.length > 0 ? `; OpenAI's names also work: ${aliases.join(', ')}` : '';
  throw new TtsError(
    'voice_not_found',
    catalog.installHint(name) ?? catalog.mixProblem(name) ?? `No voice is called "${name}". Valid voices: ${valid}${also}.`,
    {
      param: site.field,
      contextId: site.contextId,
    },
  );
}

/** How a value looks in a message: `"abc"`, `42`, `null`, `a list`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'bytes';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** zod's own wording, which says nothing a client can act on ("Invalid input", "expected int to be <=…"). */
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|expected )|expected \w+, received/;

/** What is wrong with `value` for one zod issue, as `must be …, not …` (or `is required`). */
function problemOf(issue: z.core.$ZodIssue, value: unknown): string {
  const custom = ZOD_DEFAULT.test(issue.message) ? undefined : issue.message;
  // A field's own message may start "is required: <what it is>"; the part after the colon helps whatever went wrong.
  const hint = custom?.startsWith('is required')
    ? custom.slice('is required'.length).replace(/^[:\s]+/, '') || undefined
    : undefined;
  if (value === undefined) return custom?.startsWith('is required') ? custom : 'is required';
  const not = `not ${describeValue(value)}`;
  if (issue.code === 'invalid_type') {
    const expected = NOUNS[issue.expected] ?? `a ${issue.expected}`;
    const what = custom && !custom.startsWith('is required') ? custom : `must be ${expected}${hint ? ` (${hint})` : ''}`;
    if (Array.isArray(value) && issue.expected !== 'array') {
      return `${what}, given once — not a list (was the field sent more than once?)`;
    }
    return `${what}, ${not}`;
  }
  if (custom && !custom.startsWith('is required')) return `${custom}, ${not}`;
  switch (issue.code) {
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, ${not}`;
    case 'too_small':
      return issue.origin === 'string' && issue.minimum === 1
        ? 'must not be empty'
        : `must be at least ${String(issue.minimum)}, ${not}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, ${not}`;
    default:
      return `is not valid${hint ? ` (${hint})` : ''}, ${not}`;
  }
}

/** The value at `path` in `input`, undefined when absent. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * The first problem of a failed parse of `input` as an `invalid_request` naming its field and
 * what it must be (`"speed" must be at most 4.0, not 9.`). `message` names the realtime message
 * it was in (`text: "context_id" is required.`); without it the input is a request body.
 */
export function schemaProblem(error: z.ZodError, input: unknown, options: { message?: string } = {}): TtsError {
  const issue = error.issues[0];
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const field = issue?.path.join('.') || (options.message === undefined ? 'body' : 'message');
  const prefix = options.message === undefined ? '' : `${options.message}: `;
  const contextId = record.context_id;
  const problem = issue ? problemOf(issue as z.core.$ZodIssue, valueAt(input, issue.path)) : 'is invalid';
  return new TtsError('invalid_request', `${prefix}"${field}" ${problem}.`, {
    param: field,
    // Echoed so the client can tell which context it was, but only an id the protocol allows: a
    // 1000-character one is what was wrong, not something to send back.
    contextId: typeof contextId === 'string' && contextId.length <= MAX_ID_CHARS ? contextId : undefined,
  });
}
