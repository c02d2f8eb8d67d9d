/**
 * Text no installed voice can read: Chinese (the original service's main language) sent to a voice
 * whose front end reads only alphabetic text would come out as silence or noise. It is refused
 * with a 4xx that says what to install or which voice to name instead.
 */
import { TtsError } from '../errors.js';
import type { VoiceCatalog, VoiceEntry } from '../speakers/voice-catalog.js';
import type { ProblemSite } from './request-checks.js';

/** Han characters: Chinese text (and the kanji of Japanese, which no engine here reads either). */
const HAN = /\p{Script=Han}/u;

/** The model to install for Chinese, and the program its voices read phonemes with. */
export const CHINESE_MODEL = 'piper-zh_CN-huayan-medium';

/**
 * True when `voice` reads Chinese: a Piper voice of a Chinese language (espeak-ng phonemizes
 * Mandarin). Kokoro's zf_/zm_ voices read through the English front end for now, and Flite and
 * Pocket-TTS are English-only.
 */
export function speaksChinese(voice: Pick<VoiceEntry, 'engine' | 'language'>): boolean {
  return voice.engine === 'piper' && voice.language.toLowerCase().startsWith('zh');
}

/**
 * Throws when `text` has Chinese characters and `voice` cannot read them: `engine_not_installed`
 * naming the model to install when no installed voice reads Chinese, else `invalid_request`
 * naming the voices that do.
 */
export function checkLanguage(
  text: string,
  voice: Pick<VoiceEntry, 'id' | 'engine' | 'language'>,
  catalog: VoiceCatalog,
  site: ProblemSite,
): void {
  if (!HAN.test(text) || speaksChinese(voice)) return;
  const chinese = catalog.list().filter((v) => speaksChinese(v) && v.kind !== 'role');
  if (chinese.length === 0) {
    throw new TtsError(
      'engine_not_installed',
      `"${site.field}" is Chinese text, and no installed voice reads Chinese (voice "${voice.id}" reads ${voice.language}): it would be silence. ` +
        `Install a Chinese voice — \`flash-tts models pull ${CHINESE_MODEL}\` and the espeak-ng program (apt install espeak-ng) — restart, ` +
        `and name it as the voice (zh_CN-huayan-medium). Kokoro's Chinese voices need a Chinese front end this version does not have yet.`,
      { param: site.field, contextId: site.contextId },
    );
  }
  throw new TtsError(
    'invalid_request',
    `"${site.field}" is Chinese text, which voice "${voice.id}" (${voice.language}) cannot read. Name a Chinese voice: ${chinese.map((v) => v.id).join(', ')}.`,
    { param: site.field, contextId: site.contextId },
  );
}
