/**
 * Ports for servers that tests start as child processes, which must be told their port up front.
 * Taken below the kernel's ephemeral range (32768 and up), where the local end of any client
 * connection may hold a port at any moment (CI saw nginx fail: "bind() to 0.0.0.0:39080 failed"),
 * and checked free before they are handed out.
 */
import { createServer } from 'node:net';

const LOWEST = 20_000;
const HIGHEST = 32_000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free ports (a cluster's nginx and its replicas). */
export async function unusedPorts(count = 1): Promise<number> {
  for (;;) {
    const first = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST - count));
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return first;
  }
}
