/** The activity lines a conversation's thread shows when agents change it (as in Chatwoot). */
export type Change =
  | { kind: 'status'; status: string; snoozedUntil?: Date | null }
  | { kind: 'assignee'; assigneeName: string | null }
  | { kind: 'team'; teamName: string | null }
  | { kind: 'priority'; priority: string }
  | { kind: 'labels'; added: string[]; removed: string[] }
  | { kind: 'reopened_by_customer' }
  | { kind: 'snooze_ended' };

export function describeChange(change: Change, actor: string): string {
  switch (change.kind) {
    case 'status':
      if (change.status === 'open') return `Conversation was reopened by ${actor}`;
      if (change.status === 'snoozed')
        return change.snoozedUntil
          ? `${actor} snoozed the conversation until ${change.snoozedUntil.toISOString()}`
          : `${actor} snoozed the conversation until the next reply`;
      return `Conversation was marked ${change.status} by ${actor}`;
    case 'assignee':
      return change.assigneeName ? `${actor} assigned the conversation to ${change.assigneeName}` : `Conversation was unassigned by ${actor}`;
    case 'team':
      return change.teamName ? `${actor} assigned the conversation to team ${change.teamName}` : `${actor} removed the team`;
    case 'priority':
      return `${actor} set the priority to ${change.priority}`;
    case 'labels':
      return [
        change.added.length > 0 ? `${actor} added ${change.added.join(', ')}` : '',
        change.removed.length > 0 ? `${actor} removed ${change.removed.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    case 'reopened_by_customer':
      return 'Conversation was reopened by a customer reply';
    case 'snooze_ended':
      return 'Conversation was reopened: the snooze ended';
  }
}
