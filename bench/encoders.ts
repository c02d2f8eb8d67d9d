/**
 * Encoder benchmark, everything side by side in one run, on our own speech (Flite's four voices,
 * and Kokoro's af_heart through the server when its model is installed):
 *  1. MP3: cost per audio second of our encoder (LAME 3.100 as wasm) against the native `lame`
 *     program and the lamejs port we used before, at 16, 24 and 48 kHz;
 *  2. Opus: cost per audio second of our Ogg Opus encoder at every complexity, for the `audio` and
 *     `voip` applications, against `opusenc` (opus-tools) at the same complexity;
 *  3. Opus quality: PESQ wide band (P.862.2) of each setting, on each voice set;
 * then names the cheapest Opus setting within 0.1 PESQ of the best on every voice set.
 * Costs are CPU time (user + system), so other programs on a busy machine do not count; medians of
 * rounds that interleave the contenders (order rotated each round); ratios are taken within a
 * round, then their median and range printed. The programs' start-up (the quickest of three runs
 * on 50 ms of audio) is subtracted from theirs.
 * Missing `lame`, `opusenc`, lamejs or the PESQ venv (bench/quality-venv.sh) skip that column.
 * Run: npx tsx bench/encoders.ts [--quick]   (--quick: one short round, no PESQ)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  concatBytes,
  concatFloat32,
  createAudioEncoder,
  encodeAudio,
  floatToInt16,
  OPUS_APPLICATIONS,
  type OpusApplication,
  Resampler,
} from '../src/audio/index.js';
import { createFliteEngine } from '../src/engine/flite/flite-engine.js';
import { scanInstalled } from '../src/models/manifest.js';
import { startServer } from '../src/server/server.js';

const QUICK = process.argv.includes('--quick');
/** Seconds of speech each cost is measured on, and rounds of each comparison. */
const MP3_S = QUICK ? 5 : 30;
const MP3_ROUNDS = QUICK ? 1 : 5;
const OPUS_S = QUICK ? 5 : 20;
const OPUS_ROUNDS = QUICK ? 1 : 3;
/** Seconds of each voice set PESQ listens to. */
const PESQ_FLITE_S = 24;
const OPUS_KBPS = 48; // what we send mono Opus at (stereo: 64)
const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal16'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number | undefined, digits = 2): string => (x === undefined ? '—' : x.toFixed(digits));
const range = (xs: readonly number[]): string =>
  xs.length > 1 ? `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : fmt(xs[0]);
const hasProgram = (name: string): boolean => spawnSync(name, ['--version']).error === undefined;

/** The spoken form of each line of bench/sentences.txt. */
function sentences(): string[] {
  return readFileSync(join(ROOT, 'bench/sentences.txt'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (line.split(' | ').pop() as string).trim());
}

/** At least `seconds` of Flite speech (16 kHz), the four voices taking turns sentence by sentence. */
async function fliteSpeech(seconds: number): Promise<Float32Array> {
  const engine = await createFliteEngine();
  const never = new AbortController().signal;
  const parts: Float32Array[] = [];
  let samples = 0;
  const lines = sentences();
  for (let i = 0; samples < seconds * 16000; i++) {
    const voice = FLITE_VOICES[i % FLITE_VOICES.length] as string;
    for await (const { pcm } of engine.synthesize({ text: lines[i % lines.length] as string, voice, speed: 1 }, never)) {
      parts.push(pcm);
      samples += pcm.length;
    }
  }
  return concatFloat32(parts);
}

/** Kokoro's af_heart at 24 kHz, asked of the server over REST; undefined when Kokoro is not installed. */
async function kokoroSpeech(): Promise<Float32Array | undefined> {
  const fixtures = join(ROOT, '.fixtures/models');
  const modelsDir = process.env.FLASH_TTS_MODELS_DIR ?? (existsSync(fixtures) ? fixtures : undefined);
  if (!modelsDir || !scanInstalled(modelsDir).some((m) => m.engine === 'kokoro')) return undefined;
  const server = await startServer({ port: 0, modelsDir, logLevel: 'warn', workers: 2 });
  try {
    const res = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'tts-1',
        voice: 'af_heart',
        input: sentences()
          .slice(0, QUICK ? 2 : 9)
          .join(' '),
        response_format: 'pcm',
        sample_rate: 24000,
      }),
    });
    if (!res.ok) throw new Error(`the server answered ${res.status}: ${await res.text()}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const ints = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    return Float32Array.from(ints, (s) => s / 32768);
  } finally {
    await server.close();
  }
}

/** Repeats (or cuts) speech to exactly `seconds`. */
function lengthen(pcm: Float32Array, rate: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let at = 0; at < out.length; at += pcm.length) out.set(pcm.subarray(0, out.length - at), at);
  return out;
}

/**
 * CPU milliseconds (user + system) this process spends in `fn`: unlike wall time, it does not
 * count the time other programs on a busy machine take from us.
 */
async function cpuMs(fn: () => unknown): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/**
 * Runs every contender once per round, in an order rotated each round; returns each one's times.
 * A contender that returns a number reports its own time (a program with its start-up taken off).
 */
async function interleave(rounds: number, contenders: Record<string, () => unknown>): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) {
      let reported: unknown;
      const ms = await cpuMs(async () => {
        reported = await (contenders[name] as () => unknown)();
      });
      times[name]?.push(typeof reported === 'number' ? reported : ms);
    }
  }
  return times;
}

/** Per-round ratios a / b. */
const ratios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / (b[i] as number));

/** CPU milliseconds a program takes on a file of input, minus its start-up (measured on `tiny`). */
function programMs(command: string, args: (input: string) => string[], input: string, tiny: string): number {
  const run = (file: string): number => {
    // bash's `time` reports the child's user and system CPU seconds on the last line of stderr.
    const script = 'TIMEFORMAT="%3U %3S"; time "$@" > /dev/null';
    const result = spawnSync('bash', ['-c', script, 'bash', command, ...args(file)], { encoding: 'utf8' });
    const times = result.stderr.trim().split('\n').pop()?.split(' ').map(Number) ?? [];
    if (result.status !== 0 || times.length !== 2) throw new Error(`${command} failed: ${result.stderr}`);
    return ((times[0] as number) + (times[1] as number)) * 1000;
  };
  // Start-up is a floor: the quickest of three runs on almost nothing.
  const startUp = Math.min(run(tiny), run(tiny), run(tiny));
  return Math.max(0, run(input) - startUp);
}

function writeRaw(path: string, pcm: Float32Array): void {
  const ints = floatToInt16(pcm);
  writeFileSync(path, new Uint8Array(ints.buffer, ints.byteOffset, ints.byteLength));
}

async function loadLamejs(): Promise<
  | (new (
      channels: number,
      rate: number,
      kbps: number,
    ) => { encodeBuffer(pcm: Int16Array): Int8Array; flush(): Int8Array })
  | undefined
> {
  try {
    const lamejs = (await import('@breezystack/lamejs')) as unknown as {
      Mp3Encoder: new (
        channels: number,
        rate: number,
        kbps: number,
      ) => { encodeBuffer(pcm: Int16Array): Int8Array; flush(): Int8Array };
    };
    return lamejs.Mp3Encoder;
  } catch {
    return undefined;
  }
}

async function mp3Bench(dir: string, speech16k: Float32Array, resampler: Resampler): Promise<void> {
  const Lamejs = await loadLamejs();
  const lame = hasProgram('lame');
  console.log(`\nMP3, CBR 64 kbps mono, ${MP3_S} s of Flite speech, ${MP3_ROUNDS} round(s): CPU ms per audio second`);
  console.log(
    `${'rate'.padEnd(8)}${'ours (LAME wasm)'.padStart(18)}${'lamejs (before)'.padStart(17)}${'lame 3.100 (native)'.padStart(21)}` +
      `${'ours / lame'.padStart(24)}${'lamejs / lame'.padStart(24)}`,
  );
  for (const rate of [16000, 24000, 48000]) {
    const pcm = lengthen(resampler.resample(speech16k, 16000, rate), rate, MP3_S);
    const input = join(dir, `mp3-${rate}.raw`);
    const tiny = join(dir, `mp3-${rate}-tiny.raw`);
    writeRaw(input, pcm);
    writeRaw(tiny, pcm.subarray(0, rate / 20));
    const lameArgs = (file: string): string[] => {
      const format = ['-r', '-s', String(rate / 1000), '--bitwidth', '16', '--signed', '--little-endian', '-m', 'm'];
      // No ReplayGain analysis (the program's default, not an encoder's work): the same job as ours.
      return ['--quiet', ...format, '-b', '64', '--cbr', '--noreplaygain', file, join(dir, 'out.mp3')];
    };
    const contenders: Record<string, () => unknown> = {
      ours: () => encodeAudio(pcm, { format: 'mp3', sampleRate: rate }),
    };
    if (Lamejs) {
      contenders.lamejs = () => {
        const encoder = new Lamejs(1, rate, 64);
        const ints = floatToInt16(pcm);
        const parts: Uint8Array[] = [];
        for (let i = 0; i < ints.length; i += 1152) parts.push(new Uint8Array(encoder.encodeBuffer(ints.subarray(i, i + 1152))));
        parts.push(new Uint8Array(encoder.flush()));
        return concatBytes(parts);
      };
    }
    if (lame) contenders.lame = () => programMs('lame', lameArgs, input, tiny);
    await encodeAudio(pcm.subarray(0, rate), { format: 'mp3', sampleRate: rate }); // compile the wasm first
    const t = await interleave(MP3_ROUNDS, contenders);
    const perSecond = (name: string): string => (t[name] ? `${fmt(median(t[name]) / MP3_S)}` : '—');
    const vsLame = (name: string): string => (t[name] && t.lame ? range(ratios(t[name], t.lame)) : '—');
    console.log(
      `${`${rate / 1000} kHz`.padEnd(8)}${perSecond('ours').padStart(18)}${perSecond('lamejs').padStart(17)}` +
        `${perSecond('lame').padStart(21)}${vsLame('ours').padStart(24)}${vsLame('lamejs').padStart(24)}`,
    );
  }
  if (!lame) console.log('(no `lame` program: apt-get install lame)');
  if (!Lamejs) console.log('(no @breezystack/lamejs: npm install)');
}

interface OpusSetting {
  application: OpusApplication;
  complexity: number;
}
const SETTINGS: OpusSetting[] = OPUS_APPLICATIONS.flatMap((application) =>
  Array.from({ length: 11 }, (_, complexity) => ({ application, complexity })),
);
const label = (s: OpusSetting): string => `${s.application} ${s.complexity}`;

/** Our Ogg Opus file of 48 kHz mono PCM. */
async function oggOpus(pcm: Float32Array, setting: OpusSetting): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const encoder = await createAudioEncoder('opus', {
    sampleRate: 48000,
    channels: 1,
    totalFrames: pcm.length,
    opus: setting,
    onData: (bytes) => parts.push(bytes),
  });
  encoder.write(pcm);
  await encoder.end();
  return concatBytes(parts);
}

/** Decodes an Ogg Opus file (ffmpeg) to 48 kHz mono, pre-skip and padding already trimmed. */
function decodeOpus(dir: string, bytes: Uint8Array): Float32Array {
  const file = join(dir, 'decode.opus');
  writeFileSync(file, bytes);
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '48000', '-'], {
    maxBuffer: 1 << 30,
  });
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

function writeWav16k(path: string, pcm: Float32Array): void {
  const ints = floatToInt16(pcm);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + ints.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(ints.byteLength, 40);
  writeFileSync(path, Buffer.concat([header, Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength)]));
}

/** The python of the PESQ venv (made by bench/quality-venv.sh if missing), or undefined. */
function pesqPython(): string | undefined {
  const made = spawnSync('bash', [join(ROOT, 'bench/quality-venv.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return made.status === 0 ? made.stdout.trim() : undefined;
}

async function opusBench(
  dir: string,
  voices: { name: string; pcm: Float32Array; rate: number }[],
  resampler: Resampler,
): Promise<void> {
  const speech48k = lengthen(resampler.resample(voices[0]?.pcm as Float32Array, 16000, 48000), 48000, OPUS_S);
  const opusenc = hasProgram('opusenc');
  const input = join(dir, 'opus.raw');
  const tiny = join(dir, 'opus-tiny.raw');
  writeRaw(input, speech48k);
  writeRaw(tiny, speech48k.subarray(0, 2400));
  const contenders: Record<string, () => unknown> = {};
  for (const setting of SETTINGS) {
    contenders[label(setting)] = () => oggOpus(speech48k, setting);
    if (opusenc && setting.application === 'audio') {
      const args = (file: string): string[] => {
        const raw = ['--raw', '--raw-bits', '16', '--raw-rate', '48000', '--raw-chan', '1'];
        return [
          '--quiet',
          ...raw,
          '--bitrate',
          String(OPUS_KBPS),
          '--comp',
          String(setting.complexity),
          file,
          join(dir, 'out.opus'),
        ];
      };
      contenders[`opusenc ${setting.complexity}`] = () => programMs('opusenc', args, input, tiny);
    }
  }
  await oggOpus(speech48k.subarray(0, 48000), { application: 'audio', complexity: 10 }); // load libopus first
  const t = await interleave(OPUS_ROUNDS, contenders);
  const reference = t['audio 10'] as number[];

  // Quality: encode each voice set at each setting, decode, and let PESQ listen at 16 kHz.
  const scores: Record<string, Record<string, number>> = {};
  const python = QUICK ? undefined : pesqPython();
  const kbps: Record<string, number> = {};
  if (python) {
    const pairs: { id: string; ref: string; deg: string }[] = [];
    for (const voice of voices) {
      const ref = join(dir, `${voice.name}-ref.wav`);
      writeWav16k(ref, voice.rate === 16000 ? voice.pcm : resampler.resample(voice.pcm, voice.rate, 16000));
      const at48k = resampler.resample(voice.pcm, voice.rate, 48000);
      for (const setting of SETTINGS) {
        const bytes = await oggOpus(at48k, setting);
        if (voice === voices[0]) kbps[label(setting)] = (bytes.length * 8) / (at48k.length / 48000) / 1000;
        const deg = join(dir, `${voice.name}-${setting.application}-${setting.complexity}.wav`);
        writeWav16k(deg, resampler.resample(decodeOpus(dir, bytes), 48000, 16000));
        pairs.push({ id: `${voice.name}|${label(setting)}`, ref, deg });
      }
    }
    writeFileSync(join(dir, 'pairs.json'), JSON.stringify(pairs));
    const out = execFileSync(python, [join(ROOT, 'bench/pesq-scores.py'), join(dir, 'pairs.json')], { encoding: 'utf8' });
    for (const [id, score] of Object.entries(JSON.parse(out) as Record<string, number>)) {
      const [voice, setting] = id.split('|') as [string, string];
      scores[setting] = { ...scores[setting], [voice]: score };
    }
  }

  const described = voices.map((v) => `${v.name} ${fmt(v.pcm.length / v.rate, 1)} s`).join(', ');
  console.log(
    `\nOpus, Ogg, ${OPUS_KBPS} kbps mono, 20 ms frames; CPU ms per audio second on ${OPUS_S} s of Flite speech, ${OPUS_ROUNDS} round(s)` +
      (python ? `; PESQ-WB (P.862.2, 16 kHz) on ${described}` : '; no PESQ (--quick, or no venv)'),
  );
  const voiceColumns = python ? voices.map((v) => `PESQ ${v.name}`.padStart(16)).join('') : '';
  console.log(
    `${'setting'.padEnd(10)}${'ms/audio s'.padStart(12)}${'÷ audio 10'.padStart(20)}${'opusenc ms/s'.padStart(14)}` +
      `${'ours / opusenc'.padStart(22)}${python ? 'kbps'.padStart(7) : ''}${voiceColumns}`,
  );
  for (const setting of SETTINGS) {
    const name = label(setting);
    const own = t[name] as number[];
    const theirs = t[`opusenc ${setting.complexity}`];
    const mine = setting.application === 'audio' ? theirs : undefined;
    console.log(
      `${name.padEnd(10)}${fmt(median(own) / OPUS_S).padStart(12)}${range(ratios(own, reference)).padStart(20)}` +
        `${(mine ? fmt(median(mine) / OPUS_S) : '—').padStart(14)}${(mine ? range(ratios(own, mine)) : '—').padStart(22)}` +
        `${python ? fmt(kbps[name], 1).padStart(7) : ''}` +
        (python ? voices.map((v) => fmt(scores[name]?.[v.name], 3).padStart(16)).join('') : ''),
    );
  }
  if (!opusenc) console.log('(no `opusenc` program: apt-get install opus-tools)');
  if (python) {
    // The choice rule: the cheapest setting within 0.1 PESQ of the best, on every voice set.
    const best = Object.fromEntries(
      voices.map((v) => [v.name, Math.max(...SETTINGS.map((s) => scores[label(s)]?.[v.name] ?? 0))]),
    );
    const near = SETTINGS.filter((s) => voices.every((v) => (scores[label(s)]?.[v.name] ?? 0) >= (best[v.name] as number) - 0.1));
    const cheapest = near.sort((a, b) => median(t[label(a)] as number[]) - median(t[label(b)] as number[]))[0];
    if (cheapest) {
      const cost = median(ratios(t[label(cheapest)] as number[], reference));
      console.log(`cheapest setting within 0.1 PESQ of the best on every voice set: ${label(cheapest)} (${fmt(cost)}× audio 10)`);
    }
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const resampler = await Resampler.create();
  const flite = await fliteSpeech(QUICK ? 6 : PESQ_FLITE_S);
  const kokoro = await kokoroSpeech();
  const voices = [{ name: 'flite', pcm: flite, rate: 16000 }];
  if (kokoro) voices.push({ name: 'af_heart', pcm: kokoro, rate: 24000 });
  console.log(
    `Encoders, one thread each. Speech: Flite ${FLITE_VOICES.join('/')} ${fmt(flite.length / 16000, 1)} s` +
      (kokoro ? `, Kokoro af_heart ${fmt(kokoro.length / 24000, 1)} s (24 kHz, through the server)` : ', no Kokoro installed'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'flash-tts-encoders-'));
  try {
    await mp3Bench(dir, flite, resampler);
    await opusBench(dir, voices, resampler);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n(${fmt((performance.now() - started) / 1000, 0)} s of wall time)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
