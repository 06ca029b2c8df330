/**
 * The local AI provider's classification of a customer message: category from the account's
 * own calibrated model (sentence embedding + n-grams), language (eld), sentiment and priority
 * (rules with their reasons), and the team and agent to route it to. No network.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { aiCategories, aiModels, conversations, teamMembers } from '../../db/schema.js';
import type { Embedder } from '../../platform/ai/embeddings.js';
import { detectLanguage } from '../../platform/ai/language.js';
import { readSignals, type Priority, type Sentiment } from '../../platform/ai/signals.js';
import { predict, type CategoryModel } from '../../platform/ai/softmax-classifier.js';
import { textFeatures } from '../../platform/ai/text-features.js';
import { withTenant } from '../../platform/tenancy.js';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RemoteProvider } from './providers/anthropic.js';
import { failureReason } from './providers/failure.js';
import { PROMPT_EXAMPLES } from './providers/remote-classification.js';
import { decodeStoredModel } from './default-model.js';
import { loadCategories } from './taxonomy.repo.js';
import { trainAccountModel } from './training.js';
import { timed, type Timings } from '../../platform/timings.js';

export interface Classification {
  category: string;
  priority: Priority;
  sentiment: Sentiment;
  language: string;
  confidence: number;
  reasoning: string;
  suggestedTeamId: number | null;
  suggestedAgentId: number | null;
  provider: 'local' | 'anthropic' | 'openai';
  processingMs: number;
}

export interface ClassifyContext {
  vip?: boolean;
  recentContacts?: number;
}

const quote = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text);

export interface ClassifierMetrics {
  duration: Histogram<'provider'>;
  fallbacks: Counter<'provider' | 'reason'>;
}

export function classifierMetrics(registry: Registry): ClassifierMetrics {
  return {
    duration: new Histogram({
      name: 'ai_classification_duration_seconds',
      help: 'Time to classify one message, by the provider that answered',
      labelNames: ['provider'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'ai_provider_fallbacks_total',
      help: 'Classifications the local model answered because the hosted provider failed, by reason',
      labelNames: ['provider', 'reason'] as const,
      registers: [registry],
    }),
  };
}

/** Which agents are connected now (null: unknown); the suggested agent is one of them. */
export type Presence = (userIds: number[]) => Promise<Set<number> | null>;

/**
 * The classifier of a process: the hosted provider when one is configured, the local model
 * otherwise and whenever the hosted one fails; a message is never left unclassified.
 */
export function createClassifier(deps: { db: AppDb; embedder: Embedder; presence: Presence; remote?: RemoteProvider | undefined; metrics: ClassifierMetrics }) {
  const local = createLocalClassifier(deps);
  return {
    /** Who answers first, for the queue monitor. */
    label: deps.remote?.label ?? 'the local model',
    async classify(accountId: number, text: string, context: ClassifyContext = {}, timings?: Timings): Promise<Classification> {
      let fallback: string | undefined;
      if (deps.remote) {
        const started = performance.now();
        const remote = deps.remote;
        try {
          const taxonomy = await withTenant(deps.db, { accountId }, (tx) => loadCategories(tx, accountId, PROMPT_EXAMPLES));
          const answer = await timed(timings, remote.name, () => remote.classify(taxonomy, text));
          const route = await timed(timings, 'routing', () => withTenant(deps.db, { accountId }, (tx) => local.routeFor(tx, accountId, answer.category)));
          const processingMs = Math.round(performance.now() - started);
          deps.metrics.duration.observe({ provider: deps.remote.name }, processingMs / 1000);
          return { ...answer, suggestedTeamId: route.teamId, suggestedAgentId: route.agentId, provider: deps.remote.name, processingMs };
        } catch (error) {
          const reason = failureReason(error);
          deps.metrics.fallbacks.inc({ provider: deps.remote.name, reason: reason.kind });
          fallback = `${deps.remote.name} failed (${reason.detail}), so the local model answered`;
        }
      }
      const result = await local.classify(accountId, text, context, timings);
      deps.metrics.duration.observe({ provider: 'local' }, result.processingMs / 1000);
      return fallback ? { ...result, reasoning: `${fallback}. ${result.reasoning}` } : result;
    },
  };
}

export type Classifier = ReturnType<typeof createClassifier>;

function createLocalClassifier(deps: { db: AppDb; embedder: Embedder; presence: Presence }) {
  const cache = new Map<number, { version: number; model: CategoryModel }>();
  const training = new Map<number, Promise<unknown>>();

  /** The account's last ready model; a brand-new account's first one is trained on the spot. */
  async function modelFor(accountId: number): Promise<CategoryModel> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const [row] = await withTenant(deps.db, { accountId }, (tx) =>
        tx
          .select({
            version: aiModels.version,
            weights: sql<string | null>`case when ${aiModels.version} = ${cache.get(accountId)?.version ?? -1} then null else ${aiModels.weights} end`,
          })
          .from(aiModels)
          .where(eq(aiModels.accountId, accountId)),
      );
      const cached = cache.get(accountId);
      if (row && cached && cached.version === row.version) return cached.model;
      if (row?.weights) {
        const model = decodeStoredModel(row.weights);
        cache.set(accountId, { version: row.version, model });
        return model;
      }
      let running = training.get(accountId);
      if (!running) {
        running = trainAccountModel(deps, accountId, () => undefined).finally(() => training.delete(accountId));
        training.set(accountId, running);
      }
      await running;
    }
    throw new Error('the account has no category model');
  }

  /** The team of the category, and its online member with the fewest open conversations. */
  async function routeFor(tx: Tx, accountId: number, category: string) {
    const [row] = await tx
      .select({ teamId: aiCategories.teamId })
      .from(aiCategories)
      .where(and(eq(aiCategories.accountId, accountId), sql`lower(${aiCategories.name}) = lower(${category})`));
    const teamId = row?.teamId ?? null;
    if (teamId === null) return { teamId, agentId: null };
    const members = await tx
      .select({ userId: teamMembers.userId, open: count(conversations.id) })
      .from(teamMembers)
      .leftJoin(
        conversations,
        and(eq(conversations.accountId, teamMembers.accountId), eq(conversations.assigneeId, teamMembers.userId), eq(conversations.status, 'open')),
      )
      .where(and(eq(teamMembers.accountId, accountId), eq(teamMembers.teamId, teamId)))
      .groupBy(teamMembers.userId)
      .orderBy(count(conversations.id), teamMembers.userId);
    const online = await deps.presence(members.map((member) => member.userId));
    // Nobody of the team online: the team is suggested, no agent. Presence unknown: the least busy.
    const agent = online ? members.find((member) => online.has(member.userId)) : members[0];
    return { teamId, agentId: agent?.userId ?? null };
  }

  return {
    routeFor,
    async classify(accountId: number, text: string, context: ClassifyContext = {}, timings?: Timings): Promise<Classification> {
      const started = performance.now();
      const model = await timed(timings, 'model', () => modelFor(accountId));
      const [embedding] = await timed(timings, 'embedding', () => deps.embedder.embed([text]));
      const ranked = await timed(timings, 'model', async () => predict(model, { dense: embedding!, sparse: textFeatures(text) }));
      const best = ranked[0]!;
      const runnerUp = ranked[1];
      const language = detectLanguage(text);
      const signals = readSignals({ text, category: best.label, ...context });
      const route = await timed(timings, 'routing', () => withTenant(deps.db, { accountId }, (tx) => routeFor(tx, accountId, best.label)));
      const empty = !/[\p{L}\p{N}]/u.test(text);
      // Nothing to read: whatever the model says, it is a guess, and the confidence says so.
      const confidence = empty ? Math.min(best.probability, 1 / model.labels.length) : best.probability;
      const reasoning = [
        `Category ${best.label} (${confidence.toFixed(2)})${runnerUp ? `, next ${runnerUp.label} (${runnerUp.probability.toFixed(2)})` : ''}` +
          (empty ? ': the message has no words to go by' : `, from the account's examples and corrections for "${quote(text.trim())}"`),
        `Sentiment ${signals.sentiment}, priority ${signals.priority}${signals.reasons.length ? `: ${signals.reasons.join('; ')}` : ''}`,
        `Language ${language}`,
      ].join('. ');
      return {
        category: best.label,
        priority: signals.priority,
        sentiment: signals.sentiment,
        language,
        confidence: Math.round(confidence * 1000) / 1000,
        reasoning,
        suggestedTeamId: route.teamId,
        suggestedAgentId: route.agentId,
        provider: 'local',
        processingMs: Math.round(performance.now() - started),
      };
    },
  };
}
