/** The events a webhook subscribes to, in words, and how a delivery's status reads. */
import type { WebhookDelivery, WebhookEvent } from './types';

export const WEBHOOK_EVENTS: { value: WebhookEvent; label: string; hint: string }[] = [
  { value: 'conversation.created', label: 'Conversation created', hint: 'A customer starts a conversation' },
  { value: 'conversation.updated', label: 'Conversation updated', hint: 'Assignee, team, priority, labels or AI category change' },
  { value: 'conversation.status_changed', label: 'Status changed', hint: 'Opened, resolved, pending or snoozed' },
  { value: 'message.created', label: 'Message created', hint: 'Customer messages, replies and private notes' },
  { value: 'ai.classification', label: 'AI classification', hint: "AI triage's category, priority and sentiment of a message" },
  { value: 'ai.draft', label: 'AI draft', hint: 'A reply draft written for a customer message' },
];

export const eventLabel = (event: string) => (event === 'ping' ? 'Test (ping)' : (WEBHOOK_EVENTS.find((known) => known.value === event)?.label ?? event));

type Severity = 'success' | 'warn' | 'danger';
export const deliverySeverity = (status: WebhookDelivery['status']): Severity => (status === 'delivered' ? 'success' : status === 'failed' ? 'danger' : 'warn');
export const deliveryLabel = (delivery: WebhookDelivery) =>
  delivery.status === 'pending' ? (delivery.attempts > 0 ? 'Retrying' : 'Sending') : delivery.status === 'delivered' ? 'Delivered' : 'Failed';
