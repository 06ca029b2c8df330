/** A snoozed conversation reopens by itself when the snooze ends: a job, with a live event. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, nextEvent } from '../../test-support/sockets.js';

describe.each(await databaseKinds())('snooze expiry on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let admin: Session;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    url = await listen(t.app);
    admin = await registerAccount(t.app, 'Snoozers');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  const openConversation = async () =>
    (await call(t.app, admin, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'Wake me later' } } })).body
      .conversation.id as number;
  const snooze = (id: number, ms: number) =>
    call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${id}`, payload: { snoozedUntil: new Date(Date.now() + ms).toISOString() } });

  it('reopens the conversation when its snooze ends, with an activity line and an event', async () => {
    const socket = connectSocket(url, admin.token);
    sockets.push(socket);
    await connected(socket);
    const id = await openConversation();
    expect((await snooze(id, 1_200)).body.conversation.status).toBe('snoozed');
    const reopened = await nextEvent(socket, 'conversation:updated', 10_000, (e: any) => e.data.conversation.id === id && e.data.conversation.status === 'open');
    expect(reopened.data.conversation.snoozedUntil).toBeNull();
    const messages = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}/messages?order=desc&limit=1` });
    expect(messages.body.data[0].content).toBe('Conversation was reopened: the snooze ended');
  });

  it('leaves alone a conversation whose snooze was changed before it ended', async () => {
    const id = await openConversation();
    await snooze(id, 800);
    // Snoozed again, for longer: the first snooze's job must not reopen it.
    await snooze(id, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation.status).toBe('snoozed');
    const counts = await t.app.queue.counts();
    expect(counts['conversation-snooze']).toMatchObject({ completed: expect.any(Number), delayed: 1 });
  });
});
