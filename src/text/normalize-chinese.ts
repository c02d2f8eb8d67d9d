/**
 * Chinese text normalization: numbers, dates, times, money, percentages, temperatures and units
 * read the Chinese way. "2024年3月5日下午3:30，价格是¥12.5，涨了15%。" → "二零二四年三月五日下午三点三十分，
 * 价格是十二点五元，涨了百分之十五。" Full-width digits and letters become ASCII; Chinese punctuation
 * stays (the segmenter and the Mandarin front end read it). Pure.
 */

const DIGITS = '零一二三四五六七八九';
const SMALL_UNITS = ['', '十', '百', '千'] as const;
const BIG_UNITS = ['', '万', '亿', '万亿'] as const;

/** Each digit read on its own: 2024 → 二零二四; `yao` reads 1 as 幺 (phone numbers). */
export function chineseDigits(digits: string, yao = false): string {
  return [...digits].map((d) => (yao && d === '1' ? '幺' : (DIGITS[Number(d)] ?? d))).join('');
}

/** A whole number read as a quantity: 105 → 一百零五, 10 → 十, 100000 → 十万. */
export function chineseCardinal(digits: string): string {
  const clean = digits.replace(/^0+(?=\d)/, '');
  if (/^0*$/.test(clean)) return '零';
  // Groups of four digits from the right: 万, 亿, 万亿.
  const groups: string[] = [];
  for (let end = clean.length; end > 0; end -= 4) groups.unshift(clean.slice(Math.max(0, end - 4), end));
  let out = '';
  let zeroPending = false;
  groups.forEach((group, g) => {
    const big = BIG_UNITS[groups.length - 1 - g] ?? '';
    const value = Number(group);
    if (value === 0) {
      zeroPending = out !== '';
      return;
    }
    const padded = group.padStart(4, '0');
    let part = '';
    let inner = false;
    for (let i = 0; i < 4; i++) {
      const d = Number(padded[i]);
      if (d === 0) {
        inner = part !== '' || out !== '';
        continue;
      }
      if (inner || (zeroPending && part === '')) part += '零';
      inner = false;
      zeroPending = false;
      part += (DIGITS[d] as string) + SMALL_UNITS[3 - i];
    }
    out += part + big;
  });
  // 一十 at the very start is said 十 (10, 12, 100000 = 十万).
  return out.startsWith('一十') ? out.slice(1) : out;
}

/** A number with an optional fraction and sign: -3.14 → 负三点一四. */
export function chineseNumber(raw: string): string {
  const negative = /^[-−]/.test(raw);
  const [whole = '0', fraction] = raw
    .replace(/^[-−+]/, '')
    .replace(/,/g, '')
    .split('.');
  let out = chineseCardinal(whole || '0');
  if (fraction) out += `点${chineseDigits(fraction)}`;
  return negative ? `负${out}` : out;
}

/** Measure words after which 2 is said 两 (两个人, 两点). */
const LIANG_BEFORE =
  '个位只本条件张次天年岁点种名家台辆部份斤双对套片层周碗杯瓶块根门所架首句段篇场局班趟遍股颗棵头匹口间座顿公千万亿百' as const;

const UNITS: ReadonlyArray<readonly [string, string]> = [
  ['km/h', '公里每小时'],
  ['km²', '平方公里'],
  ['m²', '平方米'],
  ['m³', '立方米'],
  ['km', '公里'],
  ['cm', '厘米'],
  ['mm', '毫米'],
  ['kg', '公斤'],
  ['mg', '毫克'],
  ['ml', '毫升'],
  ['mL', '毫升'],
  ['g', '克'],
  ['m', '米'],
  ['L', '升'],
  ['t', '吨'],
  ['h', '小时'],
  ['min', '分钟'],
  ['s', '秒'],
  ['℃', '摄氏度'],
  ['°C', '摄氏度'],
  ['°F', '华氏度'],
  ['°', '度'],
];
const UNIT_PATTERN = UNITS.map(([u]) => u.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&'))
  .sort((a, b) => b.length - a.length)
  .join('|');

const CURRENCIES: Readonly<Record<string, string>> = { '¥': '元', '￥': '元', $: '美元', '€': '欧元', '£': '英镑', HK$: '港元' };

const NUM = String.raw`\d+(?:,\d{3})*(?:\.\d+)?`;

type Rule = readonly [RegExp, (...groups: string[]) => string];

function time(h: string, m: string, s?: string): string {
  const hour = h === '2' || h === '02' ? '两' : chineseCardinal(h);
  const minute = Number(m) === 0 ? (s ? '零分' : '整') : `${Number(m) < 10 ? '零' : ''}${chineseCardinal(m)}分`;
  const second = s === undefined ? '' : `${Number(s) < 10 && Number(s) > 0 ? '零' : ''}${chineseCardinal(s)}秒`;
  return `${hour}点${minute}${second}`;
}

function date(y: string, m: string, d: string): string {
  return `${chineseDigits(y)}年${chineseCardinal(m)}月${chineseCardinal(d)}日`;
}

/** Rules in order: the specific shapes (times, dates, money, percent, units) before plain numbers. */
const RULES: readonly Rule[] = [
  // Times: 3:30, 08:05:09 (not inside a longer number such as a ratio 1:2:3).
  [/(?<![\d:])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\d:])/g, (_, h, m, s) => time(h as string, m as string, s)],
  // Scores and ratios: 3:2 → 三比二.
  [/(?<![\d:])(\d+):(\d+)(?![\d:])/g, (_, a, b) => `${chineseNumber(a as string)}比${chineseNumber(b as string)}`],
  // ISO and slashed dates: 2024-03-05, 2024/3/5, 2024.3.5.
  [/(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)/g, (_, y, _s, m, d) => date(y as string, m as string, d as string)],
  // Year ranges: 2023-2024年 → 二零二三到二零二四年.
  [/(?<!\d)(\d{4})\s?[-—–~～]\s?(\d{4})(?=年)/g, (_, a, b) => `${chineseDigits(a as string)}到${chineseDigits(b as string)}`],
  // Years before 年 are read digit by digit: 1998年 → 一九九八年.
  [/(?<!\d)(\d{2,4})(?=年)/g, (y) => chineseDigits(y)],
  // Phone numbers: 11-digit mobiles, numbers with dashes, 0-led area codes: digit by digit, 1 as 幺.
  [/(?<!\d)(1[3-9]\d{9}|0\d{2,3}-\d{7,8}|\d{3,4}-\d{3,4}-\d{4})(?!\d)/g, (n) => chineseDigits(n.replace(/-/g, ''), true)],
  // Money: ¥12.5 → 十二点五元, $5 → 五美元.
  [
    new RegExp(`(HK\\$|[¥￥$€£])\\s?(${NUM})(万|亿)?`, 'g'),
    (_, c, n, big) => `${chineseNumber(n as string)}${big ?? ''}${CURRENCIES[c as string]}`,
  ],
  // Percent and per mille.
  [
    new RegExp(`([-−]?${NUM})\\s?[%％]`, 'g'),
    (_, n) => `${/^[-−]/.test(n as string) ? '负' : ''}百分之${chineseNumber((n as string).replace(/^[-−]/, ''))}`,
  ],
  [new RegExp(`([-−]?${NUM})\\s?‰`, 'g'), (_, n) => `千分之${chineseNumber(n as string)}`],
  // Temperatures below zero: -3℃ → 零下三摄氏度.
  [new RegExp(`[-−](${NUM})\\s?(?=℃|°C)`, 'g'), (_, n) => `零下${n as string}`],
  // Fractions: 3/4 → 四分之三.
  [/(?<![\d/])(\d+)\/(\d+)(?![\d/])/g, (_, a, b) => `${chineseCardinal(b as string)}分之${chineseCardinal(a as string)}`],
  // Ranges: 3-5个, 10~20 → 三到五, 十到二十.
  [new RegExp(`(${NUM})\\s?[-~～—–]\\s?(?=${NUM})`, 'g'), (_, a) => `${chineseNumber(a as string)}到`],
  // Units after a number: 5km → 五公里.
  [
    new RegExp(`(${NUM})\\s?(${UNIT_PATTERN})(?![A-Za-z])`, 'g'),
    (_, n, u) => `${n as string}${UNITS.find(([k]) => k === u)?.[1] ?? u}`,
  ],
  // 2 before a measure word is 两: 2个人 → 两个人.
  [new RegExp(`(?<![\\d.])2(?=[${LIANG_BEFORE}])`, 'g'), () => '两'],
  // Numbers written with a leading zero (007, 0571) are codes: digit by digit.
  [/(?<![\d.])0\d+(?![\d.])/g, (n) => chineseDigits(n)],
  // Long digit strings (ids, accounts): digit by digit.
  [/(?<![\d.,])\d{13,}(?![\d.])/g, (n) => chineseDigits(n)],
  // Negative numbers where a minus cannot be a dash.
  [new RegExp(`(?<![A-Za-z0-9])[-−](${NUM})`, 'g'), (_, n) => `负${chineseNumber(n as string)}`],
  // Every other number.
  [new RegExp(NUM, 'g'), (n) => chineseNumber(n)],
];

/** Full-width ASCII (digits, letters, ％ ＄ ．) → ASCII; Chinese punctuation is kept. */
function halfWidth(text: string): string {
  return text.replace(/[０-９Ａ-Ｚａ-ｚ％＄＋－／．]/g, (c) => String.fromCharCode((c.codePointAt(0) as number) - 0xfee0));
}

/** Normalizes text that has Chinese in it; see the module comment. */
export function normalizeChinese(text: string): string {
  let out = halfWidth(text.normalize('NFC')).replace(/[\u200B-\u200D\uFEFF]/g, '');
  // A full-width colon between digits is a time: 3：30.
  out = out.replace(/(\d)：(\d)/g, '$1:$2');
  for (const [pattern, replace] of RULES)
    out = out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  return out.replace(/\s+/g, ' ').trim();
}
