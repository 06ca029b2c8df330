/**
 * The job handlers: one for every queue (JobHandlers has a key for each, so a queue without a
 * handler does not compile), run by the API process (HUMMDESK_ROLE=all) and by worker processes.
 */
import { trainAccountModel } from './modules/ai/training.js';
import { QUEUE_NAMES, QUEUES, type JobHandlers, type QueueName } from './platform/queue/jobs.js';
import type { JobQueue } from './platform/queue/queue.js';
import type { Services } from './services.js';

export function jobHandlers(services: Services): JobHandlers {
  return {
    'ai-classification': (payload, job) => services.classifications.classifyMessage(payload, (line, fields) => job.log(line, fields)),
    'ai-draft': (payload, job) => services.drafts.generate(payload, (line, fields) => job.log(line, fields)),
    'ai-train': (payload, job) => trainAccountModel(services, payload.accountId, (line) => job.log(line)),
    'conversation-snooze': async (payload, job) => {
      const result = await services.conversations.endSnooze(payload);
      job.log(result.reopened ? `Conversation ${payload.conversationId} reopened` : `Conversation ${payload.conversationId} had changed: left as it is`);
      return result;
    },
    'kb-embed': async (payload, job) => {
      try {
        const result = await services.embeddingIndex.embedArticles(payload.accountId, payload.articleId);
        job.log(`Embedded ${result.embedded} chunks with ${result.model}`);
        return result;
      } catch (error) {
        // The last attempt leaves the article visibly failed rather than pending for ever.
        if (payload.articleId !== undefined && job.attempt >= 3)
          await services.embeddingIndex.markFailed(payload.accountId, payload.articleId, String((error as Error).message ?? error));
        throw error;
      }
    },
    'kb-reembed': (payload, job) => services.embeddingIndex.rebuild(payload.accountId, payload.model, (line) => job.log(line)),
    'kb-import': (payload, job) => services.knowledgeBase.runImport(payload, (line) => job.log(line)),
    'webhook-delivery': (payload, job) => services.webhookSender.send(payload, job),
    'email-inbound': (payload, job) => services.inboundMail.ingest(payload, job),
    'email-send': (payload, job) => services.outboundMail.send(payload, job),
    'email-imap-poll': (payload, job) => services.imapFetcher.poll(payload, job),
  };
}

export function startWorkers(queue: JobQueue, handlers: JobHandlers, options: { concurrency: number; logger: { info(details: object, line: string): void } }) {
  // What jobs report ("Knowledge base searched ...", "Draft ready ...") goes to the process log too.
  queue.onEvent((event) => {
    if (event.type === 'log') options.logger.info({ queue: event.queue, job: event.key, ...event.fields }, event.line);
  });
  const work = <Q extends QueueName>(name: Q) => queue.work(name, handlers[name], { concurrency: QUEUES[name].concurrency ?? options.concurrency });
  for (const name of QUEUE_NAMES) work(name);
}
