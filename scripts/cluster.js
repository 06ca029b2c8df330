// npm run cluster -- --replicas 3 [--port 5000] [--base-port 5001]
// The scaled-out topology on one machine: N API processes on their own ports, sharing Postgres
// (DATABASE_URL, default the local hummdesk database, created if missing) and Redis (REDIS_URL,
// default the local one), behind nginx on --port with deploy/nginx.conf. Installs nginx from the
// Debian packages when it is missing. Ctrl-C stops everything.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabase } from './lib/ensure-database.js';

const { values } = parseArgs({
  options: { replicas: { type: 'string', default: '3' }, port: { type: 'string', default: '5000' }, 'base-port': { type: 'string', default: '5001' } },
});
const replicas = Number(values.replicas);
const port = Number(values.port);
const basePort = Number(values['base-port']);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 32) throw new Error('--replicas must be 1..32');

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.HUMMDESK_DATA_DIR ?? `${root}/data`);
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  HUMMDESK_DATA_DIR: dataDir,
  // nginx on this machine forwards the clients' addresses; nobody else's X-Forwarded-For counts.
  TRUST_PROXY: process.env.TRUST_PROXY ?? 'loopback',
};
const children = [];
const log = (line) => console.log(`[cluster] ${line}`);

function ensureNginx() {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    log('nginx is missing: installing the Debian package');
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    const run = (args) =>
      execFileSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', 'nginx']);
  }
}

function start(name, command, args, extraEnv) {
  const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) console.log(`[${name}] ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping the cluster`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url, seconds = 60) {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1_500).unref();
}
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());

ensureNginx();
if (await ensureDatabase(env.DATABASE_URL)) log(`created database ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
// Migrate and seed once, before the replicas start (they would race for it otherwise).
execFileSync(process.execPath, ['apps/server/dist/cli/seed.js'], { cwd: root, env, stdio: 'inherit' });

const ports = Array.from({ length: replicas }, (_, i) => basePort + i);
ports.forEach((replicaPort, i) =>
  start(`api_${i + 1}`, process.execPath, ['apps/server/dist/main.js'], {
    PORT: String(replicaPort),
    HOST: '127.0.0.1',
    HUMMDESK_INSTANCE: `api_${i + 1}`,
  }),
);
await Promise.all(ports.map((replicaPort) => waitFor(`http://127.0.0.1:${replicaPort}/health/ready`)));

const nginxDir = `${dataDir}/nginx`;
mkdirSync(nginxDir, { recursive: true });
const servers = ports.map((p) => `    server 127.0.0.1:${p};`).join('\n');
writeFileSync(
  `${nginxDir}/upstreams.conf`,
  `upstream hummdesk_api {\n${servers}\n    keepalive 32;\n}\n\nupstream hummdesk_sockets {\n    ip_hash;\n${servers}\n}\n`,
);
writeFileSync(`${nginxDir}/nginx.conf`, readFileSync(`${root}/deploy/nginx.conf`, 'utf8').replace('listen 5000;', `listen ${port};`));
start('nginx', 'nginx', ['-p', nginxDir, '-c', `${nginxDir}/nginx.conf`, '-g', `daemon off; pid ${nginxDir}/nginx.pid; error_log stderr warn;`], {});
await waitFor(`http://127.0.0.1:${port}/health/ready`);

log(`${replicas} API replicas behind nginx on http://localhost:${port} (Postgres ${new URL(env.DATABASE_URL).pathname.slice(1)}, Redis ${env.REDIS_URL})`);
log(`try: for i in $(seq 1 6); do curl -s http://localhost:${port}/health | jq -r .serverInstance; done`);
