/**
 * The conversation list: the agent's view and filters, keyset pages, and live updates: a new
 * conversation or customer message appears at the top, an update or classification changes
 * its row in place (an older update than the one shown is ignored), without reloading.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { api, unwrap, type Conversation } from '../api/client';
import { useRealtime } from './realtime';
import { useSession } from './session';

export type InboxView = 'mine' | 'unassigned' | 'all';
export type Row = Conversation & { sentiment?: string; unread?: boolean };

export const useInbox = defineStore('inbox', () => {
  const session = useSession();
  const realtime = useRealtime();
  const filters = reactive({ view: 'all' as InboxView, status: 'open' as 'open' | 'pending' | 'resolved' | 'snoozed', q: '' });
  const rows = ref<Row[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let generation = 0;

  const assigneeFilter = computed(() => (filters.view === 'mine' ? 'me' : filters.view === 'unassigned' ? 'none' : undefined));

  function matches(conversation: Conversation) {
    if (conversation.status !== filters.status) return false;
    if (filters.view === 'mine' && conversation.assigneeId !== session.me?.user.id) return false;
    if (filters.view === 'unassigned' && conversation.assigneeId !== null) return false;
    return !filters.q;
  }

  async function load(more = false) {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await unwrap(
        api.GET('/api/conversations', {
          params: {
            query: {
              status: filters.status,
              ...(assigneeFilter.value ? { assigneeId: assigneeFilter.value } : {}),
              ...(filters.q ? { q: filters.q } : {}),
              ...(more && nextCursor.value ? { cursor: nextCursor.value } : {}),
              limit: 30,
            },
          },
        }),
      );
      if (mine !== generation) return; // a newer load (other filters) has started
      rows.value = more ? [...rows.value, ...page.data.filter((row) => !rows.value.some((r) => r.id === row.id))] : page.data;
      nextCursor.value = page.nextCursor;
    } catch (failure) {
      if (mine === generation) error.value = (failure as Error).message;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  function upsert(conversation: Conversation, toTop: boolean) {
    const index = rows.value.findIndex((row) => row.id === conversation.id);
    const current = rows.value[index];
    if (current && new Date(current.updatedAt) > new Date(conversation.updatedAt)) return; // stale
    if (!matches(conversation)) {
      if (index >= 0) rows.value.splice(index, 1);
      return;
    }
    const row = { ...current, ...conversation, lastMessage: conversation.lastMessage ?? current?.lastMessage ?? null };
    if (index >= 0) rows.value.splice(index, 1);
    if (toTop || index < 0) rows.value.unshift(row);
    else rows.value.splice(index, 0, row);
  }

  realtime.on('conversation:created', ({ data }) => upsert(data.conversation, true));
  realtime.on('conversation:updated', ({ data }) => upsert(data.conversation, false));
  realtime.on('message:new', ({ data }) => {
    const index = rows.value.findIndex((row) => row.id === data.conversationId);
    const row = rows.value[index];
    if (!row || data.message.private) return;
    const updated = { ...row, lastMessage: data.message, lastActivityAt: data.message.createdAt, unread: data.message.messageType === 'incoming' || row.unread };
    rows.value.splice(index, 1);
    rows.value.unshift(updated);
  });
  realtime.on('ai:classification', ({ data }) => {
    const row = rows.value.find((r) => r.id === data.conversationId);
    if (!row) return;
    row.category = data.classification.category;
    row.sentiment = data.classification.sentiment;
    if (row.priority === 'none') row.priority = data.classification.priority as Row['priority'];
  });
  realtime.onResync(() => void load());

  return {
    filters,
    rows,
    nextCursor,
    loading,
    error,
    load,
    markRead(id: number) {
      const row = rows.value.find((r) => r.id === id);
      if (row) row.unread = false;
    },
  };
});
