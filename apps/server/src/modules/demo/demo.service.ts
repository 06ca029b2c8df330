import { eq } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { accounts } from '../../db/schema.js';
import { NotFoundError } from '../../platform/errors.js';
import { runAsApp } from '../../platform/tenancy.js';
import type { ActorScope, ConversationService } from '../conversations/conversations.service.js';
import { customerFor, fillTemplate, pick, type Random } from './demo-ticket.js';
import { ticketTemplates } from './ticket-templates.js';

export const DEMO_ACCOUNT_SLUG = 'demo';

export function createDemoService(deps: { db: AppDb; conversations: Pick<ConversationService, 'open'>; random?: Random }) {
  const random = deps.random ?? Math.random;
  return {
    async demoAccountId(): Promise<number> {
      const [account] = await runAsApp(deps.db, { lookupAccountSlug: DEMO_ACCOUNT_SLUG }, (tx) =>
        tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.slug, DEMO_ACCOUNT_SLUG)),
      );
      if (!account) throw new NotFoundError('Demo account (run `npm run seed`)');
      return account.id;
    },

    /** A realistic customer message, in one of several languages, opening a new conversation. */
    async generateTicket(scope: ActorScope) {
      const ticket = fillTemplate(pick(ticketTemplates, random), random);
      const { message } = await deps.conversations.open(scope, {
        contact: customerFor(ticket, random),
        message: { content: ticket.content },
      });
      return {
        conversationId: message.conversationId,
        message: { id: message.id, content: message.content, language: ticket.language, createdAt: message.createdAt },
      };
    },
  };
}

export type DemoService = ReturnType<typeof createDemoService>;
