/**
 * The demo account: "Northwind Gear", an outdoor shop with a subscription app, its agents,
 * teams, inboxes, labels, knowledge base and a few dozen conversations of the last two weeks.
 * Written through the application role like any other data, so it obeys the same policies.
 */
import { eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { accounts, accountUsers, contacts, inboxes, labels, messages, teamMembers, teams } from '../../db/schema.js';
import { postgresCode } from '../../platform/errors.js';
import { hashPassword } from '../../platform/passwords.js';
import { enterAccount, runAsApp } from '../../platform/tenancy.js';
import { nextAccountId } from '../accounts/accounts.repo.js';
import { seedDefaultTaxonomy } from '../ai/taxonomy.repo.js';
import { insertUser } from '../auth/users.repo.js';
import { insertConversation } from '../conversations/conversations.repo.js';
import { DEMO_ACCOUNT_SLUG } from './demo.service.js';
import { customerFor, fillTemplate, pick, type Random } from './demo-ticket.js';
import { insertArticle } from '../knowledge-base/articles.repo.js';
import { seedArticles } from './knowledge-base-articles.js';
import { ticketTemplates, type TicketCategory } from './ticket-templates.js';

export const DEMO_LOGIN = { email: 'admin@northwind.example', password: 'hummdesk-demo' } as const;

const AGENTS = [
  { name: 'Aino Virtanen', email: DEMO_LOGIN.email, role: 'administrator' as const, teams: ['Customer Success'] },
  { name: 'Mikael Lindqvist', email: 'mikael@northwind.example', role: 'agent' as const, teams: ['Billing'] },
  { name: 'Sofia Romero', email: 'sofia@northwind.example', role: 'agent' as const, teams: ['Billing', 'Logistics'] },
  { name: 'Jonas Weber', email: 'jonas@northwind.example', role: 'agent' as const, teams: ['Technical Support'] },
  { name: 'Léa Martin', email: 'lea@northwind.example', role: 'agent' as const, teams: ['Technical Support', 'Customer Success'] },
  { name: 'Oskari Nieminen', email: 'oskari@northwind.example', role: 'agent' as const, teams: ['Logistics'] },
];

const TEAMS: { name: string; description: string; categories: TicketCategory[] }[] = [
  { name: 'Billing', description: 'Charges, invoices, refunds and subscriptions', categories: ['billing', 'refunds'] },
  { name: 'Technical Support', description: 'The Trails app, sync, bugs', categories: ['technical', 'bug'] },
  { name: 'Logistics', description: 'Shipping, tracking, returns of parcels', categories: ['shipping'] },
  { name: 'Customer Success', description: 'Accounts, business orders, feedback', categories: ['account', 'general', 'feature_request'] },
];

const LABELS = [
  { title: 'vip', description: 'Business or long-standing customer', color: '#f5a623' },
  { title: 'refund-requested', description: 'Customer asked for money back', color: '#e0474c' },
  { title: 'chargeback-risk', description: 'Customer mentions disputing the charge', color: '#b10dc9' },
  { title: 'bug-report', description: 'Confirmed or suspected defect', color: '#1f93ff' },
  { title: 'follow-up', description: 'Needs another look later', color: '#44ce4b' },
];

const CONVERSATION_COUNT = 42;
const HOUR = 3_600_000;

/** Deterministic pseudo-random numbers, so every fresh install shows the same demo. */
function seededRandom(seed: number): Random {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

export async function demoAccountExists(db: AppDb): Promise<boolean> {
  const rows = await runAsApp(db, { lookupAccountSlug: DEMO_ACCOUNT_SLUG }, (tx) =>
    tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.slug, DEMO_ACCOUNT_SLUG)),
  );
  return rows.length > 0;
}

/** Creates the demo account unless it exists; returns its id, or null when it was there. */
export async function seedDemoAccount(db: AppDb, now = new Date()): Promise<number | null> {
  if (await demoAccountExists(db)) return null;
  const passwordHashes = await Promise.all(AGENTS.map(() => hashPassword(DEMO_LOGIN.password)));
  try {
    return await insertDemoAccount(db, passwordHashes, now);
  } catch (error) {
    // Replicas starting together on a new database: one of them seeded it first.
    if (postgresCode(error) === '23505') return null;
    throw error;
  }
}

async function insertDemoAccount(db: AppDb, passwordHashes: string[], now: Date): Promise<number> {
  const random = seededRandom(42);
  return runAsApp(db, {}, async (tx) => {
    const accountId = await nextAccountId(tx);
    await enterAccount(tx, accountId);
    await tx.insert(accounts).values({ id: accountId, name: 'Northwind Gear', slug: DEMO_ACCOUNT_SLUG });

    const agentIds = new Map<string, number>();
    for (const [i, agent] of AGENTS.entries()) {
      const user = await insertUser(tx, { name: agent.name, email: agent.email, passwordHash: passwordHashes[i]! });
      await tx.insert(accountUsers).values({ accountId, userId: user.id, role: agent.role });
      agentIds.set(agent.name, user.id);
    }
    const adminId = agentIds.get(AGENTS[0]!.name)!;

    const teamByCategory = new Map<TicketCategory, { id: number; memberIds: number[] }>();
    const teamIdByCategory: Record<string, number> = {};
    for (const team of TEAMS) {
      const [row] = await tx.insert(teams).values({ accountId, name: team.name, description: team.description }).returning({ id: teams.id });
      const memberIds = AGENTS.filter((agent) => agent.teams.includes(team.name)).map((agent) => agentIds.get(agent.name)!);
      await tx.insert(teamMembers).values(memberIds.map((userId) => ({ accountId, teamId: row!.id, userId })));
      for (const category of team.categories) {
        teamByCategory.set(category, { id: row!.id, memberIds });
        teamIdByCategory[category] = row!.id;
      }
    }

    await seedDefaultTaxonomy(tx, accountId, teamIdByCategory);
    const inboxIds = await tx
      .insert(inboxes)
      .values([
        { accountId, name: 'Website chat', channelType: 'web_widget' as const },
        { accountId, name: 'Support e-mail', channelType: 'email' as const },
        { accountId, name: 'Store API', channelType: 'api' as const },
      ])
      .returning({ id: inboxes.id });
    await tx.insert(labels).values(LABELS.map((label) => ({ accountId, ...label })));
    // Chunked here; embedded by their queued jobs once the server runs.
    for (const [i, article] of seedArticles.entries()) {
      await insertArticle(tx, accountId, {
        ...article,
        authorId: adminId,
        createdAt: new Date(now.getTime() - (60 - i) * 24 * HOUR),
        updatedAt: new Date(now.getTime() - (30 - i) * 24 * HOUR),
      });
    }

    // Templates with a thread first, so the demo shows full conversations; then one-liners.
    const ordered = [...ticketTemplates.filter((t) => t.followUps), ...ticketTemplates.filter((t) => !t.followUps)];
    for (let i = 0; i < CONVERSATION_COUNT; i++) {
      const ticket = fillTemplate(ordered[i % ordered.length]!, random);
      const startedAt = new Date(now.getTime() - (CONVERSATION_COUNT - i) * 8 * HOUR - Math.floor(random() * 4 * HOUR));
      const team = teamByCategory.get(ticket.category)!;
      const turns = ticket.followUps ?? [];
      const lastTurn = turns.at(-1);
      const status = !lastTurn ? 'open' : lastTurn.from === 'customer' ? 'open' : random() < 0.6 ? 'resolved' : 'pending';
      const assigneeId = turns.length > 0 || random() < 0.3 ? pick(team.memberIds, random) : null;
      const customer = customerFor(ticket, random);
      const [contact] = await tx
        .insert(contacts)
        .values({ accountId, ...customer, createdAt: startedAt, updatedAt: startedAt })
        .onConflictDoNothing()
        .returning({ id: contacts.id });
      const contactId = contact?.id ?? (await contactIdByEmail(tx, accountId, customer.email));
      const thread = [{ from: 'customer' as const, content: ticket.content }, ...turns];
      const times = thread.map((_, turn) => new Date(startedAt.getTime() + turn * (0.5 + random() * 3) * HOUR));
      const firstReply = thread.findIndex((turn) => turn.from === 'agent');
      const conversationId = await insertConversation(tx, {
        accountId,
        inboxId: inboxIds[i % inboxIds.length]!.id,
        contactId,
        status,
        priority: ticket.priority,
        category: ticket.category,
        teamId: team.id,
        assigneeId,
        labels: labelsFor(ticket.content, ticket.category),
        firstReplyAt: firstReply >= 0 ? times[firstReply]! : null,
        // Resolved after the agent's last reply, so the reports show resolution times.
        resolvedAt: status === 'resolved' ? times.at(-1)! : null,
        lastActivityAt: times.at(-1)!,
        createdAt: startedAt,
        updatedAt: times.at(-1)!,
      });
      await tx.insert(messages).values(
        thread.map((turn, t) => ({
          accountId,
          conversationId,
          messageType: turn.from === 'customer' ? ('incoming' as const) : ('outgoing' as const),
          private: turn.from === 'note',
          content: turn.content,
          senderContactId: turn.from === 'customer' ? contactId : null,
          senderUserId: turn.from === 'customer' ? null : (assigneeId ?? adminId),
          createdAt: times[t]!,
        })),
      );
    }
    return accountId;
  });
}

async function contactIdByEmail(tx: Tx, accountId: number, email: string): Promise<number> {
  const [row] = await tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(sql`${contacts.accountId} = ${accountId} and lower(${contacts.email}) = lower(${email})`);
  return row!.id;
}

function labelsFor(content: string, category: TicketCategory): string[] {
  const found = new Set<string>();
  if (category === 'refunds') found.add('refund-requested');
  if (category === 'bug') found.add('bug-report');
  if (/chargeback|dispute|bank|Bank|banque|banco|pankki/i.test(content)) found.add('chargeback-risk');
  if (/\b(40|25|30) (jackets|takkia|rucksacks|mochilas)|team|company|empresa|yritys/i.test(content)) found.add('vip');
  return [...found].sort();
}
