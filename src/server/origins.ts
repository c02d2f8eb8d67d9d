/**
 * Which browser pages may use the server: the origins of `corsOrigins` (or any, with `*`) and the
 * server's own. The REST API answers CORS for them (preflight before the API key check, streaming
 * headers exposed) and refuses requests from any other page's origin with 403, and the realtime
 * WebSocket refuses their upgrades, so a page the user happens to visit cannot drive a server on
 * their machine. Programs send no Origin and are not affected.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';
import { TtsError } from '../errors.js';

/** Response headers a page may read: the file name, the retry hint, and the streaming ones. */
export const EXPOSED_HEADERS = ['Content-Disposition', 'Content-Length', 'Retry-After', 'X-Accel-Buffering'];

/**
 * True when a request with `origin` (its Origin header) to a server reached as `host` (its Host
 * header) may be served: no Origin (not a browser page), the server's own origin, or an allowed one.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** The message of a refused origin. */
export function originRefusal(origin: string): string {
  return `Pages from ${origin} may not use this server: start it with --cors-origins ${origin} (or FLASH_TTS_CORS_ORIGINS) to allow them.`;
}

/** Refuses requests from origins that are not allowed (403), then answers CORS for those that are. */
export function originPolicy(allowed: readonly string[]): RequestHandler[] {
  const guard: RequestHandler = (req, _res, next) => {
    const origin = req.get('origin');
    if (originAllowed(origin, req.get('host'), allowed)) next();
    else next(new TtsError('origin_not_allowed', originRefusal(origin as string)));
  };
  const headers = cors({
    origin: allowed.includes('*') ? '*' : (origin, done) => done(null, origin !== undefined),
    methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  return [guard, headers];
}
