/**
 * /health's `ai` check: whether this process's AI can answer the next message, from probes
 * that are cached and refreshed in the background, so that /health never waits for a model or
 * a provider, and a busy /health costs the provider nothing.
 *
 * - local (AI_PROVIDER=local): whether the Universal Sentence Encoder is loaded in its worker
 *   thread, and how long a two-word embedding takes; probed at most every 5 s.
 * - hosted (anthropic, openai): whether the provider answers this key (a free models call, at
 *   most one a minute), and whether its answers are being replaced by the local model's now.
 *
 * A probe starts when /health is asked and the last one began longer ago than its interval;
 * with nobody asking, nothing is probed. So the first /health after a start says "not checked
 * yet", and the local model is loaded by the first /health if nothing needed it before; except in
 * an API replica (HUMMDESK_ROLE=api), where the model (~120 MB) serves only the AI requests the
 * replica answers itself (knowledge-base search, /api/ai/classify, /api/ai/draft) and loads at the
 * first of them: /health probes it once it is in memory, and says `ok` without it (the workers,
 * which classify every message, load theirs at start-up, and their /health reports a failure).
 */
import type { Config } from '../../config.js';
import { LOCAL_EMBEDDING_MODEL_ID } from '../../platform/ai/embedding-models.js';
import type { LocalEmbedder } from '../../platform/ai/embeddings.js';
import type { TrackedProvider } from '../ai/providers/failure.js';
import { remoteProvider } from '../ai/providers/index.js';

export const LOCAL_PROBE_INTERVAL_MS = 5_000;
export const REMOTE_PROBE_INTERVAL_MS = 60_000;
/** A local probe without an answer for this long is reported while it runs on. */
export const PROBE_STALLED_MS = 10_000;
const PROBE_TEXT = 'health check';

export type AiStatus = 'ok' | 'degraded' | 'down';

export interface AiCheck {
  status: AiStatus;
  provider: 'local' | 'anthropic' | 'openai';
  model: string;
  /** The last successful probe's duration (the local model: one embedding, loading excluded). */
  latencyMs: number | null;
  /** When the last probe ended; null before the first one has. */
  checkedAt: string | null;
  /** A hosted provider's last call failed, so the local model answered it (always false for local). */
  fallingBack: boolean;
  /** Whether this process has the local model in memory (a hosted provider's fallback). */
  localModelLoaded: boolean;
  /** Why the status is not ok. */
  error?: string;
}

/** What the check looks at: AI_PROVIDER's configuration and this process's local model. */
export interface AiCheckSource {
  config: Pick<Config, 'remoteAi' | 'role'>;
  embedder: LocalEmbedder;
}

export function createAiCheck({ config, embedder }: AiCheckSource): { current(): AiCheck } {
  const remote = remoteProvider(config);
  if (remote) return { current: hostedCheck(remote, embedder) };
  return { current: config.role === 'api' ? loadedOnlyCheck(embedder, localCheck(embedder)) : localCheck(embedder) };
}

/** The model's check once it is in memory; until then `ok`, without probing (which would load it). */
function loadedOnlyCheck(embedder: LocalEmbedder, check: () => AiCheck): () => AiCheck {
  const notLoaded: AiCheck = {
    status: 'ok',
    provider: 'local',
    model: LOCAL_EMBEDDING_MODEL_ID,
    latencyMs: null,
    checkedAt: null,
    fallingBack: false,
    localModelLoaded: false,
  };
  return () => (embedder.loaded() ? check() : notLoaded);
}

function localCheck(embedder: LocalEmbedder): () => AiCheck {
  const probe = cachedProbe(LOCAL_PROBE_INTERVAL_MS, async () => {
    // Loading the model takes seconds; the latency reported is that of an embedding.
    if (!embedder.loaded()) await embedder.embed([PROBE_TEXT]);
    const started = performance.now();
    await embedder.embed([PROBE_TEXT]);
    return performance.now() - started;
  });
  // The answer changes only when a probe ends, the model loads or goes, or a probe stalls: the
  // one built last is kept until then, so a busy /health builds none.
  let kept: { last: ProbeResult | undefined; loaded: boolean; answer: AiCheck } | undefined;
  return () => {
    const { last, runningForMs } = probe.read();
    const loaded = embedder.loaded();
    if (kept && runningForMs <= PROBE_STALLED_MS && kept.last === last && kept.loaded === loaded) return kept.answer;
    const answer = localAnswer(last, runningForMs, loaded);
    kept = runningForMs <= PROBE_STALLED_MS ? { last, loaded, answer } : undefined;
    return answer;
  };
}

function localAnswer(last: ProbeResult | undefined, runningForMs: number, loaded: boolean): AiCheck {
  const check = { provider: 'local' as const, model: LOCAL_EMBEDDING_MODEL_ID, ...outcome(last), fallingBack: false, localModelLoaded: loaded };
  if (last?.error) return { ...check, status: 'down', error: `the local model failed: ${last.error.message}` };
  if (runningForMs > PROBE_STALLED_MS)
    return { ...check, status: 'degraded', error: `the local model has not answered for ${Math.round(runningForMs / 1000)} s` };
  if (!last) return { ...check, status: 'degraded', error: loaded ? 'not checked yet' : 'loading the local model' };
  if (!loaded) return { ...check, status: 'degraded', error: 'the local model is not loaded (it loads again at the next use)' };
  return { ...check, status: 'ok' };
}

function hostedCheck(provider: TrackedProvider, embedder: LocalEmbedder): () => AiCheck {
  const probe = cachedProbe(REMOTE_PROBE_INTERVAL_MS, async () => {
    const started = performance.now();
    await provider.probe();
    return performance.now() - started;
  });
  return () => {
    const { last } = probe.read();
    const calls = provider.fallbackState();
    const check = { provider: provider.name, model: provider.model, ...outcome(last), fallingBack: calls.fallingBack, localModelLoaded: embedder.loaded() };
    // A call the provider answered after the probe failed is the fresher news.
    const answeredSince = last !== undefined && calls.lastAnsweredAt !== undefined && calls.lastAnsweredAt.getTime() > last.finishedAt;
    if (last?.error && !answeredSince) {
      // Overloaded or rate-limited passes; refused (key, model) or unreachable stays until someone acts.
      const status = last.error.httpStatus !== undefined && (last.error.httpStatus === 429 || last.error.httpStatus >= 500) ? 'degraded' : 'down';
      return { ...check, status, error: `${provider.name}: ${last.error.message}` };
    }
    if (calls.fallingBack) {
      return { ...check, status: 'degraded', error: `the local model has answered instead since ${calls.since?.toISOString()}: ${calls.reason}` };
    }
    if (!last && !calls.lastAnsweredAt) return { ...check, status: 'degraded', error: 'not checked yet' };
    return { ...check, status: 'ok' };
  };
}

interface ProbeResult {
  finishedAt: number;
  /** `finishedAt` formatted once, rather than by each /health. */
  checkedAt: string;
  latencyMs?: number;
  error?: { message: string; httpStatus: number | undefined };
}

function outcome(last: ProbeResult | undefined) {
  return {
    latencyMs: last?.latencyMs === undefined ? null : Math.round(last.latencyMs),
    checkedAt: last ? last.checkedAt : null,
  };
}

/**
 * Runs `run` (which resolves to a latency) in the background when read and the last run began
 * `intervalMs` or longer ago and none is running; reading returns the last result at once.
 */
function cachedProbe(intervalMs: number, run: () => Promise<number>) {
  let last: ProbeResult | undefined;
  let runningSince: number | undefined;
  let lastStart = -Infinity;
  function start() {
    runningSince = lastStart = Date.now();
    Promise.resolve()
      .then(run)
      .then(
        (latencyMs) => (last = { ...finished(), latencyMs }),
        (error: unknown) => (last = { ...finished(), error: describeError(error) }),
      )
      .finally(() => (runningSince = undefined));
  }
  return {
    read() {
      if (runningSince === undefined && Date.now() - lastStart >= intervalMs) start();
      return { last, runningForMs: runningSince === undefined ? 0 : Date.now() - runningSince };
    },
  };
}

function finished() {
  const now = new Date();
  return { finishedAt: now.getTime(), checkedAt: now.toISOString() };
}

/** The SDKs' errors carry the HTTP status when the provider answered; none when it could not be reached. */
function describeError(error: unknown) {
  const status = (error as { status?: unknown }).status;
  return {
    message: String((error as Error)?.message ?? error)
      .replace(/\s+/g, ' ')
      .slice(0, 200),
    httpStatus: typeof status === 'number' ? status : undefined,
  };
}
