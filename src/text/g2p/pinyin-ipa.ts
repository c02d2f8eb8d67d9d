/**
 * One pinyin syllable (tone as a trailing digit, `zhong1`, `nü3`, `le0`) → the phonemes Kokoro-82M
 * v1.0's Mandarin voices were trained on: misaki's `zh` alphabet, which is the pinyin-to-IPA table of
 * the pinyin-to-ipa project (its first variant of each sound), diacritics dropped, the apical vowels
 * of zhi/chi/shi/ri and zi/ci/si both written `ɨ`, and the tone as one arrow after the syllable's
 * vowels (before a final n/ŋ): 1 →, 2 ↗, 3 ↓, 4 ↘, neutral nothing. Pure.
 */

/** Tone digit → the arrow misaki writes; 0 and 5 are the neutral tone. */
const TONE_MARKS: Readonly<Record<string, string>> = { '0': '', '1': '→', '2': '↗', '3': '↓', '4': '↘', '5': '' };

const INITIALS: Readonly<Record<string, string>> = {
  b: 'p',
  p: 'pʰ',
  m: 'm',
  f: 'f',
  d: 't',
  t: 'tʰ',
  n: 'n',
  l: 'l',
  g: 'k',
  k: 'kʰ',
  h: 'x',
  j: 'ʨ',
  q: 'ʨʰ',
  x: 'ɕ',
  zh: '\uAB67',
  ch: '\uAB67ʰ',
  sh: 'ʂ',
  r: 'ɻ',
  z: 'ʦ',
  c: 'ʦʰ',
  s: 's',
};

/** Finals in their full (strict) spelling → [vowels, coda]: the tone goes between them. */
const FINALS: Readonly<Record<string, readonly [string, string]>> = {
  a: ['a', ''],
  ai: ['ai', ''],
  an: ['a', 'n'],
  ang: ['a', 'ŋ'],
  ao: ['au', ''],
  e: ['ɤ', ''],
  ei: ['ei', ''],
  en: ['ə', 'n'],
  eng: ['ə', 'ŋ'],
  i: ['i', ''],
  ia: ['ja', ''],
  ian: ['jɛ', 'n'],
  iang: ['ja', 'ŋ'],
  iao: ['jau', ''],
  ie: ['je', ''],
  in: ['i', 'n'],
  iou: ['jou', ''],
  ing: ['i', 'ŋ'],
  iong: ['jʊ', 'ŋ'],
  ong: ['ʊ', 'ŋ'],
  ou: ['ou', ''],
  u: ['u', ''],
  ua: ['wa', ''],
  uai: ['wai', ''],
  uan: ['wa', 'n'],
  uang: ['wa', 'ŋ'],
  uei: ['wei', ''],
  uen: ['wə', 'n'],
  ueng: ['wə', 'ŋ'],
  uo: ['wo', ''],
  o: ['wo', ''],
  ü: ['y', ''],
  üe: ['ɥe', ''],
  üan: ['ɥɛ', 'n'],
  ün: ['y', 'n'],
};

/** Whole syllables read without an initial + final split: syllabic nasals and interjections. */
const WHOLE: Readonly<Record<string, readonly [string, string]>> = {
  m: ['m', ''],
  n: ['n', ''],
  ng: ['ŋ', ''],
  hm: ['hm', ''],
  hng: ['hŋ', ''],
  er: ['ɚ', ''],
  o: ['ɔ', ''],
  ê: ['ɛ', ''],
  yo: ['jɔ', ''],
  lo: ['lɔ', ''],
};

/** Zero-initial spellings (y-, w-) → the full final they stand for. */
const ZERO_INITIAL: Readonly<Record<string, string>> = {
  yi: 'i',
  ya: 'ia',
  yan: 'ian',
  yang: 'iang',
  yao: 'iao',
  ye: 'ie',
  yin: 'in',
  ying: 'ing',
  yong: 'iong',
  you: 'iou',
  yu: 'ü',
  yue: 'üe',
  yuan: 'üan',
  yun: 'ün',
  wu: 'u',
  wa: 'ua',
  wai: 'uai',
  wan: 'uan',
  wang: 'uang',
  wei: 'uei',
  wen: 'uen',
  weng: 'ueng',
  wo: 'uo',
};

/** Abbreviated finals after an initial → their full spelling. */
const CONTRACTED: Readonly<Record<string, string>> = { iu: 'iou', ui: 'uei', un: 'uen' };
/** After j, q, x a written u is ü. */
const AFTER_JQX: Readonly<Record<string, string>> = { u: 'ü', ue: 'üe', uan: 'üan', un: 'ün' };

const SYLLABLE = /^([a-zêüv]+)([0-5]?)$/;

/**
 * The phonemes of one pinyin syllable with a tone digit (no digit = neutral), or undefined when it
 * is not pinyin. `v` is accepted for `ü`.
 */
export function pinyinToPhonemes(syllable: string): string | undefined {
  const match = SYLLABLE.exec(syllable.toLowerCase().replace(/v/g, 'ü'));
  if (!match) return undefined;
  const body = match[1] as string;
  const tone = TONE_MARKS[match[2] || '0'] as string;
  const whole = WHOLE[body];
  if (whole) return `${whole[0]}${tone}${whole[1]}`;
  let initial = '';
  let final = body;
  if (ZERO_INITIAL[body] !== undefined) final = ZERO_INITIAL[body];
  else if (!/^[aeoê]/.test(body)) {
    initial = /^[zcs]h/.test(body) ? body.slice(0, 2) : body.slice(0, 1);
    if (INITIALS[initial] === undefined) return undefined;
    final = body.slice(initial.length);
    final = ('jqx'.includes(initial) ? AFTER_JQX[final] : undefined) ?? CONTRACTED[final] ?? final;
  }
  let parts = FINALS[final];
  if (final === 'i' && /^(?:zh|ch|sh|r|z|c|s)$/.test(initial)) parts = ['ɨ', ''];
  if (!parts) return undefined;
  return `${INITIALS[initial] ?? ''}${parts[0]}${tone}${parts[1]}`;
}
