// @vitest-environment jsdom
/**
 * An e-mail in the thread: its subject and addresses, the reply without quotes first and the full
 * mail on request, fetched once when opened (its HTML only in the sandboxed frame, never in the
 * page), the flags an agent must see, and a reply's delivery state with Retry. In jsdom, where DOMPurify works (the frame
 * itself is tried in Chromium: email-frame.test.ts).
 */
import { flushPromises, mount } from '@vue/test-utils';
import PrimeVue from 'primevue/config';
import { describe, expect, it } from 'vitest';
import { ApiError, type EmailBody, type Message } from '../../api/client';
import EmailMessage from './EmailMessage.vue';
import MessageDelivery from './MessageDelivery.vue';

type Email = NonNullable<Message['email']>;
const email = (overrides: Partial<Email> = {}): Email => ({
  subject: 'Order 1042 never arrived',
  from: { address: 'jane@customer.example', name: 'Jane Doe' },
  to: ['support@shop.example'],
  cc: ['boss@customer.example'],
  hasHtml: false,
  hasMoreText: true,
  inReplyTo: null,
  references: [],
  automated: false,
  authentication: null,
  ...overrides,
});
const FULL_TEXT = 'Where is my parcel?\n\nOn Monday, Shop wrote:\n> Your order has shipped.';
const global = { plugins: [PrimeVue] };

/** The mail on show, with what its `load` answers (the server's `/email`), counting the fetches. */
function show(content: string, details: Email, body: Partial<EmailBody> = {}, attachmentUrls?: string[]) {
  const loads = { count: 0 };
  const load = async () => (loads.count++, { html: null, fullText: FULL_TEXT, ...body });
  const wrapper = mount(EmailMessage, {
    props: { content, email: details, load, ...(attachmentUrls ? { attachmentUrls } : {}) },
    global,
    attachTo: document.body,
  });
  return Object.assign(wrapper, { loads });
}

/** Opens the whole mail and waits for it to be fetched. */
async function open(wrapper: ReturnType<typeof show>) {
  await wrapper.get('button').trigger('click');
  await flushPromises();
}

describe('an e-mail message', () => {
  it('shows the subject, the addresses and the reply without its quoted history, then the whole text on request, fetched once', async () => {
    const wrapper = show('Where is my parcel?', email());
    expect(wrapper.find('.subject').text()).toBe('Order 1042 never arrived');
    expect(wrapper.find('.addresses').text()).toBe('From jane@customer.example to support@shop.example · cc boss@customer.example');
    expect(wrapper.text()).toContain('Where is my parcel?');
    expect(wrapper.text()).not.toContain('Your order has shipped');
    expect(wrapper.find('iframe').exists()).toBe(false);
    // Nothing is fetched before the mail is opened.
    expect(wrapper.loads.count).toBe(0);

    const toggle = wrapper.get('button');
    expect(toggle.text()).toBe('Show full e-mail');
    expect(toggle.attributes('aria-expanded')).toBe('false');
    await toggle.trigger('click');
    expect(wrapper.text()).toContain('Loading the whole e-mail…');
    await flushPromises();
    expect(wrapper.get('[data-testid="email-full-text"]').text()).toBe(FULL_TEXT);
    expect(toggle.text()).toBe('Show the reply only');
    await toggle.trigger('click');
    expect(wrapper.find('[data-testid="email-full-text"]').exists()).toBe(false);
    await open(wrapper);
    expect(wrapper.get('[data-testid="email-full-text"]').text()).toBe(FULL_TEXT);
    expect(wrapper.loads.count).toBe(1);
  });

  it('says when the whole mail could not be fetched, and tries again', async () => {
    let fails = true;
    const load = async (): Promise<EmailBody> => {
      if (fails) throw new ApiError(0, 'network_error', 'The server cannot be reached.');
      return { html: null, fullText: FULL_TEXT };
    };
    const wrapper = mount(EmailMessage, { props: { content: 'Where is my parcel?', email: email(), load }, global, attachTo: document.body });
    await wrapper.get('button').trigger('click');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('The whole e-mail could not be loaded: The server cannot be reached.');
    fails = false;
    await wrapper.get('[role="alert"] button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="email-full-text"]').text()).toBe(FULL_TEXT);
  });

  it("shows the mail's inline pictures from their attachments' links", async () => {
    const html = '<p>See the damage:</p><img data-attachment="1" alt="photo"><img data-attachment="7" alt="gone">';
    const urls = ['/api/attachments/10?sig=a', '/api/attachments/11?sig=b'];
    const wrapper = show('See the damage:', email({ hasHtml: true }), { html }, urls);
    await open(wrapper);
    const srcdoc = wrapper.get('iframe').attributes('srcdoc')!;
    expect(srcdoc).toMatch(/<img data-attachment="1" alt="photo" src="\/api\/attachments\/11\?sig=b">/);
    // A place with no attachment (one not kept) shows nothing rather than guessing.
    expect(srcdoc).toMatch(/<img data-attachment="7" alt="gone">/);
  });

  it('shows the HTML only inside a sandboxed frame that runs no script and loads nothing from elsewhere', async () => {
    const html =
      '<p>Where is <b>my parcel</b>?</p><script>window.hacked = true</script><img src="x" onerror="window.hacked = true">' +
      '<meta http-equiv="refresh" content="0;url=https://evil.example"><form action="https://evil.example"><input name="card"></form>';
    const wrapper = show('Where is my parcel?', email({ hasHtml: true }), { html });
    await open(wrapper);
    // The page itself never holds the mail's markup: only the frame's document does.
    expect(wrapper.element.querySelector('b, script, form, input')).toBeNull();

    const frame = wrapper.get('iframe');
    const sandbox = frame.attributes('sandbox')!.split(' ');
    expect(sandbox).not.toContain('allow-scripts');
    expect(sandbox).not.toContain('allow-forms');
    expect(sandbox).not.toContain('allow-top-navigation');
    const srcdoc = frame.attributes('srcdoc')!;
    expect(srcdoc).toMatch(
      /^<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: http:\/\/localhost:3000; style-src 'unsafe-inline'">/,
    );
    expect(srcdoc).toContain('<p>Where is <b>my parcel</b>?</p>');
    for (const hostile of ['<script', 'onerror', 'refresh', '<form', 'evil.example']) expect(srcdoc).not.toContain(hostile);
    expect((window as unknown as { hacked?: boolean }).hacked).toBeUndefined();
  });

  it('opens in full when the reply part is empty, and offers no toggle when there is nothing more to show', async () => {
    const pictureOnly = show('', email({ hasHtml: true, hasMoreText: false }), {
      html: '<p><img src="data:image/png;base64,iVBORw0KGgo="></p>',
      fullText: null,
    });
    await flushPromises();
    expect(pictureOnly.loads.count).toBe(1);
    expect(pictureOnly.find('iframe').exists()).toBe(true);
    expect(pictureOnly.find('button').exists()).toBe(false);

    const short = show('Thanks, it came!', email({ hasMoreText: false }));
    expect(short.text()).toContain('Thanks, it came!');
    expect(short.find('button').exists()).toBe(false);
    expect(short.loads.count).toBe(0);
  });

  it('marks an automatic mail, warns when the sender could not be verified, and counts attachments not kept', () => {
    const wrapper = show(
      'I am out of office until Monday.',
      email({ automated: true, authentication: { spf: 'fail', dkim: 'fail', dmarc: 'fail', failed: true }, attachmentsDropped: 3 }),
    );
    expect(wrapper.text()).toContain('auto-reply');
    expect(wrapper.text()).toContain('Sender could not be verified (SPF/DKIM/DMARC failed)');
    expect(wrapper.text()).toContain('3 more attachments were not kept (over the limit per message)');

    const verified = show('Hello', email({ authentication: { spf: 'pass', dkim: 'pass', dmarc: 'pass', failed: false } }));
    expect(verified.text()).not.toContain('could not be verified');
    expect(verified.text()).not.toContain('auto-reply');
  });
});

describe("a reply's delivery state", () => {
  const state = (status: 'queued' | 'sent' | 'failed', error: string | null, retry: () => Promise<unknown> = async () => undefined) =>
    mount(MessageDelivery, { props: { status, error, retry }, global });

  it('says it is being sent, then sent', () => {
    expect(state('queued', null).text()).toBe('Sending…');
    expect(state('sent', null).text()).toBe('Sent');
    expect(state('sent', null).find('button').exists()).toBe(false);
  });

  it("shows a failure with the relay's answer, and Retry sends it again", async () => {
    let retried = 0;
    const wrapper = state('failed', '550 5.1.1 <jane@customer.example>: Recipient address rejected', async () => retried++);
    expect(wrapper.get('[role="alert"]').text()).toBe('Not delivered: 550 5.1.1 <jane@customer.example>: Recipient address rejected');
    await wrapper.get('button').trigger('click');
    expect(retried).toBe(1);
  });

  it('says why a retry was refused', async () => {
    const wrapper = state('failed', 'timed out', async () => {
      throw new Error('The reply is already being sent');
    });
    await wrapper.get('button').trigger('click');
    await expect.poll(() => wrapper.text()).toContain('The reply is already being sent');
  });
});
