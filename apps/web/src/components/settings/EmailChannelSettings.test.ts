// @vitest-environment jsdom
/**
 * The e-mail part of the channel dialog: what it sends for a new inbox and for a change (stored
 * passwords never shown and kept unless replaced; IMAP switched off taken away), the inbound
 * webhook and its secret once the inbox exists, the server's messages under their fields, and
 * the connection test's answers in words. The requests themselves run against the real server
 * in the end-to-end test (e2e/email-channel.test.ts).
 */
import { mount } from '@vue/test-utils';
import PrimeVue from 'primevue/config';
import { describe, expect, it } from 'vitest';
import type { Inbox } from '../../api/client';
import EmailChannelSettings from './EmailChannelSettings.vue';
import { connectionTestBody, connectionTestSummary, emailFormOf, portAfterTlsChange } from './email-settings';

const stored = {
  id: 7,
  name: 'Support mail',
  channelType: 'email',
  defaultTeamId: null,
  identifier: 'inbox-identifier-123',
  createdAt: '2026-12-07T12:00:00.000Z',
  secret: 'inbox-secret',
  settings: {
    address: 'support@shop.example',
    smtp: { host: 'smtp.shop.example', port: 587, secure: false, user: 'support', passwordSet: true },
    imap: { host: 'imap.shop.example', port: 993, secure: true, user: 'support', passwordSet: true, mailbox: 'Support' },
    inboundSecret: 'b'.repeat(48),
  },
} as Inbox;

type Exposed = { settings(): Record<string, unknown> };
const open = (inbox: Inbox | null, fieldError: (field: string) => string | undefined = () => undefined) =>
  mount(EmailChannelSettings, { props: { inbox, fieldError }, global: { plugins: [PrimeVue] }, attachTo: document.body });
const settingsOf = (wrapper: ReturnType<typeof open>) => (wrapper.vm as unknown as Exposed).settings();

describe("an e-mail inbox's settings", () => {
  it('for a new inbox: the address and relay typed, no IMAP unless asked for, no tests or webhook before it exists', async () => {
    const wrapper = open(null);
    expect((wrapper.get('#smtp-port').element as HTMLInputElement).value).toBe('587');
    await wrapper.get('#email-address').setValue(' support@shop.example ');
    await wrapper.get('#smtp-host').setValue('smtp.shop.example');
    await wrapper.get('#smtp-user').setValue('support');
    await wrapper.get('#smtp-password').setValue('relay password');
    await wrapper.get('#smtp-secure').setValue(true);
    expect((wrapper.get('#smtp-port').element as HTMLInputElement).value).toBe('465');
    expect(settingsOf(wrapper)).toEqual({
      address: 'support@shop.example',
      smtp: { host: 'smtp.shop.example', port: 465, secure: true, user: 'support', password: 'relay password' },
    });
    expect(wrapper.text()).not.toContain('Test SMTP');
    expect(wrapper.text()).not.toContain('Inbound webhook URL');
    expect(wrapper.text()).toContain('Once the inbox is created, this dialog tests the connections');

    await wrapper.get('#email-fetch-imap').setValue(true);
    await wrapper.get('#imap-host').setValue('imap.shop.example');
    await wrapper.get('#imap-user').setValue('support');
    await wrapper.get('#imap-password').setValue('mailbox password');
    expect(settingsOf(wrapper).imap).toEqual({
      host: 'imap.shop.example',
      port: 143,
      secure: false,
      user: 'support',
      password: 'mailbox password',
      mailbox: 'INBOX',
    });
  });

  it('for a stored inbox: passwords show as stored and are kept, the webhook and its secret, the connection tests', async () => {
    const wrapper = open(stored);
    for (const kind of ['smtp', 'imap']) {
      const password = wrapper.get(`#${kind}-password`).element as HTMLInputElement;
      expect(password.type).toBe('password');
      expect(password.value).toBe('');
      expect(password.placeholder).toBe('Stored (type to replace it)');
    }
    expect(wrapper.text()).toContain('A password is stored, encrypted; it is never shown.');
    expect(settingsOf(wrapper)).toEqual({
      address: 'support@shop.example',
      smtp: { host: 'smtp.shop.example', port: 587, secure: false, user: 'support' },
      imap: { host: 'imap.shop.example', port: 993, secure: true, user: 'support', mailbox: 'Support' },
    });

    const url = wrapper.get('input[aria-label="Inbound webhook URL"]').element as HTMLInputElement;
    expect(url.value).toBe(`${location.origin}/api/public/inboxes/inbox-identifier-123/email`);
    const secret = wrapper.get('input[aria-label="Inbound webhook secret"]').element as HTMLInputElement;
    expect(secret.value).not.toContain('bbbb');
    await wrapper
      .findAll('button')
      .find((button) => button.text() === 'Show')!
      .trigger('click');
    expect(secret.value).toBe('b'.repeat(48));
    expect(wrapper.findAll('button').map((button) => button.text())).toEqual(expect.arrayContaining(['Test SMTP', 'Test IMAP']));

    // A relay without a login forgets the stored password; IMAP switched off is taken away.
    await wrapper.get('#smtp-user').setValue('');
    await wrapper.get('#email-fetch-imap').setValue(false);
    expect(settingsOf(wrapper)).toEqual({
      address: 'support@shop.example',
      smtp: { host: 'smtp.shop.example', port: 587, secure: false, user: null, password: null },
      imap: null,
    });
  });

  it("shows the inbox's forwarding address when the server has one (EMAIL_INBOUND_DOMAIN), and nothing otherwise", () => {
    expect(open(stored).text()).not.toContain('Forwarding address');
    const forwarding = { ...stored, settings: { ...stored.settings, forwardingAddress: 'inbox-identifier-123@mail.helpdesk.example' } } as Inbox;
    const wrapper = open(forwarding);
    expect(wrapper.text()).toContain('Forwarding address');
    expect(wrapper.findAll('input').some((input) => (input.element as HTMLInputElement).value === 'inbox-identifier-123@mail.helpdesk.example')).toBe(true);
  });

  it("shows the server's message under the field it is about", () => {
    const messages: Record<string, string> = {
      address: 'settings.address must be an e-mail address such as support@example.com, without "+"',
      'smtp.host': 'settings.smtp.host must be a host name or IP address',
      'imap.password': 'settings.imap.password is required',
    };
    const wrapper = open(stored, (field) => messages[field]);
    for (const [field, message] of Object.entries(messages)) {
      const id = field === 'address' ? 'email-address' : field.replace('.', '-');
      expect(wrapper.get(`#${id}-error`).text()).toBe(message);
      expect(wrapper.get(`#${id}`).attributes('aria-describedby')).toBe(`${id}-error`);
    }
  });
});

describe('the connection test', () => {
  it("tries the form's values, leaving out a password not typed (the stored one is tried, on the stored host only)", () => {
    const form = emailFormOf(stored);
    form.smtp.host = 'smtp2.shop.example';
    expect(connectionTestBody('smtp', form)).toEqual({ server: 'smtp', settings: { host: 'smtp2.shop.example', port: 587, secure: false, user: 'support' } });
    // No user: no login, rather than the stored one.
    form.smtp.user = ' ';
    expect(connectionTestBody('smtp', form).settings.user).toBe('');
    form.imap.password = 'new password';
    expect(connectionTestBody('imap', form)).toEqual({
      server: 'imap',
      settings: { host: 'imap.shop.example', port: 993, secure: true, user: 'support', password: 'new password', mailbox: 'Support' },
    });
  });

  it('says in words what failed', () => {
    expect(connectionTestSummary('smtp', { ok: true })).toBe('Connected: the SMTP relay takes mail from HummDesk.');
    expect(connectionTestSummary('imap', { ok: true })).toBe('Connected: signed in, and the mailbox opened.');
    expect(
      connectionTestSummary('imap', { ok: false, stage: 'auth', message: 'imap.shop.example:993 refused the user name or password: Authentication failed.' }),
    ).toBe('Not connected (login refused): imap.shop.example:993 refused the user name or password: Authentication failed.');
    expect(connectionTestSummary('smtp', { ok: false, stage: 'connect', message: 'Could not talk to 127.0.0.1:1: connection refused' })).toBe(
      'Not connected (no connection): Could not talk to 127.0.0.1:1: connection refused',
    );
  });

  it('moves a usual port along with TLS, and keeps a custom one', () => {
    expect(portAfterTlsChange('smtp', 587, true)).toBe(465);
    expect(portAfterTlsChange('smtp', 465, false)).toBe(587);
    expect(portAfterTlsChange('imap', 143, true)).toBe(993);
    expect(portAfterTlsChange('smtp', 2525, true)).toBe(2525);
    expect(portAfterTlsChange('imap', null, false)).toBe(143);
  });
});
