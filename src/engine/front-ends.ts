/**
 * Which text each engine voice can read: the voice's language picks the front end. Kokoro has
 * checked front ends for English (misaki's lexicons and rules), Mandarin (misaki's zh alphabet)
 * and, where the `espeak-ng` program is installed, Spanish, French, Italian, Brazilian Portuguese
 * and Hindi (espeak-ng with misaki's rewrites, see espeak-kokoro.ts); its Japanese voices, and
 * Japanese or Korean text, are refused with a 4xx that says what to change instead of being spoken
 * badly. Other engines read what they list.
 */
import { TtsError } from '../errors.js';
import { espeakReads, KOKORO_ESPEAK_VOICES } from '../text/g2p/espeak-kokoro.js';
import { normalizeText } from '../text/normalize.js';
import type { EngineVoiceRef } from './speech-stream.js';
import type { EngineInfo } from './types.js';

/** Kokoro's voice-id first letter → the language of the voice. */
export const KOKORO_LANGUAGES: Readonly<Record<string, string>> = {
  a: 'en-US',
  b: 'en-GB',
  e: 'es',
  f: 'fr-FR',
  h: 'hi',
  i: 'it',
  j: 'ja',
  p: 'pt-BR',
  z: 'zh',
};

/** Kokoro voice languages with a front end of their own, checked against misaki. */
export const KOKORO_FRONT_ENDS: ReadonlySet<string> = new Set(['en-US', 'en-GB', 'zh']);

/** The language of a Kokoro voice id (a mix: its first voice), by its first letter. */
export function kokoroVoiceLanguage(voice: string): string {
  const first = voice.trim().toLowerCase().split(/[+(]/)[0] ?? '';
  return KOKORO_LANGUAGES[first[0] ?? ''] ?? 'en-US';
}

/** Whether this server reads text for Kokoro voices of `language`. */
export function kokoroReads(language: string): boolean {
  return KOKORO_FRONT_ENDS.has(language) || espeakReads(language);
}

/**
 * What a voice is given to say for a written segment. Kokoro voices read through espeak-ng get the
 * text as written (only invisible characters dropped and spaces joined): Kokoro's own pipeline lets
 * espeak-ng read numbers, dates and symbols in the voice's language, and English normalization
 * would turn them into English words. Chinese text and all other voices go through normalizeText.
 */
export function spokenText(voice: EngineVoiceRef, written: string): string {
  if (voice.engine === 'kokoro' && !/\p{Script=Han}/u.test(written)) {
    const language = kokoroVoiceLanguage(voice.engineVoice);
    if (language in KOKORO_ESPEAK_VOICES) {
      return written
        .replace(/[\u200B-\u200D\uFEFF]/g, '')
        .replace(/\s+/g, ' ')
        .trim();
    }
  }
  return normalizeText(written);
}

const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  es: 'Spanish',
  'fr-FR': 'French',
  hi: 'Hindi',
  it: 'Italian',
  ja: 'Japanese',
  'pt-BR': 'Brazilian Portuguese',
};

/** Kana (Japanese) and Hangul (Korean): scripts no Kokoro front end here reads. */
const UNREAD_SCRIPTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'Japanese'],
  [/\p{Script=Hangul}/u, 'Korean'],
];

/**
 * The error for text a voice cannot read, or undefined when it can. `voice` is the engine's voice
 * id (a Kokoro mix is judged by its first voice).
 */
export function frontEndProblem(engine: EngineInfo | undefined, voice: string, text: string): TtsError | undefined {
  if (engine?.id !== 'kokoro') return undefined;
  const first = voice.trim().toLowerCase().split(/[+(]/)[0] ?? '';
  const language = kokoroVoiceLanguage(voice);
  if (!kokoroReads(language)) {
    const name = LANGUAGE_NAMES[language] ?? language;
    const why =
      language in KOKORO_ESPEAK_VOICES
        ? 'whose Kokoro front end needs the espeak-ng program, which is not installed on this server (Debian/Ubuntu: apt-get install espeak-ng)'
        : language === 'ja'
          ? "which has no Kokoro front end on this server (misaki's Japanese front end, the one to check against, needs a dictionary downloaded at run time)"
          : 'which has no checked Kokoro front end on this server yet (it would be spoken badly)';
    return new TtsError(
      'language_not_supported',
      `Kokoro voice "${first}" speaks ${name}, ${why}: use a Kokoro voice of another language (English a…/b…, Mandarin z…, Spanish e…, French f…, Italian i…, Portuguese p…, Hindi h…), or a Piper voice of that language.`,
      { param: 'voice' },
    );
  }
  for (const [script, name] of UNREAD_SCRIPTS) {
    if (script.test(text)) {
      return new TtsError(
        'language_not_supported',
        `The text has ${name}, which no Kokoro front end on this server reads yet: send text in a language the voices speak (English, Mandarin, Spanish, French, Italian, Portuguese, Hindi), or use a voice of another engine that speaks ${name}.`,
        { param: 'text' },
      );
    }
  }
  return undefined;
}
