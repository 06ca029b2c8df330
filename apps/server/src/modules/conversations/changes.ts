/**
 * The one door for changes to conversations. Whatever changes a conversation (an agent's edit,
 * AI triage, a correction, a deleted team or label, a removed agent, the snooze job, a customer's
 * reply) does it here, inside its own tenant transaction: the row is written, an activity line
 * says what changed and who did it, the webhooks' deliveries (`conversation.updated`,
 * `conversation.status_changed`, with the attributes that changed) are written with it, and
 * `conversation:updated` is published once the transaction has committed (never from inside it,
 * so a rolled-back change is never announced).
 * Nothing else in the codebase writes the `conversations` table (conversations-door.test.ts
 * holds that).
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { queryRows, type AppDb, type Tx } from '../../db/client.js';
import { conversations, messages, teams, users } from '../../db/schema.js';
import { NotFoundError } from '../../platform/errors.js';
import { withTenant } from '../../platform/tenancy.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { conversationRooms } from '../../realtime/events.js';
import type { WebhookEvent, WebhookOutbox } from '../webhooks/outbox.js';
import { describeChange, type Change } from './activity.js';
import { presentConversations, selectConversations, selectMessages, toMessage, type ConversationRow } from './conversations.repo.js';

type Row = typeof conversations.$inferSelect;

/** Who changes a conversation; the activity line names them. */
export type Actor =
  | { kind: 'agent'; userId: number }
  /** AI triage routing a conversation: "Assigned to Maria by AI triage (billing, 0.91)". */
  | { kind: 'ai'; category: string; confidence: number }
  /** A consequence of something else, said as it is: "Team Returns was deleted: unassigned". */
  | { kind: 'system'; line: string };

/** The fields a change may set; category and sentiment (AI triage's) change without a line. */
export interface ConversationEdit {
  status?: Row['status'] | undefined;
  /** With status `snoozed`: until when (null: until the next customer reply). */
  snoozedUntil?: Date | null | undefined;
  priority?: Row['priority'] | undefined;
  assigneeId?: number | null | undefined;
  teamId?: number | null | undefined;
  labels?: string[] | undefined;
  category?: string | null | undefined;
  sentiment?: Row['sentiment'] | undefined;
}

/** The same edit for many conversations at once (a deleted team, label or agent). */
export interface BulkEdit {
  assigneeId?: null;
  teamId?: null;
  /** An expression of the row's labels, e.g. `array_remove(labels, 'vip')`. */
  labels?: SQL;
}

/** The door, within one transaction. */
export interface ConversationChanges {
  /** Changes one conversation (locked until the commit); false when the edit changes nothing. */
  change(id: number, edit: ConversationEdit, actor: Actor): Promise<boolean>;
  /** Applies `edit` to every conversation of the account matching `where`, each with the line `line`. */
  changeWhere(where: SQL, edit: BulkEdit, line: string): Promise<number>;
}

export type ConversationDoor = ReturnType<typeof createConversationDoor>;

/** The attributes a status change sets; any other changed attribute is a `conversation.updated`. */
const STATUS_ATTRIBUTES = new Set(['status', 'snoozedUntil', 'resolvedAt']);

/** The webhook events of a changed conversation, with the attributes that changed (API field names). */
function webhookEvents(conversation: { id: number }, attributes: Set<string>): WebhookEvent[] {
  const changedAttributes = [...attributes].sort();
  const data = () => ({ conversation, changedAttributes });
  return [
    ...(attributes.has('status') ? [{ event: 'conversation.status_changed' as const, data }] : []),
    ...(changedAttributes.some((name) => !STATUS_ATTRIBUTES.has(name)) ? [{ event: 'conversation.updated' as const, data }] : []),
  ];
}

export function createConversationDoor({ db, events, webhooks }: { db: AppDb; events: Pick<EventBus, 'publish'>; webhooks: Pick<WebhookOutbox, 'record'> }) {
  return {
    /**
     * Runs `work` in the tenant's transaction with the door at hand; every conversation it
     * changed is announced once the transaction has committed, as it then is.
     */
    async transaction<T>(scope: { accountId: number; userId?: number | undefined }, work: (tx: Tx, changes: ConversationChanges) => Promise<T>): Promise<T> {
      /** Each changed conversation with the attributes that changed. */
      const changed = new Map<number, Set<string>>();
      const lineIds: number[] = [];
      const { result, presented, activity } = await withTenant(db, scope, async (tx) => {
        const result = await work(tx, changesIn(tx, scope.accountId, changed, lineIds));
        // One array parameter, however many a deleted team or label touched.
        const activity = lineIds.length
          ? await selectMessages(tx, scope.accountId, [sql`${messages.id} = any(${sql.param(lineIds)}::bigint[])`], 'asc', lineIds.length)
          : [];
        const presented = await presentConversations(tx, scope.accountId, [...changed.keys()]);
        await webhooks.record(
          tx,
          scope.accountId,
          presented.flatMap((conversation) => webhookEvents(conversation, changed.get(conversation.id)!)),
        );
        return { result, presented, activity };
      });
      const rooms = new Map(presented.map((conversation) => [conversation.id, conversationRooms(conversation)]));
      // Open threads show the activity lines as they happen, then the conversation as it now is.
      for (const line of activity)
        events.publish(scope.accountId, 'message:new', { conversationId: line.conversationId, message: toMessage(line) }, rooms.get(line.conversationId));
      for (const conversation of presented) events.publish(scope.accountId, 'conversation:updated', { conversation }, rooms.get(conversation.id));
      return result;
    },
  };
}

function changesIn(tx: Tx, accountId: number, changed: Map<number, Set<string>>, lineIds: number[]): ConversationChanges {
  const touched = (id: number, attributes: string[]) => {
    const known = changed.get(id) ?? new Set<string>();
    for (const attribute of attributes) known.add(attribute);
    changed.set(id, known);
  };

  const inAccount = (id: number) => and(eq(conversations.accountId, accountId), eq(conversations.id, id));

  async function activity(ids: number[], contents: string[]) {
    if (ids.length === 0 || contents.length === 0) return;
    // Array parameters: a deleted team's thousands of conversations are one statement of two.
    const inserted = await queryRows<{ id: number | string }>(
      tx,
      sql`
      insert into ${messages} (account_id, conversation_id, message_type, content, private)
      select ${accountId}, conversation.id, 'activity', line.content, false
      from unnest(${sql.param(ids)}::integer[]) as conversation(id)
           cross join unnest(${sql.param(contents)}::text[]) with ordinality as line(content, n)
      order by conversation.id, line.n
      returning id`,
    );
    lineIds.push(...inserted.map((row) => Number(row.id)));
  }

  return {
    async change(id, edit, actor) {
      const [current] = await selectConversations(tx, accountId, [eq(conversations.id, id)], { limit: 1, forUpdate: true });
      if (!current) throw new NotFoundError('Conversation');
      const { set, lines } = await diff(tx, accountId, current, edit);
      if (Object.keys(set).length === 0) return false;
      const now = new Date();
      await tx
        .update(conversations)
        .set({ ...set, updatedAt: now, ...(lines.length > 0 && movesUp(actor, set) ? { lastActivityAt: now } : {}) })
        .where(inAccount(id));
      if (lines.length > 0) {
        if (actor.kind === 'system') await activity([id], [actor.line]);
        else {
          const name = actor.kind === 'ai' ? `AI triage (${actor.category}, ${actor.confidence.toFixed(2)})` : await agentName(tx, actor.userId);
          await activity(
            [id],
            lines.map((line) => describeChange(line, name)),
          );
        }
      }
      touched(id, Object.keys(set));
      return true;
    },

    async changeWhere(where, edit, line) {
      const now = new Date();
      const rows = await tx
        .update(conversations)
        .set({ ...edit, updatedAt: now })
        .where(and(eq(conversations.accountId, accountId), where))
        .returning({ id: conversations.id });
      const ids = rows.map((row) => row.id);
      await activity(ids, [line]);
      for (const id of ids) touched(id, Object.keys(edit));
      return ids.length;
    },
  };
}

/**
 * Whether a change with an activity line moves the conversation up the inbox (ordered by last
 * activity): an agent's change and a reopening do; AI triage's bookkeeping and a deleted team or label do not, or a
 * conversation classified a second after the next one arrived would jump above it.
 */
function movesUp(actor: Actor, set: Partial<Row>) {
  return actor.kind === 'agent' || set.status !== undefined;
}

/** What the edit changes of the conversation as it is, and the activity lines it makes. */
async function diff(tx: Tx, accountId: number, current: ConversationRow, edit: ConversationEdit) {
  const set: Partial<Row> = {};
  const lines: Change[] = [];
  const snoozeMoves = edit.status === 'snoozed' && (edit.snoozedUntil ?? null)?.getTime() !== current.snoozedUntil?.getTime();
  if (edit.status && (edit.status !== current.status || snoozeMoves)) {
    set.status = edit.status;
    set.snoozedUntil = edit.status === 'snoozed' ? (edit.snoozedUntil ?? null) : null;
    set.resolvedAt = edit.status === 'resolved' ? new Date() : null;
    lines.push({ kind: 'status', status: edit.status, snoozedUntil: set.snoozedUntil });
  }
  if (edit.priority && edit.priority !== current.priority) {
    set.priority = edit.priority;
    lines.push({ kind: 'priority', priority: edit.priority });
  }
  if (edit.assigneeId !== undefined && edit.assigneeId !== current.assigneeId) {
    set.assigneeId = edit.assigneeId;
    lines.push({ kind: 'assignee', assigneeName: edit.assigneeId === null ? null : await agentName(tx, edit.assigneeId) });
  }
  if (edit.teamId !== undefined && edit.teamId !== current.teamId) {
    set.teamId = edit.teamId;
    lines.push({ kind: 'team', teamName: edit.teamId === null ? null : await teamName(tx, accountId, edit.teamId) });
  }
  if (edit.labels) {
    const added = edit.labels.filter((title) => !current.labels.includes(title));
    const removed = current.labels.filter((title) => !edit.labels!.includes(title));
    if (added.length + removed.length > 0) {
      set.labels = edit.labels;
      lines.push({ kind: 'labels', added, removed });
    }
  }
  if (edit.category !== undefined && edit.category !== current.category) set.category = edit.category;
  if (edit.sentiment !== undefined && edit.sentiment !== current.sentiment) set.sentiment = edit.sentiment;
  return { set, lines };
}

async function agentName(tx: Tx, id: number) {
  const [row] = await tx.select({ name: users.name }).from(users).where(eq(users.id, id));
  return row?.name ?? `#${id}`;
}

async function teamName(tx: Tx, accountId: number, id: number) {
  const [row] = await tx
    .select({ name: teams.name })
    .from(teams)
    .where(and(eq(teams.accountId, accountId), eq(teams.id, id)));
  return row?.name ?? `#${id}`;
}

/** `array_remove(labels, title)`, for a deleted label. */
export const withoutLabel = (title: string) => sql`array_remove(${conversations.labels}, ${title})`;
/** `array_replace(labels, from, to)`, for a renamed label. */
export const renamedLabel = (from: string, to: string) => sql`array_replace(${conversations.labels}, ${from}, ${to})`;
