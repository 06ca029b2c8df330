/** Something the person asked for (save, add, delete): whether it is under way, and why it failed. */
import { ref, watch, type Ref } from 'vue';
import { asApiError, type ApiError } from '../api/client';

export function useAction() {
  const busy = ref(false);
  const error = ref<ApiError | null>(null);

  /** Runs `work`; true when it succeeded, otherwise its failure is in `error`. */
  async function run(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await work();
      return true;
    } catch (failure) {
      error.value = asApiError(failure);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, run };
}

/**
 * What a dialog is for (saving an edit, deleting): opening the dialog clears the last failure,
 * and success closes it; a failure stays in the dialog, for it to show.
 */
export function useDialogAction(visible: Ref<boolean>, work: () => Promise<unknown>) {
  const { busy, error, run } = useAction();
  watch(visible, (open) => {
    if (open) error.value = null;
  });
  async function submit() {
    if (await run(work)) visible.value = false;
  }
  return { busy, error, submit };
}
