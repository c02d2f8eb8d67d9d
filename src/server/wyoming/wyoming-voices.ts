/**
 * The catalog's voices as Wyoming sees them: the `info` program that lists them, and the voice a
 * `synthesize` asks for (by name and speaker, or by language) found through the same lookup as
 * every other way in.
 */
import type { WyomingAttribution, WyomingTtsProgram, WyomingTtsVoice, WyomingVoice } from '../../../protocol/wyoming.js';
import type { EngineId } from '../../engine/types.js';
import { TtsError } from '../../errors.js';
import type { VoiceCatalog, VoiceEntry } from '../../speakers/voice-catalog.js';
import { findVoice } from '../request-checks.js';

/** The voice of a request that names none, as on the realtime endpoint. */
export const WYOMING_DEFAULT_VOICE = 'female';

/** Who made each engine's voices, and where they are from. */
const ATTRIBUTIONS: Readonly<Record<EngineId, WyomingAttribution>> = {
  flite: { name: 'Carnegie Mellon University (CMU Flite)', url: 'http://www.festvox.org/flite/' },
  kokoro: { name: 'hexgrad (Kokoro-82M)', url: 'https://huggingface.co/hexgrad/Kokoro-82M' },
  piper: { name: 'Rhasspy (Piper)', url: 'https://github.com/rhasspy/piper' },
  'pocket-tts': { name: 'Kyutai (Pocket-TTS), voice cloned on this server', url: 'https://github.com/kyutai-labs/pocket-tts' },
};

/** Piper lists a multi-speaker voice as `voice` and each `voice:speaker`; Wyoming as one voice with speakers. */
function speakerOf(entry: VoiceEntry, ids: ReadonlySet<string>): { voice: string; speaker: string } | undefined {
  if (entry.engine !== 'piper' || entry.kind !== 'voice') return undefined;
  const colon = entry.id.indexOf(':');
  if (colon <= 0) return undefined;
  const voice = entry.id.slice(0, colon);
  return ids.has(voice) ? { voice, speaker: entry.id.slice(colon + 1) } : undefined;
}

/** Every voice of the catalog (roles, engine voices, saved speakers) as Wyoming voices. */
export function wyomingVoices(catalog: VoiceCatalog): WyomingTtsVoice[] {
  const entries = catalog.list();
  const ids = new Set(entries.map((e) => e.id));
  const voices = new Map<string, WyomingTtsVoice>();
  const speakers = new Map<string, { name: string }[]>();
  for (const entry of entries) {
    const speaker = speakerOf(entry, ids);
    if (speaker) {
      const list = speakers.get(speaker.voice) ?? [];
      list.push({ name: speaker.speaker });
      speakers.set(speaker.voice, list);
      continue;
    }
    voices.set(entry.id, {
      name: entry.id,
      attribution: ATTRIBUTIONS[entry.engine],
      installed: true,
      description: entry.description,
      version: null,
      languages: [entry.language],
      speakers: null,
    });
  }
  for (const [voice, list] of speakers) {
    const found = voices.get(voice);
    if (found) found.speakers = list;
  }
  return [...voices.values()];
}

/** The TTS program `info` announces: this server (`url`: its web page), with every voice. */
export function wyomingProgram(catalog: VoiceCatalog, version: string, url: string): WyomingTtsProgram {
  return {
    name: 'flash-tts',
    attribution: { name: 'Flash-TTS for Node', url },
    installed: true,
    description: 'Flash-TTS: realtime text to speech, sentence by sentence',
    version,
    voices: wyomingVoices(catalog),
    supports_synthesize_streaming: true,
  };
}

/** `en_US`, `EN-us` → `en-us`. */
function languageKey(tag: string): string {
  return tag.trim().replace(/_/g, '-').toLowerCase();
}

/**
 * The voice a Wyoming request asks for: `name` (with `speaker` for a multi-speaker voice), else
 * the first voice speaking `language` (the default role when it does), else the default role.
 * Throws `voice_not_found` saying what there is.
 */
export function resolveWyomingVoice(catalog: VoiceCatalog, voice: WyomingVoice | null | undefined): VoiceEntry {
  if (voice?.name !== undefined) {
    const { name, speaker } = voice;
    if (speaker !== undefined) {
      const entry = catalog.resolve(`${name}:${speaker}`);
      if (entry) return entry;
      const listed = wyomingVoices(catalog).find((v) => v.name.toLowerCase() === name.trim().toLowerCase());
      if (listed?.speakers) {
        throw new TtsError(
          'voice_not_found',
          `Voice "${listed.name}" has no speaker "${speaker}". Its speakers: ${listed.speakers.map((s) => s.name).join(', ')}.`,
          { param: 'voice.speaker' },
        );
      }
    }
    // A speaker of a single-speaker voice is ignored, as Wyoming's own servers do.
    return findVoice(catalog, name, { field: 'voice.name' });
  }
  if (voice?.language !== undefined) {
    const wanted = languageKey(voice.language);
    const entries = catalog.list();
    const fallback = catalog.resolve(WYOMING_DEFAULT_VOICE);
    const speaks = (entry: VoiceEntry, exact: boolean): boolean => {
      const key = languageKey(entry.language);
      return exact ? key === wanted : key.split('-')[0] === wanted.split('-')[0];
    };
    for (const exact of [true, false]) {
      if (fallback && speaks(fallback, exact)) return fallback;
      const found = entries.find((e) => speaks(e, exact));
      if (found) return found;
    }
    const languages = [...new Set(entries.map((e) => e.language))].join(', ');
    throw new TtsError('voice_not_found', `No voice speaks "${voice.language}". Languages: ${languages}.`, {
      param: 'voice.language',
    });
  }
  return findVoice(catalog, WYOMING_DEFAULT_VOICE, { field: 'voice.name' });
}
