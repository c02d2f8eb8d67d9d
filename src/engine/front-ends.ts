/**
 * Which text each engine voice can read: the voice's language picks the front end. Kokoro has
 * checked front ends for English (misaki's lexicons and rules) and Mandarin (misaki's zh
 * alphabet); its voices of other languages, and Japanese or Korean text, are refused with a 4xx
 * that says what to change instead of being spoken badly. Other engines read what they list.
 */
import { TtsError } from '../errors.js';
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

/** Kokoro voice languages with a front end checked against misaki. */
export const KOKORO_FRONT_ENDS: ReadonlySet<string> = new Set(['en-US', 'en-GB', 'zh']);

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
  const language = KOKORO_LANGUAGES[first[0] ?? ''] ?? 'en-US';
  if (!KOKORO_FRONT_ENDS.has(language)) {
    const name = LANGUAGE_NAMES[language] ?? language;
    return new TtsError(
      'language_not_supported',
      `Kokoro voice "${first}" speaks ${name}, which has no checked Kokoro front end on this server yet (it would be spoken badly): use an English (a…, b…) or Mandarin (z…) Kokoro voice, or a Piper voice of that language.`,
      { param: 'voice' },
    );
  }
  for (const [script, name] of UNREAD_SCRIPTS) {
    if (script.test(text)) {
      return new TtsError(
        'language_not_supported',
        `The text has ${name}, which no Kokoro front end on this server reads yet: send English or Mandarin text, or use a voice of another engine that speaks ${name}.`,
        { param: 'text' },
      );
    }
  }
  return undefined;
}
