/** Listings and health: models, voices, roles, server info. */
import { type Router as ExpressRouter, Router } from 'express';
import { PCM_SAMPLE_RATES } from '../../../protocol/messages.js';
import { AUDIO_FORMATS } from '../../audio/formats.js';
import type { AppContext } from '../app-context.js';
import { LEVELS } from '../speech-params.js';
import { MODEL_NAMES } from './speech-routes.js';

const STARTED = Math.floor(Date.now() / 1000);

export function infoRoutes(ctx: AppContext, version: string): ExpressRouter {
  const router = Router();
  const { catalog, scheduler, config } = ctx;

  router.get('/v1/models', (_req, res) => {
    res.json({
      object: 'list',
      data: MODEL_NAMES.map((id) => ({ id, object: 'model', created: STARTED, owned_by: 'flash-tts' })),
    });
  });

  router.get('/v1/audio/voices', (_req, res) => {
    const voices = catalog.list().map((v) => ({
      id: v.id,
      name: v.name,
      engine: v.engine,
      language: v.language,
      gender: v.gender,
      description: v.description,
      type: v.kind,
    }));
    res.json({ object: 'list', voices, data: voices });
  });

  router.get('/audio_roles', (_req, res) => {
    res.json({ success: true, roles: catalog.list().map((v) => v.id) });
  });

  router.get('/server_info', (_req, res) => {
    res.json({
      name: 'flash-tts',
      version,
      engines: scheduler.engines.map((e) => ({
        id: e.id,
        label: e.label,
        sample_rate: e.sampleRate,
        licence: e.licence,
        capabilities: e.capabilities,
        voices: e.voices.map((v) => v.id),
      })),
      models: MODEL_NAMES,
      roles: catalog.roles().map((r) => r.id),
      speakers: catalog
        .list()
        .filter((v) => v.kind === 'speaker')
        .map((v) => v.id),
      cloning: ctx.cloning.available,
      formats: AUDIO_FORMATS,
      sample_rates: PCM_SAMPLE_RATES,
      levels: LEVELS,
      default_sample_rate: config.defaultSampleRate,
      openai_sample_rate: config.openaiSampleRate,
      limits: {
        workers: scheduler.options.workers,
        max_streams: scheduler.options.maxStreams,
        max_text_chars: config.maxTextChars,
        max_body_bytes: config.maxBodyBytes,
      },
      auth: config.apiKey !== undefined,
    });
  });
  return router;
}
