/**
 * The Express application: metrics, the origin policy (CORS), the page, the lists that may answer
 * without a key, auth, body parsing, routes, and the one error handler.
 */
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import { REALTIME_PATH } from '../../protocol/messages.js';
import { TtsError } from '../errors.js';
import type { AppContext } from './app-context.js';
import { requireApiKey } from './auth.js';
import { jsonBodyLimit } from './config.js';
import { healthRoutes, refuseWhileDraining } from './node-lifecycle.js';
import { originPolicy } from './origins.js';
import { describeValue } from './request-checks.js';
import { infoRoutes, listRoutes } from './routes/info-routes.js';
import { docsRoutes, metricsRoutes } from './routes/operations-routes.js';
import { pageRoutes } from './routes/page-routes.js';
import { speakerRoutes } from './routes/speaker-routes.js';
import { speechRoutes } from './routes/speech-routes.js';

/** The body encodings express reads. */
const CONTENT_ENCODINGS = 'identity, gzip, deflate or br';

/** A client that went away while sending its request: normal traffic, nobody left to answer. */
export function isClientGone(error: unknown): boolean {
  const e = error as { type?: string; code?: string; message?: string };
  return e?.type === 'request.aborted' || e?.code === 'ECONNRESET' || e?.message === 'Request aborted';
}

/** What a body that could not be parsed as JSON is, when it is JSON after all (`null`, `"hello"`, `42`). */
function jsonButNotObject(body: unknown): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' ? undefined : { value };
  } catch {
    return undefined;
  }
}

/** Routes whose JSON may carry reference audio as base64: their bodies may reach max_body_bytes. */
const AUDIO_JSON_ROUTES = ['/clone_voice', '/add_speaker'];

/** JSON values (objects, arrays, members, elements) an audio route's body may hold: it takes a few fields. */
const MAX_JSON_VALUES = 10_000;

/**
 * body-parser's `verify` for the audio routes: refuses a body with more than MAX_JSON_VALUES
 * values before it is parsed (a scan of its bytes, strings skipped), so that a large body can be
 * one long base64 string (parsed in well under a second) but not millions of little values.
 */
function fewJsonValues(req: Request, _res: unknown, body: Buffer): void {
  let values = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b || byte === 0x2c) values++; // { [ ,
  }
  if (values > MAX_JSON_VALUES) {
    throw new TtsError(
      'invalid_request',
      `The JSON body holds more than ${MAX_JSON_VALUES} values; ${req.baseUrl || req.path} takes a few fields, with reference audio as one base64 string (or a multipart upload).`,
      { param: 'body' },
    );
  }
}

/** Turns body-parser and multer failures into the user errors they are. */
function toTtsError(error: unknown, req: Request, maxBodyBytes: number): TtsError | undefined {
  if (error instanceof TtsError) return error;
  const e = error as {
    type?: string;
    code?: string;
    message?: string;
    field?: string;
    name?: string;
    status?: number;
    body?: unknown;
    limit?: number;
  };
  const encoding = req.headers['content-encoding'];
  if (e.type === 'entity.parse.failed') {
    const parsed = jsonButNotObject(e.body) as { value: unknown } | undefined;
    if (parsed) {
      return new TtsError(
        'invalid_request',
        `The body must be a JSON object ({"field": value, …}), not ${describeValue(parsed.value)}.`,
        { param: 'body' },
      );
    }
    return new TtsError(
      'invalid_request',
      `The body is not valid JSON (${e.message}); send one JSON object ({"field": value, …}).`,
      { param: 'body' },
    );
  }
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') {
    return new TtsError(
      'payload_too_large',
      typeof e.limit === 'number' && e.limit < maxBodyBytes
        ? `The JSON body is larger than this route accepts (${e.limit} bytes: limits.max_json_bytes in /server_info); its text may be at most max_text_chars characters. Send reference audio to /clone_voice or /add_speaker.`
        : 'The request body is larger than this server accepts (limits.max_body_bytes in /server_info).',
      {
        param: e.field ?? 'body',
      },
    );
  }
  if (e.type === 'encoding.unsupported') {
    return new TtsError(
      'unsupported_media_type',
      `Content-Encoding "${String(encoding)}" is not supported; send ${CONTENT_ENCODINGS}.`,
      {
        param: 'content-encoding',
      },
    );
  }
  if (e.type === 'charset.unsupported') {
    const charset = /charset="?([^";]+)/i.exec(String(req.headers['content-type']))?.[1] ?? 'given';
    return new TtsError(
      'unsupported_media_type',
      `The Content-Type charset "${charset}" is not supported; send the body in UTF-8.`,
      {
        param: 'content-type',
      },
    );
  }
  // Every multer error is the upload's fault ("Field name missing" included).
  if (typeof e.code === 'string' && (e.code.startsWith('LIMIT_') || e.name === 'MulterError')) {
    return new TtsError('invalid_request', `Upload rejected: ${e.message}${e.field ? ` (field "${e.field}")` : ''}.`, {
      param: e.field,
    });
  }
  if (e.message === 'Malformed part header' || e.message === 'Unexpected end of form' || e.message?.startsWith('Multipart:')) {
    return new TtsError('invalid_request', `The multipart body is malformed: ${e.message}.`, { param: 'body' });
  }
  // zlib and brotli failures while inflating a body that says it is compressed.
  if (encoding !== undefined && (e.code?.startsWith('Z_') || e.code?.startsWith('ERR__ERROR') || e.code === 'ERR_BROTLI')) {
    return new TtsError(
      'invalid_request',
      `The body says Content-Encoding "${String(encoding)}" but is not valid ${String(encoding)} data (${e.message}); send it compressed as it says, or uncompressed without that header.`,
      { param: 'content-encoding' },
    );
  }
  // Any other failure the body reader marks as the client's (a 4xx it would expose).
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.type !== undefined) {
    return new TtsError(
      e.status === 415 ? 'unsupported_media_type' : 'invalid_request',
      `The request body could not be read: ${e.message}.`,
      {
        param: 'body',
      },
    );
  }
  return undefined;
}

/**
 * A JSON body labelled as a form (`curl -d '{…}'` without a Content-Type header sends
 * application/x-www-form-urlencoded): the form reader makes one key of the whole text, and each
 * route would then say its first field is missing, which the client did send. Read as a form, `+`
 * and `%` in the text would also be changed, so it is refused with the header to add, not guessed.
 */
const rejectJsonSentAsForm: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (req.is('application/x-www-form-urlencoded') && body && typeof body === 'object') {
    const entries = Object.entries(body);
    const [key, value] = entries[0] ?? [];
    if (entries.length === 1 && value === '' && typeof key === 'string' && /^\s*[[{]/.test(key)) {
      next(
        new TtsError(
          'unsupported_media_type',
          'The body is JSON but its Content-Type says a form (application/x-www-form-urlencoded, what curl -d sends by default); send the header Content-Type: application/json.',
          { param: 'content-type' },
        ),
      );
      return;
    }
  }
  next();
};

/** The plain paths (no parameters) of the routes of `app` and of the routers it uses. */
function routePaths(app: Express): ReadonlySet<string> {
  return new Set(routeMethods(app).keys());
}

/** Each fixed path of `app`'s routes (no parameters) and the HTTP methods it answers, upper case. */
function routeMethods(app: Express): ReadonlyMap<string, ReadonlySet<string>> {
  interface Layer {
    route?: { path?: unknown; methods?: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const paths = new Map<string, Set<string>>();
  const walk = (stack: readonly Layer[] | undefined): void => {
    for (const layer of stack ?? []) {
      const path = layer.route?.path;
      if (typeof path === 'string' && !path.includes(':') && !path.includes('*')) {
        const methods = paths.get(path) ?? new Set<string>();
        for (const [method, on] of Object.entries(layer.route?.methods ?? {})) if (on) methods.add(method.toUpperCase());
        paths.set(path, methods);
      }
      walk(layer.handle?.stack);
    }
  };
  walk((app as unknown as { router?: { stack?: Layer[] } }).router?.stack);
  return paths;
}

/**
 * The answer to a request no route took: the realtime socket asked without an upgrade (426), a
 * route asked with a method it does not answer (405, with `Allow`), else 404.
 */
function noRoute(app: Express): RequestHandler {
  let methods: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  return (req, res, next) => {
    if (req.path === REALTIME_PATH) {
      res.setHeader('Upgrade', 'websocket');
      next(
        new TtsError(
          'upgrade_required',
          `${REALTIME_PATH} is a WebSocket endpoint: connect to it with a WebSocket client (ws:// or wss://), not a plain ${req.method} request. See protocol/PROTOCOL.md.`,
        ),
      );
      return;
    }
    methods ??= routeMethods(app);
    const allowed = methods.get(req.path);
    if (allowed && allowed.size > 0 && !allowed.has(req.method)) {
      const list = [...allowed].sort();
      res.setHeader('Allow', list.join(', '));
      next(new TtsError('method_not_allowed', `${req.path} answers ${list.join(' and ')}, not ${req.method}.`));
      return;
    }
    next(new TtsError('not_found', `No route ${req.method} ${req.path}. See GET /server_info.`));
  };
}

/** Builds the app for a composed {@link AppContext}. */
export function createApp(ctx: AppContext, version: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (ctx.metrics) {
    let paths: ReadonlySet<string> | undefined;
    // Read once the first request finishes, when every route is in place.
    app.use(ctx.metrics.middleware(() => (paths ??= routePaths(app))));
  }
  // Probes carry no key and no Origin: answered before both checks.
  app.use(healthRoutes(ctx));
  // Before the key check: a browser's preflight carries no Authorization header.
  app.use(originPolicy(ctx.config.corsOrigins));
  // The page holds no secret: it is served to everyone, and asks for the key when the API wants one.
  app.use(pageRoutes());
  app.use(docsRoutes(version));
  const lists = listRoutes(ctx);
  if (ctx.config.publicLists) app.use(lists);
  if (ctx.config.apiKey !== undefined) app.use(requireApiKey(ctx.config.apiKey));
  if (!ctx.config.publicLists) app.use(lists);
  // Still scraped while draining: the autoscaler and the balancer watch the node leave.
  if (ctx.metrics) app.use(metricsRoutes(ctx.metrics));
  // New work is refused while draining (the balancer retries it on another node).
  app.use(refuseWhileDraining(ctx));
  app.use(AUDIO_JSON_ROUTES, express.json({ limit: ctx.config.maxBodyBytes, verify: fewJsonValues }));
  app.use(express.json({ limit: jsonBodyLimit(ctx.config) }));
  app.use(express.urlencoded({ extended: false, limit: ctx.config.maxBodyBytes }));
  app.use(rejectJsonSentAsForm);
  app.use(infoRoutes(ctx, version));
  app.use(speechRoutes(ctx));
  app.use(speakerRoutes(ctx));
  app.use(noRoute(app));
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    if (isClientGone(error)) {
      // Not a failure of ours: the client left before its request was read.
      ctx.log.debug({ path: req.path }, 'client went away during its request');
      res.destroy();
      return;
    }
    const known = toTtsError(error, req, ctx.config.maxBodyBytes);
    const tts = known ?? new TtsError('internal_error', 'The server failed on this request; this is a bug, please report it.');
    if (!known) ctx.log.error({ err: error, path: req.path }, 'request failed');
    if (res.headersSent) {
      // Audio already went out: the only honest signal left is an aborted response.
      res.destroy();
      return;
    }
    if (tts.code === 'server_busy') res.setHeader('Retry-After', '1');
    res.status(tts.status).json({
      error: {
        message: tts.message,
        type: tts.status >= 500 ? 'server_error' : 'invalid_request_error',
        code: tts.code,
        param: tts.param ?? null,
      },
      // FastAPI's key, which the original service's clients read.
      detail: tts.message,
    });
  };
  app.use(onError);
  return app;
}
