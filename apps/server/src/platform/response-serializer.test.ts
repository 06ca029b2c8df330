import fastJsonStringify, { type Schema } from 'fast-json-stringify';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { Conversation, Message } from '../modules/conversations/conversations.schema.js';
import { withoutBranchValidation } from './response-serializer.js';

/** Every anyOf left in a schema, by its path. */
function unionsIn(schema: unknown, path = '#'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  return Object.entries(schema).flatMap(([key, value]) => [...(key === 'anyOf' ? [path] : []), ...unionsIn(value, `${path}/${key}`)]);
}

const at = new Date('2026-12-07T10:00:00.123Z');
const conversations = [
  {
    id: 1,
    displayId: 7,
    inboxId: 2,
    status: 'open',
    priority: 'none',
    assigneeId: null,
    teamId: null,
    category: null,
    sentiment: null,
    labels: [],
    snoozedUntil: null,
    firstReplyAt: null,
    resolvedAt: null,
    lastActivityAt: at,
    createdAt: at,
    updatedAt: '2026-12-07T10:00:01.000Z',
    contactInboxId: null,
    contact: { id: 3, name: 'Maija "M" <m>', email: null },
    lastMessage: null,
  },
  {
    id: 2,
    displayId: 8,
    inboxId: 2,
    status: 'snoozed',
    priority: 'urgent',
    assigneeId: 4,
    teamId: 5,
    category: 'billing',
    sentiment: 'negative',
    labels: ['vip', 'ä'],
    snoozedUntil: at,
    firstReplyAt: at,
    resolvedAt: at,
    lastActivityAt: at,
    createdAt: at,
    updatedAt: at,
    contactInboxId: 6,
    contact: { id: 3, name: 'Pekka', email: 'pekka@example.com' },
    lastMessage: { id: 9, content: 'Hei\n"quoted"', messageType: 'incoming', private: false, createdAt: at },
  },
];

describe('response serialisation without branch validation', () => {
  it('makes the literal and nullable unions of a conversation plain, and leaves the route schema as it was', () => {
    const before = JSON.stringify(Conversation);
    const plain = withoutBranchValidation(Conversation) as { properties: Record<string, unknown> };
    expect(unionsIn(Conversation).length).toBeGreaterThan(5);
    expect(unionsIn(plain)).toEqual([]);
    expect(plain.properties.status).toMatchObject({ type: 'string', enum: ['open', 'pending', 'resolved', 'snoozed'] });
    expect(plain.properties.assigneeId).toMatchObject({ type: ['integer', 'null'] });
    expect(plain.properties.lastMessage).toMatchObject({ type: ['object', 'null'], properties: { id: { type: 'integer' } } });
    expect(JSON.stringify(Conversation)).toBe(before);
  });

  it('writes a conversation and a message exactly as the validating serialiser does', () => {
    const list = Type.Object({ data: Type.Array(Conversation) });
    expect(fastJsonStringify(withoutBranchValidation(list) as Schema)({ data: conversations })).toBe(
      fastJsonStringify(list as Schema)({ data: conversations }),
    );
    const message = {
      id: 5,
      conversationId: 1,
      messageType: 'outgoing',
      private: false,
      content: 'Thanks',
      sender: { type: 'user', id: 4, name: null },
      createdAt: at,
      email: null,
      deliveryStatus: null,
      deliveryError: null,
      attachments: [],
    };
    for (const value of [message, { ...message, sender: null, deliveryStatus: 'queued' }]) {
      expect(fastJsonStringify(withoutBranchValidation(Message) as Schema)(value)).toBe(fastJsonStringify(Message as Schema)(value));
    }
  });

  it('keeps a union of other shapes as it is', () => {
    const either = Type.Union([Type.Object({ a: Type.Integer() }), Type.Object({ b: Type.String() })]);
    expect(unionsIn(withoutBranchValidation(either))).toEqual(['#']);
    const serialize = fastJsonStringify(withoutBranchValidation(Type.Object({ value: either })) as Schema);
    expect(serialize({ value: { b: 'x' } })).toBe('{"value":{"b":"x"}}');
  });
});
