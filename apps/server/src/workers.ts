/**
 * The services that do background work, built alike by the API process and a worker process,
 * and the job handlers: each queue of the registry gets its one handler here.
 */
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import { createClassificationService, type ClassificationService } from './modules/ai/classification.service.js';
import { classifierMetrics, createClassifier, type Presence } from './modules/ai/classifier.js';
import { remoteProvider } from './modules/ai/providers/index.js';
import { trainAccountModel } from './modules/ai/training.js';
import { createConversationService, type ConversationService } from './modules/conversations/conversations.service.js';
import type { AppDb } from './db/client.js';
import { createEmbedder, type Embedder } from './platform/ai/embeddings.js';
import type { JobQueue } from './platform/queue/queue.js';
import type { EventBus } from './realtime/event-bus.js';

export function createJobServices(deps: {
  db: AppDb;
  events: EventBus;
  queue: JobQueue;
  presence: Presence;
  config: Pick<Config, 'remoteAi'>;
  metrics: Registry;
}) {
  const { db, events, queue } = deps;
  const embedder = createEmbedder();
  const classifier = createClassifier({
    db,
    embedder,
    presence: deps.presence,
    remote: remoteProvider(deps.config),
    metrics: classifierMetrics(deps.metrics),
  });
  return {
    db,
    embedder,
    conversations: createConversationService({ db, events, queue }),
    classifications: createClassificationService({ db, events, classifier }),
  };
}

export interface WorkerServices {
  db: AppDb;
  embedder: Embedder;
  conversations: Pick<ConversationService, 'endSnooze'>;
  classifications: Pick<ClassificationService, 'classifyMessage'>;
}

export function startWorkers(queue: JobQueue, services: WorkerServices, options: { concurrency: number }) {
  queue.work(
    'ai-classification',
    async (payload, job) => {
      const result = await services.classifications.classifyMessage(payload, (line) => job.log(line));
      if ('category' in result) job.log(`Classification complete: category=${result.category}, confidence=${result.confidence}`);
      return { ...result };
    },
    { concurrency: options.concurrency },
  );
  queue.work('ai-train', (payload, job) => trainAccountModel(services, payload.accountId, (line) => job.log(line)), { concurrency: 1 });
  queue.work('conversation-snooze', async (payload, job) => {
    const result = await services.conversations.endSnooze(payload);
    job.log(result.reopened ? `Conversation ${payload.conversationId} reopened` : `Conversation ${payload.conversationId} had changed: left as it is`);
    return result;
  });
}
