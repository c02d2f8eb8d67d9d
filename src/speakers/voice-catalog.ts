/**
 * The voices clients can name: built-in roles ("female", "male", as in the original service),
 * every engine voice by its id, and OpenAI's voice names as aliases so OpenAI clients work as-is.
 */
import { parseVoiceMix } from '../engine/kokoro/kokoro-voices.js';
import type { EngineId, EngineInfo } from '../engine/types.js';
import type { ModelManifest } from '../models/manifest.js';
import type { SavedSpeaker } from './speaker-store.js';

/** A voice a client can ask for by name. */
export interface VoiceEntry {
  /** The name clients use. */
  id: string;
  name: string;
  /** Engine that speaks it and the engine's own voice id. */
  engine: EngineId;
  engineVoice: string;
  language: string;
  gender: 'female' | 'male' | 'neutral';
  description: string;
  /** `role`: a built-in role; `voice`: an engine voice; `speaker`: a saved (cloned) speaker. */
  kind: 'role' | 'voice' | 'speaker';
  /** Saved speakers: the digest of their reference audio. */
  digest?: string;
}

/** Engines in the order `defaultEngine: auto` prefers them, best first. */
export const ENGINE_PREFERENCE = ['kokoro', 'piper', 'flite'] as const;

/** Each engine's voice for the built-in roles, when it has it. */
const ROLE_VOICES: Readonly<Record<string, { female: string[]; male: string[] }>> = {
  flite: { female: ['slt'], male: ['rms'] },
  kokoro: { female: ['af_heart', 'af_bella'], male: ['am_michael', 'am_fenrir'] },
};

/**
 * Chinese roles for the original service's Chinese use: a female and a male Mandarin voice of
 * Kokoro (the first installed of each list), whatever the default engine. `赞助商`, the built-in
 * voice of the client guide's OpenAI example, is the female one.
 */
export const CHINESE_ROLES: Readonly<Record<string, { gender: 'female' | 'male'; voices: readonly string[] }>> = {
  女声: { gender: 'female', voices: ['zf_xiaobei', 'zf_xiaoxiao', 'zf_xiaoni', 'zf_xiaoyi'] },
  男声: { gender: 'male', voices: ['zm_yunjian', 'zm_yunxi', 'zm_yunyang', 'zm_yunxia'] },
  赞助商: { gender: 'female', voices: ['zf_xiaobei', 'zf_xiaoxiao', 'zf_xiaoni', 'zf_xiaoyi'] },
};

/** OpenAI voice names: Kokoro has voices of the same names; otherwise they map to a role or voice. */
export const OPENAI_VOICE_ALIASES: Readonly<Record<string, { kokoro?: string; fallback: string }>> = {
  alloy: { kokoro: 'af_alloy', fallback: 'female' },
  ash: { fallback: 'male' },
  ballad: { fallback: 'awb' },
  cedar: { fallback: 'male' },
  coral: { fallback: 'female' },
  echo: { kokoro: 'am_echo', fallback: 'male' },
  fable: { kokoro: 'bm_fable', fallback: 'awb' },
  marin: { fallback: 'female' },
  onyx: { kokoro: 'am_onyx', fallback: 'male' },
  nova: { kokoro: 'af_nova', fallback: 'female' },
  sage: { fallback: 'female' },
  shimmer: { kokoro: 'af_sky', fallback: 'female' },
  verse: { fallback: 'kal16' },
};

/** Options of {@link VoiceCatalog}. */
export interface CatalogOptions {
  /** Engine of the roles and OpenAI names: `auto` (the best installed) or an engine id. */
  defaultEngine?: string;
  /** Every pullable model, to tell which one has a voice that is not installed. */
  available?: readonly ModelManifest[];
  /** Saved speakers, listed after the built-in voices (read on every lookup: they change). */
  speakers?: () => readonly SavedSpeaker[];
  /** The engine voice (embedding file) of a saved speaker. */
  speakerVoice?: (speaker: SavedSpeaker) => string;
}

const MIX = /[+(]/;

/** Looks voices up by name, case-insensitively. */
export class VoiceCatalog {
  readonly #entries: VoiceEntry[];
  readonly #byName = new Map<string, VoiceEntry>();
  readonly #available: readonly ModelManifest[];
  readonly #speakers: () => readonly SavedSpeaker[];
  readonly #speakerVoice: (speaker: SavedSpeaker) => string;
  /** The engine serving the roles. */
  readonly defaultEngine: EngineId;

  constructor(engines: readonly EngineInfo[], options: CatalogOptions = {}) {
    this.#available = options.available ?? [];
    this.#speakers = options.speakers ?? (() => []);
    this.#speakerVoice = options.speakerVoice ?? (() => '');
    const voices: VoiceEntry[] = engines.flatMap((engine) =>
      engine.voices.map((v) => ({
        id: v.id,
        name: v.name,
        engine: engine.id,
        engineVoice: v.id,
        language: v.language,
        gender: v.gender,
        description: `${v.description} — ${engine.label}`,
        kind: 'voice' as const,
      })),
    );
    const loaded = (id: string): EngineId | undefined => engines.find((e) => e.id === id)?.id;
    const wanted = options.defaultEngine ?? 'auto';
    this.defaultEngine =
      (wanted === 'auto' ? undefined : loaded(wanted)) ?? ENGINE_PREFERENCE.find(loaded) ?? engines[0]?.id ?? 'flite';
    const roleVoice = (gender: 'female' | 'male'): VoiceEntry | undefined => {
      const own = voices.filter((v) => v.engine === this.defaultEngine);
      for (const id of ROLE_VOICES[this.defaultEngine]?.[gender] ?? []) {
        const found = own.find((v) => v.engineVoice === id);
        if (found) return found;
      }
      return (
        own.find((v) => v.gender === gender && v.language.startsWith('en')) ?? own.find((v) => v.gender === gender) ?? own[0]
      );
    };
    const roles: VoiceEntry[] = (['female', 'male'] as const).flatMap((gender) => {
      const target = roleVoice(gender);
      return target
        ? [{ ...target, id: gender, name: gender, description: `Built-in ${gender} role (${target.id})`, kind: 'role' as const }]
        : [];
    });
    const chineseRoles: VoiceEntry[] = Object.entries(CHINESE_ROLES).flatMap(([name, role]) => {
      const target = role.voices.map((id) => voices.find((v) => v.engine === 'kokoro' && v.engineVoice === id)).find(Boolean);
      return target
        ? [
            {
              ...target,
              id: name,
              name,
              description: `Built-in Chinese ${role.gender} role (${target.id})`,
              kind: 'role' as const,
            },
          ]
        : [];
    });
    this.#entries = [...roles, ...chineseRoles, ...voices];
    for (const entry of this.#entries) this.#byName.set(entry.id.toLowerCase(), entry);
    for (const [alias, target] of Object.entries(OPENAI_VOICE_ALIASES)) {
      if (this.#byName.has(alias)) continue;
      const kokoro = this.defaultEngine === 'kokoro' && target.kokoro ? this.#byName.get(target.kokoro) : undefined;
      const entry = kokoro ?? this.#byName.get(target.fallback) ?? this.#byName.get(gendered(target.fallback));
      if (entry) this.#byName.set(alias, entry);
    }
  }

  /** Every voice: roles, engine voices, then saved speakers. */
  list(): readonly VoiceEntry[] {
    return [...this.#entries, ...this.#speakers().map((s) => speakerEntry(s, this.#speakerVoice(s)))];
  }

  /** The OpenAI voice names that are not voices of their own, with the voice each speaks with. */
  openAiAliases(): readonly { name: string; voice: VoiceEntry }[] {
    return Object.keys(OPENAI_VOICE_ALIASES).flatMap((name) => {
      const voice = this.#byName.get(name);
      return voice && voice.id.toLowerCase() !== name ? [{ name, voice }] : [];
    });
  }

  /** The built-in roles. */
  roles(): readonly VoiceEntry[] {
    return this.#entries.filter((e) => e.kind === 'role');
  }

  /** The voice called `name` (or a Kokoro mix such as `af_bella(2)+af_sky(1)`), if any. */
  resolve(name: string): VoiceEntry | undefined {
    const key = name.trim().toLowerCase();
    const found = this.#byName.get(key);
    if (found) return found;
    const speaker = this.#speakers().find(
      (s) => s.name.normalize('NFC').toLowerCase() === name.normalize('NFC').trim().toLowerCase(),
    );
    if (speaker) return speakerEntry(speaker, this.#speakerVoice(speaker));
    if (!MIX.test(key)) return undefined;
    const parts = parseVoiceMix(key.replace(/\s+/g, ''));
    if (!parts) return undefined;
    const members = parts.map((p) => this.#byName.get(p.voice));
    if (members.some((m) => m?.engine !== 'kokoro')) return undefined;
    const first = members[0] as VoiceEntry;
    return {
      ...first,
      id: name.trim(),
      name: name.trim(),
      engineVoice: key.replace(/\s+/g, ''),
      description: `Mix of Kokoro voices ${name.trim()}`,
    };
  }

  /** For a Kokoro mix that does not resolve: the members that are not Kokoro voices, said so; else undefined. */
  mixProblem(name: string): string | undefined {
    const key = name.trim().toLowerCase();
    const parts = MIX.test(key) ? parseVoiceMix(key.replace(/\s+/g, '')) : undefined;
    const bad = (parts ?? []).map((p) => p.voice).filter((voice) => this.#byName.get(voice)?.engine !== 'kokoro');
    if (bad.length === 0) return undefined;
    const kokoro = this.#entries.filter((e) => e.engine === 'kokoro' && e.id === e.engineVoice).map((e) => e.id);
    const here =
      kokoro.length > 0
        ? `here: ${kokoro.slice(0, 12).join(', ')}${kokoro.length > 12 ? ', …' : ''}`
        : `none is installed: run \`flash-tts models pull ${this.#graphOf('kokoro') ?? 'kokoro-82m-int8'}\``;
    const which = `${bad.map((v) => `"${v}"`).join(' and ')} ${bad.length > 1 ? 'are not Kokoro voices' : 'is not a Kokoro voice'}`;
    return `In the mix "${name.trim()}", ${which}: a mix such as af_bella(2)+af_sky(1) takes Kokoro voices only (${here}).`;
  }

  /**
   * For a voice that is not installed: the model that has it and how to install it. A Chinese role
   * of the original service (女声, 男声, 赞助商) is its first Mandarin voice; of the models that
   * have a voice, the int8 one (the smallest, with pinned digests) is named.
   */
  installHint(name: string): string | undefined {
    const trimmed = name.trim();
    const role = CHINESE_ROLES[trimmed];
    const parts = role
      ? [role.voices[0] as string]
      : (parseVoiceMix(trimmed.replace(/\s+/g, ''))?.map((p) => p.voice) ?? [trimmed]);
    for (const part of parts) {
      const key = part.toLowerCase();
      if (this.#byName.has(key)) continue;
      const models = this.#available.filter(
        (m) => m.voices.some((v) => v.id.toLowerCase() === key) || m.name.replace(/^piper-/, '').toLowerCase() === key,
      );
      const model = preferred(models);
      if (!model) continue;
      const what = role ? `The role "${trimmed}" speaks with the Mandarin voice "${part}", which is` : `Voice "${part}" is`;
      // A voice pack has no graph of its own: without its engine's model, that comes first.
      const pack = !hasGraph(model);
      const graph = pack && !this.#entries.some((e) => e.engine === model.engine) ? this.#graphOf(model.engine) : undefined;
      const pulls = [graph, model.name].filter((n) => n !== undefined).map((n) => `\`flash-tts models pull ${n}\``);
      return `${what} in the model "${model.name}", which is not installed: run ${pulls.join(', then ')} (a running server uses ${pulls.length > 1 ? 'them' : 'it'} once restarted).`;
    }
    return undefined;
  }

  /** The model with the graph of `engine` to name in a hint (see {@link preferred}). */
  #graphOf(engine: string): string | undefined {
    return preferred(this.#available.filter((m) => m.engine === engine && hasGraph(m)))?.name;
  }
}

/** Whether a model has a graph of its own (a voice pack has only voices). */
function hasGraph(model: ModelManifest): boolean {
  return model.files.some((f) => f.path.endsWith('.onnx'));
}

/** Of models that would do, the one a hint names: the int8 one (smallest, pinned digests), else the first. */
function preferred(models: readonly ModelManifest[]): ModelManifest | undefined {
  return models.find((m) => m.name.endsWith('-int8')) ?? models[0];
}

/** The catalog entry of a saved speaker: the Pocket-TTS engine with its embedding file. */
function speakerEntry(speaker: SavedSpeaker, engineVoice: string): VoiceEntry {
  return {
    id: speaker.name,
    name: speaker.name,
    engine: 'pocket-tts',
    engineVoice,
    language: 'en-US',
    gender: 'neutral',
    description: speaker.referenceText ? `Saved speaker ("${speaker.referenceText}")` : 'Saved speaker',
    kind: 'speaker',
    digest: speaker.audio,
  };
}

/** Roles are also reachable as the Flite voices they default to. */
function gendered(name: string): string {
  return name === 'awb' || name === 'kal16' ? 'male' : name;
}
