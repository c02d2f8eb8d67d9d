/**
 * Error codes shared by the REST API and the realtime protocol, and the WebSocket close codes.
 * REST answers carry the HTTP status; realtime `error` messages carry the same `code`.
 */

/** Every error code, with its HTTP status and whether retrying later can help. */
export const ERROR_CODES = {
  invalid_request: { status: 400, retryable: false, summary: 'A field is missing, malformed or out of range.' },
  invalid_message: { status: 400, retryable: false, summary: 'A WebSocket frame could not be decoded (bad msgpack or JSON).' },
  unknown_message_type: { status: 400, retryable: false, summary: 'The message type is not one this protocol version knows.' },
  unsupported_version: {
    status: 400,
    retryable: false,
    summary: 'The client asked for a protocol version the server does not speak.',
  },
  not_initialized: { status: 400, retryable: false, summary: 'The first message of a realtime session must be `init`.' },
  unsupported_format: { status: 400, retryable: false, summary: 'The output format cannot be produced here.' },
  language_not_supported: {
    status: 400,
    retryable: false,
    summary: 'The voice has no checked front end for its language, or the text is in a script its engine cannot read.',
  },
  engine_not_installed: { status: 400, retryable: false, summary: 'The request needs an engine that is not installed.' },
  unauthorized: { status: 401, retryable: false, summary: 'The API key is missing or wrong.' },
  origin_not_allowed: {
    status: 403,
    retryable: false,
    summary: 'A browser page of an origin the server does not allow (see --cors-origins) sent the request or WebSocket upgrade.',
  },
  voice_not_found: { status: 404, retryable: false, summary: 'No voice or speaker has that name.' },
  model_not_found: { status: 404, retryable: false, summary: 'No model has that name.' },
  not_found: { status: 404, retryable: false, summary: 'No such route.' },
  method_not_allowed: {
    status: 405,
    retryable: false,
    summary: 'The route exists, for other HTTP methods (see the Allow header).',
  },
  idle_timeout: { status: 408, retryable: true, summary: 'The session sent nothing and had nothing to say for too long.' },
  context_closed: { status: 409, retryable: false, summary: 'Text was sent to a context after its `end`.' },
  text_too_long: { status: 413, retryable: false, summary: 'The text is longer than the server accepts.' },
  payload_too_large: { status: 413, retryable: false, summary: 'The request body or message is larger than the server accepts.' },
  unsupported_media_type: { status: 415, retryable: false, summary: 'The body is not in a format this route reads.' },
  upgrade_required: { status: 426, retryable: false, summary: 'A WebSocket endpoint was asked a plain HTTP request.' },
  too_many_contexts: { status: 429, retryable: true, summary: 'The session has as many open contexts as it may; end one first.' },
  rate_limited: {
    status: 429,
    retryable: true,
    summary: 'The client sent more of a kind of message than the announced rate allows (`limits.max_pings_per_second`).',
  },
  slow_consumer: {
    status: 429,
    retryable: true,
    summary: 'The client read audio too slowly; the server stopped buffering for it.',
  },
  server_busy: { status: 503, retryable: true, summary: 'Every synthesis slot is taken; retry shortly.' },
  internal_error: { status: 500, retryable: true, summary: 'A bug in the server.' },
} as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * WebSocket close codes of the realtime endpoint. 1000–1011 are the standard ones the server
 * uses; 4000–4999 are this protocol's own.
 */
export const CLOSE_CODES = {
  /** The client closed, or the server shut down a finished session. */
  normal: 1000,
  /** The server is shutting down; reconnect elsewhere or later. */
  going_away: 1001,
  /** A frame was larger than the hard limit (sent by the WebSocket layer itself). */
  message_too_big: 1009,
  /** A bug in the server. */
  internal_error: 1011,
  /** The node is restarting (drained after SIGTERM); reconnect, the balancer sends you to another node. */
  service_restart: 1012,
  /** Missing or wrong API key (header or `init.token`). */
  unauthorized: 4001,
  /** The first message was not a valid `init` (bad JSON/msgpack, unknown version, bad format). */
  bad_init: 4002,
  /** Nothing was sent and nothing was being spoken for `limits.idle_timeout_ms`. */
  idle_timeout: 4003,
  /** The client kept breaking a limit announced in `ready` (see the preceding `error`). */
  over_limits: 4004,
  /** Replies (audio or any other message) waited unread beyond `limits.max_buffered_bytes` for `limits.slow_consumer_ms`. */
  slow_consumer: 4005,
} as const;

/** One of {@link CLOSE_CODES}. */
export type CloseCodeName = keyof typeof CLOSE_CODES;
