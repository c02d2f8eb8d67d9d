/**
 * The voices clients can name: built-in roles ("female", "male", as in the original service),
 * every engine voice by its id, and OpenAI's voice names as aliases so OpenAI clients work as-is.
 */
import type { EngineInfo } from '../engine/types.js';

/** A voice a client can ask for by name. */
export interface VoiceEntry {
  /** The name clients use. */
  id: string;
  name: string;
  /** Engine that speaks it and the engine's own voice id. */
  engine: string;
  engineVoice: string;
  language: string;
  gender: 'female' | 'male' | 'neutral';
  description: string;
  /** `role`: a built-in role; `voice`: an engine voice. */
  kind: 'role' | 'voice';
}

interface RoleDefinition {
  id: string;
  engine: string;
  engineVoice: string;
  description: string;
}

/** The original service's built-in roles, and the engine voice each maps to. */
export const BUILTIN_ROLES: readonly RoleDefinition[] = [
  { id: 'female', engine: 'flite', engineVoice: 'slt', description: 'Built-in female role' },
  { id: 'male', engine: 'flite', engineVoice: 'rms', description: 'Built-in male role' },
];

/** OpenAI voice names, accepted as aliases of a built-in voice (not listed separately). */
export const OPENAI_VOICE_ALIASES: Readonly<Record<string, string>> = {
  alloy: 'female',
  ash: 'male',
  ballad: 'awb',
  coral: 'female',
  echo: 'male',
  fable: 'awb',
  onyx: 'male',
  nova: 'female',
  sage: 'female',
  shimmer: 'female',
  verse: 'kal16',
};

/** Looks voices up by name, case-insensitively. */
export class VoiceCatalog {
  readonly #entries: VoiceEntry[];
  readonly #byName = new Map<string, VoiceEntry>();

  constructor(engines: readonly EngineInfo[]) {
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
    const roles: VoiceEntry[] = BUILTIN_ROLES.flatMap((role) => {
      const target = voices.find((v) => v.engine === role.engine && v.engineVoice === role.engineVoice);
      return target ? [{ ...target, id: role.id, name: role.id, description: role.description, kind: 'role' as const }] : [];
    });
    this.#entries = [...roles, ...voices];
    for (const entry of this.#entries) this.#byName.set(entry.id.toLowerCase(), entry);
    for (const [alias, target] of Object.entries(OPENAI_VOICE_ALIASES)) {
      const entry = this.#byName.get(target);
      if (entry && !this.#byName.has(alias)) this.#byName.set(alias, entry);
    }
  }

  /** Every voice, roles first. */
  list(): readonly VoiceEntry[] {
    return this.#entries;
  }

  /** The built-in roles. */
  roles(): readonly VoiceEntry[] {
    return this.#entries.filter((e) => e.kind === 'role');
  }

  /** The voice called `name`, if any. */
  resolve(name: string): VoiceEntry | undefined {
    return this.#byName.get(name.trim().toLowerCase());
  }
}
