/**
 * LLM → speech with a fake OpenAI-compatible chat server (port 0, SSE token deltas) and the real
 * OpenAI SDK and TTS server: speech starts before the LLM has finished; barge-in stops both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { ContextMessage } from '../../protocol/messages.js';
import { speakTokenStream, tokenText } from '../../src/adapters/llm.js';
import { MarkdownSpeechFilter, markdownToSpeech } from '../../src/adapters/markdown-speech.js';
import { createRealtimeClient } from '../../src/adapters/realtime-client.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { waitFor } from '../helpers/wait.js';

const ANSWER =
  'Sure! Here is **what you asked** for. The first step is to open the `settings` page.\n\n' +
  '```js\nconsole.log("this code is not read aloud");\n```\n\n' +
  '- Then choose [your profile](https://example.com/profile).\n- Finally, press save.\n\n' +
  'That is all there is to it, and it should take less than a minute.';

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('markdown made speakable', () => {
  it('drops code blocks and markup, keeps the words', () => {
    const spoken = squash(markdownToSpeech(ANSWER));
    expect(spoken).toBe(
      'Sure! Here is what you asked for. The first step is to open the settings page. Then choose your profile. Finally, press save. That is all there is to it, and it should take less than a minute.',
    );
    expect(
      squash(markdownToSpeech('# Title\n> quoted *text* and __bold__ and snake_case_name\n| a | b |\n|---|---|\n| 1 | 2 |')),
    ).toBe('Title quoted text and bold and snake_case_name a, b . 1, 2');
  });

  it('gives the same words whatever pieces the text arrives in', () => {
    const whole = squash(markdownToSpeech(ANSWER));
    for (let trial = 0; trial < 30; trial++) {
      const filter = new MarkdownSpeechFilter();
      let out = '';
      for (let i = 0; i < ANSWER.length; ) {
        const n = 1 + Math.floor(Math.random() * 7);
        out += filter.push(ANSWER.slice(i, i + n));
        i += n;
      }
      out += filter.end();
      expect(squash(out)).toBe(whole);
    }
  });

  it('reads the text of OpenAI chunks, { text } chunks and strings', () => {
    expect(tokenText({ choices: [{ delta: { content: 'Hi' } }] })).toBe('Hi');
    expect(tokenText({ choices: [{ delta: {} }] })).toBe('');
    expect(tokenText({ text: 'there' })).toBe('there');
    expect(tokenText('!')).toBe('!');
  });
});

describe('speakTokenStream with a streaming chat completion', () => {
  let tts: RunningServer;
  let llm: Server;
  let llmUrl: string;
  const log: { finishedAt?: number; sent: number; closedEarly: boolean }[] = [];

  beforeAll(async () => {
    tts = await startServer({ port: 0, logLevel: 'silent' });
    const tokens = ANSWER.match(/\S+\s*|\s+/g) ?? [];
    llm = createServer((req, res) => {
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const entry: { finishedAt?: number; sent: number; closedEarly: boolean } = { sent: 0, closedEarly: false };
      log.push(entry);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let i = 0;
      const timer = setInterval(() => {
        if (i < tokens.length) {
          const chunk = {
            id: 'c1',
            object: 'chat.completion.chunk',
            created: 0,
            model: 'fake',
            choices: [{ index: 0, delta: { content: tokens[i] }, finish_reason: null }],
          };
          res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          entry.sent = ++i;
          return;
        }
        clearInterval(timer);
        entry.finishedAt = Date.now();
        res.end('data: [DONE]\n\n');
      }, 40);
      res.on('close', () => {
        if (i < tokens.length) entry.closedEarly = true;
        clearInterval(timer);
      });
    });
    llm.listen(0, '127.0.0.1');
    await new Promise((resolve) => llm.once('listening', resolve));
    llmUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    llm.close();
    await tts.close();
  });

  it('starts speaking before the LLM has finished, and never reads the code', async () => {
    const openai = new OpenAI({ baseURL: llmUrl, apiKey: 'none' });
    const client = await createRealtimeClient(tts.url, { format: { encoding: 'pcm_s16le', sample_rate: 16000 } });
    const stream = await openai.chat.completions.create({
      model: 'fake',
      stream: true,
      messages: [{ role: 'user', content: 'How?' }],
    });
    const reply = speakTokenStream(client, stream);
    let firstAudioAt = 0;
    const events: ContextMessage[] = [];
    for await (const event of reply.context) {
      events.push(event);
      if (event.type === 'audio' && firstAudioAt === 0) firstAudioAt = Date.now();
    }
    await client.close();
    const entry = log.at(-1);
    expect(entry?.finishedAt).toBeDefined();
    expect(firstAudioAt).toBeLessThan(entry?.finishedAt as number);
    const said = events
      .filter((e) => e.type === 'segment')
      .map((e) => e.text)
      .join(' ');
    expect(said).toContain('The first step is to open the settings page.');
    expect(said).not.toMatch(/console|log\(|```|\*\*|https/);
    expect(events.at(-1)?.type).toBe('done');
  });

  it('stops reading the LLM and speaking on barge-in', async () => {
    const openai = new OpenAI({ baseURL: llmUrl, apiKey: 'none' });
    const client = await createRealtimeClient(tts.url);
    const stream = await openai.chat.completions.create({
      model: 'fake',
      stream: true,
      messages: [{ role: 'user', content: 'How?' }],
    });
    const barge = new AbortController();
    const reply = speakTokenStream(client, stream, { signal: barge.signal });
    const events: ContextMessage[] = [];
    for await (const event of reply.context) {
      events.push(event);
      if (event.type === 'audio' && !barge.signal.aborted) barge.abort();
    }
    await reply.fed;
    await client.close();
    expect(events.at(-1)?.type).toBe('cancelled');
    // The LLM's answer was not read to the end: its connection closes early.
    await waitFor(() => log.at(-1)?.closedEarly === true, 'the LLM connection closed before its last token', 5000);
  });
});
