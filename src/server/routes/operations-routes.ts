/** For operators: GET /openapi.json, GET /docs (Swagger UI), GET /metrics (Prometheus). */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { type Router as ExpressRouter, Router, static as serveStatic } from 'express';
import type { ServerMetrics } from '../metrics.js';
import { openApiDocument } from '../openapi.js';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Flash-TTS API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });</script>
</body>
</html>
`;

/** The API description and its page (no key needed: they describe, they do not serve). */
export function docsRoutes(version: string): ExpressRouter {
  const router = Router();
  const document = openApiDocument(version);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  // Swagger UI's files, served from its package (no CDN: the page works offline).
  const assets = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  router.use('/docs/assets', serveStatic(assets, { index: false }));
  return router;
}

/** Prometheus metrics of `metrics`' registry. */
export function metricsRoutes(metrics: ServerMetrics): ExpressRouter {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
