/**
 * The account's taxonomy (categories, their team and examples) and agents' corrections. A
 * change is stored at once and trains a new model in the background; classification goes on
 * with the last ready model meanwhile.
 */
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { aiCategories, aiExamples, aiModels, messageClassifications, messages, teams } from '../../db/schema.js';
import { NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { conversationRoom } from '../../realtime/events.js';
import type { ConversationDoor } from '../conversations/changes.js';
import { latestClassification, toApi } from './classification.repo.js';
import { loadCategories, replaceCategories, type CategoryInput } from './taxonomy.repo.js';
import { requestTraining } from './training.js';

export const MAX_EXAMPLES = 50_000;

export interface Correction {
  category?: string | undefined;
  priority?: 'urgent' | 'high' | 'medium' | 'low' | 'none' | undefined;
  sentiment?: 'positive' | 'neutral' | 'negative' | 'frustrated' | 'angry' | undefined;
}

export function createTaxonomyService(deps: { db: AppDb; queue: Pick<JobQueue, 'wake'>; events: Pick<EventBus, 'publish'>; door: ConversationDoor }) {
  const { db } = deps;

  async function training(ctx: TenantContext) {
    const [row] = await withTenant(db, ctx, (tx) =>
      tx.select({ status: aiModels.status, progress: aiModels.progress }).from(aiModels).where(eq(aiModels.accountId, ctx.accountId)),
    );
    return row ?? { status: 'idle' as const, progress: 0 };
  }

  return {
    training,

    async get(ctx: TenantContext) {
      const categories = await withTenant(db, ctx, (tx) => loadCategories(tx, ctx.accountId));
      return { categories, training: await training(ctx) };
    },

    async replace(ctx: TenantContext, categories: CategoryInput[]) {
      const names = categories.map((category) => category.name.trim().toLowerCase());
      const duplicate = names.find((name, i) => names.indexOf(name) !== i);
      if (duplicate) throw new UnprocessableError('duplicate_category', `Category "${duplicate}" appears twice`);
      const total = categories.reduce((sum, category) => sum + (category.examples?.length ?? 0), 0);
      if (total > MAX_EXAMPLES) throw new UnprocessableError('too_many_examples', `At most ${MAX_EXAMPLES} examples in all (got ${total})`);
      if (categories.filter((category) => (category.examples?.length ?? 0) > 0).length < 2) {
        throw new UnprocessableError('not_enough_examples', 'At least two categories need examples to learn from');
      }
      const trimmed = categories.map((category) => ({ ...category, name: category.name.trim() }));
      await withTenant(db, ctx, async (tx) => {
        const teamIds = [...new Set(categories.map((category) => category.teamId).filter((id): id is number => id != null))];
        if (teamIds.length > 0) {
          const found = await tx
            .select({ id: teams.id })
            .from(teams)
            .where(and(eq(teams.accountId, ctx.accountId), inArray(teams.id, teamIds)));
          const missing = teamIds.filter((id) => !found.some((team) => team.id === id));
          if (missing.length > 0) throw new UnprocessableError('invalid_team', `No team ${missing.join(', ')} in this account`);
        }
        await replaceCategories(tx, ctx.accountId, trimmed);
        // Corrections into categories that no longer exist teach nothing any more.
        await tx.delete(aiExamples).where(
          and(
            eq(aiExamples.accountId, ctx.accountId),
            eq(aiExamples.source, 'correction'),
            notInArray(
              aiExamples.category,
              trimmed.map((c) => c.name),
            ),
          ),
        );
        await requestTraining(tx, ctx.accountId);
      });
      deps.queue.wake();
      // What was stored, without reading 50,000 examples back.
      return {
        categories: trimmed.map((category) => ({
          name: category.name,
          description: category.description ?? '',
          teamId: category.teamId ?? null,
          examples: category.examples ?? [],
        })),
        training: await training(ctx),
      };
    },

    /** An agent corrects the AI: the classification and conversation change, and a category correction becomes a training example. */
    async correct(ctx: TenantContext, conversationId: number, correction: Correction) {
      const updated = await deps.door.transaction(ctx, async (tx, changes) => {
        const latest = await latestClassification(tx, ctx.accountId, conversationId);
        if (!latest) throw new NotFoundError('Classification');
        let category = correction.category?.trim();
        if (category) {
          const [known] = await tx
            .select({ name: aiCategories.name })
            .from(aiCategories)
            .where(and(eq(aiCategories.accountId, ctx.accountId), sql`lower(${aiCategories.name}) = lower(${category})`));
          if (!known) throw new UnprocessableError('unknown_category', `No category "${category}" in the taxonomy`);
          category = known.name;
        }
        const [updated] = await tx
          .update(messageClassifications)
          .set({
            ...(category ? { category } : {}),
            ...(correction.priority ? { priority: correction.priority } : {}),
            ...(correction.sentiment ? { sentiment: correction.sentiment } : {}),
            correctedBy: ctx.userId,
            correctedAt: new Date(),
          })
          .where(eq(messageClassifications.id, latest.id))
          .returning();
        // The corrected classification is the latest one, whose category and sentiment the conversation shows.
        await changes.change(
          conversationId,
          { category, priority: correction.priority, sentiment: correction.sentiment },
          { kind: 'agent', userId: ctx.userId },
        );
        if (category && category !== latest.category) {
          const [message] = await tx
            .select({ content: messages.content })
            .from(messages)
            .where(and(eq(messages.accountId, ctx.accountId), eq(messages.id, latest.messageId)));
          await tx
            .insert(aiExamples)
            .values({ accountId: ctx.accountId, category, text: message!.content.slice(0, 2_000), source: 'correction', messageId: latest.messageId });
          await requestTraining(tx, ctx.accountId);
        }
        return updated!;
      });
      deps.queue.wake();
      const classification = toApi(updated);
      deps.events.publish(ctx.accountId, 'ai:classification', { conversationId, messageId: updated.messageId, classification }, [
        conversationRoom(conversationId),
      ]);
      return classification;
    },
  };
}

export type TaxonomyService = ReturnType<typeof createTaxonomyService>;
