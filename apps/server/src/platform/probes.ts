/**
 * Routes that only machines ask: the health probes, which an orchestrator or load balancer asks
 * every few seconds of every replica. They answer without what serves people: no browser security
 * headers (a probe renders nothing; `nosniff` stays, with the JSON type), and they are left out of
 * the HTTP request metrics (probe traffic would swamp the routes people use). Measured: the
 * headers and the metrics were about half of `/health`'s CPU (README, Benchmarks).
 */
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A health probe's route (platform/probes.ts). */
    probe?: boolean;
  }
}

/** A route's `config` that makes it a probe. */
export const PROBE_ROUTE = { probe: true } as const;

export const isProbe = (request: FastifyRequest) => request.routeOptions.config.probe === true;
