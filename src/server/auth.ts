/** Optional API-key check: `Authorization: Bearer <key>`, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { TtsError } from '../errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Middleware that rejects requests without the right key (401). */
export function requireApiKey(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    // Hashing first makes the comparison constant-time whatever the lengths.
    if (match && timingSafeEqual(digest((match[1] as string).trim()), expected)) {
      next();
      return;
    }
    next(
      new TtsError(
        'unauthorized',
        match ? 'The API key is wrong.' : 'This server needs an API key: send "Authorization: Bearer <key>".',
      ),
    );
  };
}
