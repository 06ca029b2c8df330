/**
 * Why a hosted provider's answer was not used: shared by classification and drafts, which both
 * fall back to the local provider and count the reason in their metrics.
 */

/** The provider answered, but not in the shape (or with the citations) it was asked for. */
export class MalformedAnswerError extends Error {}

export function failureReason(error: unknown): { kind: 'timeout' | 'malformed' | 'error'; detail: string } {
  if (error instanceof MalformedAnswerError) return { kind: 'malformed', detail: `malformed answer: ${error.message}` };
  const name = (error as { name?: string }).name ?? '';
  if (/timeout/i.test(name) || /timed? ?out/i.test(String(error))) return { kind: 'timeout', detail: 'timed out' };
  return { kind: 'error', detail: String((error as Error).message ?? error).slice(0, 200) };
}
