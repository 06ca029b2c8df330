/**
 * The conversation list: the agent's view and filters, counts per view, keyset pages, and live
 * updates: a new conversation or customer message appears at the top, an update or
 * classification changes its row in place (an older update than the one shown is ignored),
 * without reloading.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { api, unwrap, type Conversation } from '../api/client';
import { useLatestLoad } from '../composables/useLatestLoad';
import { useRealtime } from './realtime';
import { useSession } from './session';

export type InboxView = 'mine' | 'unassigned' | 'all';
export type Status = Conversation['status'];
export type Row = Conversation & { unread?: boolean };

/** The filters besides the view; null is "any". */
export interface Filters {
  view: InboxView;
  status: Status;
  q: string;
  teamId: number | null;
  inboxId: number | null;
  priority: Conversation['priority'] | null;
  category: string | null;
  label: string | null;
}

const PAGE_SIZE = 30;
/** Live events arrive in bursts (a message, its classification, its routing): count once after. */
const COUNT_DELAY_MS = 400;

export const useInbox = defineStore('inbox', () => {
  const session = useSession();
  const realtime = useRealtime();
  const filters = reactive<Filters>({ view: 'all', status: 'open', q: '', teamId: null, inboxId: null, priority: null, category: null, label: null });
  const rows = ref<Row[]>([]);
  const counts = ref<Record<InboxView, number> | null>(null);
  const nextCursor = ref<string | null>(null);
  // The list's loads: a newer one (other filters) wins over an older one still on its way.
  const list = useLatestLoad();
  const error = computed(() => list.error.value?.message ?? null);
  let countTimer: ReturnType<typeof setTimeout> | undefined;

  /** The query both the list and the counts are filtered by (the counts split it by view). */
  function sharedQuery() {
    return {
      status: filters.status,
      ...(filters.q ? { q: filters.q } : {}),
      ...(filters.teamId !== null ? { teamId: String(filters.teamId) } : {}),
      ...(filters.inboxId !== null ? { inboxId: filters.inboxId } : {}),
      ...(filters.priority !== null ? { priority: filters.priority } : {}),
      ...(filters.category !== null ? { category: filters.category } : {}),
      ...(filters.label !== null ? { label: filters.label } : {}),
    };
  }

  function matches(conversation: Conversation) {
    if (conversation.status !== filters.status) return false;
    if (filters.view === 'mine' && conversation.assigneeId !== session.me?.user.id) return false;
    if (filters.view === 'unassigned' && conversation.assigneeId !== null) return false;
    if (filters.teamId !== null && conversation.teamId !== filters.teamId) return false;
    if (filters.inboxId !== null && conversation.inboxId !== filters.inboxId) return false;
    if (filters.priority !== null && conversation.priority !== filters.priority) return false;
    if (filters.category !== null && conversation.category !== filters.category) return false;
    if (filters.label !== null && !conversation.labels.includes(filters.label)) return false;
    // A text search is the server's to answer: a live row cannot be matched against it here.
    return !filters.q;
  }

  async function loadCounts() {
    clearTimeout(countTimer);
    const forCurrentList = list.current();
    try {
      const meta = await unwrap(api.GET('/api/conversations/meta', { params: { query: sharedQuery() } }));
      if (forCurrentList()) counts.value = meta.counts;
    } catch {
      // The counts are a hint; the list shows the error if the server is away.
    }
  }

  function countSoon() {
    clearTimeout(countTimer);
    countTimer = setTimeout(() => void loadCounts(), COUNT_DELAY_MS);
  }

  async function load(more = false) {
    const assignee = filters.view === 'mine' ? 'me' : filters.view === 'unassigned' ? 'none' : undefined;
    await list.run(
      async () => {
        const counting = more ? undefined : loadCounts();
        const page = await unwrap(
          api.GET('/api/conversations', {
            params: {
              query: {
                ...sharedQuery(),
                ...(assignee ? { assigneeId: assignee } : {}),
                ...(more && nextCursor.value ? { cursor: nextCursor.value } : {}),
                limit: PAGE_SIZE,
              },
            },
          }),
        );
        await counting;
        return page;
      },
      (page) => {
        rows.value = more ? [...rows.value, ...page.data.filter((row) => !rows.value.some((r) => r.id === row.id))] : page.data;
        nextCursor.value = page.nextCursor;
      },
    );
  }

  /** A conversation as an event carries it: placed, moved, or dropped when it no longer matches. */
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

  realtime.on('conversation:created', ({ data }) => {
    upsert(data.conversation, true);
    countSoon();
  });
  realtime.on('conversation:updated', ({ data }) => {
    upsert(data.conversation, false);
    countSoon();
  });
  realtime.on('message:new', ({ data }) => {
    const index = rows.value.findIndex((row) => row.id === data.conversationId);
    const row = rows.value[index];
    // Activity lines (who changed what) are the thread's; the list shows and orders by what was said.
    if (!row || data.message.private || data.message.messageType === 'activity') return;
    const updated = {
      ...row,
      lastMessage: data.message,
      lastActivityAt: data.message.createdAt,
      unread: data.message.messageType === 'incoming' || row.unread,
    };
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
    counts,
    nextCursor,
    loading: list.loading,
    error,
    load,
    upsert,
    markRead(id: number) {
      const row = rows.value.find((r) => r.id === id);
      if (row) row.unread = false;
    },
    clearFilters() {
      Object.assign(filters, { teamId: null, inboxId: null, priority: null, category: null, label: null, q: '' });
    },
  };
});
