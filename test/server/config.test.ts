import { describe, expect, it } from '@jest/globals';
import { configFromEnv, DEFAULT_SERVER_CONFIG, LIMIT_SETTINGS, resolveConfig } from '../../src/server/config.js';

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
