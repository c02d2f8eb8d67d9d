/** Reference audio sent as a string: base64 (with or without a `data:` prefix) or, when allowed, a URL. */
import { TtsError } from '../../errors.js';
import { fetchReference, looksLikeUrl } from '../../speakers/reference-url.js';
import type { AppContext } from '../app-context.js';

/** Bytes of base64 audio, with or without a `data:` prefix. */
export function decodeBase64Audio(value: string, field: string): Uint8Array {
  const data = value.replace(/^data:[\w/.+-]*;base64,/, '').replace(/\s+/g, '');
  if (data === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 === 1) {
    throw new TtsError('invalid_request', `"${field}" must be base64-encoded audio (WAV, MP3, FLAC or Ogg).`, { param: field });
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length < 44) throw new TtsError('invalid_request', `"${field}" is too short to be audio.`, { param: field });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reference audio given as a string: base64 (with or without `data:`), or a URL when the server allows it. */
export async function referenceBytes(value: string, field: string, ctx: AppContext): Promise<Uint8Array> {
  if (!looksLikeUrl(value)) return decodeBase64Audio(value, field);
  if (!ctx.config.allowReferenceUrls) {
    throw new TtsError(
      'invalid_request',
      `"${field}" is a URL, and this server does not fetch URLs (it can be enabled with FLASH_TTS_ALLOW_REFERENCE_URLS=1); send the audio as base64 or upload the file.`,
      { param: field },
    );
  }
  return fetchReference(value, field, { maxBytes: Math.min(ctx.config.maxBodyBytes, 20 * 1024 * 1024), timeoutMs: 10_000 });
}
