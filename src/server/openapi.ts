/**
 * The OpenAPI 3.1 document of the REST API, generated from the zod schemas the routes validate
 * with (zod's own `z.toJSONSchema`), so it cannot drift from what the server accepts. Served at
 * GET /openapi.json; GET /docs shows it with Swagger UI.
 */
import { z } from 'zod';
import { AUDIO_FORMATS, CONTENT_TYPES } from '../audio/formats.js';
import { ERROR_CODES } from '../errors.js';
import {
  addSpeakerBodySchema,
  cloneBodySchema,
  deleteSpeakerBodySchema,
  multiSpeakBodySchema,
  openaiSpeechBodySchema,
  speakBodySchema,
} from './speech-params.js';

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a request body: the constraints as validated (zod's output side: ranges,
 * whole numbers), the required fields as a client must send them (the input side: fields with a
 * default are optional), and unknown fields allowed (they are ignored, as OpenAI's SDKs send some).
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  const output = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  const input = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _, additionalProperties: __, required: ___, ...rest } = output;
  const required = input.required as string[] | undefined;
  return required && required.length > 0 ? { ...rest, required } : rest;
}

const binary = { type: 'string', contentMediaType: 'application/octet-stream' };

/** A form route's fields with its file fields added (multipart). */
function withFiles(schema: z.ZodType, files: string[]): JsonSchema {
  const base = requestSchema(schema);
  const properties = { ...(base.properties as JsonSchema) };
  for (const file of files) properties[file] = binary;
  return { ...base, properties };
}

const errorSchema: JsonSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string', enum: ['invalid_request_error', 'server_error'] },
        code: { type: 'string', enum: Object.keys(ERROR_CODES) },
        param: { type: ['string', 'null'] },
      },
      required: ['message', 'type', 'code'],
    },
    detail: { type: 'string', description: 'The message again, as FastAPI (the original service) puts it.' },
  },
  required: ['error'],
};

const errors = {
  default: {
    description: 'An error: 4xx says what to change; 5xx is a bug.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
};

const audio = (sse: boolean) => ({
  '200': {
    description: 'The audio: whole, or streamed as it is synthesized (chunked, no Content-Length).',
    content: {
      ...Object.fromEntries(AUDIO_FORMATS.map((f) => [CONTENT_TYPES[f], { schema: binary }])),
      ...(sse
        ? {
            'text/event-stream': {
              schema: { type: 'string' },
              description:
                '`data: {"type":"speech.audio.delta","audio":"<base64>"}` events, then `data: {"type":"speech.audio.done","usage":{…}}`.',
            },
          }
        : {}),
    },
  },
  ...errors,
});

const json = (description: string) => ({
  '200': { description, content: { 'application/json': { schema: { type: 'object' } } } },
  ...errors,
});

/**
 * A JSON request body; `example` is what /docs' "Try it out" starts from (without one it fills
 * every field with a placeholder such as "string", which the server then refuses).
 */
const jsonBody = (schema: z.ZodType, example: Record<string, unknown>) => ({
  required: true,
  content: { 'application/json': { schema: requestSchema(schema), example } },
});

const formBody = (schema: z.ZodType, files: string[]) => ({
  required: true,
  content: {
    'application/x-www-form-urlencoded': { schema: requestSchema(schema) },
    'multipart/form-data': { schema: withFiles(schema, files) },
    'application/json': { schema: requestSchema(schema) },
  },
});

const get = (tag: string, summary: string, description = summary) => ({
  get: { tags: [tag], summary, responses: json(description) },
});

/** The OpenAPI 3.1 document for a server of `version`. */
export function openApiDocument(version: string): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flash-TTS for Node',
      version,
      description:
        'Text to speech: the original Flash-TTS routes, an OpenAI-compatible /v1/audio/speech, and (not described here) the realtime WebSocket /v1/realtime — see protocol/PROTOCOL.md.',
    },
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Only when the server was started with an API key.' },
      },
    },
    security: [{}, { apiKey: [] }],
    paths: {
      '/v1/audio/speech': {
        post: {
          tags: ['OpenAI'],
          summary: 'Speak text (OpenAI-compatible); streams every format unless stream is false',
          requestBody: jsonBody(openaiSpeechBodySchema, {
            model: 'tts-1',
            input: 'Hello! This is Flash-TTS speaking.',
            voice: 'alloy',
            response_format: 'mp3',
          }),
          responses: audio(true),
        },
      },
      '/speak': {
        post: {
          tags: ['Flash-TTS'],
          summary: 'Speak text with a named role or voice',
          requestBody: jsonBody(speakBodySchema, {
            name: 'female',
            text: 'Hello! This is Flash-TTS speaking.',
            response_format: 'mp3',
          }),
          responses: audio(false),
        },
      },
      '/multi_speak': {
        post: {
          tags: ['Flash-TTS'],
          summary: 'Speak multi-role text: <role:NAME,pitch:LEVEL,speed:LEVEL> switches voice and settings',
          requestBody: jsonBody(multiSpeakBodySchema, {
            text: '<role:female>Hello, how can I help?<role:male,pitch:low>I would like to book a table.',
            response_format: 'mp3',
          }),
          responses: audio(false),
        },
      },
      '/clone_voice': {
        post: {
          tags: ['Flash-TTS'],
          summary: 'Speak text in the voice of reference audio (needs pocket-tts-int8)',
          requestBody: formBody(cloneBodySchema, ['reference_audio_file', 'latent_file']),
          responses: audio(false),
        },
      },
      '/add_speaker': {
        post: {
          tags: ['Flash-TTS'],
          summary: 'Save a speaker from reference audio (needs pocket-tts-int8)',
          requestBody: formBody(addSpeakerBodySchema, ['audio_file', 'latent_file']),
          responses: json('{success, role, name, replaced, message}'),
        },
      },
      '/delete_speaker': {
        post: {
          tags: ['Flash-TTS'],
          summary: 'Delete a saved speaker',
          requestBody: formBody(deleteSpeakerBodySchema, []),
          responses: json('{success, role, name, message}'),
        },
      },
      '/v1/models': get('OpenAI', 'Models /v1/audio/speech accepts', '{object: "list", data: [{id, object, created, owned_by}]}'),
      '/v1/models/{model}': {
        get: {
          ...get(
            'OpenAI',
            'One model /v1/audio/speech accepts (404 model_not_found for others)',
            '{id, object, created, owned_by}',
          ).get,
          parameters: [{ name: 'model', in: 'path', required: true, schema: { type: 'string' } }],
        },
      },
      '/v1/audio/models': get('OpenAI', 'Speech models, as Open WebUI asks for them', '{models: [{id}]}'),
      '/v1/audio/voices': get('OpenAI', 'Every voice', '{voices: [{id, name, …}], data: […]}'),
      '/audio_roles': get('Flash-TTS', 'Every voice name', '{success, roles: [name]}'),
      '/server_info': get('Flash-TTS', 'Engines, voices, formats and limits', '{success, info: {model, roles, sample_rate}, …}'),
      '/healthz': get('Operations', 'Liveness and load'),
      '/metrics': {
        get: {
          tags: ['Operations'],
          summary: 'Prometheus metrics',
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors,
          },
        },
      },
    },
  };
}
