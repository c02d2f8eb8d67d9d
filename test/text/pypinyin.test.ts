/**
 * pypinyin's reading of a word, from its own dictionaries (data/pypinyin-tone3.tsv.gz): the tones
 * of 一 and 不 and the neutral tones Kokoro's Mandarin voices learned are its entries, not rules.
 */
import { describe, expect, it } from '@jest/globals';
import { cutPhrases, pypinyinWord } from '../../src/text/g2p/pypinyin.js';

describe('pypinyin readings', () => {
  it.each([
    ['一起', ['yi4', 'qi3']],
    ['一定', ['yi2', 'ding4']],
    ['一下', ['yi1', 'xia4']],
    ['不要', ['bu2', 'yao4']],
    ['不再', ['bu4', 'zai4']],
    ['妈妈', ['ma1', 'ma1']],
    ['孩子', ['hai2', 'zi5']],
    ['旅客', ['lü3', 'ke4']],
  ])('%s → %j', (word, expected) => {
    expect(pypinyinWord(word)).toEqual(expected);
  });

  it('cuts a word into whole phrases by forward maximum matching, else single characters', () => {
    // As pypinyin 0.55's own cutter does (checked against it).
    expect(cutPhrases('一百六十')).toEqual(['一百', '六', '十']);
    expect(cutPhrases('考虑一下')).toEqual(['考', '虑', '一', '下']);
    expect(cutPhrases('百分之一点三')).toEqual(['百分', '之', '一点', '三']);
    expect(cutPhrases('第一名')).toEqual(['第一名']);
  });

  it('gives undefined for a character it has no reading for', () => {
    expect(pypinyinWord('a中')).toEqual([undefined, 'zhong1']);
  });
});
