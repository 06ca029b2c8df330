/**
 * What the settings sections share: lists loaded from the API with their loading and error
 * state, asking before removing something, and the agents and teams of the account, loaded once
 * for the page (the agents section changes them; the teams, inboxes and AI taxonomy sections pick
 * from them, so a team added above is offered below at once).
 */
import { inject, provide, ref, type InjectionKey, type Ref } from 'vue';
import { api, ApiError, unwrap } from '../../api/client';
import type { Agent, AgentRole, Team } from './types';

export const asApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, 'unknown', error instanceof Error ? error.message : String(error));

export interface Loaded<T> {
  items: Ref<T[]>;
  loading: Ref<boolean>;
  error: Ref<ApiError | null>;
  load(): Promise<void>;
}

/** A list from the API with its loading and error state; a newer load wins over an older one. */
export function useLoaded<T>(fetchAll: () => Promise<T[]>): Loaded<T> {
  const items = ref([]) as Ref<T[]>;
  const loading = ref(true);
  const error = ref<ApiError | null>(null);
  let sequence = 0;
  async function load() {
    const mine = ++sequence;
    loading.value = true;
    error.value = null;
    try {
      const result = await fetchAll();
      if (mine === sequence) items.value = result;
    } catch (failure) {
      if (mine === sequence) error.value = asApiError(failure);
    } finally {
      if (mine === sequence) loading.value = false;
    }
  }
  return { items, loading, error, load };
}

export interface SettingsDirectory {
  agents: Loaded<Agent>;
  teams: Loaded<Team>;
}

const KEY: InjectionKey<SettingsDirectory> = Symbol('settings-directory');

/** Called by the settings page: loads agents and teams and offers them to its sections. */
export function provideSettingsDirectory(): SettingsDirectory {
  const directory: SettingsDirectory = {
    agents: useLoaded(async () => (await unwrap(api.GET('/api/agents'))).data),
    teams: useLoaded(async () => (await unwrap(api.GET('/api/teams'))).data),
  };
  provide(KEY, directory);
  void directory.agents.load();
  void directory.teams.load();
  return directory;
}

export function useSettingsDirectory(): SettingsDirectory {
  const directory = inject(KEY);
  if (!directory) throw new Error('useSettingsDirectory() needs provideSettingsDirectory() in a parent component');
  return directory;
}

export const agentRoles: { label: string; value: AgentRole }[] = [
  { label: 'Agent', value: 'agent' },
  { label: 'Administrator', value: 'administrator' },
];
export const roleLabel = (role: AgentRole) => agentRoles.find((option) => option.value === role)?.label ?? role;

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** Asking before removing one thing: which, whether the dialog is open, and how removing went. */
export function useRemoval<T>(remove: (target: T) => Promise<void>) {
  const target = ref<T | null>(null) as Ref<T | null>;
  const visible = ref(false);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  return {
    target,
    visible,
    busy,
    error,
    ask(what: T) {
      target.value = what;
      error.value = null;
      visible.value = true;
    },
    async confirm() {
      if (target.value === null) return;
      busy.value = true;
      error.value = null;
      try {
        await remove(target.value);
        visible.value = false;
      } catch (failure) {
        error.value = asApiError(failure);
      } finally {
        busy.value = false;
      }
    },
  };
}
