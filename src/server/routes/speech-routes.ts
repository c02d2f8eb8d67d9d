/** POST /speak and /multi_speak (the original service) and POST /v1/audio/speech (OpenAI-compatible). */
import { type Router as ExpressRouter, type Request, type Response, Router } from 'express';
import type { z } from 'zod';
import type { AudioFormat } from '../../audio/formats.js';
import type { EngineVoiceRef, SpeechPart } from '../../engine/speech-stream.js';
import { TtsError } from '../../errors.js';
import type { AppContext } from '../app-context.js';
import { checkLanguage } from '../language-check.js';
import { parseMultiRoleText } from '../multi-role-text.js';
import { MODEL_NAMES, resolveModelName, voiceName } from '../openai-compat.js';
import { checkTextLength, findVoice } from '../request-checks.js';
import {
  type Level,
  multiSpeakBodySchema,
  openaiSpeechBodySchema,
  outputRate,
  parseBody,
  pitchSemitones,
  speakBodySchema,
  speedFactor,
  TOKENS_PER_SECOND,
} from '../speech-params.js';
import { sendSpeech } from '../speech-response.js';
import { decodeBase64Audio } from './reference-input.js';

export { MODEL_NAMES };

/** True when `voice` is base64 audio (the original's way to ask for cloning) rather than a name. */
export function looksLikeAudioData(voice: string): boolean {
  return voice.startsWith('data:audio/') || (voice.length >= 256 && /^[A-Za-z0-9+/=\r\n]+$/.test(voice));
}

/** The request's sampling fields as engine options (absent fields stay absent). */
function samplingOptions(body: {
  temperature?: number | undefined;
  top_k?: number | undefined;
  top_p?: number | undefined;
  max_tokens?: number | undefined;
}) {
  return {
    ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
    ...(body.top_k === undefined ? {} : { topK: body.top_k }),
    ...(body.top_p === undefined ? {} : { topP: body.top_p }),
    ...(body.max_tokens === undefined ? {} : { maxSeconds: body.max_tokens / TOKENS_PER_SECOND }),
  };
}

/** The fields /speak and /clone_voice share (the original service's request shape). */
export interface OriginalSpeechFields {
  text: string;
  response_format: AudioFormat;
  sample_rate?: number | undefined;
  stream: boolean;
  speed?: Level | null | undefined;
  pitch?: Level | null | undefined;
  temperature?: number | undefined;
  top_k?: number | undefined;
  top_p?: number | undefined;
  max_tokens?: number | undefined;
}

/** Options of {@link sendOriginalSpeech}. */
export interface OriginalSpeechOptions {
  ctx: AppContext;
  req: Request;
  res: Response;
  body: OriginalSpeechFields;
  voice: EngineVoiceRef;
  route: string;
  /** Multi-role text: parts with their own voice, speed and pitch. */
  parts?: readonly SpeechPart[];
}

/** Speaks a request of the original service's shape with `voice` (its rate default, level knobs). */
export async function sendOriginalSpeech({ ctx, req, res, body, voice, route, parts }: OriginalSpeechOptions): Promise<void> {
  await sendSpeech({
    req,
    res,
    ctx,
    route,
    request: {
      text: body.text,
      ...(parts ? { parts } : {}),
      format: body.response_format,
      sampleRate: outputRate(body.response_format, body.sample_rate, ctx.config.defaultSampleRate),
      stream: body.stream,
      options: {
        voice,
        speed: speedFactor(body.speed),
        pitchSemitones: pitchSemitones(body.pitch),
        ...samplingOptions(body),
      },
    },
  });
}

export function speechRoutes(ctx: AppContext): ExpressRouter {
  const router = Router();
  const { config, catalog } = ctx;

  router.post('/speak', async (req, res) => {
    const body = parseBody(speakBodySchema, req.body);
    checkTextLength(body.text, config.maxTextChars, { field: 'text' });
    const voice = findVoice(catalog, body.name, { field: 'name' });
    checkLanguage(body.text, voice, catalog, { field: 'text' });
    await sendOriginalSpeech({ ctx, req, res, body, voice, route: '/speak' });
  });

  router.post('/multi_speak', async (req, res) => {
    const body = parseBody(multiSpeakBodySchema, req.body);
    checkTextLength(body.text, config.maxTextChars, { field: 'text' });
    const roles = parseMultiRoleText(body.text);
    const parts = roles.map((part) => {
      const voice = findVoice(catalog, part.role, { field: 'text' });
      checkLanguage(part.text, voice, catalog, { field: 'text' });
      return { text: part.text, voice, speed: speedFactor(part.speed), pitchSemitones: pitchSemitones(part.pitch) };
    });
    const first = parts[0];
    if (!first) throw new TtsError('invalid_request', '"text" has nothing to speak after its role tags.', { param: 'text' });
    await sendOriginalSpeech({ ctx, req, res, body, voice: first.voice, route: '/multi_speak', parts });
  });

  router.post('/v1/audio/speech', async (req, res) => {
    const body = parseBody(openaiSpeechBodySchema, req.body);
    if (resolveModelName(body.model) === undefined) {
      throw new TtsError(
        'model_not_found',
        `No model is called "${body.model}". Use one of: ${MODEL_NAMES.join(', ')} (a dated name such as gpt-4o-mini-tts-2025-12-15 is read as its model).`,
        { param: 'model' },
      );
    }
    checkTextLength(body.input, config.maxTextChars, { field: 'input' });
    // A voice name first; base64 audio in its place asks for cloning.
    const name = voiceName(body.voice);
    const known = catalog.resolve(name);
    const clone =
      known === undefined && looksLikeAudioData(name)
        ? await ctx.cloning.oneShotFromAudio(decodeBase64Audio(name, 'voice'), 'voice')
        : undefined;
    const voice = known ?? clone?.voice ?? findVoice(catalog, name, { field: 'voice' });
    try {
      checkLanguage(
        body.input,
        { id: known?.id ?? 'cloned voice', engine: voice.engine, language: known?.language ?? 'en-US' },
        catalog,
        { field: 'input' },
      );
      await speakOpenAi(ctx, req, res, body, voice);
    } finally {
      clone?.release();
    }
  });
  return router;
}

/** Speaks a /v1/audio/speech request with `voice`. */
async function speakOpenAi(
  ctx: AppContext,
  req: Request,
  res: Response,
  body: z.output<typeof openaiSpeechBodySchema>,
  voice: EngineVoiceRef,
): Promise<void> {
  await sendSpeech({
    req,
    res,
    ctx,
    route: '/v1/audio/speech',
    request: {
      text: body.input,
      textField: 'input',
      format: body.response_format,
      sampleRate: outputRate(body.response_format, body.sample_rate, ctx.config.openaiSampleRate),
      // Streamed unless asked otherwise, as OpenAI's API; "sse" wraps the stream in events.
      stream: body.stream_format === 'sse' ? 'sse' : body.stream === false ? 'whole' : 'stream',
      options: {
        voice,
        speed: speedFactor(body.speed),
        pitchSemitones: pitchSemitones(body.pitch),
        ...samplingOptions(body),
      },
    },
  });
}
