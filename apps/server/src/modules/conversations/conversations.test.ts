import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test-support/databases.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';

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
      expect.stringContaining('marked pending'),
      expect.stringContaining('priority to high'),
      expect.stringContaining('assigned the conversation to Admin'),
      expect.stringContaining('team Billing'),
      expect.stringContaining('added vip'),
    ]);

    for (const query of ['status=pending', 'priority=high', 'assigneeId=me', `teamId=${team.body.team.id}`, 'label=vip']) {
      const list = await call(t.app, admin, { method: 'GET', url: `/api/conversations?${query}` });
      expect(list.body.data.map((c: { id: number }) => c.id), query).toEqual([id]);
    }
    const unassigned = await call(t.app, admin, { method: 'GET', url: '/api/conversations?assigneeId=none&limit=100' });
    expect(unassigned.body.data.some((c: { id: number }) => c.id === id)).toBe(false);
  });

  it('finds conversations by contact, #number and message text', async () => {
    const { body } = await open('The zipper of my Kaamos jacket broke', { name: 'Zed Searchable', email: 'zed@example.org' });
    for (const q of ['searchable', 'zed@example', `#${body.conversation.displayId}`, 'kaamos JACKET']) {
      const list = await call(t.app, admin, { method: 'GET', url: `/api/conversations?q=${encodeURIComponent(q)}` });
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(list.body.data.map((c: { id: number }) => c.id), q).toContain(body.conversation.id);
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
