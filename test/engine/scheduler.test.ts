import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Scheduler, SPEED_LOAD_CAP, SpeedEstimate } from '../../src/engine/scheduler.js';
import { type SpeakOptions, type SpeechEvent, SpeechStream, segmentJob, speak } from '../../src/engine/speech-stream.js';
import { TtsError } from '../../src/errors.js';
import { voicedShare } from '../helpers/audio.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const FEMALE = { engine: 'flite', engineVoice: 'slt' } as const;

/** The audio events of a stream. */
async function* audioOf(stream: AsyncIterable<SpeechEvent>): AsyncGenerator<Extract<SpeechEvent, { type: 'audio' }>> {
  for await (const event of stream) if (event.type === 'audio') yield event;
}

describe('engine workers and scheduler', () => {
  let scheduler: Scheduler;
  const say = (text: string, options: Partial<SpeakOptions> = {}) =>
    speak(scheduler, text, { voice: FEMALE, sampleRate: 16000, ...options });
  beforeAll(async () => {
    scheduler = await Scheduler.start({ workers: 1, maxStreams: 2 });
  });
  afterAll(async () => {
    await scheduler.stop();
  });

  it('reports the embedded engine and its voices', () => {
    const flite = scheduler.engines.find((e) => e.id === 'flite');
    expect(flite?.sampleRate).toBe(16000);
    expect(flite?.voices.map((v) => v.id)).toEqual(expect.arrayContaining(['slt', 'rms', 'awb', 'kal16', 'kal']));
  });

  it('speaks segment by segment, in order, at the asked rate', async () => {
    const text = 'Hello there, my friend. This is the second sentence. And this is the third one.';
    const segments: number[] = [];
    let samples = 0;
    const pcm: Float32Array[] = [];
    for await (const chunk of audioOf(say(text, { sampleRate: 24000 }))) {
      segments.push(chunk.index);
      samples += chunk.pcm.length;
      pcm.push(chunk.pcm);
    }
    expect(segments).toEqual([...segments].sort((a, b) => a - b));
    expect(new Set(segments).size).toBeGreaterThanOrEqual(3);
    const seconds = samples / 24000;
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(12);
    const all = new Float32Array(samples);
    let offset = 0;
    for (const p of pcm) {
      all.set(p, offset);
      offset += p.length;
    }
    expect(voicedShare(all, 24000)).toBeGreaterThan(0.4);
  });

  it('cuts a whole text knowing where it ends: no last word is left to be said alone', async () => {
    const segments = async (text: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const event of say(text, { segmenter: { firstMaxChars: 12 } }))
        if (event.type === 'segment') out.push(event.text);
      return out;
    };
    expect(await segments('and then nothing more')).toEqual(['and then nothing more']);
    expect(await segments('and then nothing more was said about it')).toEqual(['and then nothing', 'more was said about it']);
  });

  it('speaks faster with a higher speed', async () => {
    const measure = async (speed: number): Promise<number> => {
      let n = 0;
      for await (const c of audioOf(say('Speed changes how long this sentence takes to say.', { speed }))) n += c.pcm.length;
      return n;
    };
    const normal = await measure(1);
    const fast = await measure(1.5);
    expect(fast / normal).toBeGreaterThan(0.55);
    expect(fast / normal).toBeLessThan(0.8);
  });

  it('stops at max duration', async () => {
    let n = 0;
    for await (const c of audioOf(
      say('This sentence would take a good few seconds to say out loud, for sure.', { maxSeconds: 0.5 }),
    ))
      n += c.pcm.length;
    expect(n).toBe(8000);
  });

  it('is fair: a short request is not stuck behind a long one', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a rather long text.`).join(' ');
    const finished: string[] = [];
    let longSpeaking!: () => void;
    const longStarted = new Promise<void>((resolve) => {
      longSpeaking = resolve;
    });
    const consume = async (name: string, text: string): Promise<void> => {
      for await (const event of say(text)) if (event.type === 'audio') longSpeaking();
      finished.push(name);
    };
    const longDone = consume('long', long);
    // The short one arrives while the long one is already speaking.
    await withDeadline(longStarted, 'the long request speaking');
    await Promise.all([longDone, consume('short', 'A short one.')]);
    expect(finished).toEqual(['short', 'long']);
  });

  it('refuses at once when every stream slot is taken', async () => {
    const a = say('One two three.');
    const b = say('Four five six.');
    let error: unknown;
    try {
      say('Seven.');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TtsError);
    expect((error as TtsError).status).toBe(503);
    for (const stream of [a, b]) for await (const _ of stream) break;
    expect(scheduler.openStreams).toBe(0);
  });

  it('cancels: a cancelled request yields nothing more and frees its slot', async () => {
    const text = Array.from({ length: 10 }, (_, i) => `Cancellation test sentence number ${i + 1}.`).join(' ');
    let chunks = 0;
    const speech = say(text);
    for await (const _ of audioOf(speech)) {
      chunks++;
      speech.cancel();
    }
    expect(chunks).toBe(1);
    expect(scheduler.openStreams).toBe(0);
    expect(scheduler.queuedJobs).toBe(0);
  });

  it('starts synthesis before it is iterated; a cancel before iterating frees the slot', async () => {
    const idle = (): Promise<void> => waitFor(() => scheduler.runningJobs === 0, 'the engine worker idle');
    await idle(); // the cancelled job of the test before may still be finishing its step
    const speech = say('Started at once. Then a second sentence.');
    // Only the first segment runs until its first audio is handed on.
    expect(scheduler.runningJobs).toBe(1);
    expect(scheduler.queuedJobs).toBe(0);
    speech.cancel();
    expect(scheduler.openStreams).toBe(0);
    await idle();
  });
});

/** Drains a job's output, then records its name in `order`: with one worker, the order jobs ran. */
const drainInto =
  (order: string[]) =>
  async (name: string, audio: AsyncIterable<unknown>): Promise<void> => {
    for await (const _ of audio);
    order.push(name);
  };

describe('deadline-first scheduling', () => {
  let scheduler: Scheduler;
  beforeAll(async () => {
    scheduler = await Scheduler.start({ workers: 1, maxStreams: 8 });
  });
  afterAll(async () => {
    await scheduler.stop();
  });
  const job = (text: string) =>
    segmentJob(text, { voice: FEMALE, speed: 1, pitchSemitones: 0, sampleRate: 16000, firstPieceMs: 20 }, scheduler.engines);

  it('runs the job whose stream runs out of audio first, not the streams in turn', async () => {
    const order: string[] = [];
    const drain = drainInto(order);
    const now = performance.now();
    const ahead = scheduler.openStream(); // its listener has 5 s of audio left
    const later = scheduler.openStream(); // 10 s
    const fresh = scheduler.openStream(); // nothing yet: due now
    const runs = [drain('ahead 1', ahead.submit(job('The first sentence of the stream ahead.')))];
    ahead.deadline = now + 5000;
    runs.push(drain('ahead 2', ahead.submit(job('Its second sentence.'))));
    later.deadline = now + 10_000;
    runs.push(drain('later 1', later.submit(job('A sentence of the stream further ahead.'))));
    runs.push(drain('fresh 1', fresh.submit(job('A new stream, heard by no one yet.'))));
    await withDeadline(Promise.all(runs), 'every job done');
    // One worker: jobs finish in the order they ran. The first was already running.
    expect(order).toEqual(['ahead 1', 'fresh 1', 'ahead 2', 'later 1']);
    for (const stream of [ahead, later, fresh]) stream.close();
  });

  it('runs the shortest first fragment first among streams that started together, but not ahead of one already heard', async () => {
    const order: string[] = [];
    const drain = drainInto(order);
    // A stream already heard, whose listener ran out of audio a moment ago (an underrun).
    const heard = scheduler.openStream();
    await drain('heard 1', heard.submit(job('Its first sentence, heard already.')));
    expect(order).toEqual(['heard 1']);
    // The worker busy with a long job, while four streams start within a few ms of one another:
    // three silent ones (a long first fragment queued first) and the one heard, due before them all.
    const busy = scheduler.openStream();
    const long = scheduler.openStream();
    const short = scheduler.openStream();
    const middle = scheduler.openStream();
    const runs = [
      drain(
        'busy',
        busy.submit(
          job('A long sentence keeps the only worker busy while the other streams queue up behind it, one after another.'),
        ),
      ),
    ];
    heard.deadline = performance.now() - 100;
    runs.push(drain('heard 2', heard.submit(job('Its second sentence, late.'))));
    runs.push(drain('long', long.submit(job('A much longer first fragment than the others have, queued first.'))));
    runs.push(drain('short', short.submit(job('Yes.'))));
    runs.push(drain('middle', middle.submit(job('A middle one, queued last.'))));
    await withDeadline(Promise.all(runs), 'every job done');
    expect(order.slice(1)).toEqual(['busy', 'heard 2', 'short', 'middle', 'long']);
    for (const stream of [heard, busy, long, short, middle]) stream.close();
  });

  it('learns how fast the engine starts speaking, and never cuts a fast engine by time', async () => {
    for await (const _ of speak(scheduler, 'Warm words for the engine to learn its speed from.', {
      voice: FEMALE,
      sampleRate: 16000,
    }));
    expect(scheduler.msPerChar('flite')).toBeGreaterThan(0);
    // And how much audio a character makes, at speed 1, its final pause not counted: read speech
    // is 10–20 characters a second.
    const perChar = scheduler.audioMsPerChar('flite') as number;
    expect(perChar).toBeGreaterThan(40);
    expect(perChar).toBeLessThan(110);
    // Spoken twice as fast, the estimate still says what speed 1 makes.
    for (let i = 0; i < 6; i++) {
      for await (const _ of speak(scheduler, 'Warm words for the engine to learn its speed from.', {
        voice: FEMALE,
        sampleRate: 16000,
        speed: 2,
      }));
    }
    expect(scheduler.audioMsPerChar('flite')).toBeGreaterThan(perChar * 0.8);
    expect(scheduler.audioMsPerChar('flite')).toBeLessThan(perChar * 1.25);
    const text =
      'Your appointment with the dermatologist has been moved to the third floor of the east building because the elevators are being repaired.';
    /** The segments spoken with a budget the engine, at its latest speed, says `chars` characters in. */
    const segmentsWith = async (chars: number): Promise<string[]> => {
      const firstAudioMs = (scheduler.msPerChar('flite') as number) * chars;
      const stream = new SpeechStream(scheduler, { voice: FEMALE, sampleRate: 16000, firstAudioMs });
      stream.pushText(text);
      stream.end();
      const written: string[] = [];
      for await (const event of stream) if (event.type === 'segment') written.push(event.text);
      return written;
    };
    // Even a budget of ~20 characters leaves Flite's sentence whole, however loaded the machine:
    // time-sized cuts are for the neural engines (the segmenter tests cover the cuts themselves).
    expect(await segmentsWith(1000)).toEqual([text]);
    expect(await segmentsWith(20.5)).toEqual([text]);
  });

  it('says the words of markdown, not its marks, however the text arrives', async () => {
    const markdown =
      '## Plan\n\n**Note:** this is *really* important.\n\n- See [the docs](https://example.com/docs) and `npm start`.\n';
    const said = async (pieces: string[], options: { markdown?: boolean } = {}): Promise<{ text: string; seconds: number }> => {
      const stream = new SpeechStream(scheduler, { voice: FEMALE, sampleRate: 16000, ...options });
      for (const [i, piece] of pieces.entries()) stream.pushText(piece, {}, i === pieces.length - 1);
      stream.end();
      let text = '';
      let samples = 0;
      for await (const event of stream) {
        if (event.type === 'segment') text += `${event.text} `;
        if (event.type === 'audio') samples += event.pcm.length;
      }
      return { text: text.trim(), seconds: samples / 16000 };
    };
    const whole = await said([markdown]);
    expect(whole.text).toBe('Plan Note: this is really important. See the docs and npm start.');
    // Token by token, as an LLM streams it: the same words.
    const tokens = markdown.match(/.{1,3}/gs) as string[];
    expect((await said(tokens)).text).toBe(whole.text);
    // Read as written, the marks cost seconds of "asterisk asterisk".
    const literal = await said([markdown], { markdown: false });
    expect(literal.text).toMatch(/\*\*Note/);
    expect(literal.seconds).toBeGreaterThan(whole.seconds + 1);
  });
});

describe('the learned speed', () => {
  it('follows the engine, but a loaded machine makes it at most twice as slow as its best', () => {
    const speed = new SpeedEstimate();
    expect(speed.value).toBeUndefined();
    for (const ms of [4, 4, 4]) speed.add(ms);
    expect(speed.value).toBeCloseTo(4, 5);
    speed.add(5);
    expect(speed.value).toBeCloseTo(4.3, 5);
    // Five times slower for a while (other programs on the cores): capped at SPEED_LOAD_CAP × best.
    for (let i = 0; i < 20; i++) speed.add(20);
    expect(speed.value).toBe(SPEED_LOAD_CAP * 4);
    // Faster again: the average comes back down under the cap.
    for (let i = 0; i < 20; i++) speed.add(4);
    expect(speed.value).toBeLessThan(4.1);
    speed.add(Number.NaN);
    speed.add(0);
    expect(speed.value).toBeLessThan(4.1);
  });
});
