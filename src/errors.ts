/**
 * The one error type of the server. Every code is listed in {@link ERROR_CODES} with its HTTP
 * status; user mistakes are 4xx with a message that says what to change, 5xx means our fault.
 */

/** Every error code, with its HTTP status and whether retrying later can help. */
export const ERROR_CODES = {
  invalid_request: { status: 400, retryable: false, summary: 'A field is missing, malformed or out of range.' },
  unsupported_format: { status: 400, retryable: false, summary: 'The output format cannot be produced here.' },
  engine_not_installed: { status: 400, retryable: false, summary: 'The request needs an engine that is not installed.' },
  unauthorized: { status: 401, retryable: false, summary: 'The API key is missing or wrong.' },
  voice_not_found: { status: 404, retryable: false, summary: 'No voice or speaker has that name.' },
  model_not_found: { status: 404, retryable: false, summary: 'No model has that name.' },
  not_found: { status: 404, retryable: false, summary: 'No such route.' },
  text_too_long: { status: 413, retryable: false, summary: 'The text is longer than the server accepts.' },
  payload_too_large: { status: 413, retryable: false, summary: 'The request body is larger than the server accepts.' },
  unsupported_media_type: { status: 415, retryable: false, summary: 'The body is not in a format this route reads.' },
  server_busy: { status: 503, retryable: true, summary: 'Every synthesis slot is taken; retry after Retry-After seconds.' },
  internal_error: { status: 500, retryable: true, summary: 'A bug in the server.' },
} as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code; its HTTP status comes from {@link ERROR_CODES}. */
export class TtsError extends Error {
  override readonly name = 'TtsError';
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The request field at fault, when there is one. */
    readonly param?: string,
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
  }
}
