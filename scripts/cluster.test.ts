/**
 * The native scale-out topology end to end: `scripts/cluster.js` with two replicas behind real
 * nginx, on real Postgres and Redis. HTTP is balanced round-robin, sockets stick to a replica,
 * and a message posted through nginx reaches a socket connected through nginx whichever
 * replica handled each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../apps/server/src/test-support/databases.js';
import { eventually } from '../apps/server/src/test-support/eventually.js';
import { unusedPorts } from '../apps/server/src/test-support/ports.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from '../apps/server/src/test-support/redis.js';
import { Redis } from 'ioredis';
import { connected, connectSocket, nextEvent, openFeed } from '../apps/server/src/test-support/sockets.js';
import { DEMO_LOGIN } from '../apps/server/src/modules/demo/seed.js';

const runs = (await databaseKinds()).includes('postgres') && (await redisAvailable());
const prefix = uniquePrefix();
const port = await unusedPorts(3);
const base = `http://127.0.0.1:${port}`;

describe.runIf(runs)('npm run cluster: replicas behind nginx', () => {
  let testDb: TestDatabase;
  let cluster: ChildProcess;
  let dataDir: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-cluster-'));
    cluster = spawn(process.execPath, ['scripts/cluster.js', '--replicas', '2', '--port', String(port), '--base-port', String(port + 1)], {
      env: { ...process.env, DATABASE_URL: testDb.url, REDIS_URL, HUMMDESK_REDIS_PREFIX: prefix, HUMMDESK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    cluster.stdout!.on('data', (chunk) => (output += chunk));
    cluster.stderr!.on('data', (chunk) => (output += chunk));
    await eventually(
      () => `the cluster to start:\n${output}`,
      () => {
        if (cluster.exitCode !== null) throw new Error(`cluster exited:\n${output}`);
        return output.includes('API replicas behind nginx') ? true : undefined;
      },
      { timeoutMs: 170_000 },
    );
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    if (cluster?.exitCode === null) {
      const exited = new Promise((resolve) => cluster.once('exit', resolve));
      process.kill(-cluster.pid!, 'SIGTERM');
      await exited;
    }
    await testDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("takes turns between the replicas, as the brief's /health loop shows", async () => {
    const instances: string[] = [];
    for (let i = 0; i < 6; i++) instances.push((await (await fetch(`${base}/health`)).json()).serverInstance);
    expect(new Set(instances)).toEqual(new Set(['api_1', 'api_2']));
    expect(instances.every((name, i) => i === 0 || name !== instances[i - 1])).toBe(true);
  });

  it('limits logins per real client through nginx, whatever X-Forwarded-For the client sends', async () => {
    const email = `forged.${prefix}@example.com`;
    const statuses: number[] = [];
    // LOGIN_RATE_LIMIT is 10 by default, counted in Redis across both replicas.
    for (let i = 0; i < 12; i++) {
      const response = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}` },
        body: JSON.stringify({ email, password: 'wrong password' }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
  });

  it('delivers messages posted through nginx to sockets connected through nginx (websocket and polling)', async () => {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_LOGIN.email, password: DEMO_LOGIN.password }),
    });
    expect(login.status).toBe(200);
    const { token, account } = await login.json();
    // wscat -c ws://localhost:5000 -H "Authorization: Bearer <token>", and redis-cli watching the channel.
    const feed = await openFeed(base, token);
    await feed.opened;
    const watcher = new Redis(REDIS_URL);
    const published: string[] = [];
    await watcher.subscribe(`${prefix}:account:${account.id}:message:new`);
    watcher.on('message', (_channel, message) => published.push(message));
    const websocket = connectSocket(base, token);
    // Polling needs every request of a session on the same replica: nginx's ip_hash.
    const polling = connectSocket(base, token, { transports: ['polling'], upgrade: false });
    sockets.push(websocket, polling);
    await Promise.all([connected(websocket), connected(polling)]);

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const opened = await fetch(`${base}/api/conversations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ contact: { name: 'Through nginx' }, message: { content: 'hello' } }),
    });
    const conversationId = (await opened.json()).conversation.id;
    // Round-robin: of four posts, two are handled by each replica.
    for (let i = 1; i <= 4; i++) {
      const content = `Test message ${i}`;
      const received = [websocket, polling].map((socket) => nextEvent(socket, 'message:new', undefined, (e: any) => e.data.message.content === content));
      const posted = await fetch(`${base}/api/conversations/${conversationId}/messages`, { method: 'POST', headers, body: JSON.stringify({ content }) });
      expect(posted.status).toBe(201);
      for (const envelope of await Promise.all(received)) expect(envelope.data.conversationId).toBe(conversationId);
      expect((await feed.next((e) => e.data.message?.content === content)).data.conversationId).toBe(conversationId);
    }
    const count = () => published.filter((message) => message.includes('Test message')).length;
    // Every message reached the sockets through that channel; the watcher hears them in its own time.
    await eventually('the watcher to hear the four messages', () => (count() >= 4 ? true : undefined), { timeoutMs: 60_000 });
    expect(count()).toBe(4);
    watcher.disconnect();
    feed.ws.close();
  });
});
