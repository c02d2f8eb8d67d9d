/**
 * POST /clone_voice, /add_speaker, /delete_speaker. Inputs are checked fully; cloning itself needs
 * the Pocket-TTS engine, and saved speakers need it too, so until it is installed these answer
 * what to do instead.
 */
import { type Router as ExpressRouter, Router } from 'express';
import multer from 'multer';
import { TtsError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { addSpeakerBodySchema, cloneBodySchema, deleteSpeakerBodySchema, parseBody } from '../speech-params.js';
import { cloningUnavailable } from './speech-routes.js';

type Files = Record<string, Express.Multer.File[]> | undefined;

function decodeBase64Audio(value: string, field: string): Buffer {
  const data = value.replace(/^data:audio\/[\w.+-]+;base64,/, '').replace(/\s+/g, '');
  if (data === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 === 1) {
    throw new TtsError('invalid_request', `"${field}" must be base64-encoded audio (WAV, MP3, FLAC…).`, field);
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length < 44) throw new TtsError('invalid_request', `"${field}" is too short to be audio.`, field);
  return bytes;
}

export function speakerRoutes(ctx: AppContext): ExpressRouter {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: ctx.config.maxBodyBytes, files: 2 } });
  const fields = (names: string[]) => upload.fields(names.map((name) => ({ name, maxCount: 1 })));

  router.post('/clone_voice', fields(['reference_audio_file', 'latent_file']), (req, _res) => {
    const body = parseBody(cloneBodySchema, req.body ?? {});
    const file = (req.files as Files)?.reference_audio_file?.[0];
    if (!file && body.reference_audio === undefined) {
      throw new TtsError(
        'invalid_request',
        'Send the reference voice: "reference_audio" (base64 audio) or a "reference_audio_file" upload.',
        'reference_audio',
      );
    }
    if (file && file.size < 44)
      throw new TtsError('invalid_request', '"reference_audio_file" is too short to be audio.', 'reference_audio_file');
    if (!file && body.reference_audio !== undefined) decodeBase64Audio(body.reference_audio, 'reference_audio');
    throw cloningUnavailable('reference_audio');
  });

  router.post('/add_speaker', fields(['audio_file', 'latent_file']), (req, _res) => {
    const body = parseBody(addSpeakerBodySchema, req.body ?? {});
    const file = (req.files as Files)?.audio_file?.[0];
    if (!file && body.audio === undefined) {
      throw new TtsError('invalid_request', 'Send the speaker\'s voice as an "audio_file" upload.', 'audio_file');
    }
    if (ctx.catalog.resolve(body.name)) {
      throw new TtsError('invalid_request', `"${body.name}" is already a built-in voice; choose another name.`, 'name');
    }
    if (!file && body.audio !== undefined) decodeBase64Audio(body.audio, 'audio');
    throw cloningUnavailable('audio_file');
  });

  router.post('/delete_speaker', upload.none(), (req, _res) => {
    const body = parseBody(deleteSpeakerBodySchema, req.body ?? {});
    const voice = ctx.catalog.resolve(body.name);
    if (voice) {
      throw new TtsError('invalid_request', `"${body.name}" is a built-in voice and cannot be deleted.`, 'name');
    }
    throw new TtsError(
      'voice_not_found',
      `No saved speaker is called "${body.name}"; this server has no saved speakers.`,
      'name',
    );
  });
  return router;
}
