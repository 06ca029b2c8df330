/**
 * Message search over HTTP on both databases: stems in the six languages, ranking, highlighted
 * snippets, hostile input, the inbox's `q` filter, and accounts never seeing each other's messages.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { SEARCH_BUCKET_SIZE } from '../../db/schema.js';
import { messageSearchQuery } from '../../platform/search.js';
import { runAsApp } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { databaseKinds } from '../../test-support/databases.js';

interface Hit {
  messageId: number;
  conversationId: number;
  displayId: number;
  contactName: string;
  messageType: string;
  private: boolean;
  rank: number;
  snippet: { text: string; highlight: boolean }[];
}

// One message per language, and the inflected form of one of its words that must find it.
const LANGUAGES = [
  { content: 'My orders were delivered late again', search: 'ordered', word: 'orders' },
  { content: 'Laskussa on virhe, en ymmärrä sitä', search: 'laskun', word: 'Laskussa' },
  { content: 'Jag väntar fortfarande på beställningen', search: 'beställningar', word: 'beställningen' },
  { content: 'Die Rechnungen sind leider falsch', search: 'Rechnung', word: 'Rechnungen' },
  { content: 'Mes commandes sont arrivées cassées', search: 'commande', word: 'commandes' },
  { content: 'Los pedidos llegaron rotos ayer', search: 'pedido', word: 'pedidos' },
];

describe.each(await databaseKinds())('message search on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;

  const search = (session: Session, query: string) => call(t.app, session, { method: 'GET', url: `/api/search/messages?${query}` });
  const hits = async (session: Session, q: string, more = '') => {
    const response = await search(session, `q=${encodeURIComponent(q)}${more}`);
    expect(response.status).toBe(200);
    return response.body.data as Hit[];
  };
  const open = (session: Session, content: string, name = 'Maija Virtanen') =>
    call(t.app, session, { method: 'POST', url: '/api/conversations', payload: { contact: { name }, message: { content } } });

  beforeAll(async () => {
    t = await createTestApp(kind);
    a = await registerAccount(t.app, 'Search A');
    b = await registerAccount(t.app, 'Search B');
    for (const { content } of LANGUAGES) await open(a, content);
    // The messages after these get ids eleven buckets on: searches must go on past empty buckets.
    await t.database.db.execute(sql`select setval(pg_get_serial_sequence('messages', 'id'), ${11 * SEARCH_BUCKET_SIZE})`);
    const opened = await open(a, 'The refund for my broken headphones never came');
    const id = opened.body.conversation.id;
    const reply = (content: string, extra: object = {}) =>
      call(t.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content, ...extra } });
    await reply('We have sent the refund today, sorry about the refund delay');
    await reply('Customer is upset about the refund; check the warehouse', { private: true });
    await open(b, 'Secret quokka invoice of account B');
  });
  afterAll(() => t?.close());

  it.each(LANGUAGES)('finds "$content" by the inflected form "$search"', async ({ search: word, content, word: matched }) => {
    // A headline may leave out short words at its ends.
    const hit = (await hits(a, word)).find((h) => content.includes(h.snippet.map((part) => part.text).join('')))!;
    expect(hit.snippet.filter((part) => part.highlight).map((part) => part.text)).toContain(matched);
    expect(hit).toMatchObject({ contactName: 'Maija Virtanen', messageType: 'incoming', private: false });
  });

  it('ranks the message with the word most used first, and searches replies and notes', async () => {
    const found = await hits(a, 'refund');
    expect(found).toHaveLength(3);
    expect(found[0]!.snippet.filter((part) => part.highlight).length).toBe(2);
    expect(found[0]!.rank).toBeGreaterThan(found[2]!.rank);
    expect(found.some((hit) => hit.private)).toBe(true);
    // Newest first, with the same hits.
    const recent = await hits(a, 'refund', '&sort=recent');
    expect(recent.map((hit) => hit.messageId)).toEqual([...found.map((hit) => hit.messageId)].sort((x, y) => y - x));
  });

  it('takes web-search syntax: phrases, or, exclusion', async () => {
    expect(await hits(a, '"refund delay"')).toHaveLength(1);
    expect(await hits(a, '"delay refund"')).toHaveLength(0);
    expect(await hits(a, 'quokka or Rechnung')).toHaveLength(1);
    expect(await hits(a, 'refund -warehouse')).toHaveLength(2);
    expect(await hits(a, '-refund')).toHaveLength(0);
  });

  it('pages by cursor in both orders without repeating a hit', async () => {
    for (const sort of ['relevance', 'recent']) {
      const first = await search(a, `q=refund&limit=2&sort=${sort}`);
      expect(first.body.data).toHaveLength(2);
      const second = await search(a, `q=refund&limit=2&sort=${sort}&cursor=${first.body.nextCursor}`);
      expect(second.body.data).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.data, ...second.body.data].map((hit: Hit) => hit.messageId);
      expect(new Set(ids).size).toBe(3);
    }
    // Across buckets, far apart: the newest refunds, then the German invoice found in the older messages.
    const across: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(a, `q=${encodeURIComponent('refund or Rechnung')}&limit=1&sort=recent${cursor ? `&cursor=${cursor}` : ''}`);
      across.push(...page.body.data.map((hit: Hit) => hit.messageId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(across).toHaveLength(4);
    expect(across).toEqual([...across].sort((x, y) => y - x));
    expect(across[3]).toBeLessThan(SEARCH_BUCKET_SIZE);
    expect(across[2]).toBeGreaterThan(11 * SEARCH_BUCKET_SIZE);
    expect((await hits(a, 'refund or Rechnung')).map((hit) => hit.messageId).sort()).toEqual([...across].sort());
    const recentCursor = (await search(a, 'q=refund&limit=1&sort=recent')).body.nextCursor;
    expect((await search(a, `q=refund&sort=relevance&cursor=${recentCursor}`)).status).toBe(400);
    expect((await search(a, 'q=refund&cursor=garbage')).status).toBe(400);
  });

  it('answers hostile or empty input with results or a clean 4xx, never a 500', async () => {
    const inputs = ['"', '\\', '&|!:*()', "'; drop table messages; --", 'refund\u0000delay', 'a & | b', '""""', '*:*', '(((', 'x'.repeat(200)];
    for (const q of inputs) {
      const response = await search(a, `q=${encodeURIComponent(q)}`);
      expect(response.status, q).toBe(200);
      expect(Array.isArray(response.body.data)).toBe(true);
    }
    for (const query of ['q=', '', `q=${'x'.repeat(10_000)}`, 'q=refund&limit=0', 'q=refund&limit=500', 'q=refund&sort=best']) {
      const response = await search(a, query);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBeTypeOf('string');
    }
    expect((await call(t.app, undefined, { method: 'GET', url: '/api/search/messages?q=refund' })).status).toBe(401);
  });

  it('filters the inbox by words in messages, by stem, besides contact and number', async () => {
    const list = async (q: string) =>
      (await call(t.app, a, { method: 'GET', url: `/api/conversations?q=${encodeURIComponent(q)}` })).body.data.map(
        (c: { lastMessage: { content: string } | null }) => c.lastMessage?.content,
      );
    expect(await list('laskun')).toEqual(['Laskussa on virhe, en ymmärrä sitä']);
    expect(await list('Virtanen')).toHaveLength(7);
    expect(await list('quokka')).toEqual([]);
    const hostile = await call(t.app, a, { method: 'GET', url: `/api/conversations?q=${encodeURIComponent('&|!\u0000')}` });
    // The contact half of the filter keeps answering a NUL with its clean 400.
    expect(hostile.status === 200 || hostile.body.error.code === 'invalid_text').toBe(true);
  });

  it("never shows another account's messages, over HTTP or in SQL as hummdesk_app", async () => {
    expect(await hits(a, 'quokka')).toEqual([]);
    expect(await hits(b, 'quokka')).toHaveLength(1);
    expect(await hits(b, 'refund')).toEqual([]);
    const rows = await runAsApp(t.database.db, { accountId: a.accountId }, (tx) =>
      queryRows(tx, sql`select id from messages where search_vector @@ ${messageSearchQuery('quokka')}`),
    );
    expect(rows).toEqual([]);
  });

  it('may look words up in the index under row-level security: tsvector @@ tsquery is LEAKPROOF', async () => {
    // Postgres otherwise tests every row of the account after the policy instead (migration 0020).
    const rows = await runAsApp(t.database.db, { accountId: a.accountId }, (tx) =>
      queryRows<{ leakproof: boolean }>(tx, sql`select proleakproof as leakproof from pg_proc where oid = 'ts_match_vq(tsvector, tsquery)'::regprocedure`),
    );
    expect(rows).toEqual([{ leakproof: true }]);
  });
});
