/** A snoozed conversation reopens by itself when the snooze ends: a job, with a live event. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { QueueEvent } from '../../platform/queue/jobs.js';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventuallyFound, snoozeSoon } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, nextEvent } from '../../test-support/sockets.js';

describe.each(await databaseKinds())('snooze expiry on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let admin: Session;
  const sockets: Socket[] = [];
  const queueEvents: QueueEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    t.queue.onEvent((event) => queueEvents.push(event));
    url = await listen(t.app);
    admin = await registerAccount(t.app, 'Snoozers');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  const openConversation = async () =>
    (await call(t.app, admin, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'Wake me later' } } })).body.conversation
      .id as number;
  /** The outcome of the snooze job of that moment, once it has run. */
  const snoozeJobDone = (id: number, until: Date) =>
    eventuallyFound(
      `the snooze job of ${until.toISOString()}`,
      queueEvents,
      (event) => (event.type === 'completed' || event.type === 'failed') && event.key === `${id}-${until.getTime()}`,
    );

  it('reopens the conversation when its snooze ends, with an activity line and an event', async () => {
    const socket = connectSocket(url, admin.token);
    sockets.push(socket);
    await connected(socket);
    const id = await openConversation();
    const reopened = nextEvent(socket, 'conversation:updated', 120_000, (e: any) => e.data.conversation.id === id && e.data.conversation.status === 'open');
    await snoozeSoon(t.app, admin, id, 1_200);
    expect((await reopened).data.conversation.snoozedUntil).toBeNull();
    const messages = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}/messages?order=desc&limit=1` });
    expect(messages.body.data[0].content).toBe('Conversation was reopened: the snooze ended');
  }, 150_000);

  it('leaves alone a conversation whose snooze was changed before it ended', async () => {
    // Snoozed briefly, then again for longer before the first snooze ends. Should the second
    // change land only after the first moment (a loaded machine), the scene is set again with
    // more time: the first snooze's job must meet a snooze that was changed.
    for (let lead = 800; ; lead *= 2) {
      const id = await openConversation();
      const first = await snoozeSoon(t.app, admin, id, lead);
      const second = await snoozeSoon(t.app, admin, id, 60 * 60_000);
      if (Date.now() >= first.getTime()) {
        expect(lead, 'the second snooze never came before the first one ended').toBeLessThan(30_000);
        continue;
      }
      // The first snooze's job has run, and found the snooze changed: it left the conversation alone.
      expect(await snoozeJobDone(id, first)).toMatchObject({ type: 'completed', result: { reopened: false } });
      expect((await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation).toMatchObject({
        status: 'snoozed',
        snoozedUntil: second.toISOString(),
      });
      // The second snooze's job is still to come.
      const jobs = await call(t.app, admin, { method: 'GET', url: '/api/queue/jobs?limit=200' });
      const ofThis = jobs.body.data.filter((job: { queue: string; key: string }) => job.queue === 'conversation-snooze' && job.key.startsWith(`${id}-`));
      expect(ofThis.map((job: { key: string; state: string }) => [job.key, job.state]).sort()).toEqual(
        [
          [`${id}-${first.getTime()}`, 'completed'],
          [`${id}-${second.getTime()}`, 'waiting'],
        ].sort(),
      );
      expect((await t.queue.counts())['conversation-snooze']!.delayed).toBeGreaterThanOrEqual(1);
      return;
    }
  }, 150_000);
});
