import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { LOCK_MS } from './platform/queue/job-store.js';

/** The installed @anthropic-ai/sdk's own lists, read from its files (the SDK exports neither). */
function anthropicSdkModels() {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@anthropic-ai/sdk'));
  // What messages.create() warns about on every call: model -> end-of-life date.
  const { DEPRECATED_MODELS } = require(join(root, 'internal/data/deprecated-models.js')) as { DEPRECATED_MODELS: Record<string, string> };
  // The model ids the SDK knows: `export type Model = 'claude-...' | ... | (string & {})`.
  const declaration = /export type Model = ([^;]+);/.exec(readFileSync(join(root, 'resources/messages/messages.d.ts'), 'utf8'));
  const known = [...(declaration?.[1] ?? '').matchAll(/'([^']+)'/g)].map((match) => match[1]!);
  return { deprecated: DEPRECATED_MODELS, known };
}

describe('configuration', () => {
  it('has embedded defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 5000,
      role: 'all',
      databaseUrl: undefined,
      redisUrl: undefined,
      aiProvider: 'local',
      demoEnabled: true,
      corsOrigin: undefined,
    });
    expect(config.dataDir).toMatch(/\/data$/);
    // Webhooks reach public addresses only, unless the operator says otherwise.
    expect(config.outbound).toEqual({ allowPrivateNetworks: false, timeoutMs: 10_000 });
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '2500' }).outbound).toEqual({
      allowPrivateNetworks: true,
      timeoutMs: 2_500,
    });
  });

  it('reads and converts values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/h',
      CORS_ORIGIN: 'https://a.example, https://b.example',
      HUMMDESK_DEMO: 'false',
    });
    expect(config).toMatchObject({ port: 8080, databaseUrl: 'postgres://u@db:5432/h', demoEnabled: false });
    expect(config.corsOrigin).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ CORS_ORIGIN: '*' }).corsOrigin).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['JWT_SECRET', 'short'],
    ['HUMMDESK_ROLE', 'boss'],
    ['AI_PROVIDER', 'magic'],
    ['LOG_LEVEL', 'loud'],
    ['WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'yes'],
    ['WEBHOOK_TIMEOUT_MS', '5'],
    ['WEBHOOK_TIMEOUT_MS', '120000'],
  ])('fails fast naming %s when it is %s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
  });

  it('keeps a webhook delivery within half the time a worker holds its job, so it is never claimed again and sent twice', () => {
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: String(LOCK_MS / 2) }).outbound.timeoutMs).toBe(LOCK_MS / 2);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: String(LOCK_MS / 2 + 1) })).toThrowError(
      /WEBHOOK_TIMEOUT_MS may be at most 30000 \(half the 60 s a worker holds a job\): a longer delivery would be sent twice/,
    );
  });

  it('defaults ANTHROPIC_MODEL to a model the installed Anthropic SDK knows and does not list as deprecated', () => {
    const model = loadConfig({ AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test-key' }).remoteAi?.model;
    const sdk = anthropicSdkModels();
    expect(sdk.deprecated).toBeTypeOf('object');
    expect(sdk.known.length, 'the Model type of @anthropic-ai/sdk').toBeGreaterThan(3);
    expect(sdk.known).toContain(model);
    expect(Object.keys(sdk.deprecated), `end of life ${sdk.deprecated[model!]}`).not.toContain(model);
    // A chosen model is kept, deprecated or not (the SDK then warns).
    expect(loadConfig({ AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k', ANTHROPIC_MODEL: 'claude-opus-4-5' }).remoteAi?.model).toBe('claude-opus-4-5');
  });
});
