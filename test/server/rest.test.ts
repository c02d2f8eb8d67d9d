import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { AUDIO_FORMATS } from '../../src/audio/formats.js';
import { decodeAudio, transcribe, voicedShare, wordErrorRate } from '../helpers/audio.js';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const GUIDE_TEXT = 'Hello, world! It costs $5.50 on 3/4 at 10:30am.';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('REST shim on a real server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("answers the client guide's /speak example with a playable mp3 of the text", async () => {
    const res = await post(`${server.url}/speak`, {
      name: 'male',
      text: GUIDE_TEXT,
      pitch: 'moderate',
      speed: 'moderate',
      temperature: 0.9,
      top_k: 50,
      top_p: 0.95,
      max_tokens: 2048,
      stream: false,
      response_format: 'mp3',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=speech.mp3');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const audio = await decodeAudio(bytes, 'mp3');
    expect(audio.sampleRate).toBe(16000);
    expect(audio.duration).toBeGreaterThan(3);
    expect(audio.duration).toBeLessThan(10);
    expect(voicedShare(audio.samples, audio.sampleRate)).toBeGreaterThan(0.4);
    const heard = await transcribe(bytes, 'mp3');
    expect(heard).toMatch(/hello/);
    expect(heard).toMatch(/dollars/);
  });

  it('is heard correctly by a speech recogniser (word error rate)', async () => {
    const sentences = [
      'The quick brown fox jumps over the lazy dog.',
      'Please call me tomorrow morning at nine.',
      'We have three apples and two oranges.',
      'Open the window and let the fresh air in.',
    ];
    let errors = 0;
    let words = 0;
    for (const voice of ['female', 'male']) {
      for (const text of sentences) {
        const res = await post(`${server.url}/speak`, { name: voice, text, response_format: 'wav' });
        const heard = await transcribe(new Uint8Array(await res.arrayBuffer()), 'wav');
        const n = text.split(/\s+/).length;
        errors += wordErrorRate(text, heard) * n;
        words += n;
      }
    }
    const wer = errors / words;
    console.log(`pocketsphinx word error rate over ${words} words: ${(wer * 100).toFixed(1)}%`);
    expect(wer).toBeLessThan(0.3);
  });

  it('streams /speak as WAV the client guide can play as it arrives (16 kHz mono 16-bit)', async () => {
    // Long enough (about 75 s of audio) that the whole synthesis takes many times longer than the first
    // sentence, so a stall of a second on a loaded machine (CI once saw the first chunk at 1.0 s and the
    // last at 1.9 s with 25 s of audio) cannot hide whether the audio streamed.
    const text = Array.from(
      { length: 24 },
      (_, i) => `This is sentence number ${i + 1} of a stream that keeps on talking for a while.`,
    ).join(' ');
    const started = performance.now();
    const res = await post(`${server.url}/speak`, { name: 'female', text, stream: true, response_format: 'wav' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('content-length')).toBeNull();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    const arrivals: number[] = [];
    // When the first audio arrives, the server is still speaking this request: asked of its metrics,
    // as a user would, rather than only timed (a stall on a loaded machine can swallow a ratio).
    let openAtFirst = -1;
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      arrivals.push(performance.now() - started);
      received += value.byteLength;
      if (openAtFirst < 0 && received > 44) {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        openAtFirst = Number(/^flash_tts_active_streams (\d+)/m.exec(metrics)?.[1] ?? 0);
      }
    }
    const bytes = Buffer.concat(chunks);
    expect(bytes.readUInt32LE(24)).toBe(16000);
    expect(bytes.readUInt16LE(22)).toBe(1);
    expect(bytes.readUInt16LE(34)).toBe(16);
    // Audio arrived in several pieces, the first well before the last.
    console.log(
      `streamed /speak: ${arrivals.length} chunks, first at ${arrivals[0]?.toFixed(0)} ms, last at ${arrivals.at(-1)?.toFixed(0)} ms; streams open at the first audio: ${openAtFirst}`,
    );
    expect(arrivals.length).toBeGreaterThan(1);
    expect(openAtFirst).toBeGreaterThan(0);
    expect((chunks[0] as Uint8Array).byteLength).toBeLessThan(bytes.byteLength * 0.5);
    const audio = await decodeAudio(bytes, 'wav');
    expect(audio.duration).toBeGreaterThan(60);
  });

  it('serves the OpenAI SDK in every format, whole and streamed, with matching durations', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed' });
    const input = 'Testing every format. The durations should all agree.';
    const reference = await decodeAudio(
      new Uint8Array(
        await (await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })).arrayBuffer(),
      ),
      'wav',
    );
    expect(reference.sampleRate).toBe(24000);
    for (const format of AUDIO_FORMATS) {
      for (const stream of [false, true]) {
        const response = await client.audio.speech.create({
          model: 'spark',
          voice: 'female',
          input,
          response_format: format,
          // Streamed unless asked otherwise, as OpenAI's API.
          ...(stream ? {} : { stream: false }),
        } as OpenAI.Audio.SpeechCreateParams);
        const bytes = new Uint8Array(await response.arrayBuffer());
        const audio = await decodeAudio(bytes, format, 24000);
        const label = `${format} ${stream ? 'streamed' : 'whole'}`;
        expect([label, Math.abs(audio.duration - reference.duration) * 1000 <= 30]).toEqual([label, true]);
        expect(voicedShare(audio.samples, format === 'opus' ? 48000 : audio.sampleRate)).toBeGreaterThan(0.3);
      }
    }
  });

  it("supports the guide's streaming-response call (model \"spark\"; Node's asResponse is Python's with_streaming_response)", async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed' });
    const raw = await client.audio.speech
      .create({ model: 'spark', voice: 'male', input: 'Hello, I am a streaming test.' })
      .asResponse();
    expect(raw.headers.get('content-type')).toBe('audio/mpeg');
    const audio = await decodeAudio(new Uint8Array(await raw.arrayBuffer()), 'mp3');
    expect(audio.duration).toBeGreaterThan(1);
  });

  it('changes pitch and speed as asked', async () => {
    const measure = async (body: Record<string, unknown>) => {
      const res = await post(`${server.url}/speak`, {
        name: 'female',
        text: 'How fast and how high do I speak now?',
        response_format: 'wav',
        ...body,
      });
      return decodeAudio(new Uint8Array(await res.arrayBuffer()), 'wav');
    };
    const normal = await measure({});
    const fast = await measure({ speed: 'very_high' });
    const slow = await measure({ speed: 'very_low' });
    expect(fast.duration).toBeLessThan(normal.duration * 0.85);
    expect(slow.duration).toBeGreaterThan(normal.duration * 1.2);
    const high = await measure({ pitch: 'very_high' });
    expect(Math.abs(high.duration - normal.duration)).toBeLessThan(normal.duration * 0.1);
  });

  it('honours sample_rate and max_tokens', async () => {
    const res = await post(`${server.url}/speak`, {
      name: 'female',
      text: 'A sentence long enough to be cut short by the token limit here.',
      response_format: 'flac',
      sample_rate: 44100,
      max_tokens: 50,
    });
    const audio = await decodeAudio(new Uint8Array(await res.arrayBuffer()), 'flac');
    expect(audio.sampleRate).toBe(44100);
    expect(audio.duration).toBeCloseTo(1, 2);
  });

  it('lists models, voices and roles', async () => {
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['tts-1', 'tts-1-hd', 'spark', 'flash-tts']));
    const voices = (await (await fetch(`${server.url}/v1/audio/voices`)).json()) as { voices: { id: string; name: string }[] };
    expect(voices.voices.map((v) => v.id)).toEqual(expect.arrayContaining(['female', 'male', 'slt', 'rms']));
    for (const v of voices.voices) expect(typeof v.name).toBe('string');
    const roles = (await (await fetch(`${server.url}/audio_roles`)).json()) as { roles: string[] };
    expect(roles.roles.slice(0, 2)).toEqual(['female', 'male']);
    const info = (await (await fetch(`${server.url}/server_info`)).json()) as { formats: string[]; engines: { id: string }[] };
    expect(info.formats).toEqual([...AUDIO_FORMATS]);
    expect(info.engines[0]?.id).toBe('flite');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it.each([
    ['missing name', '/speak', { text: 'hi' }, 400, /"name" is required/],
    [
      'bad speed level',
      '/speak',
      { name: 'male', text: 'hi', speed: 'fast' },
      400,
      /"speed" must be one of very_low, low, moderate, high, very_high/,
    ],
    ['temperature out of range', '/speak', { name: 'male', text: 'hi', temperature: 5 }, 400, /"temperature" must be at most 2/],
    ['top_k not whole', '/speak', { name: 'male', text: 'hi', top_k: 1.5 }, 400, /"top_k" must be a whole number/],
    [
      'bad format',
      '/speak',
      { name: 'male', text: 'hi', response_format: 'ogg' },
      400,
      /"response_format" must be one of mp3, opus, aac, flac, wav, pcm/,
    ],
    ['empty text', '/speak', { name: 'male', text: '   ' }, 400, /"text" must not be empty/],
    ['nothing to speak', '/speak', { name: 'male', text: '...!?' }, 400, /^The text has nothing to speak/],
    [
      'nothing to speak, named as the OpenAI field',
      '/v1/audio/speech',
      { model: 'tts-1', voice: 'alloy', input: '😀 ...' },
      400,
      /^"input" has nothing to speak/,
    ],
    ['unknown voice', '/speak', { name: 'nobody', text: 'hi' }, 404, /No voice is called "nobody". Valid voices: female, male/],
    [
      "the guide's Chinese role without the Mandarin voices",
      '/speak',
      { name: '赞助商', text: 'hi' },
      404,
      /The role "赞助商" speaks with the Mandarin voice "zf_xiaobei".*models pull kokoro-82m-int8`, then `flash-tts models pull kokoro-82m-voices-multilingual`/,
    ],
    [
      'unknown voice, with the OpenAI names that work',
      '/v1/audio/speech',
      { model: 'tts-1', voice: 'bob', input: 'hi' },
      404,
      /Valid voices: female, male, .*; OpenAI's names also work: alloy, ash, .*verse\.$/,
    ],
    [
      'speed out of range',
      '/v1/audio/speech',
      { model: 'tts-1', voice: 'alloy', input: 'hi', speed: 5 },
      400,
      /"speed" must be at most 4 \(from 0.25 to 4\)/,
    ],
    ['unknown model', '/v1/audio/speech', { model: 'gpt-9', voice: 'alloy', input: 'hi' }, 404, /Use one of: flash-tts/],
    [
      'cloning by base64 voice',
      '/v1/audio/speech',
      { model: 'tts-1', voice: Buffer.alloc(600, 7).toString('base64'), input: 'hi' },
      400,
      /models pull pocket-tts-int8/,
    ],
    ['text too long', '/speak', { name: 'male', text: 'a'.repeat(20001) }, 413, /at most 20000/],
  ])('%s → clear error', async (_name, path, body, status, message) => {
    const res = await post(`${server.url}${path}`, body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { message: string; code: string; param: string | null } };
    expect(json.error.message).toMatch(message);
    if (/nothing to speak/.test(json.error.message)) expect(json.error.param).toBe(path === '/speak' ? 'text' : 'input');
  });

  it('tells a JSON body sent as a form (curl -d without a Content-Type) to say it is JSON, on every route', async () => {
    for (const [path, body] of [
      ['/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: 'Two + two is 4%.' }],
      ['/speak', { name: 'male', text: 'hi' }],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { error: { message: string; param: string } };
      expect([path, res.status, json.error.param]).toEqual([path, 415, 'content-type']);
      expect(json.error.message).toMatch(/send the header Content-Type: application\/json/);
    }
    // A real form still works: the client guide posts /speak as one.
    const form = await fetch(`${server.url}/speak`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'male', text: 'A form, still spoken.', response_format: 'wav' }),
    });
    expect(form.status).toBe(200);
    expect((await decodeAudio(new Uint8Array(await form.arrayBuffer()), 'wav')).duration).toBeGreaterThan(0.5);
  });

  it('rejects malformed JSON with 400, not 500', async () => {
    const res = await fetch(`${server.url}/speak`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "male", "text": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
  });

  it('validates /clone_voice, /add_speaker and /delete_speaker and says what to install', async () => {
    const missing = await fetch(`${server.url}/clone_voice`, {
      method: 'POST',
      body: new URLSearchParams({ text: 'Clone this voice' }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/reference_audio/);
    const wav = await (
      await post(`${server.url}/speak`, { name: 'female', text: 'A reference.', response_format: 'wav' })
    ).arrayBuffer();
    const clone = await fetch(`${server.url}/clone_voice`, {
      method: 'POST',
      body: new URLSearchParams({
        text: 'Clone this voice',
        reference_audio: Buffer.from(wav).toString('base64'),
        temperature: '0.9',
        stream: 'false',
        response_format: 'mp3',
      }),
    });
    expect(clone.status).toBe(400);
    expect(((await clone.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'engine_not_installed',
      message: expect.stringMatching(/pocket-tts/),
    });
    const form = new FormData();
    form.append('text', 'Clone audio');
    form.append('temperature', 'hot');
    form.append('reference_audio_file', new Blob([wav]), 'ref.wav');
    const badTemp = await fetch(`${server.url}/clone_voice`, { method: 'POST', body: form });
    expect(badTemp.status).toBe(400);
    const add = new FormData();
    add.append('name', 'new_speaker');
    add.append('reference_text', 'Sample audio description');
    add.append('audio_file', new Blob([wav]), 'speaker_ref.wav');
    const added = await fetch(`${server.url}/add_speaker`, { method: 'POST', body: add });
    expect(added.status).toBe(400);
    expect(((await added.json()) as { error: { code: string } }).error.code).toBe('engine_not_installed');
    const del = new FormData();
    del.append('name', 'new_speaker');
    const deleted = await fetch(`${server.url}/delete_speaker`, { method: 'POST', body: del });
    expect(deleted.status).toBe(404);
    const builtin = await fetch(`${server.url}/delete_speaker`, { method: 'POST', body: new URLSearchParams({ name: 'male' }) });
    expect(builtin.status).toBe(400);
  });

  it('cancels the synthesis of a client that goes away', async () => {
    const text = Array.from(
      { length: 30 },
      (_, i) => `This is sentence ${i + 1} of a very long text that nobody will hear.`,
    ).join(' ');
    const res = await post(`${server.url}/speak`, { name: 'female', text, stream: true, response_format: 'pcm' }, {});
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    const openStreams = async (): Promise<number> =>
      ((await (await fetch(`${server.url}/healthz`)).json()) as { open_streams: number }).open_streams;
    await waitFor(async () => (await openStreams()) === 0, 'the abandoned synthesis freeing its slot', 10_000);
  });
});

describe('API key and load limits', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(['--api-key', 'sesame', '--workers', '1', '--max-streams', '1']);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('requires the key on every route but the model and voice lists', async () => {
    expect((await fetch(`${server.url}/server_info`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(200);
    expect((await post(`${server.url}/speak`, { name: 'male', text: 'hi' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sesame' });
    const audio = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'echo',
      input: 'The key works.',
      response_format: 'wav',
      stream: false,
    } as OpenAI.Audio.SpeechCreateParams);
    expect((await decodeAudio(new Uint8Array(await audio.arrayBuffer()), 'wav')).duration).toBeGreaterThan(0.5);
  });

  it('says which scheme a 401 wants, and what was wrong with the header', async () => {
    const answer = async (authorization?: string): Promise<{ status: number; scheme: string | null; message: string }> => {
      const res = await fetch(`${server.url}/server_info`, authorization ? { headers: { authorization } } : {});
      const { error } = (await res.json()) as { error?: { message: string } };
      return { status: res.status, scheme: res.headers.get('www-authenticate'), message: error?.message ?? '' };
    };
    expect(await answer()).toEqual({
      status: 401,
      scheme: 'Bearer',
      message: 'This server needs an API key: send "Authorization: Bearer <key>".',
    });
    expect((await answer('sesame')).message).toBe(
      'The Authorization header must use the Bearer scheme: "Authorization: Bearer <key>" (it had no scheme).',
    );
    expect((await answer('Basic c2VzYW1l')).message).toMatch(/must use the Bearer scheme.*\(it had the scheme "Basic"\)/);
    expect((await answer('Bearer wrong')).message).toBe('The API key is wrong.');
    expect((await answer('Bearer sesame')).status).toBe(200);
  });

  it('answers 503 with Retry-After at once when full', async () => {
    const text = Array.from({ length: 8 }, (_, i) => `Busy sentence number ${i + 1} keeps the only worker occupied.`).join(' ');
    const auth = { authorization: 'Bearer sesame' };
    const first = post(`${server.url}/speak`, { name: 'male', text, response_format: 'wav' }, auth);
    const openStreams = async (): Promise<number> =>
      ((await (await fetch(`${server.url}/healthz`, { headers: auth })).json()) as { open_streams: number }).open_streams;
    await waitFor(async () => (await openStreams()) === 1, 'the first request holding the only slot');
    const started = performance.now();
    const second = await post(`${server.url}/speak`, { name: 'male', text: 'Me too.' }, auth);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await first).status).toBe(200);
  });
});
