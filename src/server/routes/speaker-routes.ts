/**
 * POST /clone_voice, /add_speaker, /delete_speaker, as the client guide calls them (urlencoded
 * forms, multipart uploads, JSON). Every input is checked before any work; without the cloning
 * model every path answers how to install it, and nothing is saved.
 */
import { type Router as ExpressRouter, Router } from 'express';
import multer from 'multer';
import { TtsError } from '../../errors.js';
import { validateSpeakerName } from '../../speakers/speaker-store.js';
import type { AppContext } from '../app-context.js';
import { checkLanguage } from '../language-check.js';
import { checkTextLength } from '../request-checks.js';
import { addSpeakerBodySchema, cloneBodySchema, deleteSpeakerBodySchema, parseBody } from '../speech-params.js';
import { referenceBytes } from './reference-input.js';
import { sendOriginalSpeech } from './speech-routes.js';

type Files = Record<string, Express.Multer.File[]> | undefined;

export function speakerRoutes(ctx: AppContext): ExpressRouter {
  const router = Router();
  const { cloning, config } = ctx;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: ctx.config.maxBodyBytes, files: 2 } });
  const fields = (names: string[]) => upload.fields(names.map((name) => ({ name, maxCount: 1 })));

  router.post('/clone_voice', fields(['reference_audio_file', 'latent_file']), async (req, res) => {
    const body = parseBody(cloneBodySchema, req.body ?? {});
    const files = req.files as Files;
    const file = files?.reference_audio_file?.[0];
    const latent = files?.latent_file?.[0];
    if (!file && !latent && body.reference_audio === undefined) {
      throw new TtsError(
        'invalid_request',
        'Send the reference voice: "reference_audio" (base64 audio) or a "reference_audio_file" upload.',
        { param: 'reference_audio' },
      );
    }
    const audio = file
      ? new Uint8Array(file.buffer)
      : body.reference_audio !== undefined
        ? await referenceBytes(body.reference_audio, 'reference_audio', ctx)
        : undefined;
    checkTextLength(body.text, config.maxTextChars, { field: 'text' });
    checkLanguage(body.text, { id: 'cloned voice', engine: 'pocket-tts', language: 'en-US' }, ctx.catalog, { field: 'text' });
    const field = file ? 'reference_audio_file' : latent ? 'latent_file' : 'reference_audio';
    cloning.require(field);
    const { voice, release } = latent
      ? await cloning.oneShotFromLatent(new Uint8Array(latent.buffer), 'latent_file')
      : await cloning.oneShotFromAudio(audio as Uint8Array, field);
    try {
      await sendOriginalSpeech({ ctx, req, res, body, voice, route: '/clone_voice' });
    } finally {
      release();
    }
  });

  router.post('/add_speaker', fields(['audio_file', 'latent_file']), async (req, res) => {
    const body = parseBody(addSpeakerBodySchema, req.body ?? {});
    const name = validateSpeakerName(body.name);
    const files = req.files as Files;
    const file = files?.audio_file?.[0];
    const latent = files?.latent_file?.[0];
    if (!file && body.audio === undefined) {
      throw new TtsError('invalid_request', 'Send the speaker\'s voice as an "audio_file" upload (or base64 "audio").', {
        param: 'audio_file',
      });
    }
    const builtIn = ctx.catalog.resolve(name);
    if (builtIn && builtIn.kind !== 'speaker') {
      throw new TtsError('invalid_request', `"${name}" is already a built-in voice; choose another name.`, { param: 'name' });
    }
    const field = file ? 'audio_file' : 'audio';
    const audio = file ? new Uint8Array(file.buffer) : await referenceBytes(body.audio as string, 'audio', ctx);
    cloning.require(field);
    // Audio first (and its embedding), the record last: a failure leaves no half-saved speaker.
    const log = ctx.log.child({ route: '/add_speaker', name });
    log.info('speaker save started');
    const { replaced } = await cloning.saveSpeaker({
      name,
      audio,
      audioField: field,
      latent: latent && new Uint8Array(latent.buffer),
      referenceText: body.reference_text,
    });
    log.info({ replaced }, 'speaker saved');
    res.json({
      success: true,
      // The original service's key for the name.
      role: name,
      name,
      replaced,
      message: replaced ? `Speaker "${name}" was replaced.` : `Speaker "${name}" was added.`,
    });
  });

  router.post('/delete_speaker', upload.none(), async (req, res) => {
    const body = parseBody(deleteSpeakerBodySchema, req.body ?? {});
    const voice = ctx.catalog.resolve(body.name);
    if (voice && voice.kind !== 'speaker') {
      throw new TtsError('invalid_request', `"${body.name}" is a built-in voice and cannot be deleted.`, { param: 'name' });
    }
    if (!(await cloning.store.delete(body.name))) {
      const saved = cloning.store.list().map((s) => s.name);
      throw new TtsError(
        'voice_not_found',
        `No saved speaker is called "${body.name}". Saved speakers: ${saved.length > 0 ? saved.join(', ') : 'none'}.`,
        { param: 'name' },
      );
    }
    res.json({ success: true, role: body.name, name: body.name, message: `Speaker "${body.name}" was deleted.` });
  });
  return router;
}
