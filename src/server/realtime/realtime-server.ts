/**
 * The realtime endpoint: WebSocket upgrades on {@link REALTIME_PATH} of the HTTP server. Checks
 * the page's Origin (a browser page of an origin not allowed is refused with HTTP 403) and the API
 * key from the `Authorization` header at upgrade (a wrong key is refused with HTTP 401; a missing
 * one may come as `init.token`), picks the codec (subprotocol or `?codec=`), and hands
 * the socket to a {@link RealtimeSession}.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CODECS, type CodecName, SUBPROTOCOLS } from '../../../protocol/codec.js';
import type { CloseCodeName } from '../../../protocol/errors.js';
import { REALTIME_PATH } from '../../../protocol/messages.js';
import { bearerToken, createKeyCheck } from '../auth.js';
import { clientAddress } from '../client-address.js';
import { originAllowed, originRefusal } from '../origins.js';
import { RealtimeSession, type SessionDeps } from './session.js';

/** The realtime endpoint attached to a server. */
export interface RealtimeEndpoint {
  /** Sessions open now. */
  readonly sessions: ReadonlySet<RealtimeSession>;
  /** Closes every session (default 1001, going away), cutting off those that do not answer within a second. */
  close(code?: CloseCodeName): Promise<void>;
}

function refuse(socket: Duplex, status: number, reason: string, body: object): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
}

/**
 * The codec the client asked for (subprotocol or `?codec=`); with neither, msgpack, unless its
 * first frame is text (see RealtimeSession). A string saying what to change for subprotocols
 * none of which is ours (a client that offers them needs one back) or an unknown `?codec=`.
 */
function codecOf(req: IncomingMessage, url: URL): { name: CodecName; asked: boolean } | string {
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const name of CODECS) if (offered.includes(SUBPROTOCOLS[name])) return { name, asked: true };
  const ours = CODECS.map((name) => SUBPROTOCOLS[name]).join(' or ');
  if (offered.length > 0) {
    return `The subprotocol must be ${ours}, not ${offered.map((p) => `"${p.slice(0, 40)}"`).join(', ')}; or offer none (and add ?codec=json for JSON).`;
  }
  const query = url.searchParams.get('codec');
  if (query === null) return { name: 'msgpack', asked: false };
  return (CODECS as readonly string[]).includes(query)
    ? { name: query as CodecName, asked: true }
    : `codec must be one of ${CODECS.join(', ')}, not "${query.slice(0, 40)}".`;
}

/** Serves the realtime protocol on `http`. */
export function attachRealtime(http: Server, deps: Omit<SessionDeps, 'checkToken'>): RealtimeEndpoint {
  const { config } = deps;
  const checkKey = config.apiKey === undefined ? undefined : createKeyCheck(config.apiKey);
  const sessions = new Set<RealtimeSession>();
  const wss = new WebSocketServer({
    noServer: true,
    // Frames up to 4x the announced limit are read and answered with an error; larger ones end the socket (1009).
    maxPayload: config.wsMaxMessageBytes * 4,
    perMessageDeflate: false,
    // Text frames with invalid UTF-8 get an `invalid_message` error that says so (message-decoder.ts) rather than a 1007 close.
    skipUTF8Validation: true,
    handleProtocols: (protocols) => {
      for (const name of CODECS) if (protocols.has(SUBPROTOCOLS[name])) return SUBPROTOCOLS[name];
      return false;
    },
  });
  const sessionDeps: SessionDeps = { ...deps, checkToken: (token) => (checkKey ? token !== undefined && checkKey(token) : true) };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== REALTIME_PATH) {
      refuse(socket, 404, 'Not Found', { error: { code: 'not_found', message: `WebSocket endpoint is ${REALTIME_PATH}.` } });
      return;
    }
    const origin = req.headers.origin;
    if (!originAllowed(origin, req.headers.host, config.corsOrigins)) {
      refuse(socket, 403, 'Forbidden', { error: { code: 'origin_not_allowed', message: originRefusal(origin as string) } });
      return;
    }
    if (deps.lifecycle?.draining) {
      refuse(socket, 503, 'Service Unavailable', {
        error: { code: 'server_busy', message: 'This node is shutting down; reconnect and another node will answer.' },
      });
      return;
    }
    const codec = codecOf(req, url);
    if (typeof codec === 'string') {
      refuse(socket, 400, 'Bad Request', { error: { code: 'invalid_request', message: codec, param: 'codec' } });
      return;
    }
    const token = bearerToken(req.headers.authorization);
    if (checkKey && token !== undefined && !checkKey(token)) {
      refuse(socket, 401, 'Unauthorized', { error: { code: 'unauthorized', message: 'The API key is wrong.' } });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new RealtimeSession(ws, sessionDeps, {
        codec: codec.name,
        codecAsked: codec.asked,
        authenticated: checkKey === undefined || token !== undefined,
        client: clientAddress(req),
      });
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
    });
  });

  return {
    sessions,
    async close(code: CloseCodeName = 'going_away') {
      await Promise.all([...sessions].map((session) => session.shutdown(1000, code)));
      wss.close();
    },
  };
}
