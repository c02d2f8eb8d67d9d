/**
 * The one error type of the server. Every code is listed in {@link ERROR_CODES} (protocol/errors.ts)
 * with its HTTP status; user mistakes are 4xx with a message that says what to change, 5xx means our fault.
 */

import { ERROR_CODES, type ErrorCode } from '../protocol/errors.js';

export { ERROR_CODES, type ErrorCode };

/** Options of {@link TtsError}. */
export interface TtsErrorOptions {
  /** The request field at fault, when there is one. */
  param?: string | undefined;
  /** The realtime context the error is about, when there is one. */
  contextId?: string | undefined;
}

/** An error with a stable code; its HTTP status comes from {@link ERROR_CODES}. */
export class TtsError extends Error {
  override readonly name = 'TtsError';
  readonly status: number;
  readonly retryable: boolean;
  /** The request field at fault, when there is one. */
  readonly param: string | undefined;
  /** The realtime context the error is about, when there is one. */
  readonly contextId: string | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: TtsErrorOptions = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
    this.param = options.param;
    this.contextId = options.contextId;
  }
}
