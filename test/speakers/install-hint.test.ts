/** What a request for a voice that is not installed is told to install (VoiceCatalog.installHint). */
import { describe, expect, it } from '@jest/globals';
import type { EngineInfo } from '../../src/engine/types.js';
import { loadManifests } from '../../src/models/manifest.js';
import { VoiceCatalog } from '../../src/speakers/voice-catalog.js';

const FLITE: EngineInfo = {
  id: 'flite',
  label: 'Flite',
  sampleRate: 16000,
  licence: 'BSD',
  capabilities: { speed: true, temperature: false, topK: false, topP: false },
  voices: [{ id: 'slt', name: 'slt', language: 'en-US', gender: 'female', description: 'slt' }],
};
/** A server with only the embedded engine, and every model of models/ available to pull. */
const catalog = new VoiceCatalog([FLITE], { defaultEngine: 'flite', available: [...loadManifests().values()] });

describe('install hints for voices that are not installed', () => {
  it('names the int8 Kokoro model for a Kokoro voice that several models have', () => {
    expect(catalog.installHint('af_heart')).toBe(
      'Voice "af_heart" is in the model "kokoro-82m-int8", which is not installed: run `flash-tts models pull kokoro-82m-int8` (a running server uses it once restarted).',
    );
  });

  it('names a Piper voice as it is written, and the unknown member of a mix', () => {
    expect(catalog.installHint('en_US-joe-medium')).toMatch(/^Voice "en_US-joe-medium" is in the model "piper-en_US-joe-medium"/);
    expect(catalog.installHint('slt+af_bella')).toMatch(/^Voice "af_bella" is in the model "kokoro-82m-int8"/);
  });

  it("names the Mandarin voices' model for the original service's Chinese roles, after Kokoro's graph when that is missing too", () => {
    for (const role of ['女声', '男声', '赞助商']) {
      const hint = catalog.installHint(role) ?? '';
      expect(hint).toMatch(
        new RegExp(
          `^The role "${role}" speaks with the Mandarin voice "z[fm]_[a-z]+", which is in the model "kokoro-82m-voices-multilingual"`,
        ),
      );
      expect(hint).toContain(
        'which is not installed: run `flash-tts models pull kokoro-82m-int8`, then `flash-tts models pull kokoro-82m-voices-multilingual` (a running server uses them once restarted).',
      );
    }
  });

  it('has nothing to say about a name no model has', () => {
    expect(catalog.installHint('nobody')).toBeUndefined();
  });

  it('names the members of a Kokoro mix that are not Kokoro voices', () => {
    const kokoro: EngineInfo = {
      ...FLITE,
      id: 'kokoro',
      label: 'Kokoro',
      sampleRate: 24000,
      voices: ['af_bella', 'af_sky'].map((id) => ({
        id,
        name: id,
        language: 'en-US',
        gender: 'female' as const,
        description: id,
      })),
    };
    const withKokoro = new VoiceCatalog([FLITE, kokoro], { defaultEngine: 'kokoro' });
    expect(withKokoro.resolve('af_bella(2)+af_sky(1)')?.engineVoice).toBe('af_bella(2)+af_sky(1)');
    expect(withKokoro.mixProblem('af_bella(2)+af_sky(1)')).toBeUndefined();
    expect(withKokoro.mixProblem('af_bella+nobody')).toBe(
      'In the mix "af_bella+nobody", "nobody" is not a Kokoro voice: a mix such as af_bella(2)+af_sky(1) takes Kokoro voices only (here: af_bella, af_sky).',
    );
    expect(catalog.mixProblem('slt+nobody')).toMatch(
      /"slt" and "nobody" are not Kokoro voices: .*none is installed: run `flash-tts models pull kokoro-82m-int8`/,
    );
    expect(catalog.mixProblem('nobody')).toBeUndefined();
  });
});
