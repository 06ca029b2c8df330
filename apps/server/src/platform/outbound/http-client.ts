/**
 * HTTP requests to addresses that account administrators choose (webhooks, API-channel callback
 * URLs), made so that they cannot become a way into the operator's network (SSRF):
 * - the host is resolved here, and every address it resolves to must be public unicast (not
 *   loopback, private, link-local, unique-local, multicast, unspecified, CGNAT, reserved, nor an
 *   IPv6 form of one such as `::ffff:127.0.0.1`), unless the operator allows private networks;
 * - the connection goes to the address that was checked (a pinned `lookup`), so a DNS answer
 *   that changes between the check and the connection (DNS rebinding) changes nothing;
 * - redirects are not followed (a 3xx is an answer like any other), the whole exchange has one
 *   deadline, and at most `maxResponseBytes` of the answer are read.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { UnprocessableError } from '../errors.js';

export interface OutboundPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: loopback and private destinations are allowed (tests, a closed network). */
  allowPrivateNetworks: boolean;
  /** WEBHOOK_TIMEOUT_MS: the deadline of the whole exchange, DNS included. */
  timeoutMs: number;
}

export interface OutboundAnswer {
  status: number;
  statusText: string;
  /** The answer's first `maxResponseBytes` (the rest is not read). */
  body: string;
}

export type OutboundFailure = 'invalid_url' | 'refused_destination' | 'timeout' | 'network';

/**
 * A request that got no HTTP answer, with why in words fit for a delivery log (an account's
 * administrators read it); `detail` is for the server's own log only.
 */
export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** URLs longer than this are refused (a destination, not a place to store data). */
export const MAX_URL_LENGTH = 2_048;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/** What is wrong with `value` as a destination URL (absolute http(s), no credentials), or undefined. */
export function destinationUrlProblem(value: string): string | undefined {
  if (value.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://example.com/hooks';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain a user name or password (put a token in the path or query instead)';
  if (!url.hostname) return 'must name a host';
  return undefined;
}

/** The range name of an address that is not public unicast (`loopback`, `private`, ...), or undefined. */
export function nonPublicRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 one it carries.
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? undefined : range;
}

/** A timeout error for the deadline, which the caller may race against its work. */
function expiry(deadline: AbortSignal, timeoutMs: number): Promise<never> {
  const expired = new Promise<never>((_resolve, reject) => {
    const fire = () => reject(new OutboundError('timeout', `No answer within ${timeoutMs} ms`));
    if (deadline.aborted) fire();
    else deadline.addEventListener('abort', fire, { once: true });
  });
  expired.catch(() => undefined);
  return expired;
}

/** The host's addresses (an IP literal is its own), every one checked against the policy, within its timeout. */
export async function resolveDestination(url: URL, policy: OutboundPolicy, deadline = AbortSignal.timeout(policy.timeoutMs)): Promise<LookupAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await Promise.race([dnsLookup(host, { all: true }), expiry(deadline, policy.timeoutMs)]);
    } catch (error) {
      if (error instanceof OutboundError) throw error;
      throw new OutboundError('network', `${host} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`);
    }
  }
  if (addresses.length === 0) throw new OutboundError('network', `${host} has no address`);
  if (!policy.allowPrivateNetworks) {
    for (const { address } of addresses) {
      const range = nonPublicRange(address);
      if (range) {
        // Which internal address a name leads to is the operator's to know, not a prober's.
        throw new OutboundError(
          'refused_destination',
          `${host} resolves to a private or reserved address; private networks are not allowed (WEBHOOK_ALLOW_PRIVATE_NETWORKS)`,
          `${host} resolves to ${address} (${range})`,
        );
      }
    }
  }
  return addresses;
}

/**
 * A destination an administrator saves (a webhook's URL, an API inbox's callback URL), checked
 * at once: `422 private_destination` (naming `field`) when its host resolves to a private
 * address and the operator does not allow them. Every delivery checks again, since a name may
 * resolve elsewhere later; a name that does not resolve (yet, or in time) is accepted.
 */
export async function refusePrivateDestination(url: string, policy: OutboundPolicy, field: string): Promise<void> {
  try {
    await resolveDestination(new URL(url), policy);
  } catch (error) {
    if (error instanceof OutboundError && error.reason === 'refused_destination') throw new UnprocessableError('private_destination', error.message, field);
  }
}

/**
 * A lookup that answers the checked addresses whatever the name: the socket connects where the
 * check looked (trying each in turn, as Node's happy eyeballs does, when it asks for all).
 */
function pinned(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

/** POSTs `body` to `target`; answers whatever status the receiver gave, or throws OutboundError. */
export async function postOutbound(
  target: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
  maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
): Promise<OutboundAnswer> {
  const problem = destinationUrlProblem(target);
  if (problem) throw new OutboundError('invalid_url', `The URL ${problem}`);
  const url = new URL(target);
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const addresses = await resolveDestination(url, policy, deadline);

  return new Promise<OutboundAnswer>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (deadline.aborted) return reject(new OutboundError('timeout', `No answer within ${policy.timeoutMs} ms`));
      const { code, message } = error as NodeJS.ErrnoException;
      reject(new OutboundError('network', code ? `${describeCode(code)} (${code})` : message));
    };
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // A fresh connection each time: a pooled socket could have been opened to another address.
        agent: false,
        lookup: pinned(addresses),
        signal: deadline,
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk.subarray(0, maxResponseBytes - size));
          size += chunk.length;
          // Enough read: the rest of a large answer is never downloaded.
          if (size >= maxResponseBytes) done();
        });
        response.on('end', done);
        response.on('error', fail);
      },
    );
    request.on('error', fail);
    request.end(body);
  });
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
  EPIPE: 'Connection closed while sending',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

const describeCode = (code: string) => CODES[code] ?? 'Request failed';
