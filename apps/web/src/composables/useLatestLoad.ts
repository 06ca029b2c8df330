/**
 * "The newest load wins": when loads overlap (a filter typed quickly, another article opened),
 * an older request that answers last must not overwrite the newer one's result, error or
 * loading state.
 */
import { ref } from 'vue';
import { asApiError, type ApiError } from '../api/client';

/** `loading: true` for a view that shows its placeholder from the start, before its first load runs. */
export function useLatestLoad({ loading: initiallyLoading = false } = {}) {
  const loading = ref(initiallyLoading);
  const error = ref<ApiError | null>(null);
  let newest = 0;

  /**
   * Runs `fetch` as the newest load; `apply` gets its result unless a newer load has started
   * since. True when this load was still the newest as it ended (applied, or its error shown).
   */
  async function run<T>(fetch: () => Promise<T>, apply: (result: T) => void): Promise<boolean> {
    const mine = ++newest;
    loading.value = true;
    error.value = null;
    try {
      const result = await fetch();
      if (mine === newest) apply(result);
    } catch (failure) {
      if (mine === newest) error.value = asApiError(failure);
    } finally {
      if (mine === newest) loading.value = false;
    }
    return mine === newest;
  }

  /** For work that adds to the current load without replacing it (a next page, a refresh): whether it still is current. */
  function current() {
    const mine = newest;
    return () => mine === newest;
  }

  /** Drops the loads under way: their answers are ignored. */
  function cancel() {
    newest++;
    loading.value = false;
  }

  return { loading, error, run, current, cancel };
}
