/**
 * A real IMAP server for tests: Debian's dovecot (dovecot-imapd, installed by .ci/run), started
 * as a child process with a configuration of its own in a temporary directory: 127.0.0.1 on a
 * free port, plain LOGIN without TLS, users in a passwd file, maildirs in the directory; no
 * system service or file is touched. Dovecot missing is a failure under CI=true and a loud
 * skip elsewhere (like Postgres, databases.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { eventually } from './eventually.js';
import { unusedPorts } from './ports.js';

const CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

let found: Promise<string | undefined> | undefined;

async function findDovecot(): Promise<string | undefined> {
  for (const path of CANDIDATES) {
    try {
      await access(path);
      return path;
    } catch {
      // the next one
    }
  }
  if (process.env.CI === 'true')
    throw new Error(`dovecot is required in CI (apt-get install dovecot-imapd; .ci/run does) and is not at ${CANDIDATES.join(' or ')}`);
  console.warn('\n!!! dovecot not installed (apt-get install dovecot-imapd): the IMAP tests are SKIPPED (they fail under CI=true)\n');
  return undefined;
}

/** Whether the IMAP tests can run here (`describe.skipIf(!(await dovecotAvailable()))`). */
export async function dovecotAvailable(): Promise<boolean> {
  found ??= findDovecot();
  return (await found) !== undefined;
}

export interface DovecotUser {
  user: string;
  password: string;
}

/** The uid/gid mail is kept under: dovecot refuses to serve mail as root, so a root test run uses `nobody`. */
function mailOwner() {
  const me = userInfo();
  return me.uid === 0 ? { uid: 65534, gid: 65534 } : { uid: me.uid, gid: me.gid };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Starts a private dovecot with these users (each with an empty INBOX). */
export async function startDovecot(users: DovecotUser[] = [{ user: 'support', password: 'mailbox-password' }]) {
  const binary = await found;
  if (!binary) throw new Error('dovecot is not installed (check dovecotAvailable() first)');
  const dir = await mkdtemp(join(tmpdir(), 'hummdesk-dovecot-'));
  // Dovecot's login and auth processes run as its own users: they must reach the sockets and the passwd file.
  await chmod(dir, 0o755);
  const owner = mailOwner();
  const root = userInfo().uid === 0;
  const mail = join(dir, 'mail');
  await mkdir(mail);
  await chown(mail, owner.uid, owner.gid);
  await writeFile(
    join(dir, 'users'),
    users.map(({ user, password }) => `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${join(mail, user)}::`).join('\n') + '\n',
    { mode: 0o644 },
  );
  const port = await unusedPorts();
  const config = join(dir, 'dovecot.conf');
  const log = join(dir, 'dovecot.log');
  await writeFile(
    config,
    `# A test's own dovecot (test-support/dovecot.ts)
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login is answered at once (a real server waits 2 s): the tests of wrong passwords need no wait.
auth_failure_delay = 0
mail_location = maildir:~/Maildir
first_valid_uid = ${owner.uid}
last_valid_uid = ${owner.uid}
${root ? 'default_login_user = dovenull\ndefault_internal_user = dovecot' : `default_login_user = ${userInfo().username}\ndefault_internal_user = ${userInfo().username}`}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(dir, 'users')}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${join(dir, 'users')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-F', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = async () => `${stderr}${await readFile(log, 'utf8').catch(() => '')}`.slice(-2000);
  try {
    await eventually(
      `dovecot listening on 127.0.0.1:${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${await logTail()}`);
        return (await portOpen(port)) || undefined;
      },
      { timeoutMs: 20_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const first = users[0]!;
  /** A client logged in as `who`, for the test's own look at the mailbox. */
  async function session<T>(work: (client: ImapFlow) => Promise<T>, who: DovecotUser = first): Promise<T> {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: who.user, pass: who.password }, logger: false });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => undefined);
    }
  }

  return {
    port,
    /** The settings' `imap` of an inbox that fetches `who`'s INBOX here. */
    settings: (who: DovecotUser = first) => ({ host: '127.0.0.1', port, secure: false, user: who.user, password: who.password, mailbox: 'INBOX' }),
    /** Puts a message into the mailbox as delivered mail is (unseen unless flags say otherwise). */
    append: (raw: string | Buffer, options: { mailbox?: string; flags?: string[]; who?: DovecotUser } = {}) =>
      session(async (client) => {
        const appended = await client.append(options.mailbox ?? 'INBOX', raw, options.flags ?? []);
        return appended ? appended.uid : undefined;
      }, options.who),
    /** Every message of the mailbox: its UID and flags. */
    messages: (mailbox = 'INBOX', who: DovecotUser = first) =>
      session(async (client) => {
        const lock = await client.getMailboxLock(mailbox);
        try {
          const found: { uid: number; flags: string[] }[] = [];
          if ((client.mailbox && client.mailbox.exists) === 0) return found;
          for await (const message of client.fetch('1:*', { uid: true, flags: true })) found.push({ uid: message.uid, flags: [...(message.flags ?? [])] });
          return found;
        } finally {
          lock.release();
        }
      }, who),
    /** A folder besides INBOX. */
    createMailbox: (name: string, who: DovecotUser = first) => session((client) => client.mailboxCreate(name), who),
    async close() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Dovecot = Awaited<ReturnType<typeof startDovecot>>;
