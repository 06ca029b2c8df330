import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test-support/databases.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError } from '../../test-support/checks.js';

describe.each(await databaseKinds())('conversations on %s', (kind) => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await registerAccount(t.app, 'Conversations Inc');
  });
  afterAll(() => t?.close());

  const open = (content: string, contact: Record<string, string> = { name: 'Maija', email: 'maija@example.com' }) =>
    call(t.app, admin, { method: 'POST', url: '/api/conversations', payload: { contact, message: { content } } });

  it('opens a conversation with the first incoming message and numbers it per account', async () => {
    const first = await open('My parcel never arrived');
    expect(first.status).toBe(201);
    expect(first.body.conversation).toMatchObject({
      status: 'open',
      priority: 'none',
      contact: { name: 'Maija', email: 'maija@example.com' },
      lastMessage: { content: 'My parcel never arrived', messageType: 'incoming' },
    });
    expect(first.body.message).toMatchObject({ messageType: 'incoming', sender: { type: 'contact', name: 'Maija' } });
    const second = await open('Another question', { email: 'MAIJA@example.com' });
    expect(second.body.conversation.displayId).toBe(first.body.conversation.displayId + 1);
    // The same e-mail (any case) is the same contact.
    expect(second.body.conversation.contact.id).toBe(first.body.conversation.contact.id);
  });

  it('pages the inbox by cursor without skipping or repeating rows', async () => {
    for (let i = 0; i < 7; i++) await open(`Paging question ${i}`, { name: `Pager ${i}` });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/conversations?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(t.app, admin, { method: 'GET', url: query });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((c: { id: number }) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await call(t.app, admin, { method: 'GET', url: '/api/conversations?limit=100' });
    expect(seen).toEqual(all.body.data.map((c: { id: number }) => c.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('changes status, priority, assignee, team and labels, with activity lines and filters', async () => {
    const { body } = await open('Please assign me');
    const id = body.conversation.id;
    const team = await call(t.app, admin, { method: 'POST', url: '/api/teams', payload: { name: 'Billing' } });
    await call(t.app, admin, { method: 'POST', url: '/api/labels', payload: { title: 'vip' } });
    const patched = await call(t.app, admin, {
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      payload: { status: 'pending', priority: 'high', assigneeId: admin.userId, teamId: team.body.team.id, labels: ['VIP'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.conversation).toMatchObject({
      status: 'pending',
      priority: 'high',
      assigneeId: admin.userId,
      teamId: team.body.team.id,
      labels: ['vip'],
    });
    const messages = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}/messages` });
    const activity = messages.body.data.filter((m: { messageType: string }) => m.messageType === 'activity');
    expect(activity.map((m: { content: string }) => m.content)).toEqual([
      expect.stringMatching(/^Conversation was marked pending by Admin \d+$/),
      expect.stringMatching(/^Priority set to high by Admin \d+$/),
      expect.stringMatching(/^Assigned to Admin \d+ by Admin \d+$/),
      expect.stringMatching(/^Assigned to team Billing by Admin \d+$/),
      expect.stringMatching(/^Label vip added by Admin \d+$/),
    ]);

    for (const query of ['status=pending', 'priority=high', 'assigneeId=me', `teamId=${team.body.team.id}`, 'label=vip']) {
      const list = await call(t.app, admin, { method: 'GET', url: `/api/conversations?${query}` });
      expect(
        list.body.data.map((c: { id: number }) => c.id),
        query,
      ).toEqual([id]);
    }
    const unassigned = await call(t.app, admin, { method: 'GET', url: '/api/conversations?assigneeId=none&limit=100' });
    expect(unassigned.body.data.some((c: { id: number }) => c.id === id)).toBe(false);
  });

  it('finds conversations by contact, #number and message text', async () => {
    const { body } = await open('The zipper of my Kaamos jacket broke', { name: 'Zed Searchable', email: 'zed@example.org' });
    for (const q of ['searchable', 'zed@example', `#${body.conversation.displayId}`, 'kaamos JACKET']) {
      const list = await call(t.app, admin, { method: 'GET', url: `/api/conversations?q=${encodeURIComponent(q)}` });
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(
        list.body.data.map((c: { id: number }) => c.id),
        q,
      ).toContain(body.conversation.id);
    }
    const none = await call(t.app, admin, { method: 'GET', url: '/api/conversations?q=%25' });
    expect(none.body.data.every((c: { contact: { name: string } }) => c.contact.name.includes('%'))).toBe(true);
  });

  it('sets firstReplyAt on the first public reply, not on a private note', async () => {
    const { body } = await open('Hello?');
    const id = body.conversation.id;
    await call(t.app, admin, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'internal', private: true } });
    expect((await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation.firstReplyAt).toBeNull();
    const reply = await call(t.app, admin, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'Hi there!' } });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({ messageType: 'outgoing', private: false, sender: { type: 'user', id: admin.userId } });
    expect((await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation.firstReplyAt).not.toBeNull();
  });

  it('snoozes until a time, and a customer reply reopens a snoozed or resolved conversation', async () => {
    const { body } = await open('Snooze me');
    const id = body.conversation.id;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snoozed = await call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${id}`, payload: { snoozedUntil: until } });
    expect(snoozed.body.conversation).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    const past = await call(t.app, admin, {
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      payload: { snoozedUntil: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(422);
    await call(t.app, admin, {
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'Any news?', messageType: 'incoming' },
    });
    const reopened = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` });
    expect(reopened.body.conversation).toMatchObject({ status: 'open', snoozedUntil: null });

    await call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${id}`, payload: { status: 'resolved' } });
    await call(t.app, admin, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'Still broken', messageType: 'incoming' } });
    expect((await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation.status).toBe('open');
  });

  it('records when a conversation is resolved, and forgets it when the conversation leaves resolved', async () => {
    const { body } = await open('Resolve me');
    const id = body.conversation.id;
    expect(body.conversation.resolvedAt).toBeNull();
    const get = async () => (await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation;
    const patch = (payload: Record<string, unknown>) => call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${id}`, payload });

    const before = Date.now();
    const resolved = await patch({ status: 'resolved' });
    expect(resolved.body.conversation.status).toBe('resolved');
    const resolvedAt = Date.parse(resolved.body.conversation.resolvedAt);
    expect(resolvedAt).toBeGreaterThanOrEqual(before - 1);
    expect(resolvedAt).toBeLessThanOrEqual(Date.now());
    // Resolving it again is no change: the time it was resolved stays.
    await patch({ status: 'resolved', priority: 'low' });
    expect(Date.parse((await get()).resolvedAt)).toBe(resolvedAt);
    const listed = await call(t.app, admin, { method: 'GET', url: '/api/conversations?status=resolved&q=Resolve%20me' });
    expect(listed.body.data.find((c: { id: number }) => c.id === id)?.resolvedAt).toBe(new Date(resolvedAt).toISOString());

    // A customer message reopens it.
    await call(t.app, admin, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'Not fixed', messageType: 'incoming' } });
    expect(await get()).toMatchObject({ status: 'open', resolvedAt: null });

    // So does an agent, or a snooze.
    for (const change of [{ status: 'open' }, { status: 'pending' }, { snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() }]) {
      expect((await patch({ status: 'resolved' })).body.conversation.resolvedAt).not.toBeNull();
      const left = await patch(change);
      expect(left.status, JSON.stringify(change)).toBe(200);
      expect(left.body.conversation.resolvedAt, JSON.stringify(change)).toBeNull();
    }
  });

  describe('GET /api/conversations/meta', () => {
    let other: Session;
    let agentId: number;
    const meta = (session: Session | undefined, query: string) => call(t.app, session, { method: 'GET', url: `/api/conversations/meta${query}` });

    beforeAll(async () => {
      other = await registerAccount(t.app, 'Meta Other');
      const agent = await call(t.app, admin, {
        method: 'POST',
        url: '/api/agents',
        payload: { name: 'Meta Agent', email: `meta.${Date.now()}@example.com`, password: 'agent password 1' },
      });
      expect(agent.status, JSON.stringify(agent.body)).toBe(201);
      agentId = agent.body.agent.id;
      // Under "q=Metacounted&status=open": two unassigned, one of the caller's, one of another agent's.
      const assignees = [null, null, admin.userId, agentId, null];
      for (const [i, assigneeId] of assignees.entries()) {
        const { body } = await open(`Counting question ${i}`, { name: `Metacounted ${i}` });
        const changes = { ...(assigneeId ? { assigneeId } : {}), ...(i === 4 ? { status: 'resolved' } : {}) };
        if (Object.keys(changes).length > 0) await call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${body.conversation.id}`, payload: changes });
      }
      // The other account has matching conversations of its own.
      await call(t.app, other, {
        method: 'POST',
        url: '/api/conversations',
        payload: { contact: { name: 'Metacounted elsewhere' }, message: { content: 'Hi' } },
      });
    });

    it('counts mine, unassigned and all under the filters, as the list would show them', async () => {
      const answer = await meta(admin, '?q=Metacounted&status=open');
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual({ counts: { mine: 1, unassigned: 2, all: 4 } });
      for (const [tab, assignee] of [
        ['mine', '&assigneeId=me'],
        ['unassigned', '&assigneeId=none'],
        ['all', ''],
      ] as const) {
        const list = await call(t.app, admin, { method: 'GET', url: `/api/conversations?q=Metacounted&status=open&limit=100${assignee}` });
        expect(list.body.data, tab).toHaveLength(answer.body.counts[tab]);
      }
      expect((await meta(admin, '?q=Metacounted')).body.counts).toEqual({ mine: 1, unassigned: 3, all: 5 });
      expect((await meta(admin, '?q=Metacounted&status=resolved')).body.counts).toEqual({ mine: 0, unassigned: 1, all: 1 });
      expect((await meta(admin, '?q=nothing-matches-this')).body.counts).toEqual({ mine: 0, unassigned: 0, all: 0 });
      const unfiltered = (await meta(admin, '')).body.counts;
      expect(unfiltered.all).toBeGreaterThan(5);
      expect(unfiltered.all).toBeGreaterThanOrEqual(unfiltered.mine + unfiltered.unassigned);
    });

    it("counts another account's conversations for nobody", async () => {
      expect((await meta(other, '?q=Metacounted&status=open')).body).toEqual({ counts: { mine: 0, unassigned: 1, all: 1 } });
      const fresh = await registerAccount(t.app, 'Meta Empty');
      expect((await meta(fresh, '')).body).toEqual({ counts: { mine: 0, unassigned: 0, all: 0 } });
      expect((await meta(fresh, '?q=Metacounted')).body).toEqual({ counts: { mine: 0, unassigned: 0, all: 0 } });
    });

    it('refuses a query it cannot count', async () => {
      for (const query of [
        '?status=closed',
        '?inboxId=0',
        '?teamId=me',
        '?priority=high&priority=low',
        `?q=${'x'.repeat(201)}`,
        '?assigneeId=me',
        '?limit=5',
        '?cursor=abc',
      ]) {
        expectError(await meta(admin, query), 400, 'validation_error', query);
      }
      expectError(await meta(undefined, ''), 401);
    });
  });

  it('rejects ids that are not of this account in a change, writing nothing', async () => {
    const { body } = await open('Validate me');
    const id = body.conversation.id;
    for (const [payload, code] of [
      [{ assigneeId: 999_999 }, 'invalid_assignee'],
      [{ teamId: 999_999 }, 'invalid_team'],
      [{ labels: ['no-such-label'] }, 'unknown_label'],
      [{ status: 'resolved', assigneeId: 999_999 }, 'invalid_assignee'],
    ] as const) {
      const response = await call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${id}`, payload });
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe(code);
    }
    const after = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` });
    expect(after.body.conversation.status).toBe('open');
  });

  it('pages messages in both directions', async () => {
    const { body } = await open('Message 0');
    const id = body.conversation.id;
    for (let i = 1; i < 5; i++) await call(t.app, admin, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: `Message ${i}` } });
    const read = async (order: string) => {
      const contents: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: { content: string }[]; nextCursor: string | null } } = await call(t.app, admin, {
          method: 'GET',
          url: `/api/conversations/${id}/messages?order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        });
        contents.push(...page.body.data.map((m) => m.content));
        cursor = page.body.nextCursor;
      } while (cursor);
      return contents;
    };
    const ascending = await read('asc');
    expect(ascending).toEqual(['Message 0', 'Message 1', 'Message 2', 'Message 3', 'Message 4']);
    expect(await read('desc')).toEqual([...ascending].reverse());
  });
});
