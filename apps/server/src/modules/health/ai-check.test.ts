import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { LocalEmbedder } from '../../platform/ai/embeddings.js';
import { eventually } from '../../test-support/checks.js';
import { createAiCheck } from './ai-check.js';

/** A local model that loads at its first embedding, counting the embeddings asked of it. */
function fakeEmbedder() {
  const asked: string[][] = [];
  let loaded = false;
  const embedder: LocalEmbedder = {
    embed: async (texts) => {
      asked.push(texts);
      loaded = true;
      return texts.map(() => new Float32Array(512));
    },
    loaded: () => loaded,
    warmUp: async () => void (await embedder.embed(['warm-up'])),
    close: async () => {},
  };
  return { embedder, asked };
}

describe('the local ai check', () => {
  it('in an API replica, says ok without loading the model, and probes it once something has loaded it', async () => {
    const { embedder, asked } = fakeEmbedder();
    const check = createAiCheck({ config: { remoteAi: undefined, role: 'api' }, embedder });
    for (let i = 0; i < 3; i++) {
      expect(check.current()).toMatchObject({ status: 'ok', localModelLoaded: false, latencyMs: null, checkedAt: null });
      // A probe would have started by the next turn of the event loop: none did.
      await nextTurn();
    }
    expect(asked).toEqual([]);

    await embedder.embed(['a search']);
    const probed = await eventually('a probe of the loaded model', () => {
      const ai = check.current();
      return ai.checkedAt ? ai : undefined;
    });
    expect(probed).toMatchObject({ status: 'ok', localModelLoaded: true });
    expect(probed.latencyMs).toBeGreaterThanOrEqual(0);
    expect(asked).toEqual([['a search'], ['health check']]);
  });

  it.each(['all', 'worker'] as const)('with HUMMDESK_ROLE=%s, loads the model at the first /health', async (role) => {
    const { embedder, asked } = fakeEmbedder();
    const check = createAiCheck({ config: { remoteAi: undefined, role }, embedder });
    expect(check.current()).toMatchObject({ status: 'degraded', localModelLoaded: false, error: 'loading the local model' });
    const probed = await eventually('a probe that loads the model', () => {
      const ai = check.current();
      return ai.checkedAt ? ai : undefined;
    });
    expect(probed).toMatchObject({ status: 'ok', localModelLoaded: true });
    // The first embedding loads it; the second is the one timed.
    expect(asked).toEqual([['health check'], ['health check']]);
  });
});
