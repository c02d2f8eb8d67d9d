/** The Express application: body parsing, auth, routes, and the one error handler. */
import express, { type ErrorRequestHandler, type Express } from 'express';
import { TtsError } from '../errors.js';
import type { AppContext } from './app-context.js';
import { requireApiKey } from './auth.js';
import { healthRoutes } from './node-lifecycle.js';
import { infoRoutes } from './routes/info-routes.js';
import { speakerRoutes } from './routes/speaker-routes.js';
import { speechRoutes } from './routes/speech-routes.js';

/** Turns body-parser and multer failures into the user errors they are. */
function toTtsError(error: unknown): TtsError | undefined {
  if (error instanceof TtsError) return error;
  const e = error as { type?: string; code?: string; message?: string; field?: string };
  if (e.type === 'entity.parse.failed') return new TtsError('invalid_request', `The body is not valid JSON: ${e.message}.`);
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') {
    return new TtsError('payload_too_large', 'The request body is larger than this server accepts.');
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new TtsError('unsupported_media_type', e.message ?? 'Unsupported body encoding.');
  }
  if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) {
    return new TtsError('invalid_request', `Upload rejected: ${e.message}${e.field ? ` (field "${e.field}")` : ''}.`, {
      param: e.field,
    });
  }
  if (e.message === 'Malformed part header' || e.message === 'Unexpected end of form' || e.message?.startsWith('Multipart:')) {
    return new TtsError('invalid_request', `The multipart body is malformed: ${e.message}.`);
  }
  return undefined;
}

/** Builds the app for a composed {@link AppContext}. */
export function createApp(ctx: AppContext, version: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes(ctx));
  if (ctx.config.apiKey !== undefined) app.use(requireApiKey(ctx.config.apiKey));
  app.use(express.json({ limit: ctx.config.maxBodyBytes }));
  app.use(express.urlencoded({ extended: false, limit: ctx.config.maxBodyBytes }));
  app.use(infoRoutes(ctx, version));
  app.use(speechRoutes(ctx));
  app.use(speakerRoutes(ctx));
  app.use((req, _res, next) => {
    next(new TtsError('not_found', `No route ${req.method} ${req.path}. See GET /server_info.`));
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const known = toTtsError(error);
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
    });
  };
  app.use(onError);
  return app;
}
