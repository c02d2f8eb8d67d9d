/**
 * How closely our English front end agrees with misaki, the G2P Kokoro v1.0 was trained with:
 * exact matches on single words (bench/g2p-words.txt) and phoneme similarity (1 − edit distance
 * / length) on sentences (bench/g2p-sentences.txt), side by side for the CMU-only front end (no
 * lexicon: what Kokoro used before) and the misaki-lexicon one, with Flite letter-to-sound for
 * words no dictionary has. Lists the disagreements of the new one. Also compares the espeak
 * alphabet (Piper) with espeak-ng's own output, where espeak-ng is installed.
 *
 * Run: make misaki's reference first (see bench/g2p-agreement.py), then
 *   npx tsx bench/g2p-agreement.ts [--gb] [--all]
 * Lexicons are read from FLASH_TTS_LEXICONS or .fixtures/models/kokoro-82m-int8/lexicons.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLetterToSound } from '../src/engine/flite/letter-to-sound.js';
import { type LexiconData, MisakiLexicon, phonemizeEnglish } from '../src/text/g2p/english.js';

const british = process.argv.includes('--gb');
const showAll = process.argv.includes('--all');
const region = british ? 'gb' : 'us';
const lexiconDir = process.env.FLASH_TTS_LEXICONS ?? '.fixtures/models/kokoro-82m-int8/lexicons';
const referencePath = join('bench', 'out', `g2p-misaki-${region}.json`);
if (!existsSync(referencePath)) {
  console.error(
    `${referencePath} is missing: run /tmp/misaki-venv/bin/python bench/g2p-agreement.py${british ? ' --british' : ''}`,
  );
  process.exit(1);
}
const reference = JSON.parse(readFileSync(referencePath, 'utf8')) as {
  tagger: string;
  words: Record<string, string>;
  sentences: Record<string, string>;
};
const readLexicon = (name: string): LexiconData => JSON.parse(readFileSync(join(lexiconDir, `${region}_${name}.json`), 'utf8'));
const lexicon = new MisakiLexicon({ gold: readLexicon('gold'), silver: readLexicon('silver'), british });
const oov = await createLetterToSound();

const frontEnds = {
  before: (text: string) => phonemizeEnglish(text, { alphabet: 'misaki', oov }),
  after: (text: string) => phonemizeEnglish(text, { alphabet: 'misaki', oov, lexicon }),
};

/** Levenshtein distance over code points. */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitute = (row[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      next.push(Math.min(substitute, (row[j] as number) + 1, (next[j - 1] as number) + 1));
    }
    row = next;
  }
  return row[y.length] as number;
}
const similarity = (a: string, b: string): number => 1 - editDistance(a, b) / Math.max([...a].length, [...b].length, 1);
const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

// misaki without its espeak fallback writes ❓ for words its lexicon lacks; those say nothing about us.
const words = Object.entries(reference.words).filter(([, ps]) => !ps.includes('❓'));
const sentences = Object.entries(reference.sentences).filter(([, ps]) => !ps.includes('❓'));
const skipped = Object.keys(reference.words).length - words.length;

console.log(`misaki ${region.toUpperCase()} reference, tagger: ${reference.tagger}; lexicons: ${lexiconDir}`);
console.log(`${words.length} words (${skipped} misaki cannot say left out), ${sentences.length} sentences\n`);
console.log('front end           words exact   sentences exact   sentence similarity');
const misses: { kind: string; text: string; misaki: string; ours: string }[] = [];
for (const [name, say] of Object.entries(frontEnds)) {
  const wordHits = words.filter(([w, ps]) => {
    const ours = say(w);
    if (ours !== ps && name === 'after') misses.push({ kind: 'word', text: w, misaki: ps, ours });
    return ours === ps;
  }).length;
  let total = 0;
  let exact = 0;
  for (const [s, ps] of sentences) {
    const ours = say(s);
    total += similarity(ours, ps);
    if (ours === ps) exact++;
    else if (name === 'after') misses.push({ kind: 'sentence', text: s, misaki: ps, ours });
  }
  const label = name === 'before' ? 'CMU only (before)' : 'misaki lexicon (now)';
  console.log(
    `${label.padEnd(20)}${percent(wordHits / words.length).padStart(11)}${percent(exact / Math.max(sentences.length, 1)).padStart(18)}${percent(total / Math.max(sentences.length, 1)).padStart(22)}`,
  );
}

// Piper's side: the espeak alphabet against espeak-ng itself (what Piper voices were trained on), when it is installed.
const espeakVoice = british ? 'en-gb' : 'en-us';
const bare = (ps: string): string => ps.replace(/[\s.,!?;:—…"“”()]/g, '');
try {
  let total = 0;
  for (const [s] of sentences) {
    const reference = bare(execFileSync('espeak-ng', ['-v', espeakVoice, '-q', '--ipa', s], { encoding: 'utf8' }));
    total += similarity(bare(phonemizeEnglish(s, { alphabet: 'espeak', oov })), reference);
  }
  console.log(
    `\nespeak alphabet (Piper) against espeak-ng ${espeakVoice}, spaces and punctuation ignored: ${percent(total / sentences.length)}`,
  );
} catch {
  console.log('\n(espeak-ng is not installed: no comparison for the espeak alphabet)');
}

console.log(
  `\nDisagreements of the misaki-lexicon front end (${misses.length})${showAll ? '' : ', first 40 (--all for every one)'}:`,
);
for (const m of showAll ? misses : misses.slice(0, 40)) {
  console.log(
    `  ${m.kind === 'word' ? 'word    ' : 'sentence'} ${m.text}\n           misaki ${m.misaki}\n           ours   ${m.ours}`,
  );
}
