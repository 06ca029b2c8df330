/**
 * Reply drafts end to end (the brief's Part 2): knowledge-base articles are written and embedded,
 * a customer message is classified and drafted in the background, the draft is announced as
 * `ai:draft` to the account's sockets and served at GET /api/conversations/:id/drafts, and the
 * agent's decision (sent as is, edited, discarded) is kept and counted. The local provider quotes
 * the closest article sentences and declines when nothing fits; the hosted providers are held to
 * the sources they were given (exercised through their real SDKs against local wire servers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { anthropicServer, openAiServer, toolOf, type Reply, type WireServer } from '../../test-support/ai-wire-servers.js';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, nextEvent, recordEvents } from '../../test-support/sockets.js';

const EVENT_WAIT_MS = 60_000;

const DUPLICATE_CHARGE = {
  title: 'Duplicate Charge Policy',
  content: 'For duplicate charges, we issue immediate refunds within 1-3 business days...',
  category: 'billing',
};
const UNRELATED = [
  {
    title: 'Shipping Times and Costs',
    content:
      'Standard shipping takes 5-7 working days within the EU. Express delivery arrives within 2 working days and costs 9.90 euros. Orders placed before 14:00 leave our warehouse the same day.',
    category: 'shipping',
  },
  {
    title: 'Resetting Your Password',
    content:
      'To reset your password, open the sign-in page and choose "Forgot password". We email you a reset link that stays valid for 30 minutes. If the email does not arrive, check your spam folder.',
    category: 'account',
  },
  {
    title: 'Warranty Coverage',
    content:
      'All our devices carry a two-year warranty against manufacturing defects. The warranty does not cover accidental or water damage. To make a claim, send us a photo of the receipt and a description of the fault.',
    category: 'warranty',
  },
];
/** Facts stated by the articles: a reply that states none of them states no policy. */
const POLICY_FACTS = ['business days', 'immediate refund', 'working days', '9.90', '30 minutes', 'two-year', 'water damage'];

const CUSTOMER = 'Maria Virtanen';
const DUPLICATE_QUESTION = 'I was charged twice for order #12345, please refund the duplicate charge';
const UNCOVERED_QUESTION = 'Do you ship live animals to Antarctica?';

/** A classification the hosted model gives for every classification request. */
const CLASSIFICATION = {
  category: 'billing',
  priority: 'high',
  sentiment: 'frustrated',
  language: 'en',
  confidence: 0.95,
  reasoning: 'Duplicate charge: billing.',
};

/** The value of a Prometheus sample (summed over the series matching the labels), 0 when absent. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[3]);
  }
  return total;
}

/** Resolves with the first recorded event that matches, already received or still to come. */
async function until<T>(
  seen: { event: string; payload: any }[],
  matching: (event: { event: string; payload: any }) => boolean,
  timeoutMs = EVENT_WAIT_MS,
): Promise<T> {
  const found = await eventuallyFound(() => `a matching event (seen: ${seen.map((e) => e.event).join(', ')})`, seen, matching, { timeoutMs });
  return found.payload as T;
}

/** The first `ai:draft` recorded for the conversation, other than the drafts listed in `skip`. */
const draftEvent = (seen: { event: string; payload: any }[], conversationId: number, skip: number[] = []) =>
  until<any>(seen, (e) => e.event === 'ai:draft' && e.payload.data.conversationId === conversationId && !skip.includes(e.payload.data.draft.id));

function expectDraftShape(draft: any) {
  expect(draft).toMatchObject({
    id: expect.any(Number),
    conversationId: expect.any(Number),
    messageId: expect.any(Number),
    content: expect.any(String),
    confidence: expect.any(Number),
    reasoning: expect.any(String),
    knowledgeBaseSources: expect.any(Array),
    generationTime: expect.stringMatching(/^(\d+ms|\d+\.\d+s)$/),
    provider: expect.any(String),
    outcome: 'proposed',
    editRatio: null,
    sentMessageId: null,
    createdAt: expect.any(String),
  });
  expect(Number.isNaN(Date.parse(draft.createdAt))).toBe(false);
  expect(draft.confidence).toBeGreaterThanOrEqual(0);
  expect(draft.confidence).toBeLessThanOrEqual(1);
  for (const source of draft.knowledgeBaseSources) {
    expect(source).toEqual({ articleId: expect.any(Number), title: expect.any(String), similarity: expect.any(Number) });
  }
}

function expectHoldingReply(draft: any) {
  expect(draft.knowledgeBaseSources).toEqual([]);
  expect(draft.confidence).toBeLessThanOrEqual(0.2);
  expect(draft.content.startsWith('Hi Maria,'), draft.content).toBe(true);
  for (const fact of POLICY_FACTS) expect(draft.content.toLowerCase(), draft.content).not.toContain(fact.toLowerCase());
  expect(draft.reasoning).toMatch(/holding reply/i);
}

async function writeArticles(t: TestApp, session: Session) {
  const ids: Record<string, number> = {};
  for (const article of [DUPLICATE_CHARGE, ...UNRELATED]) {
    const created = await call(t.app, session, { method: 'POST', url: '/api/knowledge-base/articles', payload: article });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.article).toMatchObject({ title: article.title, category: article.category, embeddingStatus: 'ready' });
    ids[article.title] = created.body.article.id;
  }
  return ids;
}

const openConversation = async (t: TestApp, session: Session, content: string) => {
  const opened = await call(t.app, session, { method: 'POST', url: '/api/conversations', payload: { contact: { name: CUSTOMER }, message: { content } } });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return { conversationId: opened.body.conversation.id as number, messageId: opened.body.message.id as number };
};

describe.each(await databaseKinds())('reply drafts (local provider) on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let a: Session;
  let articleIds: Record<string, number>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    url = await listen(t.app);
    a = await registerAccount(t.app, 'Drafts A');
    articleIds = await writeArticles(t, a); // the first embedding loads the local model
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  async function socketOf(session: Session) {
    const socket = connectSocket(url, session.token);
    sockets.push(socket);
    const seen = recordEvents(socket);
    await connected(socket);
    return { socket, seen };
  }

  const metrics = async () => (await call(t.app, undefined, { method: 'GET', url: '/metrics' })).body as string;

  it("the brief's Part 2: drafts a reply to a duplicate charge from the Duplicate Charge Policy, automatically and on request", async () => {
    const { seen } = await socketOf(a);
    const { conversationId, messageId } = await openConversation(t, a, DUPLICATE_QUESTION);

    // The automatic draft (after classification) arrives on the account's socket.
    const first = await draftEvent(seen, conversationId);
    expect(first).toMatchObject({
      event: 'ai:draft',
      accountId: a.accountId,
      id: expect.any(String),
      timestamp: expect.any(String),
      data: { conversationId, messageId },
    });
    const auto = first.data.draft;
    expectDraftShape(auto);
    expect(auto).toMatchObject({ conversationId, messageId, provider: 'local' });
    // It is written with the classification at hand (the classification came first).
    expect(seen.findIndex((e) => e.event === 'ai:classification' && e.payload.data.messageId === messageId)).toBeGreaterThanOrEqual(0);
    expect(seen.findIndex((e) => e.event === 'ai:classification' && e.payload.data.messageId === messageId)).toBeLessThan(
      seen.findIndex((e) => e.event === 'ai:draft' && e.payload.data.messageId === messageId),
    );

    // And on request: 202 with a job id, a second (new) draft arrives.
    const requested = await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: { messageId } });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    expect(requested.body).toEqual({ jobId: expect.stringMatching(/^ai-draft:/) });
    const second = await draftEvent(seen, conversationId, [auto.id]);
    const draft = second.data.draft;
    expect(draft.id).not.toBe(auto.id);
    expectDraftShape(draft);
    const jobs = await call(t.app, a, { method: 'GET', url: '/api/queue/jobs?limit=200' });
    expect(jobs.body.data).toContainEqual(expect.objectContaining({ queue: 'ai-draft', key: requested.body.jobId.slice('ai-draft:'.length) }));

    // GET serves the latest draft with the brief's fields.
    const served = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
    expect(served.status).toBe(200);
    expect(served.body.draft).toEqual(draft);

    for (const d of [auto, draft]) {
      expect(d.provider).toBe('local');
      expect(d.content.startsWith('Hi Maria,'), d.content).toBe(true);
      // The policy is quoted from the article, never made up.
      expect(d.content).toContain('For duplicate charges, we issue immediate refunds within 1-3 business days');
      expect(d.knowledgeBaseSources[0]).toMatchObject({ articleId: articleIds[DUPLICATE_CHARGE.title], title: 'Duplicate Charge Policy' });
      expect(d.knowledgeBaseSources[0].similarity).toBeGreaterThanOrEqual(0.45);
      expect(d.knowledgeBaseSources[0].similarity).toBeLessThanOrEqual(1);
      expect(d.reasoning).toMatch(/extractive/i);
      expect(d.confidence).toBeGreaterThan(0.2);
      expect(d.confidence).toBeLessThanOrEqual(1);
      // None of the unrelated articles' policies is slipped in.
      for (const fact of ['working days', '30 minutes', 'two-year']) expect(d.content).not.toContain(fact);
    }
    expect(draft.content).toBe(auto.content);
  }, 120_000);

  it('answers a short follow-up ("any news?") from what the customer asked before', async () => {
    const { seen } = await socketOf(a);
    const { conversationId } = await openConversation(t, a, DUPLICATE_QUESTION);
    const first = (await draftEvent(seen, conversationId)).data.draft;
    const followUp = await call(t.app, a, {
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      payload: { content: 'Any news on this?', messageType: 'incoming' },
    });
    expect(followUp.status).toBe(201);
    const { data } = await draftEvent(seen, conversationId, [first.id]);
    expect(data.messageId).toBe(followUp.body.message.id);
    expect(data.draft.knowledgeBaseSources.map((s: any) => s.title)).toEqual(['Duplicate Charge Policy']);
    expect(data.draft.content).toContain('1-3 business days');
    expect(data.draft.confidence).toBeGreaterThan(0.2);
  }, 120_000);

  it('quotes the sentence stating what was asked for, and is not confident when no sentence states it', async () => {
    const { seen } = await socketOf(a);
    const priced = await openConversation(t, a, 'How much does express delivery cost?');
    const price = (await draftEvent(seen, priced.conversationId)).data.draft;
    expect(price.knowledgeBaseSources[0]).toMatchObject({ title: 'Shipping Times and Costs' });
    expect(price.content).toContain('Express delivery arrives within 2 working days and costs 9.90 euros.');
    expect(price.reasoning).toMatch(/facts asked for stated 1\b/);

    // No article says how long a warranty claim takes: whatever the draft quotes, it is not confident.
    const timed = await openConversation(t, a, 'How long does it take to process a warranty claim for my device?');
    const time = (await draftEvent(seen, timed.conversationId)).data.draft;
    expect(time.confidence, time.reasoning).toBeLessThan(0.5);
  }, 120_000);

  it('validates draft requests: 404 for a missing message, 422 for an agent message, 400 for a malformed id', async () => {
    const { seen } = await socketOf(a);
    const { conversationId } = await openConversation(t, a, 'My invoice shows the wrong VAT number');
    await draftEvent(seen, conversationId);
    const reply = await call(t.app, a, {
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      payload: { content: 'Let me check that for you.' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.message.messageType).toBe('outgoing');
    expectError(await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: { messageId: reply.body.message.id } }), 422, 'not_a_customer_message');
    expectError(await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: { messageId: 2_000_000_000 } }), 404);
    expectError(await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: { messageId: 'msg-xyz' } }), 400);
    expectError(await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: {} }), 400);
    expect((await call(t.app, undefined, { method: 'POST', url: '/api/ai/draft', payload: { messageId: reply.body.message.id } })).status).toBe(401);
    expectError(await call(t.app, a, { method: 'GET', url: '/api/conversations/2000000000/drafts' }), 404);
  }, 120_000);

  it('declines with a holding reply when no article covers the question', async () => {
    const { seen } = await socketOf(a);
    const { conversationId } = await openConversation(t, a, UNCOVERED_QUESTION);
    const { data } = await draftEvent(seen, conversationId);
    expectDraftShape(data.draft);
    expect(data.draft.provider).toBe('local');
    expectHoldingReply(data.draft);
    const served = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
    expect(served.body.draft).toEqual(data.draft);
  }, 120_000);

  it('writes a holding reply for an account without articles', async () => {
    const empty = await registerAccount(t.app, 'Drafts Empty');
    const { seen } = await socketOf(empty);
    const { conversationId } = await openConversation(t, empty, DUPLICATE_QUESTION);
    const { data } = await draftEvent(seen, conversationId);
    expectDraftShape(data.draft);
    expect(data.draft.provider).toBe('local');
    expectHoldingReply(data.draft);
    expect(data.draft.reasoning).toMatch(/no published article/);
  }, 120_000);

  it('sends a draft as it is or edited, discards one, refuses a second decision, and counts the outcomes', async () => {
    const { seen } = await socketOf(a);
    const { conversationId, messageId } = await openConversation(t, a, DUPLICATE_QUESTION);
    const drafts: any[] = [(await draftEvent(seen, conversationId)).data.draft];
    for (let i = 0; i < 3; i++) {
      expect((await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: { messageId } })).status).toBe(202);
      drafts.push(
        (
          await draftEvent(
            seen,
            conversationId,
            drafts.map((d) => d.id),
          )
        ).data.draft,
      );
    }
    const [asIs, toEdit, toDiscard, sameText] = drafts;
    const before = await metrics();

    // Accepted: sent as it is.
    const accepted = await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${asIs.id}/send`, payload: {} });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.draft).toMatchObject({ id: asIs.id, outcome: 'accepted', editRatio: 0, sentMessageId: accepted.body.message.id });
    expect(accepted.body.message).toMatchObject({
      conversationId,
      messageType: 'outgoing',
      private: false,
      content: asIs.content,
      sender: { type: 'user', id: a.userId },
    });

    // Edited: the agent's text is sent, with how much of it changed.
    const edited = `${toEdit.content.replace('Hi Maria,', 'Hello Maria,')}\n\nP.S. Your refund reference is R-12345.`;
    const sentEdited = await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${toEdit.id}/send`, payload: { content: edited } });
    expect(sentEdited.status, JSON.stringify(sentEdited.body)).toBe(200);
    expect(sentEdited.body.draft).toMatchObject({ id: toEdit.id, outcome: 'edited', sentMessageId: sentEdited.body.message.id });
    expect(sentEdited.body.draft.editRatio).toBeGreaterThan(0);
    expect(sentEdited.body.draft.editRatio).toBeLessThanOrEqual(1);
    expect(sentEdited.body.message).toMatchObject({ conversationId, messageType: 'outgoing', content: edited });

    // Discarded: nothing is sent.
    const discarded = await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${toDiscard.id}/discard` });
    expect(discarded.status, JSON.stringify(discarded.body)).toBe(200);
    expect(discarded.body.draft).toMatchObject({ id: toDiscard.id, outcome: 'discarded', sentMessageId: null });

    // The same text given back is still "accepted"; here as a private note.
    const same = await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${sameText.id}/send`, payload: { content: sameText.content, private: true } });
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body.draft).toMatchObject({ outcome: 'accepted', editRatio: 0 });
    expect(same.body.message).toMatchObject({ messageType: 'outgoing', private: true, content: sameText.content });

    // A draft is decided once.
    for (const d of [asIs, toEdit, toDiscard, sameText]) {
      expectError(await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${d.id}/send`, payload: { content: 'Another try' } }), 409, 'draft_decided');
      expectError(await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${d.id}/discard` }), 409, 'draft_decided');
    }
    expectError(await call(t.app, a, { method: 'POST', url: '/api/ai/drafts/2000000000/send', payload: {} }), 404);
    expectError(await call(t.app, a, { method: 'POST', url: '/api/ai/drafts/2000000000/discard' }), 404);
    expectError(await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${asIs.id}/send`, payload: { content: '   ' } }), 400);

    // The conversation's thread holds exactly the sent ones.
    const thread = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/messages?limit=100` });
    expect(thread.status).toBe(200);
    const outgoing = thread.body.data.filter((m: any) => m.messageType === 'outgoing');
    expect(outgoing.map((m: any) => [m.id, m.content, m.private])).toEqual([
      [accepted.body.message.id, asIs.content, false],
      [sentEdited.body.message.id, edited, false],
      [same.body.message.id, sameText.content, true],
    ]);

    const latest = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
    expect(latest.body.draft).toMatchObject({ id: sameText.id, outcome: 'accepted', sentMessageId: same.body.message.id });

    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('ai_draft_outcomes_total', { outcome: 'accepted' })).toBe(2);
    expect(delta('ai_draft_outcomes_total', { outcome: 'edited' })).toBe(1);
    expect(delta('ai_draft_outcomes_total', { outcome: 'discarded' })).toBe(1);
    expect(delta('ai_draft_edit_ratio_count')).toBe(1);
    expect(metricValue(after, 'ai_draft_duration_seconds_count', { provider: 'local' })).toBeGreaterThanOrEqual(4);
    expect(metricValue(after, 'knowledge_base_search_duration_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(metricValue(after, 'ai_draft_fallbacks_total')).toBe(0);
  }, 180_000);

  it('decides a draft once when two agents act on it at the same moment', async () => {
    const { seen } = await socketOf(a);
    const { conversationId } = await openConversation(t, a, DUPLICATE_QUESTION);
    const draft = (await draftEvent(seen, conversationId)).data.draft;
    const answers = await Promise.all([
      call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${draft.id}/send`, payload: {} }),
      call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${draft.id}/send`, payload: { content: 'Hi Maria, refunded.' } }),
      call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${draft.id}/discard` }),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses, JSON.stringify(answers.map((answer) => answer.body))).toEqual([200, 409, 409]);
    for (const answer of answers.filter((x) => x.status === 409)) expectError(answer, 409, 'draft_decided');
    const winner = answers.find((answer) => answer.status === 200)!.body.draft;
    const thread = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/messages?limit=100` });
    const outgoing = thread.body.data.filter((m: any) => m.messageType === 'outgoing');
    expect(outgoing).toHaveLength(winner.outcome === 'discarded' ? 0 : 1);
    const stored = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
    expect(stored.body.draft).toMatchObject({ id: draft.id, outcome: winner.outcome, sentMessageId: outgoing[0]?.id ?? null });
  }, 120_000);

  it('sends a draft as it is when the request has no body at all (curl -X POST)', async () => {
    const { seen } = await socketOf(a);
    const { conversationId } = await openConversation(t, a, DUPLICATE_QUESTION);
    const draft = (await draftEvent(seen, conversationId)).data.draft;
    const sent = await call(t.app, a, { method: 'POST', url: `/api/ai/drafts/${draft.id}/send` });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.draft).toMatchObject({ id: draft.id, outcome: 'accepted', editRatio: 0, sentMessageId: sent.body.message.id });
    expect(sent.body.message).toMatchObject({ conversationId, messageType: 'outgoing', private: false, content: draft.content });
  }, 120_000);

  it('keeps drafts within the account: another account can neither request, read nor decide them, nor hear of them', async () => {
    const b = await registerAccount(t.app, 'Drafts B');
    const { seen: seenByA } = await socketOf(a);
    const { seen: seenByB } = await socketOf(b);
    const { conversationId, messageId } = await openConversation(t, a, DUPLICATE_QUESTION);
    const draft = (await draftEvent(seenByA, conversationId)).data.draft;

    expectError(await call(t.app, b, { method: 'POST', url: '/api/ai/draft', payload: { messageId } }), 404);
    expectError(await call(t.app, b, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` }), 404);
    expectError(await call(t.app, b, { method: 'POST', url: `/api/ai/drafts/${draft.id}/send`, payload: { content: 'Hijacked' } }), 404);
    expectError(await call(t.app, b, { method: 'POST', url: `/api/ai/drafts/${draft.id}/send`, payload: {} }), 404);
    expectError(await call(t.app, b, { method: 'POST', url: `/api/ai/drafts/${draft.id}/discard` }), 404);
    const still = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
    expect(still.body.draft).toMatchObject({ id: draft.id, outcome: 'proposed', sentMessageId: null });

    // B's own draft (a holding reply: B has no articles, A's are not searched) reaches B...
    const own = await openConversation(t, b, DUPLICATE_QUESTION);
    const ownDraft = (await draftEvent(seenByB, own.conversationId)).data.draft;
    expect(ownDraft.knowledgeBaseSources).toEqual([]);
    expect(ownDraft.content).not.toContain('business days');
    // ...and nothing of A's ever did.
    expect(seenByB.filter((e) => e.payload?.accountId !== b.accountId)).toEqual([]);
    expect(seenByB.some((e) => e.event === 'ai:draft' && e.payload.data.conversationId === conversationId)).toBe(false);
    expect(seenByA.some((e) => e.event === 'ai:draft' && e.payload.data.conversationId === own.conversationId)).toBe(false);
  }, 120_000);

  it('writes no automatic draft when the account turned them off, and still one on request', async () => {
    const c = await registerAccount(t.app, 'Drafts Off');
    await writeArticles(t, c);
    const off = await call(t.app, c, { method: 'PATCH', url: '/api/account', payload: { aiDrafts: { enabled: false } } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.account.aiDrafts).toEqual({ enabled: false });
    expect((await call(t.app, c, { method: 'GET', url: '/api/account' })).body.account.aiDrafts).toEqual({ enabled: false });

    const { socket, seen } = await socketOf(c);
    const classified = nextEvent(socket, 'ai:classification', EVENT_WAIT_MS);
    const { conversationId, messageId } = await openConversation(t, c, DUPLICATE_QUESTION);
    expect((await classified).data.messageId).toBe(messageId);
    // An automatic draft's job is written in the transaction that stores the classification,
    // which has committed before the classification is announced: there is none, so no draft comes.
    const jobs = await call(t.app, c, { method: 'GET', url: '/api/queue/jobs?limit=200' });
    expect(jobs.body.data.filter((job: any) => job.queue === 'ai-draft')).toEqual([]);
    expectError(await call(t.app, c, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` }), 404);
    expect(seen.some((e) => e.event === 'ai:draft')).toBe(false);

    expect((await call(t.app, c, { method: 'POST', url: '/api/ai/draft', payload: { messageId } })).status).toBe(202);
    const { data } = await draftEvent(seen, conversationId);
    expect(data.draft.content).toContain('1-3 business days');
    expect((await call(t.app, c, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` })).body.draft).toEqual(data.draft);
  }, 120_000);
});

/** The system and user prompts of a draft request, in either wire format. */
function promptOf(provider: 'anthropic' | 'openai', body: any): { system: string; user: string } {
  if (provider === 'anthropic') return { system: body.system.map((block: any) => block.text).join('\n'), user: String(body.messages[0].content) };
  return { system: String(body.messages[0].content), user: String(body.messages[1].content) };
}

describe.each([
  // A timeout a loaded machine does not reach by accident; the slow answer below never comes at all.
  [
    'anthropic',
    anthropicServer,
    (url: string) => ({ AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: url, AI_TIMEOUT_MS: '5000' }),
  ],
  ['openai', openAiServer, (url: string) => ({ AI_PROVIDER: 'openai', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: `${url}/v1`, AI_TIMEOUT_MS: '5000' })],
] as const)('reply drafts by the %s provider over its wire format', (provider, startServer, env) => {
  let server: WireServer;
  let t: TestApp;
  let url: string;
  let admin: Session;
  let articleIds: Record<string, number>;
  let seen: { event: string; payload: any }[];
  let socket: Socket | undefined;

  beforeAll(async () => {
    server = await startServer();
    server.reply = { tool: CLASSIFICATION };
    t = await createTestApp('pglite', env(server.url), { runWorkers: true });
    url = await listen(t.app);
    admin = await registerAccount(t.app, `Hosted drafts ${provider}`);
    articleIds = await writeArticles(t, admin);
    socket = connectSocket(url, admin.token);
    seen = recordEvents(socket);
    await connected(socket);
  }, 120_000);
  afterAll(async () => {
    socket?.disconnect();
    await t?.close();
    await server?.close();
  });

  /** The model answers draft requests with `draft`, classification requests with a valid classification. */
  const answerDrafts = (draft: Reply) => {
    server.reply = (body) => (toolOf(body) === 'record_reply_draft' ? draft : { tool: CLASSIFICATION });
  };
  const draftRequests = () => server.requests.filter((request) => toolOf(request.body) === 'record_reply_draft');
  const metrics = async () => (await call(t.app, undefined, { method: 'GET', url: '/metrics' })).body as string;
  const fallbacks = async (reason: string) => metricValue(await metrics(), 'ai_draft_fallbacks_total', { provider, reason });

  /** Opens a conversation and returns its automatic draft and the draft request the model received. */
  async function drafted(question = DUPLICATE_QUESTION) {
    const requestsBefore = draftRequests().length;
    const { conversationId, messageId } = await openConversation(t, admin, question);
    const { data } = await draftEvent(seen, conversationId);
    expectDraftShape(data.draft);
    expect(data.draft).toMatchObject({ conversationId, messageId });
    const served = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
    expect(served.body.draft).toEqual(data.draft);
    const requests = draftRequests().slice(requestsBefore);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    return { draft: data.draft, request: requests[0]!, conversationId, messageId };
  }

  const GROUNDED = {
    content:
      'Hi Maria,\n\nI am sorry about the double charge on order #12345. We issue immediate refunds for duplicate charges within 1-3 business days [S1].\n\nThanks for your patience!',
    citations: ['S1'],
    answered: true,
    confidence: 0.9,
    reasoning: 'Relies on the Duplicate Charge Policy: refund within 1-3 business days.',
  };

  it('uses a grounded answer: asked with the retrieved sources and the rules, stored without the markers, citing the article', async () => {
    answerDrafts({ tool: GROUNDED });
    const { draft, request } = await drafted();

    const { system, user } = promptOf(provider, request.body);
    expect(system).toContain(`[S1] Duplicate Charge Policy\n${DUPLICATE_CHARGE.content}`);
    expect(system).toMatch(/ONLY when a source below says them/);
    expect(system).toMatch(/Never invent/);
    expect(system).toContain('Maria'); // greeted by first name
    expect(user).toContain(DUPLICATE_QUESTION);
    expect(user).toContain('classified as billing');
    // The tool lets the model cite exactly the sources in the prompt (at most 3).
    const offered = [...system.matchAll(/^\[(S\d+)\] /gm)].map((match) => match[1]);
    expect(offered[0]).toBe('S1');
    expect(offered.length).toBeLessThanOrEqual(3);
    if (provider === 'anthropic') {
      expect(request.body.tool_choice).toEqual({ type: 'tool', name: 'record_reply_draft' });
      expect(request.body.tools[0].input_schema.properties.citations.items.enum).toEqual(offered);
    } else {
      expect(request.body.tool_choice).toEqual({ type: 'function', function: { name: 'record_reply_draft' } });
      expect(request.body.tools[0].function.parameters.properties.citations.items.enum).toEqual(offered);
    }

    expect(draft.provider).toBe(provider);
    expect(draft.content).toBe(
      'Hi Maria,\n\nI am sorry about the double charge on order #12345. We issue immediate refunds for duplicate charges within 1-3 business days.\n\nThanks for your patience!',
    );
    expect(draft.content).not.toMatch(/\[S\d+\]/);
    expect(draft.reasoning).toBe(GROUNDED.reasoning);
    expect(draft.knowledgeBaseSources).toEqual([
      { articleId: articleIds[DUPLICATE_CHARGE.title], title: 'Duplicate Charge Policy', similarity: expect.any(Number) },
    ]);
    expect(draft.knowledgeBaseSources[0].similarity).toBeGreaterThanOrEqual(0.45);
    expect(draft.confidence).toBeGreaterThan(0.3);
    expect(draft.confidence).toBeLessThanOrEqual(0.9);
  }, 120_000);

  it('gives the model the public history of the conversation, never the private notes, and retrieves a follow-up with the question before it', async () => {
    answerDrafts({ tool: GROUNDED });
    const { conversationId, draft: first } = await drafted();
    const note = await call(t.app, admin, {
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      payload: { content: 'Internal: this customer is on the fraud watch list', private: true },
    });
    expect(note.status).toBe(201);
    expect(
      (
        await call(t.app, admin, {
          method: 'POST',
          url: `/api/conversations/${conversationId}/messages`,
          payload: { content: 'Let me look into the charges.' },
        })
      ).status,
    ).toBe(201);
    const requestsBefore = draftRequests().length;
    const followUp = await call(t.app, admin, {
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      payload: { content: 'Any news on this?', messageType: 'incoming' },
    });
    expect(followUp.status).toBe(201);
    const { data } = await draftEvent(seen, conversationId, [first.id]);
    expect(data).toMatchObject({ messageId: followUp.body.message.id, draft: { provider } });
    const request = draftRequests().slice(requestsBefore)[0]!;
    const { system, user } = promptOf(provider, request.body);
    expect(user).toContain(`Customer: ${DUPLICATE_QUESTION}`);
    expect(user).toContain('Agent: Let me look into the charges.');
    expect(user).toContain('Latest customer message:\n"""\nAny news on this?\n"""');
    expect(JSON.stringify(request.body)).not.toContain('fraud watch list');
    expect(system).toContain('[S1] Duplicate Charge Policy');
  }, 120_000);

  it.each([
    ['a citation of a source it was not given', { ...GROUNDED, citations: ['S1', 'S7'] }, 'cites S7, a source it was not given'],
    [
      'an in-text marker of a source it was not given',
      { ...GROUNDED, content: `${GROUNDED.content} You also get a 10 € voucher [S9].` },
      'cites S9, a source it was not given',
    ],
    [
      'an answer that cites nothing',
      { ...GROUNDED, citations: [], content: 'Hi Maria, we refund duplicate charges within 24 hours.' },
      'answers without citing a source',
    ],
  ] as const)(
    'refuses %s and writes the local draft instead',
    async (_case, answer, why) => {
      answerDrafts({ tool: answer });
      const before = await fallbacks('refused');
      const { draft } = await drafted();
      expect(draft.provider).toBe('local');
      expect(draft.reasoning.startsWith(`${provider} answer refused (${why}), so the local provider wrote this draft`), draft.reasoning).toBe(true);
      expect(draft.reasoning).toMatch(/Extractive draft/);
      // Nothing of the refused answer reaches the draft.
      expect(draft.content).not.toMatch(/voucher|24 hours|\[S\d+\]/);
      expect(draft.content).toContain('1-3 business days');
      expect(draft.knowledgeBaseSources.map((s: any) => s.title)).toEqual(['Duplicate Charge Policy']);
      expect((await fallbacks('refused')) - before).toBe(1);
    },
    120_000,
  );

  it('accepts an honest "not answered" holding reply without citations, with a low confidence', async () => {
    answerDrafts({
      tool: {
        content: 'Hi Maria,\n\nThanks for your question. A colleague will look into this and get back to you.',
        citations: [],
        answered: false,
        confidence: 0.85,
        reasoning: 'The sources do not cover shipping animals.',
      },
    });
    const before = await metrics();
    const { draft, request } = await drafted(UNCOVERED_QUESTION);
    expect(promptOf(provider, request.body).system).toContain('(none: the knowledge base has nothing on this question)');
    expect(draft).toMatchObject({
      provider,
      knowledgeBaseSources: [],
      content: 'Hi Maria,\n\nThanks for your question. A colleague will look into this and get back to you.',
    });
    expect(draft.confidence).toBeLessThanOrEqual(0.3);
    const after = await metrics();
    expect(metricValue(after, 'ai_draft_fallbacks_total', { provider })).toBe(metricValue(before, 'ai_draft_fallbacks_total', { provider }));
    expect(metricValue(after, 'ai_draft_duration_seconds_count', { provider })).toBe(metricValue(before, 'ai_draft_duration_seconds_count', { provider }) + 1);
  }, 120_000);

  it.each([
    ['an answer that never comes', { hang: true }, 'timeout', `${provider} timed out, so the local provider wrote this draft`],
    ['a server error', { status: 500 }, 'error', `${provider} failed (`],
    ['prose instead of the tool', { text: 'Sure, we will refund you.' }, 'refused', `${provider} answer refused (`],
  ] as const)(
    'falls back to the local draft on %s',
    async (_case, reply, reason, why) => {
      answerDrafts(reply as Reply);
      const before = await fallbacks(reason);
      const { draft } = await drafted();
      expect(draft.provider).toBe('local');
      expect(draft.reasoning.startsWith(why), draft.reasoning).toBe(true);
      expect(draft.content).toContain('1-3 business days');
      expect(draft.knowledgeBaseSources.map((s: any) => s.title)).toEqual(['Duplicate Charge Policy']);
      expect((await fallbacks(reason)) - before).toBe(1);
    },
    120_000,
  );
});

describe("the brief's Part 2 with AI_PROVIDER=anthropic", () => {
  let server: WireServer;
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    server = await anthropicServer();
    // Claude answers from what it is given: it cites S1 when S1 is the Duplicate Charge Policy.
    server.reply = (body) => {
      if (toolOf(body) !== 'record_reply_draft') return { tool: CLASSIFICATION };
      const system = body.system.map((block: any) => block.text).join('\n');
      return system.includes('[S1] Duplicate Charge Policy')
        ? {
            tool: {
              content:
                'Hi Maria,\n\nI sincerely apologize for the duplicate charge on order #12345. We issue immediate refunds for duplicate charges within 1-3 business days [S1].\n\nBest regards',
              citations: ['S1'],
              answered: true,
              confidence: 0.92,
              reasoning: 'Draft addresses duplicate charge with empathy, references company refund policy [S1].',
            },
          }
        : { tool: { content: 'Hi Maria, a colleague will get back to you.', citations: [], answered: false, confidence: 0.2, reasoning: 'No source.' } };
    };
    t = await createTestApp('pglite', { AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: server.url }, { runWorkers: true });
    admin = await registerAccount(t.app, 'Part 2');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const latestDraft = (conversationId: number, notId?: number) =>
    eventually(`a draft of conversation ${conversationId}`, async () => {
      const answer = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` });
      expect([200, 404]).toContain(answer.status);
      return answer.status === 200 && answer.body.draft.id !== notId ? answer.body.draft : undefined;
    });

  it('seeds the article, drafts with Claude from it, and serves the draft with its sources', async () => {
    const article = await call(t.app, admin, { method: 'POST', url: '/api/knowledge-base/articles', payload: DUPLICATE_CHARGE });
    expect(article.status).toBe(201);
    expect(article.body.article).toMatchObject({ title: 'Duplicate Charge Policy', category: 'billing', embeddingStatus: 'ready' });

    const { conversationId, messageId } = await openConversation(t, admin, DUPLICATE_QUESTION);
    const auto = await latestDraft(conversationId);

    const requested = await call(t.app, admin, {
      method: 'POST',
      url: '/api/ai/draft',
      headers: { 'content-type': 'application/json' },
      payload: { messageId },
    });
    expect(requested.status).toBe(202);
    const draft = await latestDraft(conversationId, auto.id);

    for (const d of [auto, draft]) {
      expect(d).toMatchObject({
        conversationId,
        messageId,
        provider: 'anthropic',
        confidence: expect.any(Number),
        reasoning: 'Draft addresses duplicate charge with empathy, references company refund policy [S1].',
        knowledgeBaseSources: [{ articleId: article.body.article.id, title: 'Duplicate Charge Policy', similarity: expect.any(Number) }],
        generationTime: expect.stringMatching(/^(\d+ms|\d+\.\d+s)$/),
        outcome: 'proposed',
      });
      expect(d.content).toMatch(/^Hi Maria,\n\nI sincerely apologize for the duplicate charge on order #12345\./);
      expect(d.content).toContain('within 1-3 business days.');
      expect(d.content).not.toContain('[S1]');
      expect(d.knowledgeBaseSources[0].similarity).toBeGreaterThanOrEqual(0.45);
      expect(d.confidence).toBeGreaterThan(0);
      expect(d.confidence).toBeLessThanOrEqual(0.92);
    }
    const request = server.requests.filter((r) => toolOf(r.body) === 'record_reply_draft').at(-1)!;
    expect(request.path).toMatch(/\/v1\/messages/);
    expect(request.body.system[0].text).toContain(`[S1] Duplicate Charge Policy\n${DUPLICATE_CHARGE.content}`);
    expect(request.body.messages[0].content).toContain(DUPLICATE_QUESTION);
    expect(request.headers['x-api-key'] ?? request.headers.authorization).toMatch(/^(Bearer )?test-key$/);
  }, 120_000);
});
