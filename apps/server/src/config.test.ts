import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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
  ])('fails fast naming %s when it is %s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
  });
});
