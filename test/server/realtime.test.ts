/**
 * The realtime WebSocket endpoint, on a real server on port 0, through the client SDK (and raw
 * `ws` for what a well-behaved client never sends). Audio is decoded and listened to.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket, { WebSocketServer } from 'ws';
import { getCodec } from '../../protocol/codec.js';
import type { AudioMessage, ContextMessage, ErrorMessage, ServerMessage } from '../../protocol/messages.js';
import { createRealtimeClient, RealtimeClosedError } from '../../src/adapters/realtime-client.js';
import { concatBytes } from '../../src/audio/pcm.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { segmentText } from '../../src/text/segmenter.js';
import { transcribe, voicedShare, wordErrorRate } from '../helpers/audio.js';
import { audioOf, collect, decodeOpusPackets, floatToPcmBytes, openRaw } from '../helpers/realtime.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const TEXT =
  'The quick brown fox jumps over the lazy dog. Realtime speech should start quickly. Every sentence arrives in order, one after another.';
const LONG = Array.from({ length: 6 }, () => TEXT).join(' ');

/** Paces what the test sends (tokens as an LLM sends them, cancels at random moments); never used to wait for the server. */
const pace = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function quiet(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  return startServer({ port: 0, logLevel: 'silent', ...options });
}

describe('realtime endpoint', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await quiet({ wsMaxContexts: 4, wsMaxMessageBytes: 64 * 1024, maxTextChars: 2000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('announces the session format and its limits in ready', async () => {
    const client = await createRealtimeClient(server.url);
    expect(client.ready.protocol_version).toBe(1);
    expect(client.ready.codec).toBe('msgpack');
    expect(client.ready.format).toEqual({ encoding: 'opus', sample_rate: 48000, channels: 1, frame_ms: 20 });
    expect(client.ready.limits).toMatchObject({ max_contexts: 4, max_message_bytes: 64 * 1024, max_text_chars: 2000 });
    expect(client.ready.limits.idle_timeout_ms).toBeGreaterThan(0);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    await client.close();
  });

  it('speaks a multi-sentence text as ordered segments of 20 ms Opus packets that decode to the speech', async () => {
    const client = await createRealtimeClient(server.url, { voice: 'female' });
    const events = await collect(client.speak(TEXT));
    await client.close();

    const segments = events.filter((e) => e.type === 'segment');
    expect(segments.map((s) => s.text)).toEqual(segmentText(TEXT));
    expect(segments.map((s) => s.segment_id)).toEqual(segments.map((_, i) => i));
    expect(events.at(-1)?.type).toBe('done');

    const audio = audioOf(events);
    expect(audio.map((a) => a.seq)).toEqual(audio.map((_, i) => i));
    for (const [i, a] of audio.entries()) {
      expect(a.dur_ms).toBe(20);
      expect(a.pts_ms).toBeCloseTo(i * 20, 5);
    }
    // Every packet decodes to exactly 20 ms at 48 kHz.
    const { perPacket, samples } = decodeOpusPackets(
      audio.map((a) => a.data),
      1,
    );
    expect(new Set(perPacket)).toEqual(new Set([960]));
    const done = events.at(-1) as Extract<ContextMessage, { type: 'done' }>;
    expect(samples.length / 48).toBeCloseTo(done.duration_ms, 5);

    // As long as the same text spoken through REST, plus at most a packet and Opus' look-ahead per segment.
    const rest = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flash-tts', input: TEXT, voice: 'female', response_format: 'pcm', sample_rate: 48000 }),
    });
    const restSeconds = (await rest.arrayBuffer()).byteLength / 2 / 48000;
    const wsSeconds = samples.length / 48000;
    expect(wsSeconds).toBeGreaterThanOrEqual(restSeconds);
    expect(wsSeconds - restSeconds).toBeLessThanOrEqual(segments.length * 0.027 + 0.001);

    // And it is that speech.
    expect(voicedShare(samples, 48000)).toBeGreaterThan(0.3);
    const heard = await transcribe(floatToPcmBytes(samples), 'pcm', 48000);
    expect(wordErrorRate(TEXT, heard)).toBeLessThan(0.35);
  });

  it('streams stereo Opus packets of 960 samples per channel', async () => {
    const client = await createRealtimeClient(server.url, { format: { encoding: 'opus', channels: 2 } });
    const events = await collect(client.speak('Stereo for a voice channel.'));
    await client.close();
    const { perPacket } = decodeOpusPackets(
      audioOf(events).map((a) => a.data),
      2,
    );
    expect(perPacket.length).toBeGreaterThan(20);
    expect(new Set(perPacket)).toEqual(new Set([960]));
  });

  it('streams PCM at 16 and 24 kHz in the asked chunk size, the same speech at both rates', async () => {
    const seconds: number[] = [];
    for (const rate of [16000, 24000]) {
      const client = await createRealtimeClient(server.url, {
        format: { encoding: 'pcm_s16le', sample_rate: rate, frame_ms: 40 },
      });
      expect(client.ready.format).toEqual({ encoding: 'pcm_s16le', sample_rate: rate, channels: 1, frame_ms: 40 });
      const events = await collect(client.speak(TEXT));
      await client.close();
      const audio = audioOf(events);
      const chunkBytes = ((rate * 40) / 1000 / 1) * 2;
      // Every chunk is 40 ms except the last of each segment.
      const lastOfSegment = new Set(
        events.filter((e) => e.type === 'segment_end').map((e) => audio.filter((a) => a.segment_id === e.segment_id).at(-1)),
      );
      for (const a of audio) {
        if (lastOfSegment.has(a)) expect(a.data.length).toBeLessThanOrEqual(chunkBytes);
        else expect(a.data.length).toBe(chunkBytes);
        expect(a.dur_ms).toBeCloseTo((a.data.length / 2 / rate) * 1000, 1);
      }
      const pcm = concatBytes(audio.map((a) => a.data));
      seconds.push(pcm.length / 2 / rate);
      const done = events.at(-1) as Extract<ContextMessage, { type: 'done' }>;
      expect(done.duration_ms / 1000).toBeCloseTo(pcm.length / 2 / rate, 3);
      if (rate === 16000) expect(wordErrorRate(TEXT, await transcribe(pcm, 'pcm', rate))).toBeLessThan(0.35);
    }
    expect(Math.abs((seconds[0] as number) - (seconds[1] as number))).toBeLessThan(0.01);
  });

  it('streams µ-law at 8 kHz, one byte per sample', async () => {
    const client = await createRealtimeClient(server.url, { format: { encoding: 'mulaw' } });
    expect(client.ready.format.sample_rate).toBe(8000);
    const audio = audioOf(await collect(client.speak('Telephony speaks mu law.')));
    await client.close();
    expect(audio[0]?.data.length).toBe(160);
    expect(audio[0]?.dur_ms).toBe(20);
  });

  it('runs several contexts on one socket: each in order, a short one not stuck behind a long one', async () => {
    const client = await createRealtimeClient(server.url, { format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
    const order: ServerMessage[] = [];
    client.on('message', (m: ServerMessage) => order.push(m));
    const long = client.speak(LONG, { contextId: 'long' });
    const other = client.speak(TEXT, { contextId: 'other', voice: 'male' });
    const short = client.speak('A short reply.', { contextId: 'short' });
    const [longEvents, otherEvents, shortEvents] = await Promise.all([collect(long), collect(other), collect(short)]);
    await client.close();
    for (const [events, text] of [
      [longEvents, LONG],
      [otherEvents, TEXT],
      [shortEvents, 'A short reply.'],
    ] as const) {
      expect(events.filter((e) => e.type === 'segment').map((e) => e.text)).toEqual(segmentText(text));
      const audio = audioOf(events);
      expect(audio.map((a) => a.seq)).toEqual(audio.map((_, i) => i));
      expect(events.at(-1)?.type).toBe('done');
    }
    const doneAt = (id: string): number => order.findIndex((m) => m.type === 'done' && m.context_id === id);
    expect(doneAt('short')).toBeLessThan(doneAt('long'));
    expect(doneAt('other')).toBeLessThan(doneAt('long'));
    // The per-context voice reached the engine: "other" is exactly REST's male rendering of the
    // same text, not the female one.
    const restBytes = async (voice: string): Promise<number> => {
      const res = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', input: TEXT, voice, response_format: 'pcm', sample_rate: 16000 }),
      });
      return (await res.arrayBuffer()).byteLength;
    };
    const otherBytes = audioOf(otherEvents).reduce((n, a) => n + a.data.length, 0);
    expect(otherBytes).toBe(await restBytes('male'));
    expect(otherBytes).not.toBe(await restBytes('female'));
  });

  it('segments token-by-token input exactly as the whole text', async () => {
    const client = await createRealtimeClient(server.url, { format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
    const context = client.context('tokens');
    const tokens = TEXT.match(/\S+\s*/g) ?? [];
    const collected = collect(context);
    for (const token of tokens) {
      context.pushText(token);
      await pace(3);
    }
    context.end();
    const events = await collected;
    await client.close();
    expect(events.filter((e) => e.type === 'segment').map((e) => e.text)).toEqual(segmentText(TEXT));
    expect(events.at(-1)?.type).toBe('done');
  });

  it('speaks text left pending after a pause in the input (idle flush)', async () => {
    const client = await createRealtimeClient(server.url, {
      idleFlushMs: 150,
      format: { encoding: 'pcm_s16le', sample_rate: 16000 },
    });
    const context = client.context();
    const events: ContextMessage[] = [];
    const all = (async () => {
      for await (const e of context) events.push(e);
    })();
    context.pushText('An unfinished thought without a full stop');
    // Spoken before any flush or end.
    await waitFor(() => audioOf(events).length > 10, 'audio of the pending text, with no flush or end sent', 10_000);
    expect(events.find((e) => e.type === 'segment')?.text).toBe('An unfinished thought without a full stop');
    expect(audioOf(events).length).toBeGreaterThan(10);
    context.end();
    await all;
    await client.close();
  });

  it('sends flushed after the audio of everything before the flush, and done last', async () => {
    const client = await createRealtimeClient(server.url, { format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
    const context = client.context();
    const collected = collect(context);
    context.pushText('The first part is here');
    const first = context.flush('one');
    context.pushText('and the second part follows.');
    const second = context.flush('two');
    context.end();
    const events = await collected;
    await client.close();
    expect((await first).flush_id).toBe('one');
    expect((await second).flush_id).toBe('two');
    const index = (p: (e: ContextMessage) => boolean): number => events.findIndex(p);
    const lastIndex = (p: (e: ContextMessage) => boolean): number => events.findLastIndex(p);
    const flushOne = index((e) => e.type === 'flushed' && e.flush_id === 'one');
    const flushTwo = index((e) => e.type === 'flushed' && e.flush_id === 'two');
    const segments = events.filter((e) => e.type === 'segment');
    expect(segments.map((s) => s.text)).toEqual(['The first part is here', 'and the second part follows.']);
    expect(lastIndex((e) => e.type === 'audio' && e.segment_id === 0)).toBeLessThan(flushOne);
    expect(index((e) => e.type === 'audio' && e.segment_id === 1)).toBeGreaterThan(flushOne);
    expect(lastIndex((e) => e.type === 'audio')).toBeLessThan(flushTwo);
    expect(events.at(-1)?.type).toBe('done');
  });

  it('speaks each text message as given when segmentation is off', async () => {
    const client = await createRealtimeClient(server.url, {
      segmentation: false,
      format: { encoding: 'pcm_s16le', sample_rate: 16000 },
    });
    const context = client.context();
    context.pushText('One. Two. Three.');
    context.pushText('Four, five');
    context.end();
    const events = await collect(context);
    await client.close();
    expect(events.filter((e) => e.type === 'segment').map((e) => e.text)).toEqual(['One. Two. Three.', 'Four, five']);
  });

  it('gives word timestamps inside their segment, in order', async () => {
    const client = await createRealtimeClient(server.url, {
      timestamps: true,
      format: { encoding: 'pcm_s16le', sample_rate: 24000 },
    });
    const events = await collect(client.speak('Hello world, this is a test. Words have times.'));
    await client.close();
    const words = events.filter((e) => e.type === 'words');
    expect(words.flatMap((w) => w.words.map((x) => x.word))).toEqual([
      'Hello',
      'world',
      'this',
      'is',
      'a',
      'test',
      'Words',
      'have',
      'times',
    ]);
    for (const w of words) {
      const start = events.find((e) => e.type === 'segment' && e.segment_id === w.segment_id) as { start_ms: number };
      const end = events.find((e) => e.type === 'segment_end' && e.segment_id === w.segment_id) as { end_ms: number };
      let previous = start.start_ms;
      for (const word of w.words) {
        expect(word.start_ms).toBeGreaterThanOrEqual(previous);
        expect(word.end_ms).toBeGreaterThan(word.start_ms);
        expect(word.end_ms).toBeLessThanOrEqual(end.end_ms);
        previous = word.end_ms;
      }
    }
  });

  it('never sends anything of a context after its cancelled, whenever the cancel lands (barge-in race)', async () => {
    const client = await createRealtimeClient(server.url, { format: { encoding: 'opus' }, timestamps: true });
    const order: ServerMessage[] = [];
    client.on('message', (m: ServerMessage) => order.push(m));
    const ids: string[] = [];
    let cancelledCount = 0;
    for (let i = 0; i < 40; i++) {
      const id = `race-${i}`;
      ids.push(id);
      const context = client.speak(LONG, { contextId: id });
      // From "before the server saw the text" through "mid-stream".
      const delay = i % 4 === 0 ? 0 : Math.random() * 250;
      if (delay > 0) await pace(delay);
      else if (i % 8 === 0) await Promise.resolve();
      const last = await context.cancel();
      if (last.type === 'cancelled') cancelledCount++;
    }
    // Once the engines are idle, a ping answered after everything the server sent before it is the
    // barrier: a late message of a cancelled context would arrive before the pong.
    await waitFor(() => server.scheduler.runningJobs === 0, 'the engines idle after the cancels');
    await client.ping();
    await client.close();
    expect(cancelledCount).toBe(40);
    for (const id of ids) {
      const mine = order.filter((m) => 'context_id' in m && m.context_id === id);
      expect(mine.at(-1)?.type).toBe('cancelled');
      expect(mine.filter((m) => m.type === 'cancelled')).toHaveLength(1);
    }
    // The engine stopped: nothing of those contexts is queued or running.
    expect(server.scheduler.openStreams).toBe(0);
    expect(server.scheduler.queuedJobs).toBe(0);
  });

  it('keeps working after a cancel: the next context on the socket speaks in full', async () => {
    const client = await createRealtimeClient(server.url);
    const first = client.speak(LONG, { contextId: 'x' });
    for await (const event of first) if (event.type === 'audio') break; // mid-stream
    await first.cancel();
    // The same id may be used again once cancelled.
    const events = await collect(client.speak('Back again.', { contextId: 'x' }));
    await client.close();
    expect(events[0]?.type).toBe('segment');
    expect(events.at(-1)?.type).toBe('done');
    expect(audioOf(events).length).toBeGreaterThan(20);
  });

  it('answers JSON clients with base64 audio', async () => {
    const client = await createRealtimeClient(server.url, { codec: 'json' });
    expect(client.ready.codec).toBe('json');
    const audio = audioOf(await collect(client.speak('Browsers read JSON.')));
    await client.close();
    const { perPacket } = decodeOpusPackets(
      audio.map((a) => a.data),
      1,
    );
    expect(new Set(perPacket)).toEqual(new Set([960]));
  });

  it('answers in JSON a client that names no codec but sends JSON text frames, and msgpack one that sends binary', async () => {
    /** The frames the server sends back for one init, and whether they were binary. */
    const replies = async (init: string | Uint8Array): Promise<{ binary: boolean; type: string; codec?: string }[]> => {
      const raw = await openRaw(server.url);
      const kinds: boolean[] = [];
      raw.ws.on('message', (_data, isBinary) => kinds.push(isBinary));
      raw.ws.send(init);
      await raw.next((m) => m.type === 'ready');
      raw.ws.send(typeof init === 'string' ? '{"type": "ping", "id": 7}' : getCodec('msgpack').encode({ type: 'ping', id: 7 }));
      await raw.next((m) => m.type === 'pong');
      raw.ws.close();
      return raw.messages.map((m, i) => ({
        binary: kinds[i] as boolean,
        type: m.type,
        ...(m.type === 'ready' ? { codec: m.codec } : {}),
      }));
    };
    const init = { type: 'init', format: { encoding: 'pcm_s16le' } };
    expect(await replies(JSON.stringify(init))).toEqual([
      { binary: false, type: 'ready', codec: 'json' },
      { binary: false, type: 'pong' },
    ]);
    expect(await replies(getCodec('msgpack').encode(init) as Uint8Array)).toEqual([
      { binary: true, type: 'ready', codec: 'msgpack' },
      { binary: true, type: 'pong' },
    ]);
  });

  it('refuses an upgrade that offers only subprotocols it does not speak, or an unknown codec, saying which it does', async () => {
    /** The HTTP answer to an upgrade: its status and error message, or "open". */
    const upgrade = (path: string, protocols?: string[]): Promise<{ status: number; message?: string } | 'open'> =>
      withDeadline(
        new Promise((resolve) => {
          const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, protocols);
          ws.on('open', () => {
            ws.close();
            resolve('open');
          });
          ws.on('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => {
              body += chunk.toString();
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                message: (JSON.parse(body) as { error: { message: string } }).error.message,
              }),
            );
          });
        }),
        `upgrade ${path}`,
      );
    expect(await upgrade('/v1/realtime', ['flash-tts.v2.json'])).toEqual({
      status: 400,
      message:
        'The subprotocol must be flash-tts.v1.msgpack or flash-tts.v1.json, not "flash-tts.v2.json"; or offer none (and add ?codec=json for JSON).',
    });
    expect(await upgrade('/v1/realtime?codec=xml')).toEqual({
      status: 400,
      message: 'codec must be one of msgpack, json, not "xml".',
    });
    expect(await upgrade('/v1/realtime', ['chat', 'flash-tts.v1.json'])).toBe('open');
  });

  describe('bad input gets an error that names the problem, and the session goes on', () => {
    it('rejects garbage, wrong types, unknown types and oversized messages without closing', async () => {
      const raw = await openRaw(server.url);
      raw.send({ type: 'init', format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
      await raw.next((m) => m.type === 'ready');
      const errors = (): ErrorMessage[] => raw.messages.filter((m): m is ErrorMessage => m.type === 'error');

      raw.ws.send(Buffer.from([0xc1, 0xff, 0x00, 0x13]));
      raw.ws.send('{"type": "text", nope');
      raw.send({ type: 'text', context_id: 5, text: 'hi' });
      raw.send({ type: 'dance' });
      raw.send({ type: 'text', context_id: 'a', text: 'x'.repeat(2001) });
      raw.send({ type: 'text', context_id: 'a', text: 'y'.repeat(70 * 1024) });
      raw.send({ type: 'text', context_id: 'a', text: 'Hello.', voice: 'nobody' });
      raw.send({ type: 'init' });
      raw.send({ type: 'ping', id: 7, extra: 'ignored' });
      await raw.next((m) => m.type === 'pong');
      const got = errors();
      expect(got.map((e) => e.code)).toEqual([
        'invalid_message',
        'invalid_message',
        'invalid_request',
        'unknown_message_type',
        'text_too_long',
        'payload_too_large',
        'voice_not_found',
        'invalid_request',
      ]);
      expect(got.every((e) => !e.fatal)).toBe(true);
      expect(got[2]?.param).toBe('context_id');
      expect(got[3]?.message).toContain('dance');
      expect(got[4]?.context_id).toBe('a');
      expect(got[4]?.message).toContain('2000');
      expect(got[6]?.message).toContain('female');
      const pong = raw.messages.find((m) => m.type === 'pong');
      expect(pong).toMatchObject({ id: 7 });

      // Nothing was lost: the session still speaks.
      raw.send({ type: 'speak', context_id: 'a', text: 'Still here.' });
      await raw.next((m) => m.type === 'done');
      raw.ws.close(1000);
      expect((await raw.closed).code).toBe(1000);
    });

    it('refuses Chinese text for a voice that cannot read it, in that context, and goes on', async () => {
      const raw = await openRaw(server.url);
      raw.send({ type: 'init', voice: 'female', format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
      await raw.next((m) => m.type === 'ready');
      raw.send({ type: 'text', context_id: 'zh', text: '你好，今天天气很好。' });
      const error = (await raw.next((m) => m.type === 'error')) as ErrorMessage;
      // This server has no Chinese voice installed: the error says which model to install.
      expect(error).toMatchObject({ code: 'engine_not_installed', context_id: 'zh', param: 'text', fatal: false });
      expect(error.message).toMatch(/Chinese/);
      raw.send({ type: 'speak', context_id: 'zh', text: 'English still works.' });
      const done = await raw.next((m) => m.type === 'done');
      expect(done).toMatchObject({ context_id: 'zh' });
      expect(raw.messages.filter((m) => m.type === 'audio' && m.context_id === 'zh').length).toBeGreaterThan(0);
      raw.ws.close(1000);
      await raw.closed;
    });

    it('survives random frames, and closes a session that keeps sending them with 4004', async () => {
      const raw = await openRaw(server.url);
      raw.send({ type: 'init' });
      await raw.next((m) => m.type === 'ready');
      let seed = 42;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const values = [null, 0, -1, 1e308, 'x', '', true, [], {}, [1, 'a'], { nested: { deep: [null] } }];
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
      const types = ['text', 'flush', 'end', 'cancel', 'speak', 'ping', 'init', 'dance', 7, null];
      for (let i = 0; i < 90; i++) {
        const kind = i % 3;
        if (kind === 0)
          raw.ws.send(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))));
        else if (kind === 1) raw.ws.send(JSON.stringify(pick(values)));
        else
          raw.send({
            type: pick(types),
            context_id: pick([...values, 'c']),
            text: pick(values),
            flush_id: pick(values),
            voice: pick(values),
          });
      }
      raw.send({ type: 'ping', id: 'alive' });
      await raw.next((m) => m.type === 'pong');
      expect(raw.messages.some((m) => m.type === 'error' && m.fatal)).toBe(false);
      // Past 100 invalid messages the session is closed as abusive.
      for (let i = 0; i < 110; i++) raw.ws.send('not json');
      const { code } = await raw.closed;
      expect(code).toBe(4004);
      // The server is fine.
      const client = await createRealtimeClient(server.url);
      expect((await collect(client.speak('Still fine.'))).at(-1)?.type).toBe('done');
      await client.close();
    });

    it('refuses more contexts than the limit and text after end, per context', async () => {
      const raw = await openRaw(server.url);
      raw.send({ type: 'init' });
      await raw.next((m) => m.type === 'ready');
      for (const id of ['a', 'b', 'c', 'd', 'e']) raw.send({ type: 'text', context_id: id, text: 'Waiting' });
      const tooMany = (await raw.next((m) => m.type === 'error')) as ErrorMessage;
      expect(tooMany).toMatchObject({ code: 'too_many_contexts', context_id: 'e', fatal: false });
      raw.send({ type: 'end', context_id: 'a' });
      raw.send({ type: 'text', context_id: 'a', text: 'More.' });
      const closedCtx = (await raw.next((m) => m.type === 'error' && m.code === 'context_closed')) as ErrorMessage;
      expect(closedCtx.context_id).toBe('a');
      for (const id of ['b', 'c', 'd']) raw.send({ type: 'cancel', context_id: id });
      await raw.next((m) => m.type === 'done' && m.context_id === 'a');
      raw.ws.close();
    });

    it('closes a frame far over the limit with 1009, and the server stays up', async () => {
      const raw = await openRaw(server.url);
      raw.send({ type: 'init' });
      await raw.next((m) => m.type === 'ready');
      raw.ws.send(Buffer.alloc(64 * 1024 * 4 + 100));
      expect((await raw.closed).code).toBe(1009);
      const client = await createRealtimeClient(server.url);
      await client.close();
    });

    it('closes with 4002 when the first message is not a valid init', async () => {
      const before = await openRaw(server.url);
      before.send({ type: 'text', context_id: 'a', text: 'Hi.' });
      expect((await before.closed).code).toBe(4002);
      expect(before.messages[0]).toMatchObject({ type: 'error', code: 'not_initialized', fatal: true });

      await expect(createRealtimeClient(server.url, { format: { encoding: 'opus', sample_rate: 16000 } })).rejects.toMatchObject({
        code: 4002,
        error: { code: 'unsupported_format', param: 'format.sample_rate' },
      });
      const error = await createRealtimeClient(server.url, { format: { encoding: 'opus', sample_rate: 16000 } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RealtimeClosedError);
      expect((error as RealtimeClosedError).message).toContain('format.sample_rate');

      const version = await openRaw(server.url);
      version.send({ type: 'init', version: 99 });
      expect((await version.closed).code).toBe(4002);
      expect(version.messages[0]).toMatchObject({ code: 'unsupported_version' });
    });
  });
});

describe('realtime auth and limits', () => {
  it('needs the API key in the header or in init', async () => {
    const server = await quiet({ apiKey: 'sekrit' });
    try {
      // A wrong header is refused at the upgrade.
      await expect(createRealtimeClient(server.url, { apiKey: 'wrong' })).rejects.toThrow(/401/);
      // No key at all: the init without a token is refused with 4001.
      const refused = await createRealtimeClient(server.url).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RealtimeClosedError);
      expect((refused as RealtimeClosedError).code).toBe(4001);
      expect((refused as RealtimeClosedError).error?.code).toBe('unauthorized');
      const wrongToken = await createRealtimeClient(server.url, { apiKey: 'nope', tokenInInit: true }).catch((e: unknown) => e);
      expect((wrongToken as RealtimeClosedError).code).toBe(4001);
      // The right key, either way.
      for (const tokenInInit of [false, true]) {
        const client = await createRealtimeClient(server.url, { apiKey: 'sekrit', tokenInInit });
        const events = await collect(client.speak('Authorized.'));
        expect(events.at(-1)?.type).toBe('done');
        await client.close();
      }
    } finally {
      await server.close();
    }
  });

  it('closes its sessions with 1001 when the server shuts down', async () => {
    const server = await quiet();
    const client = await createRealtimeClient(server.url);
    const context = client.speak(LONG);
    let audioArrived!: () => void;
    const firstAudio = new Promise<void>((resolve) => {
      audioArrived = resolve;
    });
    const reading = (async () => {
      for await (const event of context) if (event.type === 'audio') audioArrived();
    })().catch((e: unknown) => e);
    await withDeadline(firstAudio, 'the first audio');
    await server.close();
    const error = await reading;
    expect(error).toBeInstanceOf(RealtimeClosedError);
    expect((error as RealtimeClosedError).code).toBe(1001);
    expect(client.closed?.code).toBe(1001);
  });

  it('closes an idle session with 4003, but not one that is speaking', async () => {
    const server = await quiet({ wsIdleTimeoutMs: 400 });
    try {
      const idle = await openRaw(server.url);
      idle.send({ type: 'init' });
      const t0 = Date.now();
      const { code } = await idle.closed;
      expect(code).toBe(4003);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
      expect(idle.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'idle_timeout', fatal: true });

      // A session whose audio takes longer than the timeout to produce stays open.
      const busy = await createRealtimeClient(server.url, { format: { encoding: 'pcm_s16le', sample_rate: 48000, channels: 2 } });
      const events = await collect(busy.speak(LONG));
      expect(events.at(-1)?.type).toBe('done');
      await busy.close();
    } finally {
      await server.close();
    }
  });

  it('closes a client that stops reading with 4005 instead of buffering without end', async () => {
    const server = await quiet({ wsMaxBufferedBytes: 64 * 1024, wsSlowConsumerMs: 500 });
    try {
      const raw = await openRaw(server.url);
      raw.send({ type: 'init', format: { encoding: 'pcm_s16le', sample_rate: 48000, channels: 2 } });
      await raw.next((m) => m.type === 'ready');
      // Stop reading: the kernel's buffers fill, then the server's queue.
      raw.ws.pause();
      raw.send({ type: 'speak', context_id: 'flood', text: `${LONG} ${LONG} ${LONG}` });
      // The server gives the session up and stops synthesizing for it.
      await waitFor(() => [...server.realtime.sessions].every((s) => s.closing), 'the slow session given up', 30_000);
      expect(server.scheduler.openStreams).toBe(0);
      raw.ws.resume();
      const { code } = await raw.closed;
      expect(code).toBe(4005);
      const error = raw.messages.find((m) => m.type === 'error') as ErrorMessage;
      expect(error).toMatchObject({ code: 'slow_consumer', fatal: true });
      // It never got the whole text: the server stopped rather than buffering it all.
      expect(raw.messages.some((m) => m.type === 'done')).toBe(false);
      const audioBytes = raw.messages.filter((m): m is AudioMessage => m.type === 'audio').reduce((n, m) => n + m.data.length, 0);
      expect(audioBytes).toBeGreaterThan(64 * 1024);
    } finally {
      await server.close();
    }
  });
});

describe('realtime client', () => {
  it('rejects a ping that the socket closes before answering, and one sent after', async () => {
    // A server that gets ready, then closes instead of answering a ping.
    const codec = getCodec('msgpack');
    const wss = new WebSocketServer({ port: 0, handleProtocols: (offered) => [...offered][0] ?? false });
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const { type } = codec.decode(data as Buffer) as { type: string };
        if (type === 'init') ws.send(codec.encode({ type: 'ready' }));
        if (type === 'ping') ws.close(1011, 'no pong here');
      }),
    );
    await once(wss, 'listening');
    try {
      const client = await createRealtimeClient(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`);
      const error = await withDeadline(
        client.ping().catch((e: unknown) => e),
        'the ping settled',
      );
      expect(error).toBeInstanceOf(RealtimeClosedError);
      expect((error as RealtimeClosedError).code).toBe(1011);
      await expect(client.ping()).rejects.toBeInstanceOf(RealtimeClosedError);
    } finally {
      wss.close();
    }
  });
});
