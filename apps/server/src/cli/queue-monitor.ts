/**
 * npm run queue:monitor: a live view of the job queue, one line an event, like the brief's.
 * With REDIS_URL it follows BullMQ's events in Redis (every worker process); otherwise it
 * follows the running server's own queue through its event stream on 127.0.0.1:$PORT.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../config.js';
import { resolveJwtSecret } from '../platform/kept-secrets.js';
import { monitorCredential } from '../platform/queue/monitor-auth.js';
import type { QueueEvent } from '../platform/queue/jobs.js';
import { QUEUE_NAMES } from '../platform/queue/jobs.js';

const config = loadConfig();
const stamp = () => new Date().toISOString().slice(11, 23);

function print(tag: string, event: QueueEvent) {
  const id = `${event.queue}:${event.key}`;
  const line =
    event.type === 'added'
      ? `Job added: ${id}`
      : event.type === 'started'
        ? `Job started: ${id}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`
        : event.type === 'log'
          ? event.line
          : event.type === 'completed'
            ? `Job completed: ${id} (duration: ${Math.round(event.durationMs)}ms)`
            : `Job failed: ${id} (${event.error}${event.willRetry ? '; will retry' : ''})`;
  console.log(`${stamp()} [${tag}] ${line}`);
}

async function followBullMq(redisUrl: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `${config.redisPrefix}:bull`;
  console.log(`Following BullMQ queues ${QUEUE_NAMES.join(', ')} in ${redisUrl} (Ctrl-C to stop)`);
  for (const queue of QUEUE_NAMES) {
    const events = new QueueEvents(queue, { connection: connection.duplicate(), prefix });
    const jobs = new Queue(queue, { connection, prefix });
    events.on('added', ({ jobId }) => print('BullMQ', { type: 'added', queue, key: jobId }));
    events.on('active', ({ jobId }) => print('BullMQ', { type: 'started', queue, key: jobId, attempt: 1 }));
    events.on('progress', ({ jobId, data }) => {
      const line = (data as { line?: unknown })?.line;
      if (typeof line === 'string') print('BullMQ', { type: 'log', queue, key: jobId, line });
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      // The duration is the job's own; a job already removed prints without one.
      jobs
        .getJob(jobId)
        .catch(() => undefined)
        .then((job) => {
          const durationMs = job?.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0;
          print('BullMQ', { type: 'completed', queue, key: jobId, durationMs, result: returnvalue as never });
        })
        .catch((error: unknown) => console.error(error));
    });
    events.on('failed', ({ jobId, failedReason }) =>
      print('BullMQ', { type: 'failed', queue, key: jobId, durationMs: 0, error: failedReason, willRetry: false }),
    );
  }
}

async function followServer() {
  const secret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const url = `http://127.0.0.1:${config.port}/internal/queue/events`;
  console.log(`Following the queue of the server on ${url} (Ctrl-C to stop)`);
  const response = await fetch(url, { headers: { 'x-queue-monitor': monitorCredential(secret) } });
  if (!response.ok || !response.body) throw new Error(`the server answered ${response.status}: is it running on port ${config.port}?`);
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += Buffer.from(chunk).toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (!data) continue;
      const parsed = JSON.parse(data.slice(6)) as QueueEvent | { backend: string };
      if ('type' in parsed) print('Queue', parsed);
      else console.log(`${stamp()} [Queue] connected (${parsed.backend} backend)`);
    }
  }
}

(config.redisUrl ? followBullMq(config.redisUrl) : followServer()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
