/** The job handlers of this process: each queue of the registry gets its one handler here. */
import type { JobQueue } from './platform/queue/queue.js';
import type { ConversationService } from './modules/conversations/conversations.service.js';

export function startWorkers(queue: JobQueue, services: { conversations: Pick<ConversationService, 'endSnooze'> }) {
  queue.work('conversation-snooze', async (payload, job) => {
    const result = await services.conversations.endSnooze(payload);
    job.log(result.reopened ? `Conversation ${payload.conversationId} reopened` : `Conversation ${payload.conversationId} had changed: left as it is`);
    return result;
  });
}
