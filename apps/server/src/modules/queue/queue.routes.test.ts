import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, listen, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { databaseKinds } from '../../test-support/databases.js';
import { monitorCredential } from '../../platform/queue/monitor-auth.js';

describe.each(await databaseKinds())('queue API on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let a: Session;
  let b: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    url = await listen(t.app);
    a = await registerAccount(t.app, 'Jobs A');
    b = await registerAccount(t.app, 'Jobs B');
  });
  afterAll(() => t?.close());

  const snoozeOne = async (session: Session) => {
    const id = (await call(t.app, session, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'x' } } })).body
      .conversation.id;
    await call(t.app, session, { method: 'PATCH', url: `/api/conversations/${id}`, payload: { snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() } });
    return id as number;
  };

  it("lists the account's own jobs to its administrators only", async () => {
    const idA = await snoozeOne(a);
    const idB = await snoozeOne(b);
    const listA = await call(t.app, a, { method: 'GET', url: '/api/queue/jobs' });
    expect(listA.status).toBe(200);
    const snoozes = listA.body.data.filter((job: { queue: string }) => job.queue === 'conversation-snooze');
    expect(snoozes.map((job: { key: string }) => job.key)).toEqual([expect.stringMatching(new RegExp(`^${idA}-`))]);
    expect(snoozes[0]).toMatchObject({ state: 'waiting', attempts: 0 });
    expect(JSON.stringify(listA.body)).not.toContain(`"${idB}-`);
    // The account's other job: the classification of its message (a new account's model comes from the build, untrained).
    expect(listA.body.data.map((job: { queue: string }) => job.queue).sort()).toEqual(['ai-classification', 'conversation-snooze']);
    const waiting = await call(t.app, a, { method: 'GET', url: '/api/queue/jobs?state=failed' });
    expect(waiting.body.data).toEqual([]);
    const agent = await call(t.app, a, {
      method: 'POST',
      url: '/api/agents',
      payload: { name: 'Plain Agent', email: `plain.${Date.now()}@example.com`, password: 'agent password 1' },
    });
    const login = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: agent.body.agent.email, password: 'agent password 1' },
    });
    const asAgent = await call(t.app, undefined, { method: 'GET', url: '/api/queue/jobs', headers: { authorization: `Bearer ${login.body.token}` } });
    expect(asAgent.status).toBe(403);
  });

  it('streams queue events to the operator holding the server secret, and to nobody else', async () => {
    expect((await fetch(`${url}/internal/queue/events`)).status).toBe(401);
    expect((await fetch(`${url}/internal/queue/events`, { headers: { 'x-queue-monitor': monitorCredential('wrong secret') } })).status).toBe(401);
    const stale = monitorCredential(TEST_JWT_SECRET, Date.now() - 120_000);
    expect((await fetch(`${url}/internal/queue/events`, { headers: { 'x-queue-monitor': stale } })).status).toBe(401);
    const controller = new AbortController();
    const response = await fetch(`${url}/internal/queue/events`, {
      headers: { 'x-queue-monitor': monitorCredential(TEST_JWT_SECRET) },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    // The app's security headers, which Fastify does not send for a hijacked reply by itself.
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const reader = response.body!.getReader();
    let text = '';
    const id = await snoozeOne(a);
    while (!text.includes(`"key":"${id}-`)) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: hello');
    expect(text).toMatch(new RegExp(`"type":"added","queue":"conversation-snooze","key":"${id}-`));
    controller.abort();
  });
});
