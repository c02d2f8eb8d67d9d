/**
 * Listings: models, voices and roles ({@link listRoutes}, which may answer without the API key),
 * and server info ({@link infoRoutes}). `/healthz` and `/readyz` are in node-lifecycle.ts.
 */
import { type Router as ExpressRouter, Router } from 'express';
import { PCM_SAMPLE_RATES } from '../../../protocol/messages.js';
import { AUDIO_FORMATS } from '../../audio/formats.js';
import { DEFAULT_REFERENCE_LIMITS } from '../../audio/reference-audio.js';
import { EMBEDDING_MAX_ROWS } from '../../engine/pocket/embedding-file.js';
import { TtsError } from '../../errors.js';
import type { AppContext } from '../app-context.js';
import { jsonBodyLimit } from '../config.js';
import { MODEL_NAMES, resolveModelName } from '../openai-compat.js';
import { MAX_CLIENT_ERRORS } from '../realtime/session.js';
import { LEVELS } from '../speech-params.js';

const STARTED = Math.floor(Date.now() / 1000);

/** The model and voice lists (Open WebUI reads them without a key: see `publicLists`). */
export function listRoutes(ctx: AppContext): ExpressRouter {
  const router = Router();
  const { catalog } = ctx;

  const model = (id: string) => ({ id, object: 'model', created: STARTED, owned_by: 'flash-tts' });
  router.get('/v1/models', (_req, res) => {
    res.json({ object: 'list', data: MODEL_NAMES.map(model) });
  });

  // The OpenAI SDKs' models.retrieve().
  router.get('/v1/models/:id', (req, res) => {
    const { id } = req.params;
    if (resolveModelName(id) === undefined) {
      throw new TtsError('model_not_found', `No model is called "${id.slice(0, 80)}". Use one of: ${MODEL_NAMES.join(', ')}.`, {
        param: 'model',
      });
    }
    res.json(model(id));
  });

  // Open WebUI's question: which speech models are there ({models: [{id}]}).
  router.get('/v1/audio/models', (_req, res) => {
    res.json({ models: MODEL_NAMES.map((id) => ({ id, name: id })) });
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
  return router;
}

/** Server info. */
export function infoRoutes(ctx: AppContext, version: string): ExpressRouter {
  const router = Router();
  const { catalog, scheduler, config } = ctx;

  router.get('/server_info', (_req, res) => {
    res.json({
      // The original service's keys: its engine, its roles, the rate /speak answers at.
      success: true,
      info: { model: catalog.defaultEngine, roles: catalog.list().map((v) => v.id), sample_rate: config.defaultSampleRate },
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
        max_streams_per_client: scheduler.options.maxStreamsPerClient ?? scheduler.options.maxStreams,
        max_text_chars: config.maxTextChars,
        max_body_bytes: config.maxBodyBytes,
        max_json_bytes: jsonBodyLimit(config),
        max_speech_seconds: config.maxSpeechSeconds,
        whole_response_max_bytes: config.wholeResponseMaxBytes,
        reference_max_seconds: config.referenceMaxSeconds,
        reference_keep_seconds: DEFAULT_REFERENCE_LIMITS.keepSeconds,
        latent_max_frames: EMBEDDING_MAX_ROWS,
        http_send_timeout_ms: config.httpSendTimeoutMs,
        http_headers_timeout_ms: config.httpHeadersTimeoutMs,
        http_request_timeout_ms: config.httpRequestTimeoutMs,
        http_keep_alive_timeout_ms: config.httpKeepAliveTimeoutMs,
        ws_max_contexts: config.wsMaxContexts,
        ws_max_message_bytes: config.wsMaxMessageBytes,
        ws_idle_timeout_ms: config.wsIdleTimeoutMs,
        ws_idle_flush_ms: config.wsIdleFlushMs,
        ws_max_buffered_bytes: config.wsMaxBufferedBytes,
        ws_slow_consumer_ms: config.wsSlowConsumerMs,
        ws_max_pings_per_second: config.wsMaxPingsPerSecond,
        wyoming_max_event_bytes: config.wyomingMaxEventBytes,
        ws_max_invalid_messages: MAX_CLIENT_ERRORS,
      },
      auth: config.apiKey !== undefined,
      public_lists: config.apiKey === undefined || config.publicLists,
      cors_origins: config.corsOrigins,
    });
  });
  return router;
}
