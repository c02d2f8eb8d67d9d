import { describe, expect, it } from '@jest/globals';
import { DEFAULT_OPUS_OPTIONS } from '../../src/audio/opus-encoder.js';
import { configFromEnv, DEFAULT_SERVER_CONFIG, LIMIT_SETTINGS, resolveConfig } from '../../src/server/config.js';

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

describe('worker niceness', () => {
  it('defaults to the lowest priority and comes from FLASH_TTS_WORKER_NICENESS', () => {
    expect(DEFAULT_SERVER_CONFIG.workerNiceness).toBe(19);
    expect(resolveConfig(configFromEnv({ FLASH_TTS_WORKER_NICENESS: '0' })).workerNiceness).toBe(0);
  });

  it('says what to change when out of range', () => {
    expect(() => resolveConfig(configFromEnv({ FLASH_TTS_WORKER_NICENESS: '20' }))).toThrow(
      new TypeError('workerNiceness (FLASH_TTS_WORKER_NICENESS) must be a whole number from 0 to 19, not 20.'),
    );
  });
});

describe('limits are configurable', () => {
  it.each(LIMIT_SETTINGS.map((s) => [s.env, s] as const))('%s sets its limit', (_env, setting) => {
    // (Header time must stay within the whole request's time.)
    const value = setting.key === 'httpHeadersTimeoutMs' ? 5007 : 100_007;
    const config = resolveConfig(configFromEnv({ [setting.env]: String(value) }));
    expect(config[setting.key]).toBe(value);
  });

  it.each(LIMIT_SETTINGS.map((s) => [s.env, s] as const))(
    '%s refuses what is not a whole number at its minimum',
    (_env, setting) => {
      expect(() => configFromEnv({ [setting.env]: 'lots' })).toThrow(TypeError);
      if (setting.min > 0) {
        expect(() => resolveConfig({ [setting.key]: setting.min - 1 })).toThrow(new RegExp(setting.env));
      }
    },
  );

  it('keeps the headers timeout within the request timeout', () => {
    expect(() => resolveConfig({ httpHeadersTimeoutMs: 70_000 })).toThrow(/httpRequestTimeoutMs/);
    expect(resolveConfig({}).maxSpeechSeconds).toBe(DEFAULT_SERVER_CONFIG.maxSpeechSeconds);
  });
});
