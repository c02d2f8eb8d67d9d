/**
 * The checks every way in shares — REST routes, realtime sessions and the `say` command — each
 * with one message: text length, voice lookup, and a failed schema turned into the 400 that
 * names its field.
 */
import type { z } from 'zod';
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
  throw new TtsError('voice_not_found', catalog.installHint(name) ?? `No voice is called "${name}". Valid voices: ${valid}.`, {
    param: site.field,
    contextId: site.contextId,
  });
}

/**
 * The first problem of a failed parse of `input` as an `invalid_request` naming its field
 * (`"speed" must be at most 4.0.`). `message` names the realtime message it was in
 * (`text: "context_id" is required.`); without it the input is a request body.
 */
export function schemaProblem(error: z.ZodError, input: unknown, options: { message?: string } = {}): TtsError {
  const issue = error.issues[0];
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const field = issue?.path.join('.') || (options.message === undefined ? 'body' : 'message');
  const missing = issue?.path.length === 1 && record[String(issue.path[0])] === undefined;
  const prefix = options.message === undefined ? '' : `${options.message}: `;
  const contextId = record.context_id;
  return new TtsError('invalid_request', `${prefix}"${field}" ${missing ? 'is required' : (issue?.message ?? 'is invalid')}.`, {
    param: field,
    contextId: typeof contextId === 'string' ? contextId : undefined,
  });
}
