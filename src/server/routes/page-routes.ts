/**
 * The web page at GET / (plain static files from the package's `web/` folder: HTML, CSS and JS
 * modules, no build step). It is served before the API-key check: it holds no secret, and asks the
 * user for the key when the API answers 401.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Router as ExpressRouter, Router } from 'express';

/** Where the page's files are: `web/` at the package root, seen from src/server/routes or dist/src/server/routes. */
export function webDirectory(): string | undefined {
  for (const relative of ['../../../web/', '../../../../web/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** Same-origin only: the page talks to this server's REST routes and realtime socket, nothing else. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "media-src 'self' blob:",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** GET / (the page) and GET /web/* (its files); nothing when the package has no `web/` folder. */
export function pageRoutes(dir: string | undefined = webDirectory()): ExpressRouter {
  const router = Router();
  if (dir === undefined) return router;
  const headers = (res: express.Response): void => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache');
  };
  router.get('/', (_req, res) => {
    headers(res);
    res.sendFile('index.html', { root: dir });
  });
  router.use('/web', express.static(dir, { index: false, setHeaders: headers }));
  return router;
}
