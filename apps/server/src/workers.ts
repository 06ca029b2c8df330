/**
 * The services that do background work, built alike by the API process and a worker process,
 * and the job handlers: each queue of the registry gets its one handler here.
 */
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import { createClassificationService, type ClassificationService } from './modules/ai/classification.service.js';
import { classifierMetrics, createClassifier, type Presence } from './modules/ai/classifier.js';
import { createDraftService, draftMetrics, type DraftService } from './modules/ai/draft.service.js';
import { remoteProvider } from './modules/ai/providers/index.js';
import { trainAccountModel } from './modules/ai/training.js';
import { createConversationService, type ConversationService } from './modules/conversations/conversations.service.js';
import { createEmbeddingIndex, type EmbeddingIndex } from './modules/knowledge-base/embedding-index.js';
import { createKnowledgeBaseService, type KnowledgeBaseService } from './modules/knowledge-base/knowledge-base.service.js';
import { createKnowledgeSearch, knowledgeSearchMetrics } from './modules/knowledge-base/search.js';
import type { AppDb } from './db/client.js';
import { localEmbeddingModel, openAiEmbeddingModel } from './platform/ai/embedding-models.js';
import { createEmbedder, type Embedder } from './platform/ai/embeddings.js';
import type { JobQueue } from './platform/queue/queue.js';
import type { EventBus } from './realtime/event-bus.js';

export function createJobServices(deps: {
  db: AppDb;
  events: EventBus;
  queue: JobQueue;
  presence: Presence;
  config: Pick<Config, 'remoteAi' | 'remoteEmbeddings' | 'draftSimilarityThreshold' | 'exactSearchMaxVectors'>;
  metrics: Registry;
  onError: (error: unknown) => void;
}) {
  const { db, events, queue, config } = deps;
  const embedder = createEmbedder();
  const remote = remoteProvider(config);
  const classifier = createClassifier({ db, embedder, presence: deps.presence, remote, metrics: classifierMetrics(deps.metrics) });

  // The local model is always at hand: search stays up on its vectors while hosted ones are built.
  const local = localEmbeddingModel(embedder);
  const configured = config.remoteEmbeddings ? openAiEmbeddingModel(config.remoteEmbeddings) : local;
  const embeddingIndex = createEmbeddingIndex({ db, model: configured, models: new Map([local, configured].map((m) => [m.id, m])), queue, onError: deps.onError });
  const search = createKnowledgeSearch({
    db,
    index: embeddingIndex,
    duration: knowledgeSearchMetrics(deps.metrics),
    exactMaxVectors: config.exactSearchMaxVectors,
  });
  const conversations = createConversationService({ db, events, queue });

  return {
    db,
    embedder,
    embeddingIndex,
    conversations,
    classifications: createClassificationService({ db, events, classifier, queue }),
    knowledgeBase: createKnowledgeBaseService({ db, index: embeddingIndex, search, queue, configuredModel: configured.id, onError: deps.onError }),
    drafts: createDraftService({
      db,
      events,
      queue,
      search,
      embedder,
      remote,
      conversations,
      metrics: draftMetrics(deps.metrics),
      threshold: config.draftSimilarityThreshold,
    }),
  };
}

export interface WorkerServices {
  db: AppDb;
  embedder: Embedder;
  embeddingIndex: Pick<EmbeddingIndex, 'embedArticles' | 'markFailed' | 'rebuild'>;
  conversations: Pick<ConversationService, 'endSnooze'>;
  classifications: Pick<ClassificationService, 'classifyMessage'>;
  knowledgeBase: Pick<KnowledgeBaseService, 'runImport'>;
  drafts: Pick<DraftService, 'generate'>;
}

export function startWorkers(queue: JobQueue, services: WorkerServices, options: { concurrency: number; logger: { info(details: object, line: string): void } }) {
  // What jobs report ("Knowledge base searched ...", "Draft ready ...") goes to the process log too.
  queue.onEvent((event) => {
    if (event.type === 'log') options.logger.info({ queue: event.queue, job: event.key }, event.line);
  });
  queue.work(
    'ai-classification',
    async (payload, job) => {
      const result = await services.classifications.classifyMessage(payload, (line) => job.log(line));
      if ('category' in result) job.log(`Classification complete: category=${result.category}, confidence=${result.confidence}`);
      return { ...result };
    },
    { concurrency: options.concurrency },
  );
  queue.work('ai-draft', (payload, job) => services.drafts.generate(payload, (line) => job.log(line)), { concurrency: options.concurrency });
  queue.work('ai-train', (payload, job) => trainAccountModel(services, payload.accountId, (line) => job.log(line)), { concurrency: 1 });
  queue.work('conversation-snooze', async (payload, job) => {
    const result = await services.conversations.endSnooze(payload);
    job.log(result.reopened ? `Conversation ${payload.conversationId} reopened` : `Conversation ${payload.conversationId} had changed: left as it is`);
    return result;
  });
  queue.work('kb-embed', async (payload, job) => {
    try {
      const result = await services.embeddingIndex.embedArticles(payload.accountId, payload.articleId);
      job.log(`Embedded ${result.embedded} chunks with ${result.model}`);
      return result;
    } catch (error) {
      // The last attempt leaves the article visibly failed rather than pending for ever.
      if (payload.articleId !== undefined && job.attempt >= 3) await services.embeddingIndex.markFailed(payload.accountId, payload.articleId, String((error as Error).message ?? error));
      throw error;
    }
  });
  queue.work('kb-reembed', (payload, job) => services.embeddingIndex.rebuild(payload.accountId, payload.model, (line) => job.log(line)), { concurrency: 1 });
  queue.work('kb-import', (payload, job) => services.knowledgeBase.runImport(payload, (line) => job.log(line)), { concurrency: 1 });
}
