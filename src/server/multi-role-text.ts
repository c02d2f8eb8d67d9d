/**
 * The original service's multi-role text: `<role:NAME>` — optionally `<role:NAME,pitch:LEVEL>`,
 * `<role:NAME,speed:LEVEL>` or `<role:NAME,pitch:LEVEL,speed:LEVEL>`, in that order — starts a
 * part spoken by NAME, with the level names of /speak. Pure.
 */
import { TtsError } from '../errors.js';
import { LEVELS, type Level } from './speech-params.js';

/** One part of a multi-role text. */
export interface RolePart {
  /** The role (voice) name, as written. */
  role: string;
  /** What it says, trimmed. */
  text: string;
  pitch: Level | undefined;
  speed: Level | undefined;
}

// As the original reads it: a name without "," or ">", then optional pitch, then optional speed.
const TAG = /<role:([^,>]+)(?:,pitch:([^,>]+))?(?:,speed:([^,>]+))?>/g;

function level(value: string | undefined, what: 'pitch' | 'speed', role: string): Level | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if ((LEVELS as readonly string[]).includes(trimmed)) return trimmed as Level;
  throw new TtsError(
    'invalid_request',
    `"text": the ${what} of <role:${role}> is "${trimmed}"; use one of ${LEVELS.join(', ')}.`,
    {
      param: 'text',
    },
  );
}

/**
 * The parts of a multi-role text, in order; parts with nothing to say are dropped. Throws
 * `invalid_request` when there is no role tag, when text comes before the first one (it would
 * have no voice), or when a level is not one of {@link LEVELS}.
 */
export function parseMultiRoleText(text: string): RolePart[] {
  const tags = [...text.matchAll(TAG)];
  const first = tags[0];
  if (!first) {
    throw new TtsError(
      'invalid_request',
      '"text" has no role: start each part with <role:NAME> (optionally <role:NAME,pitch:LEVEL,speed:LEVEL>), e.g. "<role:female>Hello.<role:male>Hi!".',
      { param: 'text' },
    );
  }
  const before = text.slice(0, first.index).trim();
  if (before !== '') {
    throw new TtsError(
      'invalid_request',
      `"text" begins with "${before.slice(0, 40)}" before any <role:NAME>: say who speaks it.`,
      {
        param: 'text',
      },
    );
  }
  return tags.flatMap((tag, i) => {
    const role = (tag[1] as string).trim();
    const end = tags[i + 1]?.index ?? text.length;
    const spoken = text.slice((tag.index as number) + tag[0].length, end).trim();
    const part = { role, text: spoken, pitch: level(tag[2], 'pitch', role), speed: level(tag[3], 'speed', role) };
    return spoken === '' ? [] : [part];
  });
}
