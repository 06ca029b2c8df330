/**
 * Milliseconds by phase of one piece of work (a classification: embedding, model, routing,
 * storing, broadcast), for the structured log line that ends it.
 */
export type Timings = Record<string, number>;

/** Runs `work`, adding its milliseconds to `timings[phase]`. */
export async function timed<T>(timings: Timings | undefined, phase: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    if (timings) timings[phase] = (timings[phase] ?? 0) + Math.round(performance.now() - started);
  }
}

/** "embedding 12, model 3, storing 9": the phases for a human-readable line. */
export const describeTimings = (timings: Timings) =>
  Object.entries(timings)
    .map(([phase, ms]) => `${phase} ${ms}`)
    .join(', ');
