// SKELETON (helper C replaces this file): the `email-send` job.
import type { AppDb } from '../../db/client.js';
import type { JobContext, JobPayloads, JobResult } from '../../platform/queue/jobs.js';

export function createOutboundMail(_deps: { db: AppDb }) {
  return {
    async send(_payload: JobPayloads['email-send'], _job: JobContext): Promise<JobResult> {
      throw new Error('not built yet');
    },
  };
}

export type OutboundMail = ReturnType<typeof createOutboundMail>;
