/**
 * English abbreviations the front end knows: how each is spoken, and whether its period can end a
 * sentence. Shared by the normalizer (expansion) and the segmenter (no false sentence breaks).
 */
export interface Abbreviation {
  /** Spoken form. */
  spoken: string;
  /**
   * Titles such as "Dr." always precede a name and never end a sentence; words such as "etc."
   * end one when the next word starts with a capital letter.
   */
  canEndSentence: boolean;
}

/** Keys are lower-case, without the final period. */
export const ABBREVIATIONS: ReadonlyMap<string, Abbreviation> = new Map(
  (
    [
      ['mr', 'Mister', false],
      ['mrs', 'Missus', false],
      ['ms', 'Miz', false],
      ['dr', 'Doctor', false],
      ['prof', 'Professor', false],
      ['rev', 'Reverend', false],
      ['gen', 'General', false],
      ['sen', 'Senator', false],
      ['rep', 'Representative', false],
      ['gov', 'Governor', false],
      ['capt', 'Captain', false],
      ['lt', 'Lieutenant', false],
      ['sgt', 'Sergeant', false],
      ['st', 'Saint', false],
      ['mt', 'Mount', false],
      ['ft', 'Fort', false],
      ['vs', 'versus', false],
      ['e.g', 'for example', false],
      ['i.e', 'that is', false],
      ['cf', 'compare', false],
      ['approx', 'approximately', false],
      ['no', 'number', false],
      ['nos', 'numbers', false],
      ['fig', 'figure', false],
      ['vol', 'volume', false],
      ['ch', 'chapter', false],
      ['p', 'page', false],
      ['pp', 'pages', false],
      ['jan', 'January', false],
      ['feb', 'February', false],
      ['aug', 'August', false],
      ['sep', 'September', false],
      ['sept', 'September', false],
      ['oct', 'October', false],
      ['nov', 'November', false],
      ['dec', 'December', false],
      ['etc', 'et cetera', true],
      ['mon', 'Monday', true],
      ['tue', 'Tuesday', true],
      ['tues', 'Tuesday', true],
      ['wed', 'Wednesday', true],
      ['thu', 'Thursday', true],
      ['thur', 'Thursday', true],
      ['thurs', 'Thursday', true],
      ['fri', 'Friday', true],
      ['sat', 'Saturday', true],
      ['sun', 'Sunday', true],
      ['jr', 'Junior', true],
      ['sr', 'Senior', true],
      ['inc', 'Incorporated', true],
      ['ltd', 'Limited', true],
      ['co', 'Company', true],
      ['corp', 'Corporation', true],
      ['ave', 'Avenue', true],
      ['blvd', 'Boulevard', true],
      ['dept', 'Department', true],
      ['hr', 'hour', true],
      ['hrs', 'hours', true],
      ['mins', 'minutes', true],
      ['secs', 'seconds', true],
      ['a.m', 'A M', true],
      ['p.m', 'P M', true],
      ['u.s', 'U S', true],
      ['u.k', 'U K', true],
    ] as const
  ).map(([key, spoken, canEndSentence]) => [key, { spoken, canEndSentence }]),
);
