/**
 * The knowledge base's articles as its list shows them: filtered by the server and paged by
 * cursor (the newest load wins), the categories met so far (to suggest), and an article saved or
 * deleted in the editor placed in the list without a reload.
 */
import { computed, onBeforeUnmount, reactive, ref, watch } from 'vue';
import { api, asApiError, unwrap, type ApiError, type Article, type ArticleSummary } from '../../api/client';
import { useLatestLoad } from '../../composables/useLatestLoad';
import type { ArticleStatus } from './format';

const PAGE = 25;

/** The plain-text start of an article, like the server's excerpt. */
function excerptOf(markdown: string) {
  return markdown
    .replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n?/, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`~|-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** `afterLoad` runs once a page has come (or failed) for the current filters. */
export function useArticleList(afterLoad: () => void) {
  const filters = reactive({ q: '', category: '' as string | null, status: 'any' as ArticleStatus | 'any' });
  const articles = ref<ArticleSummary[]>([]);
  const nextCursor = ref<string | null>(null);
  const knownCategories = ref<string[]>([]);
  const { loading, error: failure, run, current } = useLatestLoad({ loading: true });
  const loadingMore = ref(false);
  const moreFailure = ref<ApiError | null>(null);

  const activeFilters = computed(() => ({
    q: filters.q.trim() || undefined,
    category: filters.category?.trim() || undefined,
    status: filters.status === 'any' ? undefined : filters.status,
  }));
  const filtering = computed(() => Boolean(activeFilters.value.q || activeFilters.value.category || activeFilters.value.status));

  function learnCategories(names: (string | null | undefined)[]) {
    const known = new Map(knownCategories.value.map((name) => [name.toLowerCase(), name]));
    let changed = false;
    for (const name of names) {
      if (name && !known.has(name.toLowerCase())) {
        known.set(name.toLowerCase(), name);
        changed = true;
      }
    }
    if (changed) knownCategories.value = [...known.values()].sort((a, b) => a.localeCompare(b));
  }

  function fetchPage(cursor?: string, limit = PAGE) {
    const { q, category, status } = activeFilters.value;
    return unwrap(api.GET('/api/knowledge-base/articles', { params: { query: { limit, cursor, q, category, status } } }));
  }

  async function load() {
    moreFailure.value = null;
    const newest = await run(
      () => fetchPage(),
      (page) => {
        articles.value = page.data;
        nextCursor.value = page.nextCursor;
        learnCategories(page.data.map((article) => article.category));
      },
    );
    if (newest) afterLoad();
  }

  async function loadMore() {
    if (!nextCursor.value || loadingMore.value) return;
    const sameList = current();
    loadingMore.value = true;
    moreFailure.value = null;
    try {
      const page = await fetchPage(nextCursor.value);
      if (!sameList()) return;
      const seen = new Set(articles.value.map((article) => article.id));
      articles.value = [...articles.value, ...page.data.filter((article) => !seen.has(article.id))];
      nextCursor.value = page.nextCursor;
      learnCategories(page.data.map((article) => article.category));
    } catch (error) {
      if (sameList()) moreFailure.value = asApiError(error);
    } finally {
      loadingMore.value = false;
    }
    afterLoad();
  }

  /** The loaded articles again (up to 100), updated in place; false when a newer load replaced the list meanwhile. */
  async function refreshInPlace() {
    const sameList = current();
    const page = await fetchPage(undefined, Math.min(Math.max(articles.value.length, 1), 100));
    if (!sameList()) return false;
    const fresh = new Map(page.data.map((article) => [article.id, article]));
    articles.value = articles.value.map((article) => fresh.get(article.id) ?? article);
    return true;
  }

  // Typing filters after a pause; choosing a status at once.
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  watch(
    () => [filters.q, filters.category] as const,
    () => {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => void load(), 300);
    },
  );
  watch(
    () => filters.status,
    () => {
      clearTimeout(typingTimer);
      void load();
    },
  );
  onBeforeUnmount(() => clearTimeout(typingTimer));

  function clearFilters() {
    filters.q = '';
    filters.category = '';
    filters.status = 'any';
  }

  function matchesFilters(article: { title: string; category: string | null; status: string }) {
    const { q, category, status } = activeFilters.value;
    if (q && !article.title.toLowerCase().includes(q.toLowerCase())) return false;
    if (category && (article.category ?? '').toLowerCase() !== category.toLowerCase()) return false;
    if (status && article.status !== status) return false;
    return true;
  }

  /** A saved article goes to the top (the list is most recently updated first), if the filters let it in. */
  function place(article: Article) {
    const { content, ...rest } = article;
    const summary: ArticleSummary = { ...rest, excerpt: excerptOf(content) };
    const others = articles.value.filter((item) => item.id !== article.id);
    articles.value = matchesFilters(article) ? [summary, ...others] : others;
    learnCategories([article.category]);
  }

  function drop(id: number) {
    articles.value = articles.value.filter((item) => item.id !== id);
  }

  return {
    filters,
    filtering,
    articles,
    nextCursor,
    knownCategories,
    loading,
    failure,
    loadingMore,
    moreFailure,
    load,
    loadMore,
    refreshInPlace,
    clearFilters,
    place,
    drop,
  };
}
