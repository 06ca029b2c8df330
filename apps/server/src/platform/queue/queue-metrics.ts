/** Prometheus view of the queue: jobs by queue and state (queue depth), outcomes, durations. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobQueue } from './queue.js';

export function registerQueueMetrics(queue: JobQueue, registry: Registry) {
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs by queue and state (waiting and delayed are the queue depth)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // With the database or Redis down the gauge is left empty: /metrics must still answer.
      const timeout = new Promise<Record<string, never>>((resolve) => setTimeout(() => resolve({}), 2_000).unref());
      const counts = await Promise.race([queue.counts().catch(() => ({})), timeout]);
      for (const [name, states] of Object.entries(counts)) {
        for (const [state, count] of Object.entries(states)) this.set({ queue: name, state }, count);
      }
    },
  });
  const finished = new Counter({
    name: 'queue_jobs_finished_total',
    help: 'Job attempts finished in this process, by queue and outcome (completed, retried, failed)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'queue_job_duration_seconds',
    help: 'Job attempt duration in this process, by queue',
    labelNames: ['queue'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return queue.onEvent((event) => {
    if (event.type === 'completed') {
      finished.inc({ queue: event.queue, outcome: 'completed' });
      duration.observe({ queue: event.queue }, event.durationMs / 1000);
    } else if (event.type === 'failed') {
      finished.inc({ queue: event.queue, outcome: event.willRetry ? 'retried' : 'failed' });
      duration.observe({ queue: event.queue }, event.durationMs / 1000);
    }
  });
}
