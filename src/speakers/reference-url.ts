/**
 * Reference audio by http(s) URL — off unless the server enables it, because a server that fetches
 * what clients name can be turned against its own network. When on, every hop (redirects
 * included) must resolve only to public addresses, and the download is capped in size and time.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { TtsError } from '../errors.js';

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Whether `value` is an http(s) URL (rather than base64 audio). */
export function looksLikeUrl(value: string): boolean {
  return /^https?:\/\//i.test(value.trim());
}

export interface UrlLimits {
  maxBytes: number;
  timeoutMs: number;
}

async function checkHost(url: URL, field: string): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TtsError('invalid_request', `"${field}" must be an http or https URL.`, { param: field });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    throw new TtsError('invalid_request', `"${field}": the host "${host}" could not be resolved.`, { param: field });
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
    throw new TtsError('invalid_request', `"${field}" points to a private or loopback address; only public URLs are fetched.`, {
      param: field,
    });
  }
}

/** Downloads reference audio from a public URL, at most 3 redirects, within the limits. */
export async function fetchReference(raw: string, field: string, limits: UrlLimits): Promise<Uint8Array> {
  let url = new URL(raw.trim());
  const signal = AbortSignal.timeout(limits.timeoutMs);
  for (let hop = 0; hop <= 3; hop++) {
    await checkHost(url, field);
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', signal });
    } catch (error) {
      throw new TtsError(
        'invalid_request',
        `"${field}" could not be fetched: ${error instanceof Error ? error.message : String(error)}.`,
        { param: field },
      );
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    if (!response.ok || !response.body) {
      throw new TtsError('invalid_request', `"${field}" answered HTTP ${response.status}.`, { param: field });
    }
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > limits.maxBytes) {
        throw new TtsError('payload_too_large', `"${field}" is larger than ${limits.maxBytes} bytes.`, { param: field });
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts);
  }
  throw new TtsError('invalid_request', `"${field}" redirects too many times.`, { param: field });
}
