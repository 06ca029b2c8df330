/**
 * The activity lines a conversation's thread shows when it changes, naming who changed it (as in
 * Chatwoot): "Assigned to Maria by Alex", "Assigned to Maria by AI triage (billing, 0.91)".
 */
export type Change =
  | { kind: 'status'; status: string; snoozedUntil?: Date | null }
  | { kind: 'assignee'; assigneeName: string | null }
  | { kind: 'team'; teamName: string | null }
  | { kind: 'priority'; priority: string }
  | { kind: 'labels'; added: string[]; removed: string[] };

/** Lines of changes nobody made by hand. */
export const REOPENED_BY_CUSTOMER = 'Conversation was reopened by a customer reply';
export const SNOOZE_ENDED = 'Conversation was reopened: the snooze ended';

export function describeChange(change: Change, actor: string): string {
  switch (change.kind) {
    case 'status':
      if (change.status === 'open') return `Conversation was reopened by ${actor}`;
      if (change.status === 'snoozed')
        return change.snoozedUntil ? `Snoozed until ${change.snoozedUntil.toISOString()} by ${actor}` : `Snoozed until the next reply by ${actor}`;
      return `Conversation was marked ${change.status} by ${actor}`;
    case 'assignee':
      return change.assigneeName ? `Assigned to ${change.assigneeName} by ${actor}` : `Unassigned by ${actor}`;
    case 'team':
      return change.teamName ? `Assigned to team ${change.teamName} by ${actor}` : `Team removed by ${actor}`;
    case 'priority':
      return `Priority set to ${change.priority} by ${actor}`;
    case 'labels': {
      const label = (titles: string[]) => `${titles.length > 1 ? 'Labels' : 'Label'} ${titles.join(', ')}`;
      if (change.removed.length === 0) return `${label(change.added)} added by ${actor}`;
      if (change.added.length === 0) return `${label(change.removed)} removed by ${actor}`;
      return `${label(change.added)} added and ${change.removed.join(', ')} removed by ${actor}`;
    }
  }
}
