/**
 * Reply drafts: for a customer message, the `ai-draft` job retrieves the account's most relevant
 * published passages (hybrid search), writes a draft from them (the hosted model when one is
 * configured, held to citing only what it was given; the local extractive draft otherwise and
 * whenever the hosted one fails), stores it and announces `ai:draft`. Agents then send it as is,
 * edit then send it, or discard it; each outcome is kept with the draft and counted.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { distance } from 'fastest-levenshtein';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AppDb } from '../../db/client.js';
import { accounts, aiDrafts, contacts, conversations, messageClassifications, messages } from '../../db/schema.js';
import type { Embedder } from '../../platform/ai/embeddings.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { jobKey, type JobLog } from '../../platform/queue/jobs.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { conversationRoom } from '../../realtime/events.js';
import type { ConversationService } from '../conversations/conversations.service.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';
import type { KnowledgeSearch } from '../knowledge-base/search.js';
import { describeTimings, timed, type Timings } from '../../platform/timings.js';
import { composeLocalDraft, type DraftContent, type LocalDraftInput } from './local-draft.js';
import { selectAnswer, type SourceArticle } from './answer-sentences.js';
import type { RemoteProvider } from './providers/anthropic.js';
import { failureReason } from './providers/failure.js';
import type { DraftRequest, DraftSource } from './providers/remote-draft.js';

/**
 * Similarity a passage needs to ground a draft. The brief's 0.7 suits OpenAI's ada-002; the
 * local USE-lite encoder scores paraphrases lower (0.45-0.8) and unrelated passages of the same
 * knowledge base at 0.2-0.45, so it gets its own value (measured on the demo knowledge base).
 */
export const LOCAL_SIMILARITY_THRESHOLD = 0.45;
/** Articles a draft is written from at most. */
const MAX_SOURCES = 3;

export function draftMetrics(registry: Registry) {
  return {
    duration: new Histogram({
      name: 'ai_draft_duration_seconds',
      help: 'Time to write one reply draft (retrieval included), by the provider that wrote it',
      labelNames: ['provider'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'ai_draft_outcomes_total',
      help: 'What agents did with drafts: accepted (sent as is), edited (then sent) or discarded',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    editRatio: new Histogram({
      name: 'ai_draft_edit_ratio',
      help: 'How much of an edited draft the agent changed (edit distance / length)',
      buckets: [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'ai_draft_fallbacks_total',
      help: 'Drafts written locally because the hosted provider failed or its answer was refused, by reason',
      labelNames: ['provider', 'reason'] as const,
      registers: [registry],
    }),
  };
}

type DraftMetrics = ReturnType<typeof draftMetrics>;
type DraftRow = typeof aiDrafts.$inferSelect;

export const generationTime = (ms: number) => (ms >= 1_000 ? `${(ms / 1_000).toFixed(1)}s` : `${ms}ms`);

export const presentDraft = (row: DraftRow) => ({
  id: row.id,
  conversationId: row.conversationId,
  messageId: row.messageId,
  content: row.content,
  confidence: row.confidence,
  reasoning: row.reasoning,
  knowledgeBaseSources: row.sources,
  generationTime: generationTime(row.generationMs),
  provider: row.provider,
  outcome: row.outcome,
  editRatio: row.editRatio,
  sentMessageId: row.sentMessageId,
  createdAt: row.createdAt,
});

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Articles whose sentences a local draft quotes, at most: the best two. */
const QUOTED_ARTICLES = 2;

/**
 * The local provider's draft: the sentences of the best relevant articles that answer the
 * question, in a reply around them (`articles`: relevant ones, best first, with their passages
 * best first, as search returns them).
 */
export async function composeLocalReply(
  embedder: Embedder,
  input: Omit<LocalDraftInput, 'articles' | 'answer'> & { articles: (SourceArticle & { similarity: number })[] },
  timings: Timings = {},
): Promise<DraftContent> {
  const answer = await timed(timings, 'composing', () => selectAnswer(embedder, input.question, input.articles.slice(0, QUOTED_ARTICLES)));
  const articles = input.articles.map((article) => ({ articleId: article.articleId, title: article.title, similarity: article.similarity }));
  return composeLocalDraft({ ...input, articles, answer });
}

export function createDraftService(deps: {
  db: AppDb;
  events: Pick<EventBus, 'publish'>;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  search: KnowledgeSearch;
  embedder: Embedder;
  remote?: RemoteProvider | undefined;
  conversations: Pick<ConversationService, 'addMessage'>;
  webhooks: Pick<WebhookOutbox, 'record'>;
  metrics: DraftMetrics;
  /** Similarity a passage needs to ground a draft (the local encoder's own value by default). */
  threshold?: number | undefined;
}) {
  const { db } = deps;
  const threshold = deps.threshold ?? LOCAL_SIMILARITY_THRESHOLD;

  /** Everything the draft is written from, read in one tenant transaction. */
  async function context(accountId: number, messageId: number) {
    return withTenant(db, { accountId }, async (tx) => {
      const [message] = await tx
        .select({
          content: messages.content,
          conversationId: messages.conversationId,
          createdAt: messages.createdAt,
          customerName: contacts.name,
          accountName: accounts.name,
        })
        .from(messages)
        .innerJoin(conversations, and(eq(conversations.accountId, messages.accountId), eq(conversations.id, messages.conversationId)))
        .innerJoin(contacts, and(eq(contacts.accountId, conversations.accountId), eq(contacts.id, conversations.contactId)))
        .innerJoin(accounts, eq(accounts.id, messages.accountId))
        .where(and(eq(messages.accountId, accountId), eq(messages.id, messageId), eq(messages.messageType, 'incoming')));
      if (!message) return null;
      // Private notes are for agents: never material for a reply to the customer.
      const history = await tx
        .select({ type: messages.messageType, content: messages.content })
        .from(messages)
        .where(
          and(
            eq(messages.accountId, accountId),
            eq(messages.conversationId, message.conversationId),
            eq(messages.private, false),
            inArray(messages.messageType, ['incoming', 'outgoing']),
            lt(messages.id, messageId),
          ),
        )
        .orderBy(desc(messages.id))
        .limit(8);
      const [classification] = await tx
        .select({
          category: messageClassifications.category,
          sentiment: messageClassifications.sentiment,
          language: messageClassifications.language,
          confidence: messageClassifications.confidence,
        })
        .from(messageClassifications)
        .where(and(eq(messageClassifications.accountId, accountId), eq(messageClassifications.messageId, messageId)));
      return {
        ...message,
        history: history.reverse().map((row) => ({ from: row.type === 'incoming' ? ('customer' as const) : ('agent' as const), content: row.content })),
        classification: classification ?? null,
      };
    });
  }

  async function writeDraft(
    accountId: number,
    source: NonNullable<Awaited<ReturnType<typeof context>>>,
    log: JobLog,
    timings: Timings,
  ): Promise<DraftContent & { provider: string }> {
    // A short follow-up ("any news?") is searched together with what the customer asked before.
    const previous = source.history.filter((message) => message.from === 'customer').at(-1)?.content;
    const question = source.content.length < 40 && previous ? `${previous}\n${source.content}` : source.content;
    const searchStarted = performance.now();
    const found = await timed(timings, 'search', () => deps.search.search(accountId, question, 5));
    const relevant = found.results
      .filter((hit) => hit.similarity >= threshold || (hit.passages.some((passage) => passage.textMatch) && hit.similarity >= threshold - 0.1))
      .slice(0, MAX_SOURCES);
    const best = found.results[0];
    log(
      `Knowledge base searched (${found.mode}, ${found.strategy} vector search, ${found.model}) in ${Math.round(performance.now() - searchStarted)} ms: ` +
        `${relevant.length} relevant article(s) at similarity >= ${threshold}` +
        (best ? `; best "${best.title}" at ${best.similarity.toFixed(2)}` : '; no article at all'),
    );
    const classification = source.classification;

    let fallback: string | undefined;
    if (deps.remote) {
      const sources: DraftSource[] = relevant.map((hit, i) => ({
        ref: `S${i + 1}`,
        articleId: hit.articleId,
        title: hit.title,
        text: hit.passages.map((passage) => passage.content).join('\n\n'),
      }));
      const request: DraftRequest = {
        accountName: source.accountName,
        customerName: source.customerName,
        language: classification?.language ?? 'the language of the message',
        sentiment: classification?.sentiment ?? 'unknown',
        category: classification?.category ?? null,
        history: source.history,
        message: source.content,
        sources,
      };
      try {
        const remote = deps.remote;
        const answer = await timed(timings, remote.name, () => remote.draft(request));
        const cited = sources.filter((s) => answer.citations.includes(s.ref));
        const retrieval = relevant[0] ? Math.min(1, Math.max(0, (relevant[0].similarity - threshold) / (0.9 - threshold))) : 0;
        const confidence = answer.answered ? answer.confidence * (0.5 + 0.5 * retrieval) : Math.min(answer.confidence, 0.3);
        return {
          content: answer.content,
          confidence: Math.round(confidence * 100) / 100,
          reasoning: answer.reasoning,
          sources: cited.map((s) => ({
            articleId: s.articleId,
            title: s.title,
            similarity: relevant.find((hit) => hit.articleId === s.articleId)!.similarity,
          })),
          provider: deps.remote.name,
        };
      } catch (error) {
        const { kind } = failureReason(error);
        // A malformed draft answer is one the citation check refused: counted and said as such.
        deps.metrics.fallbacks.inc({ provider: deps.remote.name, reason: kind === 'malformed' ? 'refused' : kind });
        const what =
          kind === 'malformed'
            ? `answer refused (${(error as Error).message})`
            : kind === 'timeout'
              ? 'timed out'
              : `failed (${String((error as Error).message).slice(0, 150)})`;
        fallback = `${deps.remote.name} ${what}, so the local provider wrote this draft`;
      }
    }

    const local = await composeLocalReply(
      deps.embedder,
      {
        accountName: source.accountName,
        customerName: source.customerName,
        category: classification?.category ?? null,
        sentiment: classification?.sentiment ?? null,
        language: classification?.language ?? null,
        classificationConfidence: classification?.confidence ?? null,
        question,
        threshold,
        articles: relevant,
        bestMatch: best ? { title: best.title, similarity: best.similarity } : null,
      },
      timings,
    );
    return { ...local, reasoning: fallback ? `${fallback}. ${local.reasoning}` : local.reasoning, provider: 'local' };
  }

  async function loadDraft(ctx: TenantContext, id: number) {
    const [row] = await withTenant(db, ctx, (tx) =>
      tx
        .select()
        .from(aiDrafts)
        .where(and(eq(aiDrafts.accountId, ctx.accountId), eq(aiDrafts.id, id))),
    );
    if (!row) throw new NotFoundError('Draft');
    return row;
  }

  /** Marks a proposed draft decided; a draft is decided once (a second decision is a 409). */
  async function decide(ctx: TenantContext, id: number, set: Partial<DraftRow>) {
    const [row] = await withTenant(db, ctx, (tx) =>
      tx
        .update(aiDrafts)
        .set({ ...set, decidedBy: ctx.userId, decidedAt: new Date() })
        .where(and(eq(aiDrafts.accountId, ctx.accountId), eq(aiDrafts.id, id), eq(aiDrafts.outcome, 'proposed')))
        .returning(),
    );
    if (!row) {
      const existing = await loadDraft(ctx, id); // 404 when it is not the account's
      throw new ConflictError('draft_decided', `This draft was already ${existing.outcome}`);
    }
    return row;
  }

  return {
    /** The `ai-draft` job. */
    async generate(payload: { accountId: number; messageId: number }, log: JobLog = () => undefined) {
      const started = performance.now();
      const timings: Timings = {};
      const source = await timed(timings, 'reading', () => context(payload.accountId, payload.messageId));
      if (!source) return { skipped: 'no such customer message' };
      const fields = { accountId: payload.accountId, messageId: payload.messageId, conversationId: source.conversationId };
      log('Draft generation started', fields);
      log(`Drafting with ${deps.remote?.label ?? 'the local extractive provider'}...`);
      const draft = await writeDraft(payload.accountId, source, log, timings);
      const generationMs = Math.round(performance.now() - started);
      const row = await timed(timings, 'storing', () =>
        withTenant(db, { accountId: payload.accountId }, async (tx) => {
          const [stored] = await tx
            .insert(aiDrafts)
            .values({
              accountId: payload.accountId,
              conversationId: source.conversationId,
              messageId: payload.messageId,
              content: draft.content,
              confidence: draft.confidence,
              reasoning: draft.reasoning,
              sources: draft.sources,
              provider: draft.provider,
              generationMs,
            })
            .returning();
          await deps.webhooks.record(tx, payload.accountId, [
            { event: 'ai.draft', data: () => ({ conversationId: source.conversationId, messageId: payload.messageId, draft: presentDraft(stored!) }) },
          ]);
          return stored!;
        }),
      );
      deps.queue.wake();
      deps.metrics.duration.observe({ provider: draft.provider }, generationMs / 1000);
      const presented = presentDraft(row);
      await timed(timings, 'broadcast', async () =>
        deps.events.publish(payload.accountId, 'ai:draft', { conversationId: source.conversationId, messageId: payload.messageId, draft: presented }, [
          conversationRoom(source.conversationId),
        ]),
      );
      const duration = Math.round(performance.now() - started);
      log(
        `Draft ready: confidence=${draft.confidence}, sources=${draft.sources.map((s) => s.title).join('; ') || 'none'} (${duration} ms: ${describeTimings(timings)})`,
        {
          ...fields,
          confidence: draft.confidence,
          provider: draft.provider,
          sources: draft.sources.length,
          duration,
          timings,
        },
      );
      return { draftId: row.id, provider: draft.provider, confidence: draft.confidence, sources: draft.sources.length };
    },

    /** Queues a (new) draft for a customer message of the account. */
    async request(ctx: TenantContext, messageId: number) {
      const key = jobKey(messageId, randomUUID());
      await withTenant(db, ctx, async (tx) => {
        const [message] = await tx
          .select({ type: messages.messageType })
          .from(messages)
          .where(and(eq(messages.accountId, ctx.accountId), eq(messages.id, messageId)));
        if (!message) throw new NotFoundError('Message');
        if (message.type !== 'incoming') throw new UnprocessableError('not_a_customer_message', 'Drafts answer customer (incoming) messages');
        await deps.queue.enqueue(tx, 'ai-draft', { accountId: ctx.accountId, messageId }, { key });
      });
      deps.queue.wake();
      return { jobId: `ai-draft:${key}` };
    },

    async latestFor(ctx: TenantContext, conversationId: number) {
      const [row] = await withTenant(db, ctx, (tx) =>
        tx
          .select()
          .from(aiDrafts)
          .where(and(eq(aiDrafts.accountId, ctx.accountId), eq(aiDrafts.conversationId, conversationId)))
          .orderBy(desc(aiDrafts.createdAt), desc(aiDrafts.id))
          .limit(1),
      );
      if (!row) throw new NotFoundError('Draft');
      return presentDraft(row);
    },

    /**
     * Sends the draft as the agent's reply: as it is (`accepted`) or with the agent's changes
     * (`edited`, with how much changed). If the message cannot be added, the draft is proposed again.
     */
    async send(ctx: TenantContext, id: number, input: { content?: string | undefined; private?: boolean | undefined }) {
      const current = await loadDraft(ctx, id);
      const content = input.content ?? current.content;
      const edited = content.trim() !== current.content.trim();
      const editRatio = edited ? round3(distance(current.content, content) / Math.max(current.content.length, content.length)) : 0;
      const decided = await decide(ctx, id, { outcome: edited ? 'edited' : 'accepted', editRatio });
      let message;
      try {
        message = await deps.conversations.addMessage(ctx, decided.conversationId, { content, private: input.private });
      } catch (error) {
        await withTenant(db, ctx, (tx) =>
          tx
            .update(aiDrafts)
            .set({ outcome: 'proposed', editRatio: null, decidedBy: null, decidedAt: null })
            .where(and(eq(aiDrafts.accountId, ctx.accountId), eq(aiDrafts.id, id))),
        );
        throw error;
      }
      const [row] = await withTenant(db, ctx, (tx) =>
        tx
          .update(aiDrafts)
          .set({ sentMessageId: message.id })
          .where(and(eq(aiDrafts.accountId, ctx.accountId), eq(aiDrafts.id, id)))
          .returning(),
      );
      deps.metrics.outcomes.inc({ outcome: decided.outcome });
      if (edited) deps.metrics.editRatio.observe(editRatio);
      return { draft: presentDraft(row!), message };
    },

    async discard(ctx: TenantContext, id: number) {
      const row = await decide(ctx, id, { outcome: 'discarded' });
      deps.metrics.outcomes.inc({ outcome: 'discarded' });
      return presentDraft(row);
    },
  };
}

export type DraftService = ReturnType<typeof createDraftService>;
