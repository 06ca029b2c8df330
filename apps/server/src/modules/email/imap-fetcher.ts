// SKELETON (helper B replaces this file): the `email-imap-poll` job.
import type { AppDb } from '../../db/client.js';
import type { JobContext, JobPayloads, JobResult } from '../../platform/queue/jobs.js';

export function createImapFetcher(_deps: { db: AppDb }) {
  return {
    async poll(_payload: JobPayloads['email-imap-poll'], _job: JobContext): Promise<JobResult> {
      throw new Error('not built yet');
    },
  };
}

export type ImapFetcher = ReturnType<typeof createImapFetcher>;
