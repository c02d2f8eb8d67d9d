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

describe('settings from the environment that cannot work', () => {
  const fromEnv = (env: NodeJS.ProcessEnv) => () => resolveConfig(configFromEnv(env));

  it.each([
    [
      { FLASH_TTS_SAMPLE_RATE: '12345' },
      /FLASH_TTS_SAMPLE_RATE\) must be one of 8000, 16000, 22050, 24000, 44100, 48000 .*not 12345/,
    ],
    [{ FLASH_TTS_MAX_STREAMS: '0' }, /maxStreams \(FLASH_TTS_MAX_STREAMS\) must be a whole number of at least 1, not 0/],
    [{ FLASH_TTS_WORKERS: '0' }, /workers \(FLASH_TTS_WORKERS\) must be at least 1/],
    [{ FLASH_TTS_ONNX_THREADS: '0' }, /onnxThreads \(FLASH_TTS_ONNX_THREADS\) must be at least 1/],
    [{ FLASH_TTS_PUBLIC_LISTS: 'maybe' }, /FLASH_TTS_PUBLIC_LISTS must be 1 or 0 \(true\/false, yes\/no, on\/off\), not "maybe"/],
    [{ FLASH_TTS_ALLOW_REFERENCE_URLS: 'sure' }, /FLASH_TTS_ALLOW_REFERENCE_URLS must be 1 or 0/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL\) must be one of fatal, error, warn, info, debug, trace, silent, not "loud"/],
  ])('%j is refused, saying what is allowed', (env, message) => {
    expect(fromEnv(env)).toThrow(message);
  });

  it('reads yes/no settings in their usual spellings, and rates a request may ask for', () => {
    expect(resolveConfig(configFromEnv({ FLASH_TTS_PUBLIC_LISTS: 'off', FLASH_TTS_ALLOW_REFERENCE_URLS: 'ON' }))).toMatchObject({
      publicLists: false,
      allowReferenceUrls: true,
    });
    expect(resolveConfig(configFromEnv({ FLASH_TTS_SAMPLE_RATE: '24000', LOG_LEVEL: 'debug' }))).toMatchObject({
      defaultSampleRate: 24000,
      logLevel: 'debug',
    });
  });
});
