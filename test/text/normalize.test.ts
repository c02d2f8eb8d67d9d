import { describe, expect, it } from '@jest/globals';
import { normalizeText } from '../../src/text/normalize.js';
import { cardinal, ordinal, year } from '../../src/text/number-words.js';

describe('normalizeText', () => {
  it.each([
    ['It costs $5.50 on 3/4 at 10:30am.', 'It costs five dollars and fifty cents on March fourth at ten thirty A M.'],
    // Phone numbers are read in their groups, digit by digit.
    ['Call 555-123-4567 now.', 'Call five five five, one two three, four five six seven now.'],
    ['Call (555) 123-4567.', 'Call five five five, one two three, four five six seven.'],
    ['Call +1 555.123.4567 today.', 'Call plus one, five five five, one two three, four five six seven today.'],
    ['It took 3 hrs. to get there.', 'It took three hours to get there.'],
    ['It took 3 hrs. Then we left.', 'It took three hours. Then we left.'],
    ['Open 24 hrs.', 'Open twenty-four hours.'],
    ['Add ½ cup and 2½ spoons.', 'Add one half cup and two and a half spoons.'],
    ['Limit 100km/h, or 60 mph.', 'Limit one hundred kilometers per hour, or sixty miles per hour.'],
    ['It weighs 1 kg and holds 2.5GB.', 'It weighs one kilogram and holds two point five gigabytes.'],
    ['It is 2x faster.', 'It is two times faster.'],
    ['A 4x4 grid.', 'A four times four grid.'],
    ['Update to v2.0.1 now.', 'Update to version two point zero point one now.'],
    ['Version 1.2.3 and 3.14.', 'Version one point two point three and three point one four.'],
    ['Revenue in Q3 grew.', 'Revenue in Q three grew.'],
    ['Q3 2026 results.', 'Q three twenty twenty-six results.'],
    ['2026', 'twenty twenty-six'],
    ['2026.', 'twenty twenty-six.'],
    ['I have 2026 apples.', 'I have two thousand twenty-six apples.'],
    ['He paid €3 and £1.05.', 'He paid three euros and one pound and five pence.'],
    ['Only $0.99, or $1.', 'Only ninety-nine cents, or one dollar.'],
    ['A $2.5 million deal.', 'A two point five million dollars deal.'],
    ['We grew 12.5% this year.', 'We grew twelve point five percent this year.'],
    ['There were 1,234,567 people.', 'There were one million two hundred thirty-four thousand five hundred sixty-seven people.'],
    ['Pi is 3.14 and -5 is negative.', 'Pi is three point one four and minus five is negative.'],
    ['Agent 007 reporting.', 'Agent zero zero seven reporting.'],
    ['The 1st, 2nd, 3rd and 21st.', 'The first, second, third and twenty-first.'],
    [
      'Born in 1999, moved in 2005, back in 2024.',
      'Born in nineteen ninety-nine, moved in two thousand five, back in twenty twenty-four.',
    ],
    ['In the 1990s it was hot.', 'In the nineteen nineties it was hot.'],
    ['Meet me on 2024-03-04.', 'Meet me on March fourth, twenty twenty-four.'],
    ['Due 12/25/2024.', 'Due December twenty-fifth, twenty twenty-four.'],
    ['Add 3/4 cup of milk.', 'Add three quarters cup of milk.'],
    ['See you Mar. 4th, 2024.', 'See you March fourth, twenty twenty-four.'],
    ['Call at 7 p.m. Then sleep.', 'Call at seven P M. Then sleep.'],
    ['It is 14:05 now, lunch at 12:00.', "It is fourteen oh five now, lunch at twelve o'clock."],
    ['Mr. Smith and Dr. Jones met Mrs. Brown.', 'Mister Smith and Doctor Jones met Missus Brown.'],
    ['St. Louis is on Main St. today.', 'Saint Louis is on Main Street today.'],
    ['It is 48 Elm St., near the post office.', 'It is forty-eight Elm Street, near the post office.'],
    ['Apples, pears, etc., and more.', 'Apples, pears, et cetera, and more.'],
    ["I still owe you $7, don't I?", "I still owe you seven dollars, don't I?"],
    [
      'Call 555-0147 or (555) 867-5309.',
      'Call five five five, zero one four seven or five five five, eight six seven, five three zero nine.',
    ],
    ['Or 555-867-5309.', 'Or five five five, eight six seven, five three zero nine.'],
    ['Fruit, e.g. apples, i.e. red ones.', 'Fruit, for example apples, that is red ones.'],
    ['Apples, pears, etc. Then more.', 'Apples, pears, et cetera. Then more.'],
    ['See No. 5 on p. 12, no more.', 'See Number five on page twelve, no more.'],
    ['Visit https://example.com/docs today.', 'Visit example dot com slash docs today.'],
    ['Go to www.flash-tts.dev now.', 'Go to W W W dot flash dash tts dot dev now.'],
    ['Mail john.doe@example.org!', 'Mail john dot doe at example dot org!'],
    ['Salt & pepper, 2+2=4.', 'Salt and pepper, two plus two equals four.'],
    ['It was 40°C outside.', 'It was forty degrees Celsius outside.'],
    ['Nothing to change here.', 'Nothing to change here.'],
    // Long digit runs are named, not read out digit by digit for minutes (issue 14).
    [`Code ${'7'.repeat(30)} ok.`, 'Code a thirty digit number starting seven seven seven seven ok.'],
    [`Pi is 3.${'1415926535'.repeat(4)}.`, 'Pi is three point one four one five nine two and so on.'],
    [
      'Card 1234 5678 9012 3456, phone 0049301234567.',
      'Card one thousand two hundred thirty-four five thousand six hundred seventy-eight nine thousand twelve three thousand four hundred fifty-six, phone zero zero four nine three zero one two three four five six seven.',
    ],
    // What a listener heard read wrongly (third review, 2026-12-02).
    ['The race took 1:05:30 in total.', 'The race took one hour, five minutes and thirty seconds in total.'],
    ['Only 0:30 left.', 'Only thirty seconds left.'],
    ['The train leaves at 7.30 tonight.', 'The train leaves at seven thirty tonight.'],
    ["I'll be there at 7.45am.", "I'll be there at seven forty-five A M."],
    ['Meet between 9.15 and 9.45.', 'Meet between nine fifteen and nine forty-five.'],
    ['It costs 7.30 dollars.', 'It costs seven point three zero dollars.'],
    ['Wait 5-10 minutes, at 20–25 degrees.', 'Wait five to ten minutes, at twenty to twenty-five degrees.'],
    ['Open 9-10 am daily.', 'Open nine to ten A M daily.'],
    ['From 2020-2024 we grew.', 'From twenty twenty to twenty twenty-four we grew.'],
    ["Open 24/7, it's a 50/50 chance.", "Open twenty-four seven, it's a fifty-fifty chance."],
    ['If x > 5 and y < 10, it is ≈ 3.', 'If x greater than five and y less than ten, it is about three.'],
    ['He is 6 ft tall and 150 lbs.', 'He is six feet tall and one hundred fifty pounds.'],
    ['1.5M users and 10k stars.', 'one point five million users and ten thousand stars.'],
    ['4K video for 4B people.', 'four K video for four billion people.'],
    ['Flight BA2490 on an A4 page.', 'Flight BA twenty-four ninety on an A four page.'],
    ['Drive to 42 Oak Dr. in Austin and ask Dr. Smith.', 'Drive to forty-two Oak Drive in Austin and ask Doctor Smith.'],
    ['Open Mon., Tue. and Fri.; closed Sat. and Sun.', 'Open Monday, Tuesday and Friday; closed Saturday and Sunday.'],
    ['We orbit the Sun. I sat.', 'We orbit the Sun. I sat.'],
    ['It is 5 EUR, 10 USD or 1 GBP.', 'It is five euros, ten dollars or one pound.'],
    ['Call 911 or 1-800-FLOWERS.', 'Call nine one one or one eight hundred flowers.'],
    ['Your PIN 1234 and ZIP code 10001.', 'Your PIN one two three four and ZIP code one zero zero zero one.'],
    ['Version 1.2.3 and 3.14.', 'Version one point two point three and three point one four.'],
  ])('%s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('text that expands', () => {
  it('keeps a 20,000-digit number to a few words', () => {
    const digits = Array.from({ length: 20000 }, (_, i) => String((i * 7) % 10)).join('');
    const spoken = normalizeText(`The number is ${digits}.`);
    expect(spoken.split(' ').length).toBeLessThan(20);
    expect(spoken).toContain('twenty thousand digit number');
    expect(normalizeText(`$${digits}`).split(' ').length).toBeLessThan(20);
  });
});

describe('number words', () => {
  it.each([
    ['0', 'zero'],
    ['13', 'thirteen'],
    ['40', 'forty'],
    ['101', 'one hundred one'],
    ['1000000', 'one million'],
    ['2000000001', 'two billion one'],
  ])('cardinal %s', (n, words) => expect(cardinal(n)).toBe(words));
  it.each([
    ['1', 'first'],
    ['12', 'twelfth'],
    ['20', 'twentieth'],
    ['103', 'one hundred third'],
  ])('ordinal %s', (n, words) => expect(ordinal(n)).toBe(words));
  it.each([
    ['1900', 'nineteen hundred'],
    ['1905', 'nineteen oh five'],
    ['2000', 'two thousand'],
    ['2010', 'twenty ten'],
  ])('year %s', (n, words) => expect(year(n)).toBe(words));
});
