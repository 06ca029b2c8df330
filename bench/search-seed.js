// Seeds the message-search benchmark database: 100 accounts, conversations of ten messages
// (customer, agent replies, a private note, an activity line) in six languages, up to a total
// message count. Account 1 holds a tenth of the messages (1,000,000 of 10,000,000), interleaved
// with the other accounts' as they would arrive. Growing to a larger total keeps what is there.
// Runs as the owner with generate_series (data loading, not the app).
import pg from 'pg';
import { vocabularyArrays } from './search-vocabulary.js';

export const SEARCH_ACCOUNT = 1;
const ACCOUNTS = 100;
const CONTACTS_PER_ACCOUNT = 100;
const PER_CONVERSATION = 10;
/** Conversations per transaction: progress survives an interrupted 10M seeding. */
const CHUNK = 100_000;
// The index of migration 0020, dropped while loading and built once at the end (much faster).
const SEARCH_INDEX = `create index if not exists messages_search_idx on messages using gin (account_id, search_bucket, search_vector) where message_type <> 'activity'`;

const accountOf = (c) => `(case when ${c} % 10 = 0 then ${SEARCH_ACCOUNT} else 2 + ${c} % ${ACCOUNTS - 1} end)`;

export async function seedSearch(url, totalMessages, passwordHash, log) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select coalesce(max(id), 0)::int as n from conversations');
    const have = rows[0].n;
    const want = Math.ceil(totalMessages / PER_CONVERSATION);
    if (have >= want) {
      log(`search database already holds ${(have * PER_CONVERSATION).toLocaleString('en')} messages`);
      return;
    }
    const started = Date.now();
    if (have === 0) await seedAccounts(client, passwordHash);
    await client.query('drop index if exists messages_search_idx');
    const words = vocabularyArrays();
    const starts = words.map((_, i) => 1 + words.slice(0, i).reduce((sum, list) => sum + list.length, 0));
    for (let from = have + 1; from <= want; from += CHUNK) {
      const to = Math.min(want, from + CHUNK - 1);
      await client.query('begin');
      await client.query(
        `insert into conversations (id, account_id, display_id, inbox_id, contact_id, status, last_activity_at, created_at, updated_at)
        select c, ${accountOf('c')}, c, ${accountOf('c')},
          (${accountOf('c')} - 1) * ${CONTACTS_PER_ACCOUNT} + c % ${CONTACTS_PER_ACCOUNT} + 1,
          (array['open','pending','resolved','resolved'])[c % 4 + 1]::conversation_status,
          timestamptz '2026-01-01' + c * interval '2 seconds', timestamptz '2026-01-01' + c * interval '2 seconds', now()
        from generate_series($1::int, $2::int) c`,
        [from, to],
      );
      // Message k of a conversation: 0 the customer's question (with an order number: a rare
      // word), odd the agent's replies, 6 a private note, 9 an activity line; 5 to 20 words of the
      // conversation's language (every account gets all six), early words picked more often.
      await client.query(
        `insert into messages (id, account_id, conversation_id, message_type, private, content, sender_contact_id, sender_user_id, created_at)
        select (c.id - 1) * ${PER_CONVERSATION} + k + 1, c.account_id, c.id,
          (case when k = 9 then 'activity' when k % 2 = 1 or k = 6 then 'outgoing' else 'incoming' end)::message_type,
          k = 6,
          case when k = 9 then 'Conversation resolved by Bench admin'
            else (select string_agg(($3::text[])[($4::int[])[c.id / 10 % 6 + 1] + floor(power(random(), 3) * ($5::int[])[c.id / 10 % 6 + 1])::int + 0 * g], ' ')
                  from generate_series(1, 5 + (c.id * 7 + k) % 16) g)
              || case when k = 0 then ' #' || (c.id::bigint * 7919 % 1000000) else '' end end,
          case when k % 2 = 0 and k <> 6 then c.contact_id end,
          case when k % 2 = 1 or k = 6 then c.account_id end,
          c.created_at + k * interval '3 minutes'
        from conversations c cross join generate_series(0, ${PER_CONVERSATION - 1}) k
        where c.id between $1 and $2`,
        [from, to, words.flat(), starts, words.map((list) => list.length)],
      );
      await client.query('commit');
      log(`  ${(to * PER_CONVERSATION).toLocaleString('en')} messages (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await client.query(`update accounts set last_display_id = ${want}`);
    for (const table of ['conversations', 'messages']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
    }
    await client.query(`set maintenance_work_mem = '1GB'`);
    await client.query(SEARCH_INDEX);
    await client.query('analyze');
    log(`seeded ${(want * PER_CONVERSATION).toLocaleString('en')} messages in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await client.end();
  }
}

async function seedAccounts(client, passwordHash) {
  await client.query('truncate accounts, users restart identity cascade');
  await client.query('begin');
  await client.query(`insert into accounts (id, name) select a, 'Search account ' || a from generate_series(1, ${ACCOUNTS}) a`);
  await client.query(
    `insert into users (id, email, name, password_hash)
    select a, 'search' || a || '@example.com', 'Bench admin ' || a, $1 from generate_series(1, ${ACCOUNTS}) a`,
    [passwordHash],
  );
  await client.query(`insert into account_users (account_id, user_id, role) select a, a, 'administrator' from generate_series(1, ${ACCOUNTS}) a`);
  await client.query(`insert into inboxes (id, account_id, name) select a, a, 'Website' from generate_series(1, ${ACCOUNTS}) a`);
  await client.query(`insert into contacts (id, account_id, name, email)
    select c, (c - 1) / ${CONTACTS_PER_ACCOUNT} + 1, 'Customer ' || c, 'customer' || c || '@example.com'
    from generate_series(1, ${ACCOUNTS * CONTACTS_PER_ACCOUNT}) c`);
  for (const table of ['accounts', 'users', 'inboxes', 'contacts']) {
    await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
  }
  await client.query('commit');
}
