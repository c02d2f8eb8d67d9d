/**
 * Who a request comes from, for the per-client share of the stream slots: the peer's address, or,
 * when the peer is a proxy on this machine or on a private network (nginx beside the server, a
 * Kubernetes ingress), the client address it forwarded in X-Forwarded-For (proxy-addr, as Express's
 * `trust proxy` reads it).
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

const TRUSTED_PROXIES = proxyaddr.compile(['loopback', 'linklocal', 'uniquelocal']);

export function clientAddress(req: IncomingMessage): string | undefined {
  if (req.socket.remoteAddress === undefined) return undefined;
  return proxyaddr(req, TRUSTED_PROXIES);
}
