/**
 * Hostile and careless input: every case is a clean 4xx in the contract's error shape, never a
 * 500 or a stack trace, and writes nothing. Input that looks like SQL or odd Unicode is data.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from './test-support/app.js';
import { expectError, listAll } from './test-support/checks.js';
import { databaseKinds } from './test-support/databases.js';

const b64 = (value: string) => encodeURIComponent(Buffer.from(value).toString('base64'));

interface BadCase {
  label: string;
  request: InjectOptions;
  status: number;
  code?: string;
  /** Extra checks on the error body. */
  also?: (body: any) => void;
}

describe.each(await databaseKinds())('bad input on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let conversationId: number;
  let contactId: number;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await registerAccount(t.app, 'Bad Input Ltd');
    const opened = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Reference Customer', email: 'ref@example.com' }, message: { content: 'Reference message' } },
    });
    expect(opened.status).toBe(201);
    conversationId = opened.body.conversation.id;
    contactId = opened.body.conversation.contact.id;
  });
  afterAll(() => t?.close());

  /** Row counts of everything a bad request could have written. */
  async function snapshot() {
    const [conversations, contacts, messages] = await Promise.all([
      listAll(t.app, admin, '/api/conversations'),
      listAll(t.app, admin, '/api/contacts'),
      listAll(t.app, admin, `/api/conversations/${conversationId}/messages`),
    ]);
    const reference = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}` });
    return {
      conversations: conversations.length,
      contacts: contacts.length,
      messages: messages.length,
      reference: reference.body.conversation,
    };
  }

  async function expectRejected(cases: BadCase[]) {
    const before = await snapshot();
    for (const c of cases) {
      const response = await call(t.app, admin, c.request);
      expectError(response, c.status, c.code, c.label);
      c.also?.(response.body);
    }
    expect(await snapshot()).toEqual(before);
  }

  const postMessage = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
    method: 'POST',
    url: `/api/conversations/${conversationId}/messages`,
    payload: payload as InjectOptions['payload'],
    headers,
  });
  const openConversation = (contact: Record<string, unknown>, content: unknown): InjectOptions => ({
    method: 'POST',
    url: '/api/conversations',
    payload: { contact, message: { content } } as InjectOptions['payload'],
  });
  const get = (url: string): InjectOptions => ({ method: 'GET', url });

  it('rejects malformed JSON as invalid_json', async () => {
    const json = { 'content-type': 'application/json' };
    await expectRejected([
      { label: 'truncated object', request: postMessage('{"a":', json), status: 400, code: 'invalid_json' },
      {
        label: 'truncated create',
        request: { method: 'POST', url: '/api/conversations', payload: '{"contact":{', headers: json },
        status: 400,
        code: 'invalid_json',
      },
      { label: 'not JSON at all', request: postMessage('content=hello', json), status: 400, code: 'invalid_json' },
      { label: 'prototype pollution', request: postMessage('{"content":"x","__proto__":{"admin":true}}', json), status: 400 },
    ]);
  });

  it('rejects wrong types in bodies and query strings', async () => {
    await expectRejected([
      { label: 'content: 123', request: postMessage({ content: 123 }), status: 400, code: 'validation_error' },
      { label: 'content: null', request: postMessage({ content: null }), status: 400, code: 'validation_error' },
      { label: 'content: array', request: postMessage({ content: ['a'] }), status: 400, code: 'validation_error' },
      { label: 'private: "yes"', request: postMessage({ content: 'x', private: 'yes' }), status: 400, code: 'validation_error' },
      { label: 'body is an array', request: postMessage([{ content: 'x' }]), status: 400, code: 'validation_error' },
      { label: 'limit=abc', request: get('/api/conversations?limit=abc'), status: 400, code: 'validation_error' },
      { label: 'limit=0', request: get('/api/conversations?limit=0'), status: 400, code: 'validation_error' },
      { label: 'limit=1000', request: get('/api/conversations?limit=1000'), status: 400, code: 'validation_error' },
      { label: 'limit=-5', request: get('/api/contacts?limit=-5'), status: 400, code: 'validation_error' },
      { label: 'messages limit=abc', request: get(`/api/conversations/${conversationId}/messages?limit=abc`), status: 400, code: 'validation_error' },
      { label: 'status=bogus', request: get('/api/conversations?status=bogus'), status: 400, code: 'validation_error' },
      {
        label: 'patch status 42',
        request: { method: 'PATCH', url: `/api/conversations/${conversationId}`, payload: { status: 42 } },
        status: 400,
        code: 'validation_error',
      },
    ]);
  });

  it('rejects unknown fields, naming them', async () => {
    const namesEvil = (body: any) => {
      expect(JSON.stringify(body.error)).toContain('evil');
    };
    await expectRejected([
      { label: 'message', request: postMessage({ content: 'x', evil: 1 }), status: 400, code: 'validation_error', also: namesEvil },
      { label: 'nested contact', request: openConversation({ name: 'x', evil: 1 }, 'hello'), status: 400, code: 'validation_error', also: namesEvil },
      {
        label: 'patch',
        request: { method: 'PATCH', url: `/api/conversations/${conversationId}`, payload: { status: 'pending', evil: 1 } },
        status: 400,
        code: 'validation_error',
        also: namesEvil,
      },
    ]);
  });

  it('rejects a body over BODY_LIMIT with 413 and writes nothing', async () => {
    const small = await createTestApp(kind, { BODY_LIMIT: '10000' });
    try {
      const session = await registerAccount(small.app, 'Small Bodies');
      const count = async () => (await listAll(small.app, session, '/api/conversations')).length;
      const before = await count();
      const big = await call(small.app, session, {
        method: 'POST',
        url: '/api/conversations',
        payload: { contact: { name: 'Big' }, message: { content: 'x'.repeat(20_000) } },
      });
      expectError(big, 413, 'payload_too_large');
      // Just under the limit is fine, so it is the size that was refused.
      const fits = await call(small.app, session, {
        method: 'POST',
        url: '/api/conversations',
        payload: { contact: { name: 'Fits' }, message: { content: 'x'.repeat(9_000) } },
      });
      expect(fits.status).toBe(201);
      expect(await count()).toBe(before + 1);
    } finally {
      await small.close();
    }
  });

  it('rejects message content over 20,000 characters, accepts exactly 20,000', async () => {
    await expectRejected([
      { label: 'reply 20,001', request: postMessage({ content: 'y'.repeat(20_001) }), status: 400, code: 'validation_error' },
      { label: 'open 20,001', request: openConversation({ name: 'Long' }, 'y'.repeat(20_001)), status: 400, code: 'validation_error' },
    ]);
    const { body: conversation } = await call(t.app, admin, openConversation({ name: 'Exactly max' }, 'z'.repeat(20_000)));
    expect(conversation.message.content).toHaveLength(20_000);
  });

  it('rejects cursors the API did not hand out', async () => {
    const cursors = ['garbage', b64('[1,2]'), b64('"x"'), b64('["not-a-date", 1]'), b64('["2024-01-01T00:00:00Z", 1.5]'), b64('{')];
    const cases: BadCase[] = cursors.flatMap((cursor) => [
      { label: `conversations ${cursor}`, request: get(`/api/conversations?cursor=${cursor}`), status: 400, code: 'invalid_cursor' },
      { label: `messages ${cursor}`, request: get(`/api/conversations/${conversationId}/messages?cursor=${cursor}`), status: 400, code: 'invalid_cursor' },
      { label: `contacts ${cursor}`, request: get(`/api/contacts?cursor=${cursor}`), status: 400, code: 'invalid_cursor' },
    ]);
    cases.push({ label: 'cursor too long', request: get(`/api/conversations?cursor=${'A'.repeat(500)}`), status: 400, code: 'validation_error' });
    await expectRejected(cases);
  });

  it('rejects ids that are not positive 32-bit integers with 400', async () => {
    const ids = ['abc', '99999999999', '-1', '0', '1.5', '%20', '2147483648'];
    await expectRejected(
      ids.flatMap((id) => [
        { label: `GET ${id}`, request: get(`/api/conversations/${id}`), status: 400 },
        { label: `PATCH ${id}`, request: { method: 'PATCH', url: `/api/conversations/${id}`, payload: { status: 'open' } }, status: 400 },
        { label: `messages ${id}`, request: get(`/api/conversations/${id}/messages`), status: 400 },
        { label: `contact ${id}`, request: get(`/api/contacts/${id}`), status: 400 },
      ]),
    );
  });

  it('answers 404 not_found for ids that do not exist', async () => {
    const missing = 2_147_483_647;
    await expectRejected([
      { label: 'GET', request: get(`/api/conversations/${missing}`), status: 404, code: 'not_found' },
      { label: 'PATCH', request: { method: 'PATCH', url: `/api/conversations/${missing}`, payload: { status: 'resolved' } }, status: 404, code: 'not_found' },
      { label: 'messages', request: get(`/api/conversations/${missing}/messages`), status: 404, code: 'not_found' },
      {
        label: 'reply',
        request: { method: 'POST', url: `/api/conversations/${missing}/messages`, payload: { content: 'hi' } },
        status: 404,
        code: 'not_found',
      },
      { label: 'contact', request: get(`/api/contacts/${missing}`), status: 404, code: 'not_found' },
      { label: 'delete contact', request: { method: 'DELETE', url: `/api/contacts/${missing}` }, status: 404, code: 'not_found' },
      { label: 'team', request: get(`/api/teams/${missing}`), status: 404, code: 'not_found' },
      { label: 'agent', request: get(`/api/agents/${missing}`), status: 404, code: 'not_found' },
    ]);
  });

  it('rejects names over 200 characters, accepts exactly 200', async () => {
    await expectRejected([
      { label: 'contact name 201', request: openConversation({ name: 'n'.repeat(201) }, 'hello'), status: 400, code: 'validation_error' },
      {
        label: 'contacts POST 201',
        request: { method: 'POST', url: '/api/contacts', payload: { name: 'n'.repeat(201) } },
        status: 400,
        code: 'validation_error',
      },
      { label: 'contact name 10,000', request: openConversation({ name: 'n'.repeat(10_000) }, 'hello'), status: 400, code: 'validation_error' },
      {
        label: 'contacts PATCH 201',
        request: { method: 'PATCH', url: `/api/contacts/${contactId}`, payload: { name: 'n'.repeat(201) } },
        status: 400,
        code: 'validation_error',
      },
      { label: 'team name 101', request: { method: 'POST', url: '/api/teams', payload: { name: 't'.repeat(101) } }, status: 400, code: 'validation_error' },
      {
        label: 'category name with a symbol',
        request: { method: 'PUT', url: '/api/ai/taxonomy', payload: { categories: [{ name: 'warranty!' }, { name: 'billing' }] } },
        status: 400,
        code: 'validation_error',
      },
      { label: 'search q 201', request: get(`/api/conversations?q=${'q'.repeat(201)}`), status: 400, code: 'validation_error' },
    ]);
    const ok = await call(t.app, admin, openConversation({ name: 'n'.repeat(200) }, 'hello'));
    expect(ok.status).toBe(201);
    expect(ok.body.conversation.contact.name).toBe('n'.repeat(200));
  });

  it('explains formats and patterns in words, next to the field, not as regular expressions', async () => {
    const cases = [
      {
        request: { method: 'POST' as const, url: '/api/agents', payload: { name: 'Ines', email: 'not-an-address' } },
        field: 'body.email',
        message: 'must be an e-mail address',
      },
      {
        request: { method: 'POST' as const, url: '/api/labels', payload: { title: 'two words' } },
        field: 'body.title',
        message: 'must be letters, digits, `-` and `_` (no spaces), as in Chatwoot',
      },
      {
        request: { method: 'PUT' as const, url: '/api/ai/taxonomy', payload: { categories: [{ name: 'warranty!' }, { name: 'billing' }] } },
        field: 'body.categories.0.name',
        message: 'must be letters, digits, spaces, `-` and `_`, not only spaces',
      },
      { request: postMessage({ content: ' \n ' }), field: 'body.content', message: 'must not be blank' },
      {
        request: { method: 'PATCH' as const, url: `/api/conversations/${conversationId}`, payload: { snoozedUntil: 'tomorrow' } },
        field: 'body.snoozedUntil',
        message: 'must be a date and time such as 2026-11-26T09:00:00Z',
      },
    ];
    for (const { request, field, message } of cases) {
      const refused = await call(t.app, admin, request);
      expectError(refused, 400, 'validation_error', field);
      expect(refused.body.error.details).toContainEqual({ field, message });
      expect(refused.body.error.message).toBe(`${field} ${message}`);
    }
  });

  it('refuses a second team of the same name (in any case) with a 409 that names it', async () => {
    expect((await call(t.app, admin, { method: 'POST', url: '/api/teams', payload: { name: 'Returns' } })).status).toBe(201);
    const other = await call(t.app, admin, { method: 'POST', url: '/api/teams', payload: { name: 'Exchanges' } });
    for (const request of [
      { method: 'POST' as const, url: '/api/teams', payload: { name: ' returns ' } },
      { method: 'PATCH' as const, url: `/api/teams/${other.body.team.id}`, payload: { name: 'RETURNS' } },
    ]) {
      const refused = await call(t.app, admin, request);
      expectError(refused, 409, 'team_exists');
      expect(refused.body.error.message).toBe(`A team named "${request.payload.name.trim()}" already exists`);
    }
    // Renaming a team to its own name (a different case) is not a clash.
    expect((await call(t.app, admin, { method: 'PATCH', url: `/api/teams/${other.body.team.id}`, payload: { name: 'EXCHANGES' } })).status).toBe(200);
  });

  it('rejects NUL bytes and whitespace-only text with 400, not 500', async () => {
    await expectRejected([
      { label: 'NUL in reply', request: postMessage({ content: 'before\u0000after' }), status: 400 },
      { label: 'NUL in new conversation', request: openConversation({ name: 'Nul' }, 'a\u0000b'), status: 400 },
      { label: 'NUL in contact name', request: openConversation({ name: 'Nu\u0000l' }, 'hello'), status: 400 },
      { label: 'NUL in search', request: get('/api/conversations?q=%00'), status: 400 },
      { label: 'NUL in contact search', request: get('/api/contacts?q=a%00b'), status: 400 },
      { label: 'whitespace reply', request: postMessage({ content: '  \n\t  ' }), status: 400, code: 'validation_error' },
      { label: 'empty reply', request: postMessage({ content: '' }), status: 400, code: 'validation_error' },
      { label: 'whitespace first message', request: openConversation({ name: 'Blank' }, ' \u00a0 \r\n'), status: 400, code: 'validation_error' },
      { label: 'whitespace contact name', request: openConversation({ name: '   ' }, 'hello'), status: 400, code: 'validation_error' },
    ]);
  });

  it('rejects bodies that are not JSON with 415, and unknown routes with 404', async () => {
    await expectRejected([
      { label: 'text/plain', request: postMessage('hello', { 'content-type': 'text/plain' }), status: 415, code: 'unsupported_media_type' },
      {
        label: 'JSON text as text/plain',
        request: postMessage('{"content":"hello"}', { 'content-type': 'text/plain' }),
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        label: 'form',
        request: postMessage('content=hello', { 'content-type': 'application/x-www-form-urlencoded' }),
        status: 415,
        code: 'unsupported_media_type',
      },
      { label: 'xml', request: postMessage('<content>hi</content>', { 'content-type': 'application/xml' }), status: 415, code: 'unsupported_media_type' },
      { label: 'GET unknown', request: get('/api/does-not-exist'), status: 404, code: 'not_found' },
      { label: 'POST unknown', request: { method: 'POST', url: `/api/conversations/${conversationId}/nope`, payload: {} }, status: 404, code: 'not_found' },
      {
        label: 'DELETE conversation (no such route)',
        request: { method: 'DELETE', url: `/api/conversations/${conversationId}` },
        status: 404,
        code: 'not_found',
      },
    ]);
  });

  it('rejects PATCH with an empty body', async () => {
    await expectRejected([
      { label: '{}', request: { method: 'PATCH', url: `/api/conversations/${conversationId}`, payload: {} }, status: 400, code: 'validation_error' },
      {
        label: 'no body',
        request: { method: 'PATCH', url: `/api/conversations/${conversationId}`, headers: { 'content-type': 'application/json' } },
        status: 400,
      },
    ]);
  });

  it('stores SQL-looking text literally and keeps working', async () => {
    const drop = "'; DROP TABLE conversations; --";
    const orTrue = "%' OR 1=1 --";
    const before = await listAll(t.app, admin, '/api/conversations');
    const first = await call(t.app, admin, openConversation({ name: drop }, orTrue));
    const second = await call(t.app, admin, openConversation({ name: orTrue, email: 'robert@example.com' }, drop));
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.body.conversation.contact.name).toBe(drop);
    expect(first.body.message.content).toBe(orTrue);

    const stored = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${second.body.conversation.id}` });
    expect(stored.body.conversation.contact.name).toBe(orTrue);
    expect(stored.body.conversation.lastMessage.content).toBe(drop);
    const messages = await listAll(t.app, admin, `/api/conversations/${first.body.conversation.id}/messages`);
    expect(messages.map((m) => m.content)).toEqual([orTrue]);

    // Searching for them finds exactly the conversations that contain them, nothing more.
    const search = async (q: string) => (await listAll(t.app, admin, `/api/conversations?q=${encodeURIComponent(q)}`)).map((c) => c.id).sort();
    const both = [first.body.conversation.id, second.body.conversation.id].sort();
    expect(await search(drop)).toEqual(both);
    expect(await search(orTrue)).toEqual(both);
    // An always-true clause is only words to the full-text search (`or` is "either word"): ones no message holds find nothing.
    expect(await search("' OR 'qz'='qz")).toEqual([]);
    expect(await search("' OR '1'='1")).toEqual([first.body.conversation.id]);
    const contacts = await listAll(t.app, admin, `/api/contacts?q=${encodeURIComponent(orTrue)}`);
    expect(contacts.map((c) => c.name)).toEqual([orTrue]);

    const contact = await call(t.app, admin, { method: 'POST', url: '/api/contacts', payload: { name: `Robert${drop}` } });
    expect(contact.status).toBe(201);
    expect(contact.body.contact.name).toBe(`Robert${drop}`);

    // The tables are all still there and writable.
    const after = await listAll(t.app, admin, '/api/conversations');
    expect(after.length).toBe(before.length + 2);
    const again = await call(t.app, admin, openConversation({ name: 'After the storm' }, 'still works'));
    expect(again.status).toBe(201);
    expect((await call(t.app, admin, { method: 'GET', url: '/api/contacts?limit=1' })).status).toBe(200);
  });

  it('round-trips unusual Unicode exactly', async () => {
    const samples = [
      'Zoë 👩‍💻 the developer',
      'مرحبا، لم يصل طلبي بعد',
      'Ame\u0301lie Ångstro\u0308m',
      'family 👨\u200D👩\u200D👧 and 🏳️‍🌈',
      'zero\u200Bwidth\u200Cnon\u200Djoiner',
      'שלום עולם with mixed RTL',
      '𝕳𝖚𝖒𝖒 𝔇𝔢𝔰𝔨 😀',
    ];
    for (const text of samples) {
      const opened = await call(t.app, admin, openConversation({ name: text }, `Message: ${text}`));
      expect(opened.status, text).toBe(201);
      const id = opened.body.conversation.id;
      const fetched = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` });
      expect(fetched.body.conversation.contact.name).toBe(text);
      const messages = await listAll(t.app, admin, `/api/conversations/${id}/messages`);
      expect(messages.map((m) => m.content)).toEqual([`Message: ${text}`]);
      const found = await listAll(t.app, admin, `/api/conversations?q=${encodeURIComponent(text)}`);
      expect(
        found.map((c) => c.id),
        text,
      ).toContain(id);
    }
  });

  it('answers a lone surrogate in JSON with a round-trip or a clean 4xx, never a silent change', async () => {
    for (const raw of ['{"content":"broken \\ud800 surrogate"}', '{"content":"low \\udc00 first"}', '{"content":"x","private":false,"\\ud800":1}']) {
      const before = await snapshot();
      const response = await call(t.app, admin, postMessage(raw, { 'content-type': 'application/json' }));
      if (response.status === 201) {
        expect(response.body.message.content).toBe(JSON.parse(raw).content);
        const messages = await listAll(t.app, admin, `/api/conversations/${conversationId}/messages`);
        expect(messages.at(-1).content).toBe(JSON.parse(raw).content);
      } else {
        expect(response.status, raw).toBeGreaterThanOrEqual(400);
        expect(response.status, raw).toBeLessThan(500);
        expectError(response, response.status, undefined, raw);
        expect(await snapshot()).toEqual(before);
      }
    }
    // A well-formed surrogate pair written as escapes is just an emoji.
    const pair = await call(t.app, admin, postMessage('{"content":"pair \\ud83d\\ude00"}', { 'content-type': 'application/json' }));
    expect(pair.status).toBe(201);
    expect(pair.body.message.content).toBe('pair 😀');
  });
});
