/**
 * How much of the knowledge base is embedded, for the page's summary line; and while articles
 * are being embedded (or the index moves to another model), the listed articles refreshed in
 * place so they turn "Ready for AI" without a reload, less often as it goes on.
 */
import { computed, onBeforeUnmount, ref, type Ref } from 'vue';
import { api, unwrap, type ArticleSummary } from '../../api/client';
import type { paths } from '../../api/schema';

type IndexStatus = paths['/api/knowledge-base/embeddings']['get']['responses'][200]['content']['application/json'];

const FIRST_DELAY = 2000;
const LONGEST_DELAY = 15_000;

export function useEmbeddingStatus(list: { articles: Ref<ArticleSummary[]>; loading: Ref<boolean>; refreshInPlace(): Promise<boolean> }) {
  const indexStatus = ref<IndexStatus | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = FIRST_DELAY;
  let unmounted = false;

  async function load() {
    try {
      indexStatus.value = await unwrap(api.GET('/api/knowledge-base/embeddings'));
    } catch {
      // Only a summary line: the page works without it.
    }
  }

  /** Refreshes later if anything is still being embedded; `reset` starts again at the shortest delay. */
  function follow(reset = true) {
    clearTimeout(timer);
    if (unmounted) return;
    if (reset) delay = FIRST_DELAY;
    const waiting = list.articles.value.some((article) => article.embeddingStatus === 'pending') || Boolean(indexStatus.value?.buildingModel);
    if (!waiting) return;
    timer = setTimeout(() => void refresh(), delay);
  }

  async function refresh() {
    if (unmounted) return;
    if (document.visibilityState === 'hidden' || list.loading.value) {
      follow(false);
      return;
    }
    try {
      const [sameList] = await Promise.all([list.refreshInPlace(), load()]);
      // A newer list is loading: it follows the statuses once it is there.
      if (!sameList) return;
    } catch {
      // Try again later.
    }
    delay = Math.min(delay * 1.5, LONGEST_DELAY);
    follow(false);
  }

  /** An article changed: its (re-)embedding has started. */
  function reload() {
    void load().then(() => follow());
  }

  const summary = computed(() => {
    const status = indexStatus.value;
    if (!status) return null;
    const { ready, pending, failed } = status.articles;
    const parts = [`${ready} embedded`];
    if (pending) parts.push(`${pending} being embedded`);
    if (failed) parts.push(`${failed} failed`);
    return parts.join(' · ');
  });

  onBeforeUnmount(() => {
    unmounted = true;
    clearTimeout(timer);
  });

  return { indexStatus, summary, load, follow, reload };
}
