/**
 * REST helpers over the server's HTTP API, with the global `fetch` (Node 18+, browsers):
 *
 *   const rest = createRestClient('http://127.0.0.1:8000');
 *   const wav = await rest.speech({ input: 'Hello there.', voice: 'female', response_format: 'wav' });
 *   for await (const pcm of rest.speechStream({ input: 'Hello.', voice: 'female', response_format: 'pcm' })) play(pcm);
 */

/** Options of {@link createRestClient}. */
export interface RestClientOptions {
  /** API key of the server, if it has one (sent as `Authorization: Bearer`). Default: none. */
  apiKey?: string;
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Default {@link RestClientOptions}. */
export const DEFAULT_REST_CLIENT_OPTIONS: Readonly<Omit<RestClientOptions, 'apiKey' | 'fetch'>> = {};

/** The body of `POST /v1/audio/speech` (OpenAI's shape, plus `sample_rate` and `pitch`). */
export interface SpeechRequest {
  input: string;
  /** A voice or role id (see {@link RestClient.voices}), e.g. `female`. */
  voice: string;
  /** Default `flash-tts`. */
  model?: string;
  /** `mp3` (server default), `opus`, `aac`, `flac`, `wav` or `pcm` (raw s16le mono). */
  response_format?: 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm';
  /** 0.25–4. */
  speed?: number;
  /** Semitones. */
  pitch?: number;
  /** 8000, 16000, 22050, 24000, 44100 or 48000; the server defaults to 24000 on this route. */
  sample_rate?: number;
  /** Chunked response while synthesis runs (PCM streams always). */
  stream?: boolean;
}

/** One voice of `GET /v1/audio/voices`. */
export interface VoiceInfo {
  id: string;
  name: string;
  engine: string;
  language?: string;
  gender?: string;
  description?: string;
  type?: string;
}

/** A non-2xx answer of the REST API: `{ error: { message, type, code, param } }`. */
export class RestError extends Error {
  override readonly name = 'RestError';
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** The error code (see protocol/errors.ts), or `http_<status>` when the body had none. */
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** Typed calls of the REST API. */
export interface RestClient {
  /** Synthesizes `request.input` whole and resolves with the encoded audio. */
  speech(request: SpeechRequest, signal?: AbortSignal): Promise<Uint8Array>;
  /** Synthesizes with a streamed response: audio chunks as the server sends them. Abort to cancel. */
  speechStream(request: SpeechRequest, signal?: AbortSignal): AsyncGenerator<Uint8Array>;
  /** `GET /v1/audio/voices`. */
  voices(): Promise<VoiceInfo[]>;
  /** `GET /server_info`: engines, formats, limits. */
  serverInfo(): Promise<Record<string, unknown>>;
  /** `GET /healthz`. */
  health(): Promise<{ status: string; workers: number; open_streams: number }>;
}

/** A REST client for a server's base URL (`http://host:port`). */
export function createRestClient(baseUrl: string, options: RestClientOptions = {}): RestClient {
  const merged = { ...DEFAULT_REST_CLIENT_OPTIONS, ...options };
  const doFetch = merged.fetch ?? fetch;
  const base = baseUrl.replace(/\/+$/, '').replace(/^ws(s?):/, 'http$1:');
  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(merged.apiKey === undefined ? {} : { authorization: `Bearer ${merged.apiKey}` }),
  });

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await doFetch(`${base}${path}`, init);
    if (response.ok) return response;
    const text = await response.text();
    let error: { message?: string; code?: string; param?: string } = {};
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      // not JSON: keep the text as the message
    }
    throw new RestError(response.status, error.code ?? `http_${response.status}`, error.message ?? text, error.param);
  }

  const speechInit = (request: SpeechRequest, stream: boolean, signal?: AbortSignal): RequestInit => ({
    method: 'POST',
    headers: headers(true),
    body: JSON.stringify({ model: 'flash-tts', ...request, stream }),
    ...(signal ? { signal } : {}),
  });

  return {
    async speech(request, signal) {
      const response = await call('/v1/audio/speech', speechInit(request, request.stream ?? false, signal));
      return new Uint8Array(await response.arrayBuffer());
    },
    async *speechStream(request, signal) {
      const response = await call('/v1/audio/speech', speechInit(request, true, signal));
      if (!response.body) return;
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
    },
    async voices() {
      const response = await call('/v1/audio/voices', { headers: headers(false) });
      return ((await response.json()) as { voices: VoiceInfo[] }).voices;
    },
    async serverInfo() {
      return (await (await call('/server_info', { headers: headers(false) })).json()) as Record<string, unknown>;
    },
    async health() {
      return (await (await call('/healthz', { headers: headers(false) })).json()) as Awaited<ReturnType<RestClient['health']>>;
    },
  };
}
