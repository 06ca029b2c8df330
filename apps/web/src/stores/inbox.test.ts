// @vitest-environment happy-dom
/**
 * The session, realtime and inbox stores against the real server (its own process, on
 * Postgres) over real HTTP and Socket.IO: what the agent's list shows, how it follows live
 * events, and what it ignores.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available, freePort, PASSWORD, startServer, type Server } from '../../e2e/harness';
import { useToken, whenUnauthorized } from '../api/client';
import { useInbox } from './inbox';
import { useRealtime } from './realtime';
import { useSession } from './session';

const unique = Date.now().toString(36);

describe.skipIf(!available)('the inbox store on the real server', () => {
  let server: Server;
  let token: string;
  let other: string;
  let inbox: ReturnType<typeof useInbox>;

  const register = async (name: string) => {
    const answer = await server.call('POST', '/api/auth/register', undefined, {
      accountName: name,
      name: `${name} admin`,
      email: `${name.toLowerCase()}.${unique}@example.com`,
      password: PASSWORD,
    });
    expect(answer.status).toBe(201);
    return answer.body.token as string;
  };
  const open = async (as: string, content: string, contact = 'Maria Virtanen') => {
    const answer = await server.call('POST', '/api/conversations', as, { contact: { name: contact }, message: { content } });
    expect(answer.status).toBe(201);
    return answer.body.conversation as { id: number; updatedAt: string };
  };

  beforeAll(async () => {
    // The page and the server share an origin, as when the server serves the app.
    const port = await freePort();
    (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${port}/conversations`);
    server = await startServer({}, port);
    token = await register('Fjord');
    other = await register('Other');
    localStorage.setItem('hummdesk.token', token);
    setActivePinia(createPinia());
    const session = useSession();
    const me = await session.load();
    const realtime = useRealtime();
    realtime.connect(token, me.account.id);
    for (let i = 0; realtime.state !== 'online'; i++) {
      if (i > 100) throw new Error(`the socket is ${realtime.state}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    inbox = useInbox();
  }, 180_000);

  afterAll(async () => {
    if (inbox) useRealtime().disconnect();
    await server?.stop();
  });

  it('lists the open conversations and counts them per view', async () => {
    await open(token, 'Where is my parcel? It has been two weeks.');
    await inbox.load();
    expect(inbox.rows.map((row) => row.contact.name)).toEqual(['Maria Virtanen']);
    expect(inbox.counts).toEqual({ mine: 0, unassigned: 1, all: 1 });
  });

  it('puts a new conversation on top as it arrives, and fills in its AI badges when it is classified', async () => {
    const created = await open(token, 'I was charged twice for my order, please refund the duplicate charge!', 'Ola Nordmann');
    await expect.poll(() => inbox.rows[0]?.id, { timeout: 10_000 }).toBe(created.id);
    await expect.poll(() => inbox.rows[0]?.sentiment, { timeout: 60_000 }).toBeTruthy();
    const stored = await server.call('GET', `/api/conversations/${created.id}/classification`, token);
    expect(inbox.rows[0]).toMatchObject({ category: stored.body.classification.category, sentiment: stored.body.classification.sentiment });
    await expect.poll(() => inbox.counts?.all, { timeout: 5_000 }).toBe(2);
  }, 90_000);

  it('ignores an update older than the one it shows', () => {
    const row = inbox.rows[0]!;
    inbox.upsert({ ...row, status: 'resolved', updatedAt: new Date(new Date(row.updatedAt).getTime() - 60_000).toISOString() }, false);
    expect(inbox.rows[0]).toMatchObject({ id: row.id, status: 'open' });
  });

  it('drops a row that no longer matches the filters when it changes', async () => {
    const row = inbox.rows[0]!;
    const resolved = await server.call('PATCH', `/api/conversations/${row.id}`, token, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    await expect.poll(() => inbox.rows.some((r) => r.id === row.id), { timeout: 10_000 }).toBe(false);
  });

  it('takes a label change live, and narrows the list and its counts by priority and label', async () => {
    const urgent = await open(token, 'Everything is down for all our users!', 'Pia Urgent');
    await expect.poll(() => inbox.rows[0]?.id, { timeout: 10_000 }).toBe(urgent.id);
    expect((await server.call('POST', '/api/labels', token, { title: 'vip' })).status).toBe(201);
    expect((await server.call('PATCH', `/api/conversations/${urgent.id}`, token, { labels: ['vip'], priority: 'urgent' })).status).toBe(200);
    await expect.poll(() => inbox.rows[0]?.labels, { timeout: 10_000 }).toEqual(['vip']);
    inbox.filters.priority = 'urgent';
    await inbox.load();
    expect(inbox.rows.map((row) => row.id)).toEqual([urgent.id]);
    expect(inbox.counts?.all).toBe(1);
    inbox.clearFilters();
    inbox.filters.label = 'vip';
    await inbox.load();
    expect(inbox.rows.map((row) => row.id)).toEqual([urgent.id]);
    inbox.clearFilters();
    await inbox.load();
    expect(inbox.rows.length).toBeGreaterThan(1);
  }, 30_000);

  it("shows nothing of another account's conversations, live or listed", async () => {
    const before = inbox.rows.map((row) => row.id);
    const foreign = await open(other, 'A message for another company entirely', 'Somebody Else');
    const ours = await open(token, 'A later message of our own, to know the events have arrived', 'Late Larry');
    await expect.poll(() => inbox.rows[0]?.id, { timeout: 10_000 }).toBe(ours.id);
    expect(inbox.rows.map((row) => row.id)).toEqual([ours.id, ...before]);
    expect(inbox.rows.some((row) => row.id === foreign.id)).toBe(false);
    await inbox.load();
    expect(inbox.rows.some((row) => row.id === foreign.id)).toBe(false);
  }, 30_000);

  it('ends the session when the server refuses its token, and says so', async () => {
    const session = useSession();
    let told = 0;
    whenUnauthorized(() => {
      told += 1;
      session.expire();
    });
    localStorage.setItem('hummdesk.token', 'not-a-token');
    useToken('not-a-token');
    await expect(session.load()).rejects.toMatchObject({ status: 401 });
    expect(told).toBe(1);
    expect(session.ended).toBe('expired');
    expect(session.signedIn).toBe(false);
    expect(localStorage.getItem('hummdesk.token')).toBeNull();
  });
});
