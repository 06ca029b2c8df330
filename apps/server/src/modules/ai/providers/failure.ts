/**
 * Why a hosted provider's answer was not used: shared by classification and drafts, which both
 * fall back to the local provider and count the reason in their metrics; and whether that is
 * happening now (for /health).
 */
import type { RemoteProvider } from './anthropic.js';

/** The provider answered, but not in the shape (or with the citations) it was asked for. */
export class MalformedAnswerError extends Error {}

export function failureReason(error: unknown): { kind: 'timeout' | 'malformed' | 'error'; detail: string } {
  if (error instanceof MalformedAnswerError) return { kind: 'malformed', detail: `malformed answer: ${error.message}` };
  const name = (error as { name?: string }).name ?? '';
  if (/timeout/i.test(name) || /timed? ?out/i.test(String(error))) return { kind: 'timeout', detail: 'timed out' };
  return { kind: 'error', detail: String((error as Error).message ?? error).slice(0, 200) };
}

/**
 * Whether a hosted provider is being fallen back from right now: the last classification or
 * draft asked of it failed (error, timeout or a refused answer), so the local model answered,
 * and none has been answered by it since. What /health reports as `fallingBack`.
 */
export interface FallbackState {
  fallingBack: boolean;
  /** When the current run of fallbacks began. */
  since: Date | undefined;
  /** Why the last answer was not used. */
  reason: string | undefined;
  /** When the provider last answered a call that was used. */
  lastAnsweredAt: Date | undefined;
}

export type TrackedProvider = RemoteProvider & { fallbackState(): FallbackState };

/** The provider, recording how each of its calls ends (the callers fall back on any failure). */
export function trackFallbacks(provider: RemoteProvider): TrackedProvider {
  const state: FallbackState = { fallingBack: false, since: undefined, reason: undefined, lastAnsweredAt: undefined };
  const tracked =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        const answer = await call(...args);
        Object.assign(state, { fallingBack: false, since: undefined, reason: undefined, lastAnsweredAt: new Date() });
        return answer;
      } catch (error) {
        if (!state.fallingBack) state.since = new Date();
        state.fallingBack = true;
        state.reason = failureReason(error).detail;
        throw error;
      }
    };
  return {
    name: provider.name,
    model: provider.model,
    label: provider.label,
    classify: tracked(provider.classify.bind(provider)),
    draft: tracked(provider.draft.bind(provider)),
    probe: () => provider.probe(),
    fallbackState: () => ({ ...state }),
  };
}
