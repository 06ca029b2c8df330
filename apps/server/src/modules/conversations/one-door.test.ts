/**
 * The one door (changes.ts): nothing outside the conversations module writes the conversations
 * table, and each change another module makes (AI routing, a correction, a deleted team, a
 * removed agent, a renamed or deleted label) reaches the account's sockets as
 * `conversation:updated` and leaves its activity line, while another account hears nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, nextEvent, recordEvents } from '../../test-support/sockets.js';

const SOURCE = fileURLToPath(new URL('../..', import.meta.url));
/** Drizzle's writes of the table and raw SQL ones. */
const WRITES = /\.(insert|update|delete)\(\s*conversations\s*\)|\b(insert\s+into|update|delete\s+from)\s+"?conversations"?\b/i;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('conversation writes', () => {
  it('happen only in the conversations module', () => {
    const writers = sourceFiles(SOURCE)
      .filter((path) => WRITES.test(readFileSync(path, 'utf8')))
      .map((path) => relative(SOURCE, path));
    expect(writers.length).toBeGreaterThan(0);
    expect(writers.filter((path) => !path.startsWith('modules/conversations/'))).toEqual([]);
  });
});

describe.each(await databaseKinds())('conversation changes made by other modules on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let socket: Socket;
  let seenByB: { event: string; payload: any }[];
  const sockets: Socket[] = [];
  let conversationId: number;
  let teamId: number;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    const url = await listen(t.app);
    a = await registerAccount(t.app, 'Door A');
    b = await registerAccount(t.app, 'Door B');
    socket = connectSocket(url, a.token);
    const other = connectSocket(url, b.token);
    sockets.push(socket, other);
    await Promise.all([connected(socket), connected(other)]);
    seenByB = recordEvents(other);
  }, 120_000);
  afterAll(async () => {
    for (const open of sockets) open.disconnect();
    await t?.close();
  });

  const updated = (matching: (conversation: any) => boolean) =>
    nextEvent(
      socket,
      'conversation:updated',
      60_000,
      (envelope: any) => envelope.data.conversation.id === conversationId && matching(envelope.data.conversation),
    );
  const activity = async () => {
    const { body } = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/messages?limit=100` });
    return body.data.filter((message: { messageType: string }) => message.messageType === 'activity').map((message: { content: string }) => message.content);
  };
  const api = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) => call(t.app, a, { method, url, ...(payload ? { payload } : {}) });

  it('AI triage routes to the team with a line naming itself, its category and confidence', async () => {
    teamId = (await api('POST', '/api/teams', { name: 'Webshop' })).body.team.id;
    await api('PUT', '/api/ai/taxonomy', {
      categories: [
        { name: 'orders', teamId, examples: ['where is my order', 'my parcel is late', 'tracking does not move', 'change my delivery address'] },
        { name: 'app', examples: ['the app crashes', 'sync fails with an error', 'cannot log in to the app', 'map does not load'] },
      ],
    });
    await eventually('the taxonomy to be trained', async () =>
      (await call(t.app, a, { method: 'GET', url: '/api/ai/training' })).body.training.status === 'ready' ? true : undefined,
    );
    expect((await api('PATCH', '/api/account', { aiRouting: { enabled: true, threshold: 0 } })).status).toBe(200);

    const routed = nextEvent(socket, 'conversation:updated', 60_000, (envelope: any) => envelope.data.conversation.teamId === teamId);
    conversationId = (await api('POST', '/api/conversations', { contact: {}, message: { content: 'Where is my order? My parcel is late' } })).body.conversation
      .id;
    expect((await routed).data.conversation).toMatchObject({ id: conversationId, teamId, category: 'orders' });
    expect(await activity()).toContainEqual(expect.stringMatching(/^Assigned to team Webshop by AI triage \(orders, [01]\.\d\d\)$/));
  });

  it("an agent's correction of the classification", async () => {
    const corrected = updated((conversation) => conversation.category === 'app' && conversation.priority === 'urgent');
    expect((await api('PATCH', `/api/conversations/${conversationId}/classification`, { category: 'app', priority: 'urgent' })).status).toBe(200);
    await corrected;
    expect(await activity()).toContainEqual(expect.stringMatching(/^Priority set to urgent by Admin \d+$/));
  });

  it('a deleted team, its activity line live in the open thread too', async () => {
    const unassigned = updated((conversation) => conversation.teamId === null);
    const line = nextEvent(
      socket,
      'message:new',
      60_000,
      (envelope: any) => envelope.data.conversationId === conversationId && envelope.data.message.messageType === 'activity',
    );
    expect((await api('DELETE', `/api/teams/${teamId}`)).status).toBe(204);
    await unassigned;
    expect((await line).data.message).toMatchObject({ content: 'Team Webshop was deleted: unassigned', private: false });
    expect(await activity()).toContain('Team Webshop was deleted: unassigned');
  });

  it('a removed agent', async () => {
    const agent = (await api('POST', '/api/agents', { name: 'Maria Door', email: `maria.door.${Date.now()}@example.com`, password: 'agent password 1' })).body
      .agent;
    expect((await api('PATCH', `/api/conversations/${conversationId}`, { assigneeId: agent.id })).status).toBe(200);
    const unassigned = updated((conversation) => conversation.assigneeId === null);
    expect((await api('DELETE', `/api/agents/${agent.id}`)).status).toBe(204);
    await unassigned;
    expect(await activity()).toContain('Maria Door was removed from the account: unassigned');
  });

  it('a renamed and a deleted label', async () => {
    const label = (await api('POST', '/api/labels', { title: 'vip' })).body.label;
    expect((await api('PATCH', `/api/conversations/${conversationId}`, { labels: ['vip'] })).status).toBe(200);
    const renamed = updated((conversation) => conversation.labels.includes('very-important'));
    expect((await api('PATCH', `/api/labels/${label.id}`, { title: 'very-important' })).status).toBe(200);
    await renamed;
    const removed = updated((conversation) => conversation.labels.length === 0);
    expect((await api('DELETE', `/api/labels/${label.id}`)).status).toBe(204);
    await removed;
    expect(await activity()).toEqual(expect.arrayContaining(['Label vip was renamed to very-important', 'Label very-important was deleted: removed']));
  });

  it("tells another account's sockets nothing of it", () => {
    expect(seenByB.filter(({ payload }) => payload?.accountId === a.accountId)).toEqual([]);
  });
});
