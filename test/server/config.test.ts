import { describe, expect, it } from '@jest/globals';
import { DEFAULT_OPUS_OPTIONS } from '../../src/audio/opus-encoder.js';
import { configFromEnv, DEFAULT_SERVER_CONFIG, resolveConfig } from '../../src/server/config.js';

describe('Opus settings of the server', () => {
  it('default to the measured choice', () => {
    expect(DEFAULT_SERVER_CONFIG.opusComplexity).toBe(DEFAULT_OPUS_OPTIONS.complexity);
    expect(DEFAULT_SERVER_CONFIG.opusApplication).toBe(DEFAULT_OPUS_OPTIONS.application);
  });

  it.each([
    [{ FLASH_TTS_OPUS_COMPLEXITY: '0' }, { opusComplexity: 0 }],
    [
      { FLASH_TTS_OPUS_COMPLEXITY: '10', FLASH_TTS_OPUS_APPLICATION: 'voip' },
      { opusComplexity: 10, opusApplication: 'voip' },
    ],
    [{ FLASH_TTS_OPUS_APPLICATION: 'audio' }, { opusApplication: 'audio' }],
  ])('come from the environment: %o', (env, expected) => {
    const config = resolveConfig(configFromEnv(env));
    expect(config).toMatchObject(expected);
  });

  it.each([
    [{ FLASH_TTS_OPUS_COMPLEXITY: 'high' }, 'FLASH_TTS_OPUS_COMPLEXITY must be a whole number, not "high".'],
    [{ FLASH_TTS_OPUS_COMPLEXITY: '11' }, 'Opus complexity must be a whole number from 0 to 10, not 11.'],
    [{ FLASH_TTS_OPUS_APPLICATION: 'lowdelay' }, 'Opus application must be audio or voip, not "lowdelay".'],
  ])('say what to change when wrong: %o', (env, message) => {
    expect(() => resolveConfig(configFromEnv(env))).toThrow(new TypeError(message));
  });
});
