// SKELETON (helper A replaces this file): accepting raw mail into storage + the `email-inbound` job, and the job.
import type { AppDb } from '../../db/client.js';
import type { JobContext, JobPayloads, JobResult } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import type { FileStorage } from '../../platform/storage/storage.js';

export function createInboundMail(_deps: { db: AppDb; queue: Pick<JobQueue, 'enqueue' | 'wake'>; storage: FileStorage }) {
  return {
    async ingest(_payload: JobPayloads['email-inbound'], _job: JobContext): Promise<JobResult> {
      throw new Error('not built yet');
    },
  };
}

export type InboundMail = ReturnType<typeof createInboundMail>;
