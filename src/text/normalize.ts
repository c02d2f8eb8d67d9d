/**
 * English text normalization: turns what people write into what a voice should say.
 * "It costs $5.50 on 3/4 at 10:30am." → "It costs five dollars and fifty cents on March fourth at
 * ten thirty A M." Pure; each rule is one regular-expression pass, applied in an order where the
 * more specific patterns (URLs, money, times, dates) run before plain numbers.
 */
import { ABBREVIATIONS } from './abbreviations.js';
import { normalizeChinese } from './normalize-chinese.js';
import { cardinal, decimal, digitByDigit, ordinal, year } from './number-words.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const MONTH_PATTERN =
  'Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?';

interface Currency {
  one: string;
  many: string;
  subOne: string;
  subMany: string;
}
const CURRENCIES: Record<string, Currency> = {
  $: { one: 'dollar', many: 'dollars', subOne: 'cent', subMany: 'cents' },
  '€': { one: 'euro', many: 'euros', subOne: 'cent', subMany: 'cents' },
  '£': { one: 'pound', many: 'pounds', subOne: 'penny', subMany: 'pence' },
  '¥': { one: 'yen', many: 'yen', subOne: 'sen', subMany: 'sen' },
  '₹': { one: 'rupee', many: 'rupees', subOne: 'paisa', subMany: 'paise' },
};
const SCALE_WORDS: Record<string, string> = {
  k: 'thousand',
  thousand: 'thousand',
  m: 'million',
  mm: 'million',
  million: 'million',
  b: 'billion',
  bn: 'billion',
  billion: 'billion',
  t: 'trillion',
  trillion: 'trillion',
};
const COMMON_FRACTIONS: Record<string, string> = {
  '1/2': 'one half',
  '1/3': 'one third',
  '2/3': 'two thirds',
  '1/4': 'one quarter',
  '3/4': 'three quarters',
};
/** Unicode vulgar fractions (NFKC would turn "½" into "1⁄2" with a fraction slash). */
const VULGAR_FRACTIONS: Record<string, [one: string, after: string]> = {
  '½': ['one half', 'a half'],
  '⅓': ['one third', 'a third'],
  '⅔': ['two thirds', 'two thirds'],
  '¼': ['one quarter', 'a quarter'],
  '¾': ['three quarters', 'three quarters'],
  '⅕': ['one fifth', 'a fifth'],
  '⅛': ['one eighth', 'an eighth'],
  '⅜': ['three eighths', 'three eighths'],
  '⅝': ['five eighths', 'five eighths'],
  '⅞': ['seven eighths', 'seven eighths'],
};
/** Units after a number: [singular, plural]. Only ones that cannot be read as a word. */
const UNITS: Record<string, [string, string]> = {
  'km/h': ['kilometer per hour', 'kilometers per hour'],
  kph: ['kilometer per hour', 'kilometers per hour'],
  'm/s': ['meter per second', 'meters per second'],
  mph: ['mile per hour', 'miles per hour'],
  km: ['kilometer', 'kilometers'],
  cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'],
  kg: ['kilogram', 'kilograms'],
  mg: ['milligram', 'milligrams'],
  ml: ['milliliter', 'milliliters'],
  kb: ['kilobyte', 'kilobytes'],
  mb: ['megabyte', 'megabytes'],
  gb: ['gigabyte', 'gigabytes'],
  tb: ['terabyte', 'terabytes'],
  hz: ['hertz', 'hertz'],
  khz: ['kilohertz', 'kilohertz'],
  mhz: ['megahertz', 'megahertz'],
  ghz: ['gigahertz', 'gigahertz'],
  kw: ['kilowatt', 'kilowatts'],
  kwh: ['kilowatt hour', 'kilowatt hours'],
  ft: ['foot', 'feet'],
  lb: ['pound', 'pounds'],
  lbs: ['pound', 'pounds'],
  oz: ['ounce', 'ounces'],
  h: ['hour', 'hours'],
  hr: ['hour', 'hours'],
  hrs: ['hour', 'hours'],
  min: ['minute', 'minutes'],
  mins: ['minute', 'minutes'],
  sec: ['second', 'seconds'],
  secs: ['second', 'seconds'],
};
const UNIT_PATTERN = Object.keys(UNITS)
  .sort((a, b) => b.length - a.length)
  .map((u) => u.replace('/', '\\/'))
  .join('|');
const DATE_CONTEXT = /\b(?:on|by|until|till|from|since|before|after|due|dated|of)\s+$/i;
/** Words before "7.30" that make it a time of day, not a decimal. */
const TIME_CONTEXT = /\b(?:at|by|until|till|from|before|after|between)\s+$|\bbetween\s+\S+(?:\s+\S+)?\s+and\s+$/i;
/** ISO currency codes after an amount: "5 EUR" → "five euros". [one, many]. */
const CURRENCY_CODES: Record<string, [string, string]> = {
  USD: ['dollar', 'dollars'],
  EUR: ['euro', 'euros'],
  GBP: ['pound', 'pounds'],
  JPY: ['yen', 'yen'],
  CNY: ['yuan', 'yuan'],
  INR: ['rupee', 'rupees'],
  CAD: ['Canadian dollar', 'Canadian dollars'],
  AUD: ['Australian dollar', 'Australian dollars'],
  CHF: ['Swiss franc', 'Swiss francs'],
};
/** Scale letters written after a number without a currency: "10k", "1.5M", "4B". */
const SCALE_LETTERS: Record<string, string> = { k: 'thousand', K: 'thousand', M: 'million', B: 'billion', T: 'trillion' };
/** A day of the week just before, in a list: "Fri. and ", "Sat., ", "Mon. - ". */
const DAY_BEFORE = /\b(?:Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)(?:day|\.)?,?\s+(?:(?:and|or|to|through)\s+|[-–]\s*)?$/;
/** Words before a number that is read digit by digit: codes, not quantities. */
const DIGIT_CONTEXT =
  /\b(?:PIN|OTP|ZIP|zip|zip code|postcode|code|passcode|extension|ext\.?|account|acct\.?|room)\s*(?:number\s*|no\.?\s*|#\s*)?:?\s*$/i;

/** Spoken form of a plain number string such as "1,234.5", "-3", "007". */
export function speakNumber(raw: string): string {
  const negative = raw.startsWith('-') || raw.startsWith('−');
  const body = negative ? raw.slice(1) : raw;
  const [intPart = '', fraction = ''] = body.split('.');
  const hasCommas = intPart.includes(',');
  const digits = intPart.replace(/,/g, '');
  let words: string;
  if (!hasCommas && digits.length > 1 && digits.startsWith('0')) words = digitByDigit(digits);
  else if (!hasCommas && digits.length > 9 && fraction === '') words = digitByDigit(digits);
  else words = decimal(digits, fraction);
  return negative ? `minus ${words}` : words;
}

/** A phone number read in its groups, digit by digit: "555-123-4567" → "five five five, one two three, four five six seven". */
function speakPhone(country: string | undefined, groups: string[]): string {
  const spoken = groups.map(digitByDigit);
  return `${country ? `plus ${digitByDigit(country)}, ` : ''}${spoken.join(', ')}`;
}

/** A version: "2.0.1" → "two point zero point one"; each part a number. */
function speakVersion(parts: string): string {
  return parts
    .split('.')
    .map((p) => (p.length > 1 && p.startsWith('0') ? digitByDigit(p) : cardinal(p)))
    .join(' point ');
}

function spokenTime(hour: number, minute: number, suffix: string | undefined): string {
  const h = cardinal(String(hour));
  const period = suffix ? ` ${suffix.toLowerCase().startsWith('a') ? 'A M' : 'P M'}` : '';
  if (minute === 0) return suffix ? `${h}${period}` : `${h} o'clock`;
  const m = minute < 10 ? `oh ${cardinal(String(minute))}` : cardinal(String(minute));
  return `${h} ${m}${period}`;
}

/** "1:05:30" as a duration: "one hour, five minutes and thirty seconds" (zero parts left out). */
function spokenDuration(hours: number, minutes: number, seconds: number): string {
  const part = (n: number, unit: string): string => `${cardinal(String(n))} ${unit}${n === 1 ? '' : 's'}`;
  const parts = [
    ...(hours > 0 ? [part(hours, 'hour')] : []),
    ...(minutes > 0 ? [part(minutes, 'minute')] : []),
    ...(seconds > 0 || (hours === 0 && minutes === 0) ? [part(seconds, 'second')] : []),
  ];
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] as string);
}

/** "2020" within a range: a year when it looks like one, else a number. */
function rangeEnd(n: string): string {
  return /^(?:1[1-9]|20)\d\d$/.test(n) ? year(n) : speakNumber(n);
}

function spokenDate(month: number, day: number, yearDigits?: string): string {
  const name = MONTHS[month - 1] as string;
  const base = `${name} ${ordinal(String(day))}`;
  return yearDigits ? `${base}, ${year(yearDigits.length === 2 ? `20${yearDigits}` : yearDigits)}` : base;
}

function monthIndex(name: string): number {
  const lower = name.toLowerCase().slice(0, 3);
  return MONTHS.findIndex((m) => m.toLowerCase().startsWith(lower)) + 1;
}

function speakAddress(raw: string): string {
  return raw
    .replace(/^https?:\/\//i, '')
    .replace(/^www\./i, 'www.')
    .replace(/\/$/, '')
    .split(/([./@\-_:?=&#])/)
    .filter((p) => p !== '')
    .map((part) => {
      switch (part) {
        case '.':
          return ' dot ';
        case '/':
          return ' slash ';
        case '@':
          return ' at ';
        case '-':
          return ' dash ';
        case '_':
          return ' underscore ';
        case ':':
          return ' colon ';
        case '?':
          return ' question mark ';
        case '=':
          return ' equals ';
        case '&':
          return ' and ';
        case '#':
          return ' hash ';
        default:
          return /^\d+$/.test(part) ? ` ${speakNumber(part)} ` : part.toLowerCase() === 'www' ? 'W W W' : part;
      }
    })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

type Rule = [RegExp, (match: string, ...groups: string[]) => string];

const TRAILING_PUNCT = /[.,!?;:)\]}'"]+$/;

const RULES: Rule[] = [
  // E-mail addresses, then URLs, before anything reads their dots and digits.
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, (m) => keepTrailing(m, speakAddress)],
  [
    /\b(?:https?:\/\/|www\.)[^\s<>"]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|ai|edu|gov|app|co|uk|de|fr|info|me|tv)\b(?:\/[^\s<>"]*)?/gi,
    (m) => keepTrailing(m, speakAddress),
  ],
  // Toll-free numbers with letters: "1-800-FLOWERS" → "one eight hundred flowers".
  [
    /\b1-(8[0-8]{2})-([A-Za-z]{3,})\b/g,
    (_m, code = '', word = '') =>
      `one ${digitByDigit(code[0] as string)} ${code.endsWith('00') ? 'hundred' : digitByDigit(code.slice(1))} ${word.toLowerCase()}`,
  ],
  // The emergency number is said digit by digit: "911".
  [/(?<![\d.,$€£¥₹-])\b911\b(?![\d.,]\d|\s?%)/g, () => 'nine one one'],
  // Codes after "PIN", "ZIP", "code", "room"…: digit by digit ("PIN 1234" → "one two three four").
  [
    /\b\d{3,}\b(?![.,]\d)/g,
    (m, offset: unknown, whole: unknown) => {
      const before = typeof whole === 'string' && typeof offset === 'number' ? whole.slice(0, offset) : '';
      return DIGIT_CONTEXT.test(before) ? digitByDigit(m) : m;
    },
  ],
  // Phone numbers: "555-123-4567", "(555) 123-4567", "+1 555.123.4567" — before dates and numbers.
  [
    /(?:\+(\d{1,3})[\s.-]?)?(?:\((\d{3})\)\s?|\b(\d{3})[\s.-])(\d{3})[\s.-](\d{4})\b/g,
    (_m, country, area1, area2, exchange = '', line = '') => speakPhone(country, [area1 ?? area2 ?? '', exchange, line]),
  ],
  // Versions: "v2.0.1", "V3", "1.2.3".
  [/\b[vV](\d+(?:\.\d+)*)\b/g, (_m, parts = '') => `version ${speakVersion(parts)}`],
  [/\b(\d+\.\d+\.\d+)\b(?!\.\d)/g, (_m, parts = '') => speakVersion(parts)],
  // Quarters and fiscal years: "Q3", "Q3 2026", "FY2026".
  [/\bQ([1-4])(?:\s+((?:19|20)\d\d))?\b/g, (_m, q = '', y) => `Q ${cardinal(q)}${y ? ` ${year(y)}` : ''}`],
  [/\bFY\s?((?:19|20)\d\d)\b/g, (_m, y = '') => `F Y ${year(y)}`],
  // "2x", "10x faster", "1.5x".
  [/\b(\d+(?:\.\d+)?)[x×](?![\w])/g, (_m, n = '') => `${speakNumber(n)} times`],
  // Units after a number: "100km/h", "5 kg", "3 hrs." (the period kept only where a sentence ends).
  [
    new RegExp(`(\\d[\\d,]*(?:\\.\\d+)?)\\s?(${UNIT_PATTERN})(?![\\w/])(\\.?)`, 'gi'),
    (m, n = '', unit = '', dot = '', offset: unknown, whole: unknown) => {
      const [one, many] = UNITS[unit.toLowerCase()] as [string, string];
      const after = typeof whole === 'string' && typeof offset === 'number' ? whole.slice(offset + m.length) : '';
      const abbreviationOnly = dot === '.' && /^\s+[a-z]/.test(after);
      return `${speakNumber(n)} ${n === '1' ? one : many}${abbreviationOnly ? '' : dot}`;
    },
  ],
  // "No. 5", "p. 12", "Fig. 3": the abbreviation only before a number.
  [
    /\b(No|Nos|pp|p|ch|fig|vol)\.\s?(?=\d)/gi,
    (_m, word = '') => {
      const spoken = ABBREVIATIONS.get(word.toLowerCase())?.spoken ?? word;
      return /^[A-Z]/.test(word) ? `${spoken[0]?.toUpperCase()}${spoken.slice(1)} ` : `${spoken} `;
    },
  ],
  // Money with a scale word: "$2.5 million", "$3bn".
  [
    /([$€£¥₹])\s?(\d[\d,]*(?:\.\d+)?)\s?(thousand|million|billion|trillion|bn|mm|[kmbt])\b/gi,
    (_m, sym = '$', amount = '', scale = '') => {
      const currency = CURRENCIES[sym] as Currency;
      return `${speakNumber(amount)} ${SCALE_WORDS[scale.toLowerCase()]} ${currency.many}`;
    },
  ],
  // Money: "$5.50", "€3", "£1,200.05"; a comma after the amount ("$7, don't I?") is punctuation.
  [
    /([$€£¥₹])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?!\d)/g,
    (_m, sym = '$', whole = '', cents = '') => {
      const currency = CURRENCIES[sym] as Currency;
      const units = Number(whole.replace(/,/g, ''));
      const sub = cents === '' ? 0 : Number(cents.length === 1 ? `${cents}0` : cents);
      const unitWords = `${cardinal(whole.replace(/,/g, ''))} ${units === 1 ? currency.one : currency.many}`;
      const subWords = `${cardinal(String(sub))} ${sub === 1 ? currency.subOne : currency.subMany}`;
      if (sub === 0) return unitWords;
      if (units === 0) return subWords;
      return `${unitWords} and ${subWords}`;
    },
  ],
  // An amount with a currency code: "5 EUR", "1,200 USD".
  [
    /(\d[\d,]*(?:\.\d+)?)\s?(USD|EUR|GBP|JPY|CNY|INR|CAD|AUD|CHF)\b/g,
    (_m, n = '', code = '') => {
      const [one, many] = CURRENCY_CODES[code] as [string, string];
      return `${speakNumber(n)} ${n === '1' ? one : many}`;
    },
  ],
  // A scale letter after a number: "10k", "1.5M users", "4B" ("4K" and "8K" are screens).
  [
    /(?<![\w.])(\d+(?:\.\d+)?)([kKMBT])\b/g,
    (m, n = '', letter = '') =>
      letter === 'K' && /^[48]$/.test(n) ? `${cardinal(n)} K` : `${speakNumber(n)} ${SCALE_LETTERS[letter] ?? m}`,
  ],
  // Durations with seconds: "1:05:30", "0:45" → "one hour, five minutes and thirty seconds", "forty-five seconds".
  [
    /\b(\d{1,2}):([0-5]\d):([0-5]\d)\b(?!\s?[ap]\.?\s?m\b)/gi,
    (_m, h = '0', min = '0', sec = '0') => spokenDuration(Number(h), Number(min), Number(sec)),
  ],
  [/\b0:([0-5]\d)\b(?!:|\s?[ap]\.?\s?m\b)/gi, (_m, sec = '0') => spokenDuration(0, 0, Number(sec))],
  // An hour range: "9-10 am" → "nine to ten A M".
  [
    /\b(1[0-2]|0?[1-9])\s?[-–]\s?(1[0-2]|0?[1-9])\s?([ap])\.?\s?m\b\.?/gi,
    (m, a = '0', b = '0', ap) => withEndPeriod(m, `${cardinal(String(Number(a)))} to ${spokenTime(Number(b), 0, ap)}`),
  ],
  // Times: "10:30am", "10:30 p.m.", "14:05", "7 pm".
  [
    /\b([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?(?:\s?([ap])\.?\s?m\b\.?)?/gi,
    (m, h = '0', min = '0', ap) => withEndPeriod(m, spokenTime(Number(h), Number(min), ap)),
  ],
  // Times written with a dot: "7.45am", "7.30 pm", and "at 7.30" (a time after "at", "until"…).
  [
    /\b(1[0-2]|0?[1-9])\.([0-5]\d)\s?([ap])\.?\s?m\b\.?/gi,
    (m, h = '0', min = '0', ap) => withEndPeriod(m, spokenTime(Number(h), Number(min), ap)),
  ],
  [
    /\b([01]?\d|2[0-3])\.([0-5]\d)\b(?![.,]?\d|\s?(?:%|percent|per\b|times\b|x\b|[$€£¥₹]))/g,
    (m, h = '0', min = '0', offset: unknown, whole: unknown) => {
      const before = typeof whole === 'string' && typeof offset === 'number' ? whole.slice(0, offset) : '';
      return TIME_CONTEXT.test(before) && !/[$€£¥₹]\s*$/.test(before) ? spokenTime(Number(h), Number(min), undefined) : m;
    },
  ],
  [/\b(1[0-2]|0?[1-9])\s?([ap])\.?\s?m\b\.?/gi, (m, h = '0', ap) => withEndPeriod(m, spokenTime(Number(h), 0, ap))],
  // Phone numbers, digit by digit in their groups: "555-0147", "555-867-5309", "(555) 867-5309".
  [
    /(?:\((\d{3})\)\s?|\b(\d{3})[-.])?\b(\d{3})-(\d{4})\b/g,
    (_m, area = '', areaPlain = '', exchange = '', line = '') =>
      [area || areaPlain, exchange, line]
        .filter((group) => group !== '')
        .map(digitByDigit)
        .join(', '),
  ],
  // ISO dates and numeric dates with a year: "2024-03-04", "3/4/2024".
  [
    /\b(\d{4})-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])\b/g,
    (_m, y = '', mo = '1', d = '1') => spokenDate(Number(mo), Number(d), y),
  ],
  [
    /\b(0?[1-9]|1[0-2])\/(0?[1-9]|[12]\d|3[01])\/(\d{4}|\d{2})\b/g,
    (_m, mo = '1', d = '1', y = '') => spokenDate(Number(mo), Number(d), y),
  ],
  // "March 4", "Mar. 4th, 2024".
  [
    new RegExp(`\\b(${MONTH_PATTERN})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4})\\b)?`, 'g'),
    (m, name = '', d = '1', y) => {
      const day = Number(d);
      if (day < 1 || day > 31) return m;
      return spokenDate(monthIndex(name), day, y);
    },
  ],
  // Ranges: "5-10 minutes", "20–25 degrees", "2020-2024" → "five to ten", "twenty twenty to twenty twenty-four".
  [
    /(?<![\w.,-])(\d+(?:\.\d+)?)(?:[-–—]|\s[–—]\s)(\d+(?:\.\d+)?)(?![\w.,-]?\d|[-–])/g,
    (_m, a = '', b = '') => `${rangeEnd(a)} to ${rangeEnd(b)}`,
  ],
  // Decades: "the 1990s" → "the nineteen nineties".
  [/\b(1[1-9]\d0|20\d0)'?s\b/g, (_m, y = '') => year(y).replace(/y$/, 'ie').concat('s')],
  // Percentages.
  [/(-?\d[\d,]*(?:\.\d+)?)\s?%/g, (_m, n = '') => `${speakNumber(n)} percent`],
  // Ordinals: "1st", "22nd".
  [/\b(\d+)(?:st|nd|rd|th)\b/gi, (_m, n = '') => ordinal(n)],
  // Years after words that introduce them: "in 1999", "since 2010".
  [
    /\b(in|since|by|until|from|during|year|circa|before|after|of|summer|winter|spring|autumn|fall)\s+(1[1-9]\d\d|20\d\d)\b(?![.,]\d)/gi,
    (_m, word = '', y = '') => `${word} ${year(y)}`,
  ],
  // A year alone ("2026", "2026."), as a heading or an answer says it.
  [/^\s*((?:1[1-9]|20)\d\d)\s*([.!?]?)\s*$/, (_m, y = '', end = '') => `${year(y)}${end}`],
  // "24/7", "50/50".
  [/\b24\/7\b/g, () => 'twenty-four seven'],
  [/\b50\/50\b/g, () => 'fifty-fifty'],
  // Comparisons with a number: "x > 5", "< 10 ms", "≈ 3", "≥ 18".
  [/\s*(?:>=|≥)\s*(?=[-−]?\d)/g, () => ' greater than or equal to '],
  [/\s*(?:<=|≤)\s*(?=[-−]?\d)/g, () => ' less than or equal to '],
  [/\s*>\s*(?=[-−]?\d)/g, () => ' greater than '],
  [/\s*<\s*(?=[-−]?\d)/g, () => ' less than '],
  [/\s*≠\s*(?=[-−]?\d)/g, () => ' not equal to '],
  [/\s*[≈~]\s*(?=[-−]?\d)/g, () => ' about '],
  // Fractions and short dates: "3/4" is March fourth after "on"/"by"…, otherwise a fraction.
  [
    /\b(\d{1,2})\/(\d{1,2})\b(?!\/)/g,
    (m, a = '', b = '', offset: unknown, whole: unknown) => {
      const before = typeof whole === 'string' && typeof offset === 'number' ? whole.slice(0, offset) : '';
      const mo = Number(a);
      const d = Number(b);
      if (DATE_CONTEXT.test(before) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) return spokenDate(mo, d);
      return COMMON_FRACTIONS[m] ?? `${cardinal(a)} over ${cardinal(b)}`;
    },
  ],
  // Temperatures and degrees.
  [/(\d)\s?°\s?([CF])\b/g, (_m, d = '', s = '') => `${d} degrees ${s === 'C' ? 'Celsius' : 'Fahrenheit'}`],
  [/(\d)\s?°/g, (_m, d = '') => `${d} degrees`],
  // "#1" → "number one".
  [/#(\d)/g, (_m, d = '') => `number ${d}`],
  // Arithmetic symbols between numbers.
  [/(\d)\s?\+\s?(?=\d)/g, (_m, d = '') => `${d} plus `],
  [/(\d)\s?[x×]\s?(?=\d)/g, (_m, d = '') => `${d} times `],
  [/(\d)\s?=\s?(?=\d)/g, (_m, d = '') => `${d} equals `],
  // Letters run into a number, as in flight numbers and models: "BA2490", "A4" → "BA 2490", "A 4".
  [/\b([A-Z]{1,3})(\d{1,5})\b/g, (_m, letters = '', n = '') => `${letters} ${n.length === 4 ? year(n) : speakNumber(n)}`],
  // Plain numbers: "1,234.56", "-5", "3.14".
  [
    /(^|[^\w.,])([-−]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])/g,
    (_m, lead = '', sign = '', n = '') => `${lead}${speakNumber(sign + n)}`,
  ],
  // Symbols that remain.
  [/\s*&\s*/g, () => ' and '],
  [/\s*\+\s*/g, () => ' plus '],
  [/\s+=\s+/g, () => ' equals '],
  [/\s+@\s+/g, () => ' at '],
  [/%/g, () => ' percent'],
  [/(\w)\/(\w)/g, (_m, a = '', b = '') => `${a} ${b}`],
  [/~\s?(?=\w)/g, () => 'about '],
];

function keepTrailing(match: string, speak: (core: string) => string): string {
  const trailing = TRAILING_PUNCT.exec(match)?.[0] ?? '';
  const core = match.slice(0, match.length - trailing.length);
  return `${speak(core)}${trailing}`;
}

function withEndPeriod(match: string, spoken: string): string {
  return match.endsWith('.') ? `${spoken}.` : spoken;
}

function expandAbbreviations(text: string): string {
  // Multi-part abbreviations ("e.g.", "a.m.") first, then single words followed by a period.
  let out = text.replace(/\b([a-z])\.([a-z])\.(?=\s|$|[,;:!?])/gi, (m, a: string, b: string) => {
    const entry = ABBREVIATIONS.get(`${a}.${b}`.toLowerCase());
    return entry ? entry.spoken : m;
  });
  // The period may be followed by a space, the end, or clause punctuation ("48 Elm St., near"):
  // then that punctuation ends the clause and the abbreviation's period is dropped.
  out = out.replace(
    /\b([A-Za-z]+)\.(?=([,;:!?])|(\s+)(\S?)|$)/g,
    (m, word: string, mark: string | undefined, _s, next: string | undefined, offset: number) => {
      const key = word.toLowerCase();
      const entry = ABBREVIATIONS.get(key);
      if (!entry) return m;
      const period = mark === undefined && endsSentence(next) ? '.' : '';
      if (key === 'st') {
        // "St. Louis" is a saint; "Main St." is a street.
        const prev = /(\S+)\s+$/.exec(out.slice(0, offset))?.[1] ?? '';
        const saint = mark === undefined && next !== undefined && /[A-Z]/.test(next);
        if (!saint && /^[A-Z]/.test(prev)) return `Street${period}`;
        return 'Saint';
      }
      if (key === 'dr') {
        // "Dr. Smith" is a doctor; "42 Oak Dr." is a drive.
        const prev = /(\S+)\s+$/.exec(out.slice(0, offset))?.[1] ?? '';
        const doctor = mark === undefined && next !== undefined && /[A-Z]/.test(next);
        return !doctor && /^[A-Z]/.test(prev) ? `Drive${period}` : 'Doctor';
      }
      if (key === 'sat' || key === 'sun') {
        // "Sat." and "Sun." are days only in a list of days or before a date: "Sat., Sun. and Mon.", "Sun. 4".
        const after = out.slice(offset + m.length);
        const before = out.slice(0, offset);
        const day =
          /^[A-Z]/.test(word) &&
          (mark === ',' || /^\s*(?:\d|(?:and|or|to|through)\b|[-–])/.test(after) || DAY_BEFORE.test(before));
        return day ? `${entry.spoken}${period}` : m;
      }
      if (key === 'no' || key === 'p' || key === 'pp' || key === 'ch' || key === 'fig' || key === 'vol') {
        // Only before a number: "No. 5", "p. 12"; "no." elsewhere is the word "no".
        return mark === undefined && next !== undefined && /\d/.test(next) ? entry.spoken : m;
      }
      return entry.canEndSentence ? `${entry.spoken}${period}` : entry.spoken;
    },
  );
  return out;
}

function endsSentence(next: string | undefined): boolean {
  return next === undefined || next === '' || /[A-Z]/.test(next);
}

/**
 * Normalizes English text for synthesis: numbers, money, percentages, dates, times, ordinals,
 * abbreviations, URLs, e-mail addresses and symbols become words. Punctuation that carries
 * prosody (. , ! ? ; :) is kept.
 */
export function normalizeText(text: string): string {
  // Text with Chinese in it reads its numbers the Chinese way (normalize-chinese.ts).
  if (/\p{Script=Han}/u.test(text)) return normalizeChinese(text);
  // Vulgar fractions before NFKC, which would write "½" as "1⁄2".
  let out = text.replace(/(\d*)\s?([½⅓⅔¼¾⅕⅛⅜⅝⅞])/g, (_m, whole: string, f: string) => {
    const [alone, after] = VULGAR_FRACTIONS[f] as [string, string];
    return whole === '' ? ` ${alone}` : `${whole} and ${after}`;
  });
  out = out.normalize('NFKC').replace(/[\u200B-\u200D\uFEFF]/g, '');
  out = out.replace(/[‘’]/g, "'").replace(/[“”]/g, '"');
  for (const [pattern, replace] of RULES) {
    out = out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  }
  out = expandAbbreviations(out);
  return out
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.!?;:])/g, '$1')
    .trim();
}
