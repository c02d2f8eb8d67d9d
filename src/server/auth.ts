/** Optional API-key check: `Authorization: Bearer <key>`, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { TtsError } from '../errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The token of an `Authorization: Bearer <token>` header, if it has that shape. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec((header ?? '').trim());
  return match ? (match[1] as string).trim() : undefined;
}

/** A constant-time comparison of candidate keys against `apiKey`. */
export function createKeyCheck(apiKey: string): (candidate: string) => boolean {
  const expected = digest(apiKey);
  // Hashing first makes the comparison constant-time whatever the lengths.
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}

/** Middleware that rejects requests without the right key (401). */
export function requireApiKey(apiKey: string): RequestHandler {
  const check = createKeyCheck(apiKey);
  return (req, res, next) => {
    const header = req.get('authorization');
    const token = bearerToken(header);
    if (token !== undefined && check(token)) {
      next();
      return;
    }
    // RFC 9110: a 401 names the scheme it wants.
    res.setHeader('WWW-Authenticate', 'Bearer');
    next(new TtsError('unauthorized', token !== undefined ? 'The API key is wrong.' : missingKey(header)));
  };
}

/** What is wrong with an `Authorization` header that carries no Bearer token (or with none at all). */
function missingKey(header: string | undefined): string {
  const words = (header ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'This server needs an API key: send "Authorization: Bearer <key>".';
  const had = words.length > 1 ? `the scheme "${(words[0] as string).slice(0, 20)}"` : 'no scheme';
  return `The Authorization header must use the Bearer scheme: "Authorization: Bearer <key>" (it had ${had}).`;
}
