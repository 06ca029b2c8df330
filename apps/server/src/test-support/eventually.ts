/**
 * The one way the tests wait for background work: poll for a state until it holds, never sleep
 * for a fixed time, never count tries (a loaded machine makes each try slower, not fewer). No
 * imports, so the browser-like environments that load the end-to-end harness can use it too;
 * checks.ts re-exports it for the API tests.
 */

export interface EventuallyOptions {
  /** How long the state may take; generous, since waiting costs nothing once it holds. */
  timeoutMs?: number;
  intervalMs?: number;
  /** A failing probe (a server still starting) counts as "not yet" rather than failing the wait. */
  retryOnError?: boolean;
}

/**
 * Polls `probe` until it answers something other than undefined, and returns that. The timeout
 * only turns a state that never comes into a failure naming it (and the probe's last error).
 */
export async function eventually<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 120_000, intervalMs = 100, retryOnError = false }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    let value: T | undefined;
    if (retryOnError) {
      try {
        value = await probe();
      } catch (error) {
        lastError = error;
        value = undefined;
      }
    } else {
      value = await probe();
    }
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const last = lastError === undefined ? '' : ` (last error: ${String((lastError as Error)?.message ?? lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The first item of a list that other code keeps appending to (recorded socket events, queue
 * events, log lines) that matches, already there or still to come.
 */
export function eventuallyFound<T>(
  what: string | (() => string),
  list: readonly T[],
  matching: (item: T) => boolean,
  options: EventuallyOptions = {},
): Promise<T> {
  return eventually(what, () => list.find(matching), { intervalMs: 20, ...options });
}
