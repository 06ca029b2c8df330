/** The outbound client against real local HTTP servers: what it refuses, and how it bounds an exchange. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationUrlProblem, nonPublicRange, OutboundError, postOutbound, type OutboundPolicy } from './http-client.js';

const open: OutboundPolicy = { allowPrivateNetworks: true, timeoutMs: 5_000 };
const closed: OutboundPolicy = { allowPrivateNetworks: false, timeoutMs: 5_000 };

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('outbound HTTP client', () => {
  const servers: Server[] = [];
  let echo: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    echo = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.url === '/redirect') return void response.writeHead(302, { location: '/elsewhere' }).end();
        if (request.url === '/large') return void response.writeHead(200).end('x'.repeat(1_000_000));
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ body, headers: request.headers }));
      });
    });
    servers.push(echo.server);
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('POSTs the body with the given headers and answers the status and body', async () => {
    const answer = await postOutbound(`http://127.0.0.1:${echo.port}/hook?x=1`, '{"a":1}', { 'Content-Type': 'application/json', 'X-Test': 'yes' }, open);
    expect(answer.status).toBe(201);
    const received = JSON.parse(answer.body);
    expect(received.body).toBe('{"a":1}');
    expect(received.headers).toMatchObject({ 'x-test': 'yes', 'content-length': '7', host: `127.0.0.1:${echo.port}` });
  });

  it('connects to the address it checked when given a name (localhost, allowed here)', async () => {
    const answer = await postOutbound(`http://localhost:${echo.port}/named`, '{}', {}, open);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body).headers.host).toBe(`localhost:${echo.port}`);
  });

  it.each([
    ['loopback', 'http://127.0.0.1:PORT/'],
    ['a name resolving to loopback', 'http://localhost:PORT/'],
    ['IPv6 loopback', 'http://[::1]:PORT/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:PORT/'],
    ['private 10/8', 'http://10.0.0.1/'],
    ['private 192.168/16', 'http://192.168.1.1/'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['CGNAT', 'http://100.64.0.1/'],
    ['unspecified', 'http://0.0.0.0:PORT/'],
    ['multicast', 'http://224.0.0.1/'],
    ['IPv6 unique-local', 'http://[fd00::1]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
  ])('refuses %s without the operator allowing private networks, before connecting', async (_label, template) => {
    const before = echo.hits.length;
    const error = await failure(postOutbound(template.replace('PORT', String(echo.port)), '{}', {}, closed));
    expect(error.reason).toBe('refused_destination');
    expect(error.message).toMatch(/private networks are not allowed/);
    expect(echo.hits.length).toBe(before);
  });

  it('does not say which internal address a name leads to (a probe learns only "private"); the server log does', async () => {
    const error = await failure(postOutbound(`http://localhost:${echo.port}/`, '{}', {}, closed));
    expect(error.message).toBe('localhost resolves to a private or reserved address; private networks are not allowed (WEBHOOK_ALLOW_PRIVATE_NETWORKS)');
    expect(error.message).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(error.detail).toMatch(/^localhost resolves to (127\.0\.0\.1|::1) \(loopback\)$/);
  });

  it('tells public unicast addresses from the others', () => {
    expect(nonPublicRange('93.184.216.34')).toBeUndefined();
    expect(nonPublicRange('2606:4700::1111')).toBeUndefined();
    expect(nonPublicRange('::ffff:10.1.2.3')).toBe('private');
    expect(nonPublicRange('127.0.0.2')).toBe('loopback');
    expect(nonPublicRange('not an address')).toBe('invalid');
  });

  it('refuses URLs that are not http(s), carry credentials, or are too long', async () => {
    expect(destinationUrlProblem('https://example.com/hooks')).toBeUndefined();
    expect(destinationUrlProblem('ftp://example.com/')).toMatch(/http or https/);
    expect(destinationUrlProblem('javascript:alert(1)')).toMatch(/http or https/);
    expect(destinationUrlProblem('https://user:pass@example.com/')).toMatch(/user name or password/);
    expect(destinationUrlProblem('/relative')).toMatch(/absolute/);
    expect(destinationUrlProblem(`https://example.com/${'a'.repeat(5_000)}`)).toMatch(/at most/);
    expect((await failure(postOutbound('file:///etc/passwd', '{}', {}, open))).reason).toBe('invalid_url');
  });

  it('does not follow redirects: a 3xx is the answer', async () => {
    const before = echo.hits.length;
    const answer = await postOutbound(`http://127.0.0.1:${echo.port}/redirect`, '{}', {}, open);
    expect(answer.status).toBe(302);
    expect(echo.hits.slice(before)).toEqual(['/redirect']);
  });

  it('reads at most the given number of bytes of an answer', async () => {
    const answer = await postOutbound(`http://127.0.0.1:${echo.port}/large`, '{}', {}, open, 1_024);
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(1_024);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent = await serve(() => undefined);
    servers.push(silent.server);
    const started = performance.now();
    const error = await failure(postOutbound(`http://127.0.0.1:${silent.port}/`, '{}', {}, { allowPrivateNetworks: true, timeoutMs: 300 }));
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('No answer within 300 ms');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('says so when nothing listens', async () => {
    const gone = await serve(() => undefined);
    await new Promise((resolve) => gone.server.close(resolve));
    const error = await failure(postOutbound(`http://127.0.0.1:${gone.port}/`, '{}', {}, open));
    expect(error.reason).toBe('network');
    expect(error.message).toBe('Connection refused (ECONNREFUSED)');
  });
});
