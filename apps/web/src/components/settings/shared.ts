/**
 * What the settings sections share: the agent roles, counting in words, and asking before
 * removing something from a list.
 */
import { reactive, ref, type Ref } from 'vue';
import type { ApiError } from '../../api/client';
import { useDialogAction } from '../../composables/useAction';
import type { AgentRole } from './types';

export const agentRoles: { label: string; value: AgentRole }[] = [
  { label: 'Agent', value: 'agent' },
  { label: 'Administrator', value: 'administrator' },
];
export const roleLabel = (role: AgentRole) => agentRoles.find((option) => option.value === role)?.label ?? role;

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export interface Removal<T> {
  /** What the dialog asks about (kept while it closes, so its text does not change). */
  target: T | null;
  visible: boolean;
  busy: boolean;
  error: ApiError | null;
  ask(item: T): void;
  confirm(): Promise<void>;
}

/**
 * Asking before removing one item of a list: `remove` asks the server, then the item leaves the
 * list and the dialog closes; a refusal stays in the dialog.
 */
export function useRemoval<T extends { id: number }>(list: { items: T[] }, remove: (item: T) => Promise<unknown>): Removal<T> {
  const target = ref(null) as Ref<T | null>;
  const visible = ref(false);
  const { busy, error, submit } = useDialogAction(visible, async () => {
    const item = target.value;
    if (item === null) return;
    await remove(item);
    list.items = list.items.filter((one) => one.id !== item.id);
  });
  function ask(item: T) {
    target.value = item;
    visible.value = true;
  }
  // reactive() unwraps the refs; for a generic T, TypeScript cannot see that the result is Removal<T>.
  return reactive({ target, visible, busy, error, ask, confirm: submit }) as Removal<T>;
}
