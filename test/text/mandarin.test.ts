/** Chinese normalization and the pinyin → misaki phoneme table (pure; table-driven). */
import { describe, expect, it } from '@jest/globals';
import { phonemizeMandarin } from '../../src/text/g2p/mandarin.js';
import { pinyinToPhonemes } from '../../src/text/g2p/pinyin-ipa.js';
import { normalizeText } from '../../src/text/normalize.js';
import { normalizeChinese } from '../../src/text/normalize-chinese.js';

describe('Chinese normalization', () => {
  it.each([
    ['numbers', '共105人，10000元，100000次', '共一百零五人，一万元，十万次'],
    ['decimals and negatives', '温差是-5，增长3.14', '温差是负五，增长三点一四'],
    ['years digit by digit, dates', '1998年3月5日', '一九九八年三月五日'],
    ['ISO dates', '请在2025-01-15之前', '请在二零二五年一月十五日之前'],
    ['times', '早上8:30出发，12:05到，3:00开始', '早上八点三十分出发，十二点零五分到，三点整开始'],
    ['2 o’clock is 两点', '下午2:00见', '下午两点整见'],
    ['percent', '增长了12.5%，下降-3%', '增长了百分之十二点五，下降负百分之三'],
    ['money', '花了¥299，或者$5', '花了二百九十九元，或者五美元'],
    ['temperatures', '气温-3℃到25℃', '气温零下三摄氏度到二十五摄氏度'],
    ['units', '跑了5km，重3kg', '跑了五公里，重三公斤'],
    ['两 before measure words', '我有2个苹果和2本书', '我有两个苹果和两本书'],
    ['scores', '比分是3:2', '比分是三比二'],
    ['fractions and ranges', '1/3的人，3-5个', '三分之一的人，三到五个'],
    ['phone numbers', '电话13912345678', '电话幺三九幺二三四五六七八'],
    ['full-width digits', '第３名', '第三名'],
  ])('%s', (_kind, text, spoken) => {
    expect(normalizeChinese(text)).toBe(spoken);
  });

  it('is what normalizeText does with text that has Chinese in it, and only then', () => {
    expect(normalizeText('我有3个')).toBe('我有三个');
    expect(normalizeText('I have 3.')).toBe('I have three.');
  });
});

describe('pinyin → misaki phonemes', () => {
  it.each([
    ['zhong1', 'ꭧʊ→ŋ'],
    ['guo2', 'kwo↗'],
    ['ni3', 'ni↓'],
    ['hao3', 'xau↓'],
    ['shi4', 'ʂɨ↘'],
    ['si1', 'sɨ→'],
    ['men0', 'mən'],
    ['jun1', 'ʨy→n'],
    ['qu4', 'ʨʰy↘'],
    ['xue2', 'ɕɥe↗'],
    ['jiu3', 'ʨjou↓'],
    ['gui4', 'kwei↘'],
    ['dun4', 'twə↘n'],
    ['yuan2', 'ɥɛ↗n'],
    ['yi1', 'i→'],
    ['wo3', 'wo↓'],
    ['er2', 'ɚ↗'],
    ['an1', 'a→n'],
    ['e4', 'ɤ↘'],
    ['ai4', 'ai↘'],
    ['nü3', 'ny↓'],
    ['lüe4', 'lɥe↘'],
    ['ng4', 'ŋ↘'],
    ['bo1', 'pwo→'],
    ['xyz', undefined],
  ])('%s → %s', (syllable, phonemes) => {
    expect(pinyinToPhonemes(syllable)).toBe(phonemes);
  });
});

describe('Mandarin G2P', () => {
  it('writes words apart, syllables of a word together, Chinese punctuation as Kokoro marks', () => {
    expect(phonemizeMandarin('我们去北京大学，好吗？').phonemes).toBe('wo↓mən ʨʰy↘ pei↓ʨi→ŋta↘ɕɥe↗, xau↓ ma?');
  });

  it('hands English words to the Latin phonemizer and records every word’s place', () => {
    const result = phonemizeMandarin('我用iPhone打电话', {
      latin: (t) => ({ phonemes: `<${t}>`, words: [{ word: t, start: 0, end: t.length + 2 }] }),
    });
    expect(result.phonemes).toBe('wo↓jʊ↘ŋ <iPhone> ta↓tjɛ↘nxwa↘');
    const symbols = [...result.phonemes];
    expect(result.words.map((w) => [w.word, symbols.slice(w.start, w.end).join('')])).toEqual([
      ['我用', 'wo↓jʊ↘ŋ'],
      ['iPhone', '<iPhone>'],
      ['打电话', 'ta↓tjɛ↘nxwa↘'],
    ]);
  });
});
