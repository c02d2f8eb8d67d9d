/**
 * The Wyoming endpoint: a TCP server beside the HTTP server, in the same process and on the same
 * services (engines, scheduler, encoder pool, voice catalog, limits). Wyoming has no
 * authentication, so it listens on loopback unless told otherwise; each connection is a
 * {@link WyomingConnection}.
 */
import { type AddressInfo, createServer, type Server } from 'node:net';
import { WyomingConnection, type WyomingConnectionDeps } from './wyoming-connection.js';

/** A listening Wyoming endpoint. */
export interface WyomingEndpoint {
  /** Where it listens, e.g. `tcp://127.0.0.1:10200` (the form Wyoming tools take). */
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  /** Connections open now. */
  readonly connections: ReadonlySet<WyomingConnection>;
  /** Stops accepting new connections; those open go on (a drain lets them finish). */
  stopAccepting(): void;
  /** Stops accepting and closes every connection (their speech is cancelled). */
  close(): Promise<void>;
}

/** Options of {@link startWyoming}. */
export interface WyomingListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/** Starts the Wyoming endpoint on `host:port`; resolves once it listens. */
export async function startWyoming(deps: WyomingConnectionDeps, { host, port }: WyomingListenOptions): Promise<WyomingEndpoint> {
  const connections = new Set<WyomingConnection>();
  // Half-open: a client may end its side after its last event and still read the answer.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const connection = new WyomingConnection(socket, deps);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => deps.log.error({ err: error }, 'wyoming server error'));
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    uri: `tcp://${shown}:${bound}`,
    host,
    port: bound,
    connections,
    stopAccepting() {
      if (server.listening) server.close();
    },
    async close() {
      // Resolves also when a drain has already stopped the listener (close() then reports that).
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.shutdown()));
      await closing;
    },
  };
}
