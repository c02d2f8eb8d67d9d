import { describe, expect, it } from '@jest/globals';
import { pauseAfter, pauseStretch } from '../../src/audio/trim-silence.js';
import { GROWTH_HEADROOM, type Pace, SentenceSegmenter, segmentText } from '../../src/text/segmenter.js';

const CASES: [string, string, string[]][] = [
  [
    'short first fragment at a comma',
    'Well, hello there my friend, how are you doing today? I am fine.',
    ['Well, hello there my friend,', 'how are you doing today?', 'I am fine.'],
  ],
  [
    'first fragment needs ten characters',
    'Hello, world! It is a lovely day outside.',
    ['Hello, world!', 'It is a lovely day outside.'],
  ],
  [
    'abbreviations do not end sentences',
    'Dr. Smith met Mr. Jones at St. Paul today. They talked.',
    ['Dr. Smith met Mr. Jones at St. Paul today.', 'They talked.'],
  ],
  [
    'a unit abbreviation ends a sentence only before a capital',
    'The drive took us 3 hrs. to get there. Then we rested for 2 hrs. It was fine.',
    ['The drive took us 3 hrs. to get there.', 'Then we rested for 2 hrs.', 'It was fine.'],
  ],
  [
    'decimals and domains are kept whole',
    'Pi is 3.14159 and the site is example.com for sure. Next one here.',
    ['Pi is 3.14159 and the site is example.com for sure.', 'Next one here.'],
  ],
  [
    'initials are kept whole',
    'J. R. R. Tolkien wrote many books. He was English.',
    ['J. R. R. Tolkien wrote many books.', 'He was English.'],
  ],
  [
    'etc. ends a sentence only before a capital',
    'We need eggs, milk, etc. and bread. Then we go home now.',
    ['We need eggs,', 'milk, etc. and bread.', 'Then we go home now.'],
  ],
  [
    'tiny sentences merge',
    'This is the first sentence. Hi! Ok. Fine then, bye.',
    ['This is the first sentence.', 'Hi! Ok. Fine then, bye.'],
  ],
  ['CJK terminators split at once', '你好。我很好！谢谢你？', ['你好。', '我很好！', '谢谢你？']],
  [
    'a Chinese first fragment ends at ， after four Chinese characters, later ones do not',
    '今天天气，我们去公园散步，然后回家吃饭。',
    ['今天天气，', '我们去公园散步，然后回家吃饭。'],
  ],
  ['fewer than four Chinese characters before ， stay with what follows', '你好，世界和平。', ['你好，世界和平。']],
  [
    '、 and ： end a Chinese first fragment too',
    '会议议程：讨论预算、人员安排。好的。',
    ['会议议程：', '讨论预算、人员安排。', '好的。'],
  ],
  [
    'only the first fragment is short: after a sentence end ， no longer cuts',
    '我来了。北京上海，广州深圳，都是大城市。',
    ['我来了。', '北京上海，广州深圳，都是大城市。'],
  ],
  [
    'an ellipsis before lower case continues',
    'Well... I think so, yes indeed. Sure.',
    ['Well... I think so,', 'yes indeed. Sure.'],
  ],
  [
    'list items and paragraphs',
    '1. First item here\n2. Second item here\n\nA new paragraph starts.',
    ['1. First item here', '2. Second item here', 'A new paragraph starts.'],
  ],
  [
    'quotes stay with their sentence',
    'She said "Stop right there." Then she left the room.',
    ['She said "Stop right there."', 'Then she left the room.'],
  ],
];

describe('segmentText', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    expect(segmentText(text)).toEqual(expected);
  });

  it('caps long sentences at a clause boundary', () => {
    const text = `${'word '.repeat(30)}then, ${'more '.repeat(60)}end.`;
    const segments = segmentText(text, { firstFragment: false });
    expect(segments.length).toBeGreaterThan(1);
    for (const s of segments) expect(s.length).toBeLessThanOrEqual(250);
    expect(segments.join(' ').replace(/\s+/g, ' ')).toBe(text.trim().replace(/\s+/g, ' '));
  });

  it('loses and reorders nothing', () => {
    const text = CASES.map(([, t]) => t).join(' ');
    expect(segmentText(text).join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });
});

describe('time-sized fragments (firstMaxChars)', () => {
  const runOn =
    'Your appointment with the dermatologist has been moved to the third floor of the east building because the elevators are being repaired this week. Please arrive early.';

  it('cuts a run-on first sentence before a phrase, then lets fragments double', () => {
    const segments = segmentText(runOn, { firstMaxChars: 20 });
    expect(segments).toEqual([
      'Your appointment',
      'with the dermatologist has been moved to the third floor',
      'of the east building because the elevators are being repaired this week.',
      'Please arrive early.',
    ]);
    expect(segments.join(' ')).toBe(runOn);
  });

  it('does not end a fragment on an abbreviation, whose period would be heard as a sentence end', () => {
    // Cut after "etc." the fragment was read "pears, et cetera." with a sentence's pause mid-sentence.
    const pace = { synthMsPerChar: 31, audioMsPerChar: 55 }; // Kokoro's, learned on this machine
    for (const options of [
      { firstMaxChars: 12 },
      { firstMaxChars: 20 },
      { firstMaxChars: 12, pace },
      { firstMaxChars: 20, pace },
    ]) {
      const segments = segmentText('Bring apples, pears, etc. and meet Mr. and Mrs. Jones at 5.', options);
      expect(segments.length).toBeGreaterThan(1);
      for (const segment of segments.slice(0, -1)) expect(segment).not.toMatch(/\b(?:etc|Mr|Mrs)\.$/);
    }
    expect(segmentText('Ask Dr. Smith and J. R. Tolkien about it.', { firstMaxChars: 12 })[0]).not.toMatch(/\.$/);
  });

  it('does not leave a word or two to be said alone at the end of a text it has whole', () => {
    // A cut by time would leave "more" (4 characters) as a fragment of its own.
    expect(segmentText('and then nothing more', { firstMaxChars: 12 })).toEqual(['and then nothing more']);
    // With more to say after the cut, the first fragment stays short.
    expect(segmentText('and then nothing more was said about it', { firstMaxChars: 12 })).toEqual([
      'and then nothing',
      'more was said about it',
    ]);
    // Still arriving (a token stream), the text may go on: cut by time as before.
    const streaming = new SentenceSegmenter({ firstMaxChars: 12 });
    expect(streaming.push('and then nothing more ')).toEqual(['and then nothing']);
  });

  it('never cuts inside a word, and never below firstMinChars', () => {
    const text = 'Supercalifragilisticexpialidocious is a word. Antidisestablishmentarianism too.';
    const segments = segmentText(text, { firstMaxChars: 12 });
    expect(segments.join(' ')).toBe(text);
    for (const s of segments) {
      expect(s.length).toBeGreaterThanOrEqual(10);
      for (const word of s.split(' ')) expect(text.split(/\s+/)).toContain(word);
    }
  });

  it('restarts small after a flush, and is the same in any split', () => {
    const segmenter = new SentenceSegmenter({ firstMaxChars: 20 });
    const out: string[] = [];
    for (const ch of runOn) out.push(...segmenter.push(ch));
    out.push(...segmenter.flush());
    expect(out).toEqual(segmentText(runOn, { firstMaxChars: 20 }));
    expect(segmenter.push(runOn)[0]).toBe('Your appointment');
  });

  it('over the budget, cuts at a sentence end however short rather than between words', () => {
    const reply = 'Sure! Your order ships on Tuesday. It should arrive by the 14th, around noon.';
    const expected = ['Sure!', 'Your order ships on Tuesday.', 'It should arrive by the 14th, around noon.'];
    for (const firstMaxChars of [12, 16, 20]) expect(segmentText(reply, { firstMaxChars })).toEqual(expected);
    // Token by token, as an LLM sends it: the same.
    const segmenter = new SentenceSegmenter({ firstMaxChars: 12 });
    const out: string[] = [];
    for (const token of reply.match(/\S+\s*/g) ?? []) out.push(...segmenter.push(token));
    out.push(...segmenter.flush());
    expect(out).toEqual(expected);
  });

  it('leaves whole a sentence that ends within half the budget again', () => {
    expect(segmentText('Sure! I can help with that. And more.', { firstMaxChars: 20 })).toEqual([
      'Sure! I can help with that.',
      'And more.',
    ]);
  });
});

describe('where a time-sized cut between words falls', () => {
  it('does not end a fragment on a word that leans on the next', () => {
    // "I checked the" is heard as "I check them"; an article, auxiliary or preposition belongs
    // with the words after it.
    const schedule = segmentText(
      'I checked the schedule for tomorrow and the first train to the airport leaves at six fifteen.',
      { firstMaxChars: 12 },
    );
    expect(schedule[0]).toBe('I checked');
    const order = segmentText('Your order has shipped and should arrive at your front door this week.', {
      firstMaxChars: 12,
    });
    expect(order[0]).toBe('Your order');
    // With no free place before the limit, the word under way is finished instead (a bounded
    // look-ahead, the same token by token).
    const question = 'Why did the package arrive three days late?';
    expect(segmentText(question, { firstMaxChars: 12 })).toEqual(['Why did the package', 'arrive three days late?']);
    const segmenter = new SentenceSegmenter({ firstMaxChars: 12 });
    const out: string[] = [];
    for (const ch of question) out.push(...segmenter.push(ch));
    expect([...out, ...segmenter.flush()]).toEqual(['Why did the package', 'arrive three days late?']);
    for (const segments of [schedule, order]) {
      for (const s of segments.slice(0, -1)) {
        expect(['the', 'a', 'has', 'for', 'to', 'and', 'should']).not.toContain(s.split(' ').at(-1));
      }
    }
  });
});

describe('fragments paced by the audio ahead (pace)', () => {
  const text =
    'I checked the schedule for tomorrow and the first train to the airport leaves at six fifteen from platform two. Shall I book it?';

  /**
   * Replays the plan as a listener hears it: fragment k + 1 synthesizes while the audio of the
   * fragments before it plays (from the first's arrival on), each pause as long as a stream may
   * stretch it. Returns, per later fragment, its predicted synthesis and the audio then ahead.
   */
  function replay(segments: string[], pace: Pace): { synthesis: number; ahead: number; segment: string }[] {
    const audio = (s: string): number => s.length * pace.audioMsPerChar + (pauseAfter(s) + pauseStretch(s)) * 1000;
    let ahead = audio(segments[0] as string);
    return segments.slice(1).map((segment) => {
      const synthesis = segment.length * pace.synthMsPerChar;
      const row = { synthesis, ahead, segment };
      ahead = Math.max(0, ahead - synthesis) + audio(segment);
      return row;
    });
  }

  it('keeps each later fragment within what the audio before it leaves time for', () => {
    const slow: Pace = { synthMsPerChar: 30, audioMsPerChar: 55 };
    const paced = segmentText(text, { firstMaxChars: 12, pace: slow });
    expect(paced.join(' ')).toBe(text);
    // Each is cut near GROWTH_HEADROOM of the audio ahead, and runs on past it (to a sentence's
    // end or a phrase) never as far as all of it.
    const rows = replay(paced, slow);
    for (const { synthesis, ahead } of rows) expect(synthesis).toBeLessThanOrEqual(ahead);
    expect(rows.filter(({ synthesis, ahead }) => synthesis <= GROWTH_HEADROOM * ahead).length).toBeGreaterThan(rows.length / 2);
    // Doubling alone would start the third fragment with too little audio ahead at this pace.
    const doubled = segmentText(text, { firstMaxChars: 12 });
    expect(replay(doubled, slow).some(({ synthesis, ahead }) => synthesis > ahead)).toBe(true);
    expect(paced.length).toBeGreaterThan(doubled.length);
  });

  it('is the same fed character by character', () => {
    const pace: Pace = { synthMsPerChar: 30, audioMsPerChar: 55 };
    const segmenter = new SentenceSegmenter({ firstMaxChars: 12, pace });
    const out: string[] = [];
    for (const ch of text) out.push(...segmenter.push(ch));
    expect([...out, ...segmenter.flush()]).toEqual(segmentText(text, { firstMaxChars: 12, pace }));
  });

  it('leaves the doubling alone for an engine fast enough, and starts again after a flush', () => {
    const fast: Pace = { synthMsPerChar: 15, audioMsPerChar: 55 };
    expect(segmentText(text, { firstMaxChars: 12, pace: fast })).toEqual(segmentText(text, { firstMaxChars: 12 }));
    const segmenter = new SentenceSegmenter({ firstMaxChars: 12, pace: { synthMsPerChar: 30, audioMsPerChar: 55 } });
    const first = [...segmenter.push(text), ...segmenter.flush()];
    expect([...segmenter.push(text), ...segmenter.flush()]).toEqual(first);
  });
});

describe('SentenceSegmenter streaming', () => {
  it.each(CASES)('char-by-char replay equals the whole text: %s', (_name, text) => {
    const segmenter = new SentenceSegmenter();
    const out: string[] = [];
    for (const ch of text) out.push(...segmenter.push(ch));
    out.push(...segmenter.flush());
    expect(out).toEqual(segmentText(text));
  });

  it('random token splits give the same segments', () => {
    const text = CASES.map(([, t]) => t).join(' ');
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 20; round++) {
      const segmenter = new SentenceSegmenter();
      const out: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + Math.floor(random() * 8);
        out.push(...segmenter.push(text.slice(i, i + n)));
        i += n;
      }
      out.push(...segmenter.flush());
      expect(out).toEqual(segmentText(text));
    }
  });

  it('emits a sentence once the next one starts, not before', () => {
    const segmenter = new SentenceSegmenter();
    expect(segmenter.push('This is a complete sentence.')).toEqual([]);
    expect(segmenter.push(' And')).toEqual(['This is a complete sentence.']);
    expect(segmenter.flush()).toEqual(['And']);
  });

  it('rejects contradictory options', () => {
    expect(() => new SentenceSegmenter({ maxChars: 5 })).toThrow(TypeError);
  });
});
