/** Which voice a Wyoming request gets, and how voices are listed in `info` (multi-speaker voices included). */
import { describe, expect, it } from '@jest/globals';
import type { EngineInfo } from '../../src/engine/types.js';
import { resolveWyomingVoice, wyomingVoices } from '../../src/server/wyoming/wyoming-voices.js';
import { VoiceCatalog } from '../../src/speakers/voice-catalog.js';

const capabilities = { speed: true, temperature: false, topK: false, topP: false };
const voice = (id: string, language: string, gender: 'female' | 'male' = 'male') => ({
  id,
  name: id,
  language,
  gender,
  description: id,
});
const ENGINES: EngineInfo[] = [
  {
    id: 'flite',
    label: 'Flite',
    sampleRate: 16000,
    licence: 'BSD',
    capabilities,
    voices: [voice('slt', 'en-US', 'female'), voice('rms', 'en-US'), voice('awb', 'en-GB')],
  },
  {
    id: 'piper',
    label: 'Piper',
    sampleRate: 22050,
    licence: 'MIT',
    capabilities,
    voices: [voice('multi', 'fr-FR'), voice('multi:anna', 'fr-FR', 'female'), voice('multi:ben', 'fr-FR')],
  },
];
const catalog = new VoiceCatalog(ENGINES, { defaultEngine: 'flite' });

describe('Wyoming voices', () => {
  it('lists a multi-speaker voice once, with its speakers', () => {
    const voices = wyomingVoices(catalog);
    expect(voices.map((v) => v.name)).toEqual(['female', 'male', 'slt', 'rms', 'awb', 'multi']);
    expect(voices.find((v) => v.name === 'multi')).toMatchObject({
      languages: ['fr-FR'],
      speakers: [{ name: 'anna' }, { name: 'ben' }],
    });
    expect(voices.find((v) => v.name === 'slt')?.speakers).toBeNull();
  });

  it.each([
    [undefined, 'slt'],
    [{}, 'slt'],
    [{ name: 'rms' }, 'rms'],
    [{ name: 'RMS', speaker: 'whoever' }, 'rms'],
    [{ name: 'multi' }, 'multi'],
    [{ name: 'multi', speaker: 'ben' }, 'multi:ben'],
    [{ language: 'en_US' }, 'slt'],
    [{ language: 'en-gb' }, 'awb'],
    [{ language: 'en' }, 'slt'],
    [{ language: 'fr_CA' }, 'multi'],
  ])('%j → %s', (request, engineVoice) => {
    expect(resolveWyomingVoice(catalog, request).engineVoice).toBe(engineVoice);
  });

  it.each([
    [{ name: 'nobody' }, /No voice is called "nobody"/],
    [{ name: 'multi', speaker: 'zoe' }, /no speaker "zoe". Its speakers: anna, ben/],
    [{ language: 'de_DE' }, /No voice speaks "de_DE". Languages: en-US, en-GB, fr-FR/],
  ])('%j → voice_not_found saying %s', (request, message) => {
    expect(() => resolveWyomingVoice(catalog, request)).toThrow(
      expect.objectContaining({ code: 'voice_not_found', message: expect.stringMatching(message) }),
    );
  });
});
