import type { Config } from '../../../config.js';
import { createAnthropicProvider, type RemoteProvider } from './anthropic.js';
import { createOpenAiProvider } from './openai.js';

/** The hosted provider AI_PROVIDER names, if any. */
export function remoteProvider(config: Pick<Config, 'remoteAi'>): RemoteProvider | undefined {
  const remote = config.remoteAi;
  if (!remote) return undefined;
  return remote.provider === 'anthropic' ? createAnthropicProvider(remote) : createOpenAiProvider(remote);
}
