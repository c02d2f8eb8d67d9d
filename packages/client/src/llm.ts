/**
 * LLM → speech: `speakTokenStream` feeds any async iterable of text deltas — the OpenAI SDK's
 * `chat.completions.create({ stream: true })`, the Vercel AI SDK's `textStream`, plain strings —
 * into one realtime context as it arrives, so speech starts with the first fragment while the
 * model is still writing. Markdown is made speakable on the way (see markdown-speech.ts).
 */

import { MarkdownSpeechFilter } from './markdown-speech.js';
import type { RealtimeClient, RealtimeContextHandle } from './realtime-client.js';

/** What a token stream may yield. */
export type TokenChunk = string | { choices?: { delta?: { content?: string | null } }[] } | { text?: string } | null | undefined;

/** The text of one streamed chunk (OpenAI chunk, `{ text }`, or a string). */
export function tokenText(chunk: TokenChunk): string {
  if (typeof chunk === 'string') return chunk;
  if (!chunk || typeof chunk !== 'object') return '';
  if ('choices' in chunk) return chunk.choices?.[0]?.delta?.content ?? '';
  if ('text' in chunk && typeof chunk.text === 'string') return chunk.text;
  return '';
}

export interface SpeakTokenStreamOptions {
  /** Context id (default: a new one). */
  contextId?: string;
  /** Voice of this reply (default: the session's). */
  voice?: string;
  /** Read markdown literally instead of cleaning it. Default false. */
  literal?: boolean;
  /** Aborting stops reading tokens and cancels the speech (barge-in). */
  signal?: AbortSignal;
}

/** A reply being spoken. */
export interface SpokenReply {
  /** The realtime context: iterate it for audio and events. */
  context: RealtimeContextHandle;
  /** Resolves when every token was read and sent (or the reply was cancelled). */
  fed: Promise<void>;
  /** Stops reading tokens and speaking now. */
  cancel(): Promise<void>;
}

/** Speaks `tokens` through `client` as they arrive. */
export function speakTokenStream(
  client: RealtimeClient,
  tokens: AsyncIterable<TokenChunk>,
  options: SpeakTokenStreamOptions = {},
): SpokenReply {
  const context = client.context(options.contextId);
  const filter = options.literal ? undefined : new MarkdownSpeechFilter();
  let stopped = false;
  let first = true;
  const send = (text: string): void => {
    if (text === '' || stopped) return;
    context.pushText(text, first && options.voice !== undefined ? { voice: options.voice } : {});
    first = false;
  };
  const cancel = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await context.cancel().catch(() => undefined);
  };
  options.signal?.addEventListener('abort', () => void cancel(), { once: true });
  const fed = (async () => {
    try {
      for await (const chunk of tokens) {
        if (stopped) break;
        const text = tokenText(chunk);
        send(filter ? filter.push(text) : text);
      }
      if (stopped) return;
      if (filter) send(filter.end());
      void context.end().catch(() => undefined);
    } catch (error) {
      // The token stream failed (the LLM connection dropped): what was said stays said.
      if (!stopped) void context.end().catch(() => undefined);
      throw error;
    }
  })();
  fed.catch(() => undefined);
  return { context, fed, cancel };
}
