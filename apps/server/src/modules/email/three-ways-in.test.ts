/**
 * The "done when", end to end on one app with its workers: a mail sent to the inbox's
 * address over SMTP (the built-in listener), one fetched from its IMAP mailbox (a real dovecot)
 * and one posted to its inbound webhook each open a conversation that AI triage classifies and
 * drafts a reply for, as any customer message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { databaseKinds } from '../../test-support/databases.js';
import { dovecotAvailable, startDovecot, type Dovecot } from '../../test-support/dovecot.js';
import { eventually } from '../../test-support/eventually.js';
import { customerMailer } from '../../test-support/mail.js';
import { unusedPorts } from '../../test-support/ports.js';

const rawMail = (from: string, subject: string, text: string) =>
  [`From: ${from}`, 'To: support@three-ways.test', `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@customer.test>`, '', text, ''].join(
    '\r\n',
  );

describe.skipIf(!(await dovecotAvailable())).each(await databaseKinds())('mail in three ways on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let dovecot: Dovecot;
  let port: number;
  let inbox: { id: number; identifier: string; settings: { address: string; inboundSecret: string } };
  const mailbox = { user: `three-${kind}`, password: `pw-three-${kind}` };

  beforeAll(async () => {
    dovecot = await startDovecot([mailbox]);
    port = await unusedPorts();
    t = await createTestApp(
      kind,
      { SMTP_LISTEN_PORT: String(port), SMTP_LISTEN_HOST: '127.0.0.1', EMAIL_ALLOW_PRIVATE_NETWORKS: 'true', IMAP_POLL_INTERVAL_MS: '3600000' },
      { runWorkers: true },
    );
    admin = await registerAccount(t.app, 'Three Ways Inc');
    const created = await call(t.app, admin, {
      method: 'POST',
      url: '/api/inboxes',
      payload: {
        name: 'Support mail',
        channelType: 'email',
        settings: { address: `support.${kind}@three-ways.test`, smtp: { host: '127.0.0.1', port: 2525, secure: false }, imap: dovecot.settings(mailbox) },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    inbox = created.body.inbox;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await dovecot?.close();
  });

  /** The conversation the customer's mail opened, once triage has classified it and drafted a reply. */
  async function triaged(from: string) {
    const conversation = await eventually(`the conversation of ${from}`, async () => {
      const list = await call(t.app, admin, { method: 'GET', url: `/api/conversations?inboxId=${inbox.id}&limit=50` });
      return list.body.data.find((found: { contact: { email: string } }) => found.contact.email === from);
    });
    const classification = await eventually(`the classification of ${from}'s mail`, async () => {
      const answer = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversation.id}/classification` });
      return answer.status === 200 ? answer.body.classification : undefined;
    });
    const draft = await eventually(`the reply draft for ${from}`, async () => {
      const answer = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversation.id}/drafts` });
      return answer.status === 200 ? answer.body.draft : undefined;
    });
    const messages = (await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversation.id}/messages` })).body.data;
    return { conversation, classification, draft, mail: messages.find((message: { messageType: string }) => message.messageType === 'incoming') };
  }

  it('opens a classified, drafted conversation from a mail sent to the SMTP listener', async () => {
    const customer = customerMailer(port);
    try {
      await customer.send({
        from: '"Sam Smtp" <sam@customer.test>',
        to: inbox.settings.address,
        subject: 'Charged twice for order 1042',
        text: 'Hello, I was charged twice for my order 1042. Please refund one payment.',
      });
    } finally {
      customer.close();
    }
    const { classification, draft, mail } = await triaged('sam@customer.test');
    expect(mail).toMatchObject({ content: expect.stringContaining('charged twice'), email: { subject: 'Charged twice for order 1042' } });
    expect(classification.category).toEqual(expect.any(String));
    expect(draft.content).toEqual(expect.any(String));
  });

  it('opens a classified, drafted conversation from a mail fetched over IMAP', async () => {
    await dovecot.append(rawMail('Ida Imap <ida@customer.test>', 'Parcel never arrived', 'My parcel has not moved for a week. Where is it?'), { who: mailbox });
    // Saving the mailbox settings fetches it at once.
    expect((await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { settings: { imap: { mailbox: 'INBOX' } } } })).status).toBe(
      200,
    );
    const { classification, draft, mail } = await triaged('ida@customer.test');
    expect(mail).toMatchObject({ content: expect.stringContaining('has not moved'), email: { subject: 'Parcel never arrived' } });
    expect(classification.category).toEqual(expect.any(String));
    expect(draft.content).toEqual(expect.any(String));
  });

  it('opens a classified, drafted conversation from a mail posted to the inbound webhook', async () => {
    const posted = await t.app.inject({
      method: 'POST',
      url: `/api/public/inboxes/${inbox.identifier}/email`,
      headers: { authorization: `Bearer ${inbox.settings.inboundSecret}`, 'content-type': 'message/rfc822' },
      payload: rawMail('Wes Webhook <wes@customer.test>', 'App crashes on start', 'The app crashes every time I open it since the update.'),
    });
    expect(posted.statusCode, posted.body).toBe(202);
    const { classification, draft, mail } = await triaged('wes@customer.test');
    expect(mail).toMatchObject({ content: expect.stringContaining('crashes'), email: { subject: 'App crashes on start' } });
    expect(classification.category).toEqual(expect.any(String));
    expect(draft.content).toEqual(expect.any(String));
  });
});
