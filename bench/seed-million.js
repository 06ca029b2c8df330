// Seeds the benchmark database: 1,000 accounts with one administrator, one inbox and 50
// contacts each, and 1,000,000 conversations (one message each) spread over them, with
// generate_series in a handful of statements. Runs as the owner (it is data loading, not the app).
import pg from 'pg';

export const ACCOUNTS = 1_000;
export const CONVERSATIONS = 1_000_000;
const CONTACTS_PER_ACCOUNT = 50;

export async function seedMillion(url, passwordHash, log) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select count(*)::int as n from conversations');
    if (rows[0].n === CONVERSATIONS) {
      log(`bench database already holds ${CONVERSATIONS.toLocaleString('en')} conversations`);
      return;
    }
    const started = Date.now();
    await client.query('truncate accounts, users restart identity cascade');
    await client.query('begin');
    await client.query(`insert into accounts (id, name, last_display_id)
      select a, 'Bench account ' || a, ${CONVERSATIONS / ACCOUNTS} from generate_series(1, ${ACCOUNTS}) a`);
    await client.query(
      `insert into users (id, email, name, password_hash)
      select a, 'bench' || a || '@example.com', 'Bench admin ' || a, $1 from generate_series(1, ${ACCOUNTS}) a`,
      [passwordHash],
    );
    await client.query(`insert into account_users (account_id, user_id, role)
      select a, a, 'administrator' from generate_series(1, ${ACCOUNTS}) a`);
    await client.query(`insert into inboxes (id, account_id, name) select a, a, 'Website' from generate_series(1, ${ACCOUNTS}) a`);
    await client.query(`insert into contacts (id, account_id, name, email)
      select c, (c - 1) / ${CONTACTS_PER_ACCOUNT} + 1, 'Customer ' || c, 'customer' || c || '@example.com'
      from generate_series(1, ${ACCOUNTS * CONTACTS_PER_ACCOUNT}) c`);
    // Conversation i belongs to account (i % 1000) + 1; activity spreads over the last 90 days.
    await client.query(`insert into conversations
        (id, account_id, display_id, inbox_id, contact_id, status, priority, last_activity_at, created_at, updated_at)
      select i, i % ${ACCOUNTS} + 1, i / ${ACCOUNTS} + 1, i % ${ACCOUNTS} + 1,
        (i % ${ACCOUNTS}) * ${CONTACTS_PER_ACCOUNT} + (i / ${ACCOUNTS}) % ${CONTACTS_PER_ACCOUNT} + 1,
        (array['open','open','pending','resolved','resolved','snoozed'])[i % 6 + 1]::conversation_status,
        (array['urgent','high','medium','low','none'])[i % 5 + 1]::conversation_priority,
        now() - (i * interval '7 seconds'), now() - (i * interval '7 seconds'), now()
      from generate_series(1, ${CONVERSATIONS}) i`);
    await client.query(`insert into messages (account_id, conversation_id, message_type, content, sender_contact_id, created_at)
      select c.account_id, c.id, 'incoming', 'Hello, I have a question about order #' || c.id, c.contact_id, c.last_activity_at
      from conversations c`);
    for (const table of ['accounts', 'users', 'inboxes', 'contacts', 'conversations']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
    }
    await client.query('commit');
    await client.query('analyze');
    log(`seeded ${CONVERSATIONS.toLocaleString('en')} conversations over ${ACCOUNTS} accounts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await client.end();
  }
}
