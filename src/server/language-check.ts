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
 * True when `voice` reads Chinese: every Kokoro voice (Chinese text goes through the Mandarin front
 * end, engine/front-ends.ts; the z… voices are the ones trained on it), and a Piper voice of a
 * Chinese language (espeak-ng phonemizes Mandarin). Flite and Pocket-TTS are English-only.
 */
export function speaksChinese(voice: Pick<VoiceEntry, 'engine' | 'language'>): boolean {
  if (voice.engine === 'kokoro') return true;
  return voice.engine === 'piper' && voice.language.toLowerCase().startsWith('zh');
}

/** Voices to name for Chinese: Mandarin ones first (Kokoro z…, Chinese Piper voices). */
function chineseVoices(catalog: VoiceCatalog): VoiceEntry[] {
  return catalog.list().filter((v) => v.kind !== 'role' && v.language.toLowerCase().startsWith('zh'));
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
  const chinese = chineseVoices(catalog);
  if (chinese.length === 0) {
    throw new TtsError(
      'engine_not_installed',
      `"${site.field}" is Chinese text, and no installed voice reads Chinese (voice "${voice.id}" reads ${voice.language}): it would be silence. ` +
        `Install a Chinese voice — Kokoro-82M's Mandarin voices (\`flash-tts models pull kokoro-82m-int8\`, then \`kokoro-82m-voices-multilingual\`: zf_xiaobei, zm_yunjian…), ` +
        `or \`flash-tts models pull ${CHINESE_MODEL}\` and the espeak-ng program — restart, and name it as the voice.`,
      { param: site.field, contextId: site.contextId },
    );
  }
  throw new TtsError(
    'invalid_request',
    `"${site.field}" is Chinese text, which voice "${voice.id}" (${voice.language}) cannot read. Name a Chinese voice: ${chinese.map((v) => v.id).join(', ')}.`,
    { param: site.field, contextId: site.contextId },
  );
}
