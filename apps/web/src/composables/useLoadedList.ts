/** A list from the API with its loading and error state, as the settings sections and the directory show them. */
import { reactive, ref, type Ref } from 'vue';
import type { ApiError } from '../api/client';
import { useLatestLoad } from './useLatestLoad';

export interface LoadedList<T> {
  items: T[];
  loading: boolean;
  error: ApiError | null;
  load(): Promise<void>;
}

/** Loading until the first answer; a failed load keeps the items it had. */
export function useLoadedList<T>(fetchAll: () => Promise<T[]>): LoadedList<T> {
  const items = ref([]) as Ref<T[]>;
  const { loading, error, run } = useLatestLoad({ loading: true });
  async function load() {
    await run(fetchAll, (result) => (items.value = result));
  }
  // reactive() unwraps the refs; for a generic T, TypeScript cannot see that the result is LoadedList<T>.
  return reactive({ items, loading, error, load }) as LoadedList<T>;
}
