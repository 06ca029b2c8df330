/**
 * A real HTTP receiver of webhook deliveries on 127.0.0.1, as a company's system would run one:
 * it checks every request's signature with the secret of its path (verifySignature, as the
 * README shows), records what arrived, and answers as the test tells each path to (a status, or
 * never: a receiver too slow to answer). Node only, no server code: the browser tests use it too.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../platform/outbound/signature.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  payload: any;
  /** Whether the signature matched the path's secret, within the tolerance. */
  verified: boolean;
  /** What the receiver answered (null: it did not). */
  answered: number | null;
}

/** How a path answers its `nth` request (1-based): a status, or `hang` to never answer. */
export type Behaviour = (nth: number) => number | 'hang';

/** Listens on `port` (default: a free one), e.g. the port of a receiver that was down. */
export async function startReceiver(port = 0) {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const secrets = new Map<string, string>();
  const counts = new Map<string, number>();
  const hanging: ServerResponse[] = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://receiver').pathname;
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      const raw = Buffer.concat(chunks).toString('utf8');
      const secret = secrets.get(path);
      const header = request.headers['x-hummdesk-signature'];
      const verified = secret !== undefined && typeof header === 'string' && verifySignature(secret, header, raw);
      const answer = (behaviours.get(path) ?? (() => 200))(nth);
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        payload = undefined;
      }
      received.push({ path, headers: request.headers, raw, payload, verified, answered: answer === 'hang' ? null : answer });
      if (answer === 'hang') hanging.push(response);
      else response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? `receiver said ${answer}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    received,
    /** The URL of a path, whose requests are checked against `secret` once it is known (`expect`). */
    url: (path: string) => `${base}${path}`,
    expect(path: string, secret: string, behaviour?: Behaviour) {
      secrets.set(path, secret);
      if (behaviour) behaviours.set(path, behaviour);
    },
    at: (path: string) => received.filter((request) => request.path === path),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
