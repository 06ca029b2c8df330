/**
 * The hosted providers through their real SDKs, against local servers speaking their wire
 * formats: a good answer is used; an error, a timeout or a malformed answer falls back to the
 * local model, says so in the reasoning and counts it in the metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicServer, openAiServer, toolOf, type WireServer } from '../../test-support/ai-wire-servers.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually } from '../../test-support/checks.js';

const GOOD = { category: 'billing', priority: 'high', sentiment: 'frustrated', language: 'en', confidence: 0.96, reasoning: 'Duplicate charge: billing.' };

describe.each([
  // A timeout a loaded machine does not reach by accident; the slow answer below never comes at all.
  [
    'anthropic',
    anthropicServer,
    (url: string) => ({ AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: url, AI_TIMEOUT_MS: '5000' }),
  ],
  ['openai', openAiServer, (url: string) => ({ AI_PROVIDER: 'openai', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: `${url}/v1`, AI_TIMEOUT_MS: '5000' })],
] as const)('%s provider over its wire format', (provider, startServer, env) => {
  let server: WireServer;
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer();
    t = await createTestApp('pglite', env(server.url));
    admin = await registerAccount(t.app, `Hosted ${provider}`);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const classify = (text: string) => call(t.app, admin, { method: 'POST', url: '/api/ai/classify', payload: { text } });

  it("uses the model's answer, asked with the account's taxonomy through a forced tool call", async () => {
    server.reply = { tool: GOOD };
    const answer = await classify('I was charged twice for order #12345');
    expect(answer.status).toBe(200);
    expect(answer.body.classification).toMatchObject({ ...GOOD, provider });
    const request = server.requests.at(-1)!;
    const prompt = JSON.stringify(request.body);
    expect(prompt).toContain('feature_request'); // the taxonomy is in the system prompt
    expect(prompt).toContain('I was charged twice for order #12345');
    if (provider === 'anthropic') {
      expect(request.body.tool_choice).toEqual({ type: 'tool', name: 'record_classification' });
      expect(request.body.system[0].cache_control).toEqual({ type: 'ephemeral' });
      // SDK 1.x sends the key as a bearer token (older ones as x-api-key).
      expect(request.headers['x-api-key'] ?? request.headers.authorization).toMatch(/^(Bearer )?test-key$/);
    } else {
      expect(request.body.tool_choice).toEqual({ type: 'function', function: { name: 'record_classification' } });
      expect(request.headers.authorization).toBe('Bearer test-key');
    }
  });

  it.each([
    ['an unknown category', { tool: { ...GOOD, category: 'astrology' } }, /malformed answer: unknown category/],
    ['a confidence out of range', { tool: { ...GOOD, confidence: 7 } }, /malformed answer: confidence/],
    ['prose instead of the tool', { text: 'It is billing, I think.' }, /malformed answer/],
    ['a server error', { status: 500 }, /failed/],
    ['an answer that never comes', { hang: true }, /timed out/],
  ] as const)(
    'falls back to the local model on %s',
    async (_case, reply, why) => {
      server.reply = reply as never;
      const answer = await classify('Where is my parcel? It has not arrived');
      expect(answer.status).toBe(200);
      expect(answer.body.classification.provider).toBe('local');
      expect(answer.body.classification.category).toBe('shipping');
      expect(answer.body.classification.reasoning).toMatch(new RegExp(`^${provider} failed`));
      expect(answer.body.classification.reasoning).toMatch(why);
    },
    60_000,
  );

  it('counts fallbacks and durations by provider in the metrics', async () => {
    const metrics = (await call(t.app, undefined, { method: 'GET', url: '/metrics' })).body as string;
    expect(metrics).toMatch(new RegExp(`ai_provider_fallbacks_total\\{provider="${provider}",reason="malformed"\\} 3`));
    expect(metrics).toMatch(new RegExp(`ai_provider_fallbacks_total\\{provider="${provider}",reason="timeout"\\} 1`));
    expect(metrics).toMatch(new RegExp(`ai_classification_duration_seconds_count\\{provider="${provider}"\\} 1`));
  });
});

describe("the brief's Part 1 with AI_PROVIDER=anthropic", () => {
  let server: WireServer;
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    server = await anthropicServer();
    server.reply = { tool: GOOD };
    t = await createTestApp('pglite', { AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: server.url }, { runWorkers: true });
    admin = await registerAccount(t.app, 'Part 1');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('generates a ticket, classifies it with Claude in the background, and serves the classification', async () => {
    const ticket = await call(t.app, admin, { method: 'POST', url: '/api/demo/generate-ticket', headers: { 'content-type': 'application/json' } });
    expect(ticket.status).toBe(201);
    const classification = await eventually('the classification in the background', async () => {
      const answer = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${ticket.body.conversationId}/classification` });
      return answer.status === 200 ? answer.body.classification : undefined;
    });
    expect(classification).toMatchObject({ ...GOOD, provider: 'anthropic', processingTime: expect.stringMatching(/^\d+ms$/) });
    // The classification's request (a draft's may follow it in the background).
    const asked = server.requests.filter((request) => toolOf(request.body) === 'record_classification').at(-1);
    expect(asked!.body.messages[0].content).toContain(ticket.body.message.content);
  }, 150_000);
});
