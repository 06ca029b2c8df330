/** The job handlers of this process: each queue of the registry gets its one handler here. */
import type { ClassificationService } from './modules/ai/classification.service.js';
import { trainAccountModel } from './modules/ai/training.js';
import type { ConversationService } from './modules/conversations/conversations.service.js';
import type { AppDb } from './db/client.js';
import type { Embedder } from './platform/ai/embeddings.js';
import type { JobQueue } from './platform/queue/queue.js';

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
