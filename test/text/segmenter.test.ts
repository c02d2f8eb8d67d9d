import { describe, expect, it } from '@jest/globals';
import { SentenceSegmenter, segmentText } from '../../src/text/segmenter.js';

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
