/**
 * How espeak-ng (en-us), whose output Piper voices were trained on, says the short function
 * words: unstressed and often reduced ("for" fɔːɹ, not fˈɔːɹ; "a" ɐ; "has" hɐz), where the CMU
 * dictionary gives each its full citation stress. Taken from espeak-ng 1.51's output for each word
 * before a consonant and before a vowel.
 */

/** Lower-case word → [before a consonant, before a vowel] in espeak's IPA. */
const FORMS: Readonly<Record<string, readonly [string, string]>> = {
  the: ['ðə', 'ðɪ'],
  a: ['ɐ', 'ɐ'],
  an: ['ɐn', 'ɐn'],
  to: ['tə', 'tʊ'],
  ...same({
    for: 'fɔːɹ',
    of: 'ʌv',
    and: 'ænd',
    at: 'æt',
    is: 'ɪz',
    your: 'jʊɹ',
    was: 'wʌz',
    are: 'ɑːɹ',
    you: 'juː',
    he: 'hiː',
    she: 'ʃiː',
    we: 'wiː',
    i: 'aɪ',
    in: 'ɪn',
    has: 'hɐz',
    it: 'ɪt',
    as: 'æz',
    but: 'bˌʌt',
    or: 'ɔːɹ',
    from: 'fɹʌm',
    with: 'wɪð',
    his: 'hɪz',
    her: 'hɜː',
    my: 'maɪ',
    me: 'mˌiː',
    be: 'biː',
    by: 'baɪ',
    on: 'ˌɔn',
    can: 'kæn',
    that: 'ðæt',
    than: 'ðɐn',
    were: 'wɜː',
    been: 'bˌɪn',
    have: 'hæv',
    had: 'hæd',
    them: 'ðˌɛm',
    they: 'ðeɪ',
    their: 'ðɛɹ',
    there: 'ðɛɹ',
    if: 'ɪf',
    so: 'sˌoʊ',
    not: 'nˌɑːt',
    will: 'wɪl',
    would: 'wʊd',
    could: 'kʊd',
    should: 'ʃˌʊd',
    our: 'ˌaʊɚ',
    us: 'ˌʌs',
    him: 'hˌɪm',
    its: 'ɪts',
    this: 'ðɪs',
    these: 'ðiːz',
    those: 'ðoʊz',
    what: 'wˌʌt',
    when: 'wˌɛn',
    who: 'hˌuː',
    which: 'wˌɪtʃ',
    into: 'ˌɪntʊ',
    some: 'sˌʌm',
    about: 'ɐbˌaʊt',
    up: 'ˌʌp',
  }),
};

function same(forms: Record<string, string>): Record<string, readonly [string, string]> {
  return Object.fromEntries(Object.entries(forms).map(([w, ps]) => [w, [ps, ps] as const]));
}

/** espeak-ng's form of a function word, or `undefined` for other words. */
export function espeakFunctionWord(word: string, nextVowel: boolean): string | undefined {
  const key = word.toLowerCase();
  return Object.hasOwn(FORMS, key) ? FORMS[key]?.[nextVowel ? 1 : 0] : undefined;
}
