/** English number words: cardinals, ordinals, years, digits. Pure functions. */

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion'] as const;

function below100(n: number): string {
  if (n < 20) return ONES[n] as string;
  const tens = TENS[Math.floor(n / 10)] as string;
  const ones = n % 10;
  return ones === 0 ? tens : `${tens}-${ONES[ones]}`;
}

function below1000(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds === 0) return below100(rest);
  return rest === 0 ? `${ONES[hundreds]} hundred` : `${ONES[hundreds]} hundred ${below100(rest)}`;
}

/**
 * Cardinal words for a non-negative integer given as a digit string (any length up to the
 * quadrillions; longer strings are read digit by digit).
 */
export function cardinal(digits: string): string {
  const clean = digits.replace(/^0+(?=\d)/, '');
  if (clean.length > 18) return digitByDigit(clean);
  let n = BigInt(clean);
  if (n === 0n) return 'zero';
  const groups: string[] = [];
  let scale = 0;
  while (n > 0n) {
    const group = Number(n % 1000n);
    if (group !== 0) groups.unshift(`${below1000(group)}${SCALES[scale] ? ` ${SCALES[scale]}` : ''}`);
    n /= 1000n;
    scale++;
  }
  return groups.join(' ');
}

/**
 * Longest run of digits read out one by one (phone, card and account numbers fit). A longer run
 * is no number a listener follows: it is named by its length and first digits instead, so a
 * 20,000-digit string costs a few words, not an hour and a half of speech.
 */
export const MAX_DIGITS_READ = 24;

/** Reads every digit on its own: "042" → "zero four two"; a run over {@link MAX_DIGITS_READ} is summarized. */
export function digitByDigit(digits: string): string {
  if (digits.length > MAX_DIGITS_READ) {
    return `a ${cardinal(String(digits.length))} digit number starting ${digitByDigit(digits.slice(0, 4))}`;
  }
  return [...digits].map((d) => ONES[Number(d)] ?? d).join(' ');
}

const ORDINAL_IRREGULAR: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

/** Ordinal words for an integer digit string: "21" → "twenty-first". */
export function ordinal(digits: string): string {
  const words = cardinal(digits);
  const match = /([a-z]+)$/.exec(words);
  if (!match) return words;
  const last = match[1] as string;
  let replaced: string;
  if (ORDINAL_IRREGULAR[last]) replaced = ORDINAL_IRREGULAR[last];
  else if (last.endsWith('y')) replaced = `${last.slice(0, -1)}ieth`;
  else replaced = `${last}th`;
  return words.slice(0, words.length - last.length) + replaced;
}

/**
 * A year read the way people say it: 1999 → "nineteen ninety-nine", 2005 → "two thousand five",
 * 2024 → "twenty twenty-four", 1900 → "nineteen hundred".
 */
export function year(digits: string): string {
  const n = Number(digits);
  if (!Number.isInteger(n) || n < 1000 || n > 9999) return cardinal(digits);
  const high = Math.floor(n / 100);
  const low = n % 100;
  if (n >= 2000 && n < 2010) return cardinal(digits);
  if (low === 0) return high % 10 === 0 ? cardinal(digits) : `${below100(high)} hundred`;
  return `${below100(high)} ${low < 10 ? `oh ${ONES[low]}` : below100(low)}`;
}

/** Decimal number: "3.14" → "three point one four"; "0.5" → "zero point five". */
export function decimal(intPart: string, fraction: string): string {
  const whole = cardinal(intPart === '' ? '0' : intPart.replace(/,/g, ''));
  if (fraction.length > MAX_DIGITS_READ) return `${whole} point ${digitByDigit(fraction.slice(0, 6))} and so on`;
  return fraction === '' ? whole : `${whole} point ${digitByDigit(fraction)}`;
}
