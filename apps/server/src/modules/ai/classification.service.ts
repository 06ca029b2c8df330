/**
 * AI triage of customer messages: the `ai-classification` job classifies a message, stores the
 * result, gives the conversation its category, sentiment and (when it has none) priority, routes it when
 * the account's threshold is met (through the conversation door: an activity line names AI triage,
 * and `conversation:updated` follows the commit), and announces `ai:classification`.
 */
import { and, count, eq, gte, ne } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { accounts, contacts, conversations, messageClassifications, messages, teams } from '../../db/schema.js';
import { NotFoundError } from '../../platform/errors.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { conversationRoom } from '../../realtime/events.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { aiDraftsOf, aiRoutingOf } from '../accounts/accounts.service.js';
import type { ConversationDoor } from '../conversations/changes.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';
import { latestClassification, toApi } from './classification.repo.js';
import type { Classifier } from './classifier.js';
import { describeTimings, timed, type Timings } from '../../platform/timings.js';
import type { JobLog } from '../../platform/queue/jobs.js';

const RECENT_DAYS = 7;

export function createClassificationService(deps: {
  db: AppDb;
  classifier: Pick<Classifier, 'classify' | 'label'>;
  events: Pick<EventBus, 'publish'>;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  door: ConversationDoor;
  webhooks: Pick<WebhookOutbox, 'record'>;
}) {
  const { db } = deps;

  return {
    /** The job: classifies one incoming message (again, if the job runs again). */
    async classifyMessage(payload: { accountId: number; messageId: number }, log: JobLog = () => undefined) {
      const started = performance.now();
      const timings: Timings = {};
      const scope = { accountId: payload.accountId };
      const source = await withTenant(db, scope, async (tx) => {
        const [message] = await tx
          .select({
            content: messages.content,
            conversationId: messages.conversationId,
            contactId: conversations.contactId,
            labels: conversations.labels,
            attributes: contacts.attributes,
          })
          .from(messages)
          .innerJoin(conversations, and(eq(conversations.accountId, messages.accountId), eq(conversations.id, messages.conversationId)))
          .innerJoin(contacts, and(eq(contacts.accountId, conversations.accountId), eq(contacts.id, conversations.contactId)))
          .where(and(eq(messages.accountId, payload.accountId), eq(messages.id, payload.messageId), eq(messages.messageType, 'incoming')));
        if (!message) return null;
        const [recent] = await tx
          .select({ n: count() })
          .from(conversations)
          .where(
            and(
              eq(conversations.accountId, payload.accountId),
              eq(conversations.contactId, message.contactId),
              ne(conversations.id, message.conversationId),
              gte(conversations.createdAt, new Date(Date.now() - RECENT_DAYS * 86_400_000)),
            ),
          );
        return { ...message, recentContacts: recent?.n ?? 0 };
      });
      if (!source) return { skipped: 'no such incoming message' };
      timings.reading = Math.round(performance.now() - started);
      const fields = { accountId: payload.accountId, messageId: payload.messageId, conversationId: source.conversationId };
      log('Classification started', fields);

      log(`Calling ${deps.classifier.label}...`);
      const context = { vip: source.labels.includes('vip') || source.attributes.vip === true, recentContacts: source.recentContacts };
      const classification = await deps.classifier.classify(payload.accountId, source.content, context, timings);

      await timed(timings, 'storing', () =>
        deps.door.transaction(scope, async (tx, changes) => {
          await tx
            .insert(messageClassifications)
            .values({ accountId: payload.accountId, conversationId: source.conversationId, messageId: payload.messageId, ...classification })
            .onConflictDoUpdate({ target: messageClassifications.messageId, set: { ...classification, createdAt: new Date() } });
          await deps.webhooks.record(tx, payload.accountId, [
            {
              event: 'ai.classification',
              data: () => ({ conversationId: source.conversationId, messageId: payload.messageId, classification: toApi(classification) }),
            },
          ]);
          const [account] = await tx.select({ settings: accounts.settings }).from(accounts).where(eq(accounts.id, payload.accountId));
          const routing = aiRoutingOf(account?.settings ?? {});
          // The draft is written with the classification at hand (sentiment, language, category).
          if (aiDraftsOf(account?.settings ?? {}).enabled) {
            await deps.queue.enqueue(tx, 'ai-draft', { accountId: payload.accountId, messageId: payload.messageId }, { key: `msg-${payload.messageId}` });
          }
          const [current] = await tx
            .select({ priority: conversations.priority, teamId: conversations.teamId, assigneeId: conversations.assigneeId })
            .from(conversations)
            .where(and(eq(conversations.accountId, payload.accountId), eq(conversations.id, source.conversationId)))
            .for('update');
          const route = routing.enabled && classification.confidence >= routing.threshold;
          const teamId = current!.teamId ?? (route ? classification.suggestedTeamId : null);
          let assigneeId = current!.assigneeId;
          if (route && assigneeId === null && teamId !== null && teamId === classification.suggestedTeamId) {
            const [team] = await tx
              .select({ allow: teams.allowAutoAssign })
              .from(teams)
              .where(and(eq(teams.accountId, payload.accountId), eq(teams.id, teamId)));
            if (team?.allow) assigneeId = classification.suggestedAgentId;
          }
          // Its category, sentiment, priority, team and assignee may change: the door announces the
          // conversation as it then is, and routing leaves a line naming AI triage.
          await changes.change(
            source.conversationId,
            {
              category: classification.category,
              sentiment: classification.sentiment,
              // An agent's choice of priority stands; a conversation without one takes the AI's.
              priority: current!.priority === 'none' ? classification.priority : current!.priority,
              teamId,
              assigneeId,
            },
            { kind: 'ai', category: classification.category, confidence: classification.confidence },
          );
        }),
      );
      deps.queue.wake();
      await timed(timings, 'broadcast', async () =>
        deps.events.publish(
          payload.accountId,
          'ai:classification',
          { conversationId: source.conversationId, messageId: payload.messageId, classification: toApi(classification) },
          [conversationRoom(source.conversationId)],
        ),
      );
      const { category, confidence, provider } = classification;
      const duration = Math.round(performance.now() - started);
      log(`Classification complete: category=${category}, confidence=${confidence} (${duration} ms: ${describeTimings(timings)})`, {
        ...fields,
        category,
        confidence,
        provider,
        duration,
        timings,
      });
      return { ...classification };
    },

    /** The latest classification of a conversation's customer messages. */
    async latestFor(ctx: TenantContext, conversationId: number) {
      const row = await withTenant(db, ctx, (tx) => latestClassification(tx, ctx.accountId, conversationId));
      if (!row) throw new NotFoundError('Classification');
      return toApi(row);
    },

    /** A preview for agents and evaluation: classifies, stores nothing. */
    async preview(ctx: TenantContext, text: string) {
      return toApi(await deps.classifier.classify(ctx.accountId, text));
    },
  };
}

export type ClassificationService = ReturnType<typeof createClassificationService>;
