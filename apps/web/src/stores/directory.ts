/**
 * The account's agents, teams, inboxes, labels and AI categories: the names behind the ids a
 * conversation carries, and the options of the inbox filters and the conversation's controls.
 * Loaded when the inbox opens; one failed list leaves the others usable.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, unwrap } from '../api/client';

export interface Named {
  id: number;
  name: string;
}

export const useDirectory = defineStore('directory', () => {
  const agents = ref<Named[]>([]);
  const teams = ref<Named[]>([]);
  const inboxes = ref<Named[]>([]);
  const labels = ref<{ title: string; color: string }[]>([]);
  const categories = ref<string[]>([]);

  async function refresh() {
    const settle = <T>(call: Promise<T>, apply: (value: T) => void) => call.then(apply, () => undefined);
    await Promise.all([
      settle(unwrap(api.GET('/api/agents')), (page) => (agents.value = page.data.map(({ id, name }) => ({ id, name })))),
      settle(unwrap(api.GET('/api/teams')), (page) => (teams.value = page.data.map(({ id, name }) => ({ id, name })))),
      settle(unwrap(api.GET('/api/inboxes')), (page) => (inboxes.value = page.data.map(({ id, name }) => ({ id, name })))),
      settle(unwrap(api.GET('/api/labels')), (page) => (labels.value = page.data.map(({ title, color }) => ({ title, color })))),
      settle(unwrap(api.GET('/api/ai/taxonomy')), (taxonomy) => (categories.value = taxonomy.categories.map((category) => category.name))),
    ]);
  }

  const nameOf = (list: Named[], id: number | null) => (id === null ? undefined : list.find((item) => item.id === id)?.name);

  return {
    agents,
    teams,
    inboxes,
    labels,
    categories,
    refresh,
    agentName: (id: number | null) => nameOf(agents.value, id),
    teamName: (id: number | null) => nameOf(teams.value, id),
  };
});
