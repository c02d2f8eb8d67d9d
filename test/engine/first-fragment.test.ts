/**
 * Which segmenter settings a speech stream gets from what the scheduler has learned of its engine:
 * a time-sized first fragment (and a pace when the stream has a worker to itself) for a neural
 * engine's stream, none for a whole file, whose listener waits for all of it anyway.
 */
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SPEECH_STREAM_OPTIONS, segmenterFor } from '../../src/engine/speech-stream.js';
import type { EngineId } from '../../src/engine/types.js';

/** What a scheduler has learned of Kokoro on a slow machine: 40 ms of synthesis and 60 ms of audio per character. */
const learned = (openStreams: number) => ({
  msPerChar: (engine: EngineId) => (engine === 'kokoro' ? 40 : undefined),
  audioMsPerChar: (engine: EngineId) => (engine === 'kokoro' ? 60 : undefined),
  openStreams,
  options: { workers: 1 },
});

const options = (firstAudioFirst: boolean, engine: EngineId = 'kokoro') => ({
  ...DEFAULT_SPEECH_STREAM_OPTIONS,
  voice: { engine, engineVoice: 'af_heart' },
  sampleRate: 24000,
  firstAudioFirst,
});

describe('the first fragment of a speech', () => {
  it('is sized by time for a stream: 250 ms at 40 ms per character is the 12-character minimum', () => {
    expect(segmenterFor(learned(0), options(true))).toEqual({
      firstMaxChars: 12,
      pace: { synthMsPerChar: 40, audioMsPerChar: 60 },
    });
    // Another stream holds the only worker: no pace, the doubling alone.
    expect(segmenterFor(learned(1), options(true))).toEqual({ firstMaxChars: 12 });
  });

  it('is not cut short in a whole file, which waits for all of its audio', () => {
    expect(segmenterFor(learned(0), options(false))).toEqual({});
  });

  it('is not sized by time for Flite, nor before the engine has spoken', () => {
    const slowFlite = { ...learned(0), msPerChar: () => 40, audioMsPerChar: () => 60 };
    expect(segmenterFor(slowFlite, options(true, 'flite'))).toEqual({});
    expect(segmenterFor({ ...learned(0), msPerChar: () => undefined }, options(true))).toEqual({});
  });
});
