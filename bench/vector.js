// npm run bench:vector: pgvector semantic search with tenant filtering, at scale, on real Postgres.
//   npm run bench:vector                         1,000,000 chunks over 1,000 accounts (load + HNSW build: long)
//   npm run bench:vector -- --chunks 50000       a quick run
// Flags: --chunks N (default 1000000), --accounts A (1000), --queries Q (100) per account and
// strategy, --rebuild (reload and re-index even when the data set is there), --account-index (also
// build and measure a partial HNSW index for the largest account alone), --database-url URL
// (default BENCH_VECTOR_DATABASE_URL or postgres://postgres@127.0.0.1:5432/hummdesk_bench_vector).
//
// The bench database holds knowledge_base_embeddings exactly as the product does (one untyped
// vector column; per model a partial HNSW index on an expression cast to the model's dimension),
// filled with synthetic 512-d embeddings shaped like sentence embeddings (bench/vector/data.js):
// account 1 holds half of all chunks, accounts 2..A share the rest by Zipf. A rerun with the same
// size reuses the rows and the index. Then, for the largest, a medium (~10,000 chunks) and a
// small (~200 chunks) account, and for accounts of about 1k, 5k, 20k and 50k chunks, Q queries
// drawn like the account's own chunks, top 10:
//   exact     the account's rows through the B-tree, every distance computed (the ground truth);
//   HNSW      hnsw.iterative_scan relaxed_order / strict_order / off, hnsw.ef_search 40 / 100,
//             with the plan the planner picks, and with HNSW forced when it picks something else.
// Reported: p50/p95 latency of the SELECT (client-side, one connection, after a warm-up; the
// BEGIN/SET LOCAL and COMMIT round trips around it are not counted), recall@10 against exact, and
// the rows returned (a filtered HNSW scan may return fewer than 10).
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureDatabase } from '../scripts/lib/ensure-database.js';
import { copyBatches, copyIn } from './vector/copy.js';
import { GENERATOR, MODEL, SEED, accountSizes, chunks, queryVectors } from './vector/data.js';

const { values: flags } = parseArgs({
  options: {
    chunks: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '100' },
    rebuild: { type: 'boolean', default: false },
    'account-index': { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_VECTOR_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_vector' },
  },
});
const CHUNKS = Number(flags.chunks);
const ACCOUNTS = Number(flags.accounts);
const QUERIES = Number(flags.queries);
const databaseUrl = flags['database-url'];
const WARMUP = 10; // queries per account and strategy before measuring, drawn apart from the measured ones
const TARGET_P95_MS = 20; // what "fast enough" means for exact search
const GOOD_RECALL = 0.95;
const BUDGET_SECONDS = 120; // per account and HNSW strategy, see run()

const log = (line) => console.log(`[bench:vector] ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const seconds = (since) => (performance.now() - since) / 1000;
const count = (n) => Number(n).toLocaleString('en');

// The product's schema, verbatim.
const CREATE_TABLE = `CREATE TABLE knowledge_base_embeddings (
  chunk_id bigint PRIMARY KEY,
  account_id integer NOT NULL,
  model text NOT NULL,
  embedding vector NOT NULL
)`;
const CREATE_ACCOUNT_INDEX = 'CREATE INDEX knowledge_base_embeddings_account_idx ON knowledge_base_embeddings (account_id, model)';
const HNSW_INDEX = 'knowledge_base_embeddings_hnsw_local';
const CREATE_HNSW = `CREATE INDEX ${HNSW_INDEX} ON knowledge_base_embeddings
  USING hnsw ((embedding::vector(512)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)
  WHERE model = '${MODEL}'`;
const ACCOUNT_HNSW_INDEX = 'knowledge_base_embeddings_hnsw_local_account1';
const CREATE_ACCOUNT_HNSW = `CREATE INDEX ${ACCOUNT_HNSW_INDEX} ON knowledge_base_embeddings
  USING hnsw ((embedding::vector(512)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)
  WHERE model = '${MODEL}' AND account_id = 1`;

const DISTANCE = '(embedding::vector(512)) <=> $1::vector(512)';
// MATERIALIZED: the distances are computed for the account's rows, then sorted; no ORDER BY on
// the indexed expression reaches the scan, so HNSW cannot be used.
const EXACT_SQL = `WITH c AS MATERIALIZED (SELECT chunk_id, ${DISTANCE} AS d FROM knowledge_base_embeddings
  WHERE account_id = $2 AND model = '${MODEL}') SELECT chunk_id FROM c ORDER BY d LIMIT 10`;
const hnswSql = (accountFilter) => `SELECT chunk_id, d FROM (SELECT chunk_id, ${DISTANCE} AS d FROM knowledge_base_embeddings
  WHERE model = '${MODEL}' AND ${accountFilter} ORDER BY ${DISTANCE} LIMIT 10) s ORDER BY d`;
const HNSW_SQL = hnswSql('account_id = $2');
// "account_id + 0" hides the column from the B-tree's leading key, and the settings in FORCE_HNSW
// take away the sequential scan and the B-tree scans on model alone: what HNSW does for this account.
const FORCED_HNSW_SQL = hnswSql('account_id + 0 = $2');
const FORCE_HNSW = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off';
const STRATEGIES = [
  { iterative: 'relaxed_order', ef: 40 },
  { iterative: 'relaxed_order', ef: 100 },
  { iterative: 'strict_order', ef: 40 },
  { iterative: 'strict_order', ef: 100 },
  { iterative: 'off', ef: 40 },
  { iterative: 'off', ef: 100 },
];

async function relationExists(client, name) {
  const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS there', [name]);
  return rows[0].there;
}

/** Logs every 200,000 rows generated, so a long load shows it is moving. */
function* withProgress(rows, started) {
  for (const row of rows) {
    if (row.chunkId % 200_000 === 0) log(`  ${count(row.chunkId)} rows generated and sent, ${seconds(started).toFixed(0)} s`);
    yield row;
  }
}

/** Loads CHUNKS rows with binary COPY, then the B-tree, and records the data set in bench_vector_meta. */
async function load(client) {
  await client.query('DELETE FROM bench_vector_meta');
  await client.query('DROP TABLE IF EXISTS knowledge_base_embeddings');
  const sizes = accountSizes(CHUNKS, ACCOUNTS);
  log(
    `loading ${count(CHUNKS)} chunks over ${ACCOUNTS} accounts (largest ${count(sizes[1])}, then ${sizes.slice(2, 6).map(count).join(', ')}, ..., smallest ${count(Math.min(...sizes.slice(1).filter((n) => n > 0)))})`,
  );
  const started = performance.now();
  // Table and COPY in one transaction allow FREEZE: rows are written frozen, and no later pass
  // (the first queries, or vacuum) rewrites every page to set hint bits.
  await client.query('BEGIN');
  await client.query(CREATE_TABLE);
  const rows = await copyIn(
    client,
    'COPY knowledge_base_embeddings (chunk_id, account_id, model, embedding) FROM STDIN WITH (FORMAT binary, FREEZE)',
    copyBatches(withProgress(chunks(sizes), started)),
  );
  await client.query('COMMIT');
  const copySeconds = seconds(started);
  log(`COPY (binary, vectors generated on the fly): ${count(rows)} rows in ${copySeconds.toFixed(1)} s, ${count(Math.round(rows / copySeconds))} rows/s`);
  let step = performance.now();
  // After the load: one sort instead of a million B-tree insertions.
  await client.query(CREATE_ACCOUNT_INDEX);
  log(`B-tree (account_id, model): ${seconds(step).toFixed(1)} s`);
  step = performance.now();
  await client.query('VACUUM ANALYZE knowledge_base_embeddings');
  log(`VACUUM ANALYZE: ${seconds(step).toFixed(1)} s`);
  const loadSeconds = seconds(started);
  log(`load total: ${loadSeconds.toFixed(1)} s`);
  await client.query('INSERT INTO bench_vector_meta (id, chunks, accounts, seed, generator, loaded_at, load_seconds) VALUES (1, $1, $2, $3, $4, now(), $5)', [
    CHUNKS,
    ACCOUNTS,
    SEED,
    GENERATOR,
    loadSeconds,
  ]);
}

/** Logs the build's progress every minute from a second connection; returns a stop function. */
function watchBuild(label, expected) {
  const monitor = new pg.Client({ connectionString: databaseUrl });
  const connected = monitor.connect();
  const started = performance.now();
  const timer = setInterval(async () => {
    try {
      await connected;
      const { rows } = await monitor.query('SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE datname = current_database()');
      if (rows.length === 0) return;
      const { phase, tuples_done: done } = rows[0];
      const total = Number(rows[0].tuples_total) || expected; // HNSW builds report no total
      const minutes = seconds(started) / 60;
      const eta = done > 0 && total > 0 ? `, ~${((minutes * (total - done)) / done).toFixed(0)} min to go at this pace` : '';
      log(`  ${label}: ${minutes.toFixed(1)} min, ${phase}, ${count(done)} of ${count(total)} tuples${eta}`);
    } catch (error) {
      log(`  (progress query failed: ${error.message})`);
    }
  }, 60_000);
  return async () => {
    clearInterval(timer);
    await connected;
    await monitor.end();
  };
}

/** Builds an HNSW index the way the product should: serially, with the graph in memory. */
async function buildHnsw(client, sql, label, expected) {
  // pgvector < 0.8.2 has a buffer overflow in parallel HNSW builds (CVE-2026-3172): build serially.
  await client.query('SET max_parallel_maintenance_workers = 0');
  // Large enough for the whole graph (~2.5 KB a 512-d element): past it the build goes on disk and crawls.
  await client.query("SET maintenance_work_mem = '6GB'");
  const stopWatching = watchBuild(label, expected);
  const started = performance.now();
  try {
    await client.query(sql);
  } finally {
    await stopWatching();
    await client.query('RESET max_parallel_maintenance_workers; RESET maintenance_work_mem');
  }
  const buildSeconds = seconds(started);
  log(`${label} built in ${buildSeconds.toFixed(0)} s (${(buildSeconds / 60).toFixed(1)} min), serial, maintenance_work_mem 6GB`);
  return buildSeconds;
}

/** Makes sure the data set of the requested size and its indexes are there. */
async function prepare(client) {
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await client.query(`CREATE TABLE IF NOT EXISTS bench_vector_meta (id int PRIMARY KEY, chunks int, accounts int, seed int,
    generator text, loaded_at timestamptz, load_seconds float8, build_seconds float8)`);
  const { rows } = await client.query('SELECT * FROM bench_vector_meta WHERE id = 1');
  const meta = rows[0];
  const same = meta && meta.chunks === CHUNKS && meta.accounts === ACCOUNTS && meta.seed === SEED && meta.generator === GENERATOR;
  if (same && !flags.rebuild && (await relationExists(client, 'knowledge_base_embeddings'))) {
    log(`reusing the ${count(CHUNKS)} chunks loaded ${meta.loaded_at.toISOString()} (that load took ${meta.load_seconds.toFixed(1)} s); --rebuild to reload`);
  } else {
    await load(client);
  }
  if (await relationExists(client, HNSW_INDEX)) {
    const { rows: again } = await client.query('SELECT build_seconds FROM bench_vector_meta WHERE id = 1');
    const built = again[0]?.build_seconds;
    log(`reusing the HNSW index${built ? ` (its build took ${built.toFixed(0)} s, ${(built / 60).toFixed(1)} min)` : ''}`);
  } else {
    const buildSeconds = await buildHnsw(client, CREATE_HNSW, 'HNSW index (m 16, ef_construction 64)', CHUNKS);
    await client.query('UPDATE bench_vector_meta SET build_seconds = $1 WHERE id = 1', [buildSeconds]);
    await client.query('ANALYZE knowledge_base_embeddings');
  }
}

async function machineFacts(client) {
  const cpus = os.cpus();
  log(
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  // Loads pgvector in this session, so its settings can be read.
  await client.query("SELECT '[1]'::vector");
  const { rows } = await client.query(`SELECT version() AS postgres,
      (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector,
      current_setting('shared_buffers') AS shared_buffers, current_setting('work_mem') AS work_mem,
      current_setting('effective_cache_size') AS effective_cache_size, current_setting('jit') AS jit,
      current_setting('max_parallel_workers_per_gather') AS parallel_workers,
      current_setting('hnsw.max_scan_tuples') AS max_scan_tuples, current_setting('hnsw.scan_mem_multiplier') AS scan_mem_multiplier`);
  const f = rows[0];
  log(`${f.postgres.split(' on ')[0]}, pgvector ${f.pgvector}`);
  log(
    `shared_buffers ${f.shared_buffers}, work_mem ${f.work_mem}, effective_cache_size ${f.effective_cache_size}, jit ${f.jit}, max_parallel_workers_per_gather ${f.parallel_workers}`,
  );
  log(`hnsw.max_scan_tuples ${f.max_scan_tuples}, hnsw.scan_mem_multiplier ${f.scan_mem_multiplier} (pgvector defaults: how far an iterative scan goes)`);
}

async function sizes(client) {
  const { rows } = await client.query(`SELECT pg_size_pretty(pg_relation_size(c.oid)) AS heap,
      pg_size_pretty(pg_relation_size(c.reltoastrelid)) AS toast,
      pg_size_pretty(pg_table_size(c.oid)) AS table_size, pg_size_pretty(pg_indexes_size(c.oid)) AS indexes,
      pg_size_pretty(pg_total_relation_size(c.oid)) AS total
    FROM pg_class c WHERE c.oid = 'knowledge_base_embeddings'::regclass`);
  const s = rows[0];
  log(`table: ${s.table_size} (heap ${s.heap} + TOAST ${s.toast}: a 512-d vector is 2 KB, over the TOAST threshold), indexes ${s.indexes}, total ${s.total}`);
  const { rows: indexes } = await client.query(`SELECT indexrelid::regclass::text AS name, pg_size_pretty(pg_relation_size(indexrelid)) AS size
    FROM pg_index WHERE indrelid = 'knowledge_base_embeddings'::regclass ORDER BY pg_relation_size(indexrelid) DESC`);
  for (const index of indexes) log(`  index ${index.name}: ${index.size}`);
}

/** The scans of a plan, shortly: "HNSW", "B-tree bitmap", "seq scan", "parallel seq scan", ... */
async function planOf(client, sql, setup, params) {
  await client.query(`BEGIN; ${setup}`);
  try {
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    const scans = [];
    const walk = (node) => {
      const index = node['Index Name'];
      if (index === HNSW_INDEX) scans.push('HNSW');
      else if (index === ACCOUNT_HNSW_INDEX) scans.push('HNSW, own index');
      else if (index) scans.push(`B-tree${node['Node Type'].startsWith('Bitmap') ? ' bitmap' : ''}${index.endsWith('pkey') ? ' (pkey)' : ''}`);
      else if (node['Relation Name'] && !node['Node Type'].startsWith('Bitmap')) scans.push(node['Node Type'].toLowerCase());
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    const label = scans.join(' + ');
    return { label, hnsw: label.includes('HNSW') };
  } finally {
    await client.query('COMMIT');
  }
}

/**
 * Runs the warm-up queries, then the measured ones; returns per query { ms, ids }. A plan that
 * takes seconds a query (the planner choosing a scan over half the table) stops after `budget`
 * seconds of measuring, and after the first slow warm-up query: its figures come from fewer queries.
 */
async function run(client, sql, setup, account, vectors, budget = Infinity) {
  const query = async (vector) => {
    if (setup) await client.query(`BEGIN; ${setup}`);
    const started = performance.now();
    const { rows } = await client.query(sql, [vector, account]);
    const ms = performance.now() - started;
    if (setup) await client.query('COMMIT');
    return { ms, ids: rows.map((row) => row.chunk_id) };
  };
  for (const vector of vectors.slice(0, WARMUP)) {
    if ((await query(vector)).ms > 1000) break; // warm enough
  }
  const results = [];
  const started = performance.now();
  for (const vector of vectors.slice(WARMUP)) {
    if (results.length > 0 && seconds(started) > budget) break;
    results.push(await query(vector));
  }
  return results;
}

function summarize(account, strategy, plan, results, truth) {
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  const recalls = results.map((r, i) => {
    const expected = new Set(truth[i]);
    return expected.size === 0 ? 1 : r.ids.filter((id) => expected.has(id)).length / expected.size;
  });
  const rows = results.map((r) => r.ids.length);
  return {
    account: account.id,
    chunks: account.n,
    strategy,
    plan,
    'p50 ms': Number(percentile(latencies, 50).toFixed(2)),
    'p95 ms': Number(percentile(latencies, 95).toFixed(2)),
    'recall@10': Number((recalls.reduce((a, b) => a + b, 0) / recalls.length).toFixed(3)),
    'min recall': Number(Math.min(...recalls).toFixed(2)),
    'rows avg': Number((rows.reduce((a, b) => a + b, 0) / rows.length).toFixed(1)),
    'rows min': Math.min(...rows),
    queries: results.length,
  };
}

function report(figures) {
  log(
    `  account ${figures.account} (${count(figures.chunks)}): ${figures.strategy} [${figures.plan}]: p50 ${figures['p50 ms']} ms, p95 ${figures['p95 ms']} ms, recall@10 ${figures['recall@10']} (min ${figures['min recall']}), rows ${figures['rows avg']} avg / ${figures['rows min']} min${figures.queries < QUERIES ? ` (only ${figures.queries} queries: time budget)` : ''}`,
  );
}

/** How much of the whole table's neighbourhood of a query is the account's own (approximate). */
async function neighbourhoodShare(client, account, vectors) {
  let own = 0;
  for (const vector of vectors) {
    await client.query('BEGIN; SET LOCAL hnsw.ef_search = 200; SET LOCAL hnsw.iterative_scan = off');
    const { rows } = await client.query(`SELECT account_id FROM knowledge_base_embeddings WHERE model = '${MODEL}' ORDER BY ${DISTANCE} LIMIT 100`, [vector]);
    await client.query('COMMIT');
    own += rows.filter((row) => row.account_id === account.id).length;
  }
  const share = own / (vectors.length * 100);
  log(
    `account ${account.id} (${count(account.n)} chunks, ${((100 * account.n) / CHUNKS).toFixed(2)}% of all): ${(100 * share).toFixed(1)}% of the 100 nearest chunks of all tenants are its own (HNSW ef_search 200, ${vectors.length} queries)`,
  );
}

const strategyName = (iterative, ef) => `${iterative === 'off' ? 'no iterative' : iterative.replace('_order', '')}, ef ${ef}`;

/** Exact search, then every HNSW strategy, for one account. */
async function benchmarkAccount(client, account, strategies, truths) {
  const vectors = queryVectors(account.id, account.n, WARMUP + QUERIES);
  await neighbourhoodShare(client, account, vectors.slice(WARMUP, WARMUP + 10));
  const figures = [];
  const exactPlan = await planOf(client, EXACT_SQL, '', [vectors[0], account.id]);
  const exact = await run(client, EXACT_SQL, '', account.id, vectors);
  const truth = exact.map((r) => r.ids);
  truths.set(account.id, truth);
  figures.push(summarize(account, 'exact', exactPlan.label, exact, truth));
  report(figures.at(-1));
  for (const { iterative, ef } of strategies) {
    const setup = `SET LOCAL hnsw.iterative_scan = ${iterative}; SET LOCAL hnsw.ef_search = ${ef}`;
    const name = strategyName(iterative, ef);
    const plan = await planOf(client, HNSW_SQL, setup, [vectors[0], account.id]);
    figures.push(summarize(account, name, plan.label, await run(client, HNSW_SQL, setup, account.id, vectors, BUDGET_SECONDS), truth));
    report(figures.at(-1));
    if (!plan.hnsw) {
      const forcedSetup = `${setup}; ${FORCE_HNSW}`;
      const forced = await planOf(client, FORCED_HNSW_SQL, forcedSetup, [vectors[0], account.id]);
      if (!forced.hnsw) log(`  (could not force HNSW for account ${account.id}: ${forced.label})`);
      figures.push(
        summarize(account, `${name}, forced`, forced.label, await run(client, FORCED_HNSW_SQL, forcedSetup, account.id, vectors, BUDGET_SECONDS), truth),
      );
      report(figures.at(-1));
    }
  }
  return figures;
}

/** The account whose size is nearest `target` (on a log scale), among those not taken yet. */
function nearest(accounts, target, taken) {
  let best = null;
  for (const account of accounts) {
    if (taken.has(account.id)) continue;
    if (!best || Math.abs(Math.log(account.n / target)) < Math.abs(Math.log(best.n / target))) best = account;
  }
  if (best) taken.add(best.id);
  return best;
}

/** The optional per-account index: the largest account gets an HNSW graph of its own. */
async function benchmarkAccountIndex(client, largest, truth) {
  const buildSeconds = await buildHnsw(client, CREATE_ACCOUNT_HNSW, `partial HNSW index for account ${largest.id}`, largest.n);
  await client.query('ANALYZE knowledge_base_embeddings');
  const { rows } = await client.query(`SELECT pg_size_pretty(pg_relation_size('${ACCOUNT_HNSW_INDEX}')) AS size`);
  log(`  ${ACCOUNT_HNSW_INDEX}: ${rows[0].size}`);
  const vectors = queryVectors(largest.id, largest.n, WARMUP + QUERIES); // the same queries as before
  const figures = [];
  for (const { iterative, ef } of STRATEGIES.filter((s) => s.iterative !== 'strict_order')) {
    const setup = `SET LOCAL hnsw.iterative_scan = ${iterative}; SET LOCAL hnsw.ef_search = ${ef}`;
    const plan = await planOf(client, HNSW_SQL, setup, [vectors[0], largest.id]);
    figures.push(
      summarize(
        largest,
        `${strategyName(iterative, ef)}, own partial index`,
        plan.label,
        await run(client, HNSW_SQL, setup, largest.id, vectors, BUDGET_SECONDS),
        truth,
      ),
    );
    report(figures.at(-1));
  }
  // Dropped again: it would take account 1's queries away from the shared index on the next run.
  await client.query(`DROP INDEX ${ACCOUNT_HNSW_INDEX}`);
  log(`  (${ACCOUNT_HNSW_INDEX} dropped again; it took ${buildSeconds.toFixed(0)} s to build)`);
  return figures;
}

/** The figures of the HNSW path for an account and strategy: the planner's, or the forced one when the planner chose otherwise. */
function hnswPath(figures, account, name) {
  return (
    figures.find((f) => f.account === account && f.strategy === name && f.plan.includes('HNSW')) ??
    figures.find((f) => f.account === account && f.strategy === `${name}, forced`)
  );
}

/** The threshold and the strategy the figures support, stated with the figures. */
function recommend(figures) {
  const exactByAccount = figures.filter((f) => f.strategy === 'exact').sort((a, b) => a.chunks - b.chunks);
  let threshold = null;
  let firstSlow = null;
  for (const f of exactByAccount) {
    if (f['p95 ms'] < TARGET_P95_MS && !firstSlow) threshold = f;
    else if (!firstSlow) firstSlow = f;
  }
  console.log('');
  log('by account size: exact search against the HNSW path (forced where the planner chose the B-tree or a scan):');
  console.table(
    exactByAccount.map((f) => {
      const planner = figures.find((g) => g.account === f.account && g.strategy === strategyName('relaxed_order', 40));
      const relaxed = hnswPath(figures, f.account, strategyName('relaxed_order', 40));
      const off = hnswPath(figures, f.account, strategyName('off', 40));
      return {
        account: f.account,
        chunks: f.chunks,
        'exact p50': f['p50 ms'],
        'exact p95': f['p95 ms'],
        'exact plan': f.plan,
        'planner (relaxed, ef 40)': planner?.plan,
        'HNSW relaxed ef40 recall': relaxed?.['recall@10'],
        'rows min': relaxed?.['rows min'],
        p95: relaxed?.['p95 ms'],
        'HNSW no-iterative ef40 recall': off?.['recall@10'],
        'rows min ': off?.['rows min'],
      };
    }),
  );
  if (threshold)
    log(
      `exact search stays under p95 ${TARGET_P95_MS} ms up to ${count(threshold.chunks)} chunks (p95 ${threshold['p95 ms']} ms)${firstSlow ? `; at ${count(firstSlow.chunks)} chunks it takes p95 ${firstSlow['p95 ms']} ms` : ''}`,
    );
  else
    log(
      `exact search is over p95 ${TARGET_P95_MS} ms even for the smallest measured account (${count(exactByAccount[0].chunks)} chunks: ${exactByAccount[0]['p95 ms']} ms)`,
    );
  // Exact search costs about the same per row of the account: a linear fit says where it crosses the target.
  const fit = exactByAccount.filter((f) => !f.plan.includes('seq scan'));
  if (fit.length >= 2) {
    const [a, b] = [fit[0], fit.at(-1)];
    const perThousand = ((b['p95 ms'] - a['p95 ms']) / (b.chunks - a.chunks)) * 1000;
    const crossing = b.chunks + ((TARGET_P95_MS - b['p95 ms']) / perThousand) * 1000;
    log(
      `exact p95 grows ~${perThousand.toFixed(2)} ms per 1,000 chunks of the account (B-tree plans, ${count(a.chunks)} to ${count(b.chunks)} chunks): ${TARGET_P95_MS} ms at ~${count(Math.round(crossing / 100) * 100)} chunks`,
    );
  }
  for (const f of figures) {
    if (
      f.strategy ===
        strategyName(
          f.strategy.startsWith('relaxed') ? 'relaxed_order' : f.strategy.startsWith('strict') ? 'strict_order' : 'off',
          Number(f.strategy.split('ef ')[1]),
        ) &&
      !f.plan.includes('HNSW') &&
      (!threshold || f.chunks > threshold.chunks)
    ) {
      log(`  note: for account ${f.account} (${count(f.chunks)} chunks) with ${f.strategy} the planner chose ${f.plan}, not HNSW: p95 ${f['p95 ms']} ms`);
    }
  }
  // Below the threshold: what HNSW would have done there, to show why exact search is the choice.
  const below = exactByAccount.filter((f) => threshold && f.chunks <= threshold.chunks).map((f) => f.account);
  // Above it: the HNSW settings that keep recall for every larger account, cheapest worst p95 first.
  const above = exactByAccount.filter((f) => !threshold || f.chunks > threshold.chunks).map((f) => f.account);
  const worst = (accounts, name) => {
    const rows = accounts.map((account) => hnswPath(figures, account, name)).filter(Boolean);
    return rows.length === 0
      ? null
      : {
          name,
          recall: Math.min(...rows.map((f) => f['recall@10'])),
          rowsMin: Math.min(...rows.map((f) => f['rows min'])),
          p95: Math.max(...rows.map((f) => f['p95 ms'])),
        };
  };
  for (const [label, accounts] of [
    ['at or below the threshold', below],
    ['above the threshold', above],
  ]) {
    for (const { iterative, ef } of STRATEGIES) {
      const w = worst(accounts, strategyName(iterative, ef));
      if (w) log(`  ${label}, HNSW ${w.name}: worst recall@10 ${w.recall}, fewest rows ${w.rowsMin}, worst p95 ${w.p95} ms`);
    }
  }
  const good = STRATEGIES.map(({ iterative, ef }) => worst(above, strategyName(iterative, ef)))
    .filter((w) => w && w.recall >= GOOD_RECALL && w.rowsMin === 10)
    .sort((a, b) => a.p95 - b.p95);
  const limit = threshold ? `${count(threshold.chunks)}` : 'no';
  if (good.length > 0) {
    log(
      `recommendation: accounts with up to ~${limit} chunks of a model: exact search through the B-tree (exact by construction); larger accounts: HNSW with ${good[0].name} (over the measured larger accounts: worst recall@10 ${good[0].recall}, always 10 rows, worst p95 ${good[0].p95} ms)`,
    );
  } else {
    log(`no HNSW setting reached recall@10 >= ${GOOD_RECALL} with 10 rows for every account above the threshold: see the tables above`);
  }
}

const created = await ensureDatabase(databaseUrl);
log(`database ${new URL(databaseUrl).pathname.slice(1)}${created ? ' created' : ' exists'}`);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
const client = await pool.connect();
// pgvector's notices matter (a graph outgrowing maintenance_work_mem); "already exists, skipping" does not.
client.on('notice', (notice) => notice.message.endsWith('skipping') || log(`postgres: ${notice.message}`));
try {
  await prepare(client);
  await machineFacts(client);
  await sizes(client);

  const { rows } = await client.query('SELECT account_id AS id, count(*)::int AS n FROM knowledge_base_embeddings GROUP BY 1 ORDER BY 2 DESC');
  const taken = new Set();
  const largest = nearest(rows, rows[0].n, taken);
  const medium = nearest(rows, 10_000, taken);
  const small = nearest(rows, 200, taken);
  const sweep = [1_000, 5_000, 20_000, 50_000].map((target) => nearest(rows, target, taken)).filter(Boolean);
  log(
    `accounts: largest ${largest.id} (${count(largest.n)} chunks), medium ${medium.id} (${count(medium.n)}), small ${small.id} (${count(small.n)}); for the size sweep ${sweep.map((a) => `${a.id} (${count(a.n)})`).join(', ')}`,
  );
  log(`${QUERIES} queries per account and strategy after ${WARMUP} warm-up queries, top 10`);

  const figures = [];
  const truths = new Map(); // account -> exact top 10 of each measured query
  for (const account of [largest, medium, small, ...sweep.sort((a, b) => a.n - b.n)]) {
    const started = performance.now();
    figures.push(...(await benchmarkAccount(client, account, STRATEGIES, truths)));
    log(`account ${account.id} done in ${seconds(started).toFixed(0)} s (load average ${os.loadavg()[0].toFixed(2)}: the machine is shared)`);
  }
  if (flags['account-index']) figures.push(...(await benchmarkAccountIndex(client, largest, truths.get(largest.id))));

  console.log('');
  log(
    `${count(CHUNKS)} chunks, ${ACCOUNTS} accounts, ${QUERIES} queries each (latency of the SELECT, one connection, warm; load average now ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}):`,
  );
  console.table(figures);
  recommend(figures);
} finally {
  client.release();
  await pool.end();
}
