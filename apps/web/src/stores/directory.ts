/**
 * The account's agents, teams, inboxes, labels and AI categories, one copy for the whole app:
 * the names behind the ids a conversation carries, the options of the inbox filters and the
 * conversation's controls, and the lists the settings sections show and change (a team added
 * there is offered by the other sections, and by the inbox, at once). Each list loads on its own:
 * one failed list leaves the others usable.
 */
import { defineStore } from 'pinia';
import { api, unwrap } from '../api/client';
import { useLoadedList } from '../composables/useLoadedList';

export const useDirectory = defineStore('directory', () => {
  const agents = useLoadedList(async () => (await unwrap(api.GET('/api/agents'))).data);
  const teams = useLoadedList(async () => (await unwrap(api.GET('/api/teams'))).data);
  const inboxes = useLoadedList(async () => (await unwrap(api.GET('/api/inboxes'))).data);
  const labels = useLoadedList(async () => (await unwrap(api.GET('/api/labels'))).data);
  const categories = useLoadedList(async () => (await unwrap(api.GET('/api/ai/taxonomy'))).categories.map((category) => category.name));

  async function refresh() {
    await Promise.all([agents.load(), teams.load(), inboxes.load(), labels.load(), categories.load()]);
  }

  const nameOf = (list: { id: number; name: string }[], id: number | null) => (id === null ? undefined : list.find((item) => item.id === id)?.name);

  return {
    agents,
    teams,
    inboxes,
    labels,
    categories,
    refresh,
    agentName: (id: number | null) => nameOf(agents.items, id),
    teamName: (id: number | null) => nameOf(teams.items, id),
  };
});
