#!/usr/bin/env node
/**
 * The Docker image's HEALTHCHECK: GET /health of this container's process, healthy on a 2xx.
 * /health answers 503 only when the database is unreachable; Redis or the AI being down make it
 * "degraded" with 200, so a hosted model's outage never gets containers restarted. A worker
 * (HUMMDESK_ROLE=worker) is asked on WORKER_METRICS_PORT, and passes when it serves no HTTP.
 */
const worker = process.env.HUMMDESK_ROLE === 'worker';
const port = worker ? process.env.WORKER_METRICS_PORT : process.env.PORT || '5000';
if (!port) process.exit(0);
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
