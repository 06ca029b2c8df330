import type { Config } from '../../../config.js';
import { createAnthropicProvider } from './anthropic.js';
import { trackFallbacks, type TrackedProvider } from './failure.js';
import { createOpenAiProvider } from './openai.js';

/**
 * One provider per configuration: the classifier, the drafts and /health of a process share
 * its SDK client and its fallback state (each loadConfig() makes a new one, so do test apps).
 */
const providers = new WeakMap<NonNullable<Config['remoteAi']>, TrackedProvider>();

/** The hosted provider AI_PROVIDER names, if any. */
export function remoteProvider(config: Pick<Config, 'remoteAi'>): TrackedProvider | undefined {
  const remote = config.remoteAi;
  if (!remote) return undefined;
  let provider = providers.get(remote);
  if (!provider) {
    provider = trackFallbacks(remote.provider === 'anthropic' ? createAnthropicProvider(remote) : createOpenAiProvider(remote));
    providers.set(remote, provider);
  }
  return provider;
}
