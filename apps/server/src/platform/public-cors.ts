/**
 * Routes that other websites call (the public client API, the widget script, attachment links
 * and limits) answer CORS by their own rules, not by the agent app's CORS_ORIGIN: the global
 * @fastify/cors hook would otherwise answer their preflights with the operators' list first,
 * and a shop's origin would fail before the route's own check ran.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: @fastify/cors leaves the route alone (its own documented switch). */
    cors?: false;
  }
}

/** Every route declared after this in the plugin (and its children) is left alone by the app's CORS. */
export function outsideAppCors(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, cors: false };
  });
}
