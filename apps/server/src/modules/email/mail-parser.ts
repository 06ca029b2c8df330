/**
 * Reading mail off the event loop: MIME parsing, HTML sanitising and reply stripping take CPU in
 * proportion to what a stranger sent (a 25 MB message, HTML nested thousands deep, text made to
 * make a quote pattern backtrack), so they run in worker threads (mail-parser-worker.ts), and the
 * API, `/health` included, answers meanwhile.
 *
 * Bounded three ways: at most THREADS messages are read at once per process (others wait their
 * turn), each thread's heap is capped (an exhausted one ends the thread, not the server), and a
 * message not read within the timeout ends its thread. A thread lives on between messages (its
 * modules loaded) and ends after IDLE_MS without one; it never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { ReadLimits, ReadMail } from './mail-reading.js';

export type ParseRequest = { raw: Uint8Array; limits: ReadLimits };
export type ParseAnswer = { type: 'done'; mail: ReadMail } | { type: 'failed'; error: string };

/** The message could not be read in its thread (it took too long, or exhausted the thread's memory). */
export class MailParseError extends Error {
  override readonly name = 'MailParseError';
}

/** The worker is the compiled file (Node runs no TypeScript), found from src/ and dist/ alike. */
const workerFile = new URL('../../../dist/modules/email/mail-parser-worker.js', import.meta.url);
/** As many as the `email-inbound` queue runs at once (platform/queue/jobs.ts). */
const THREADS = 2;
const IDLE_MS = 30_000;
/** Ten times the largest message, and then some: mailparser holds a message's parts and text more than once. */
const HEAP_LIMIT_MB = 512;
/**
 * Well inside the 60 s a worker holds an `email-inbound` job (LOCK_MS, never renewed): a job
 * still running then would be read again by another worker. A 25 MB message takes a few seconds.
 */
export const PARSE_TIMEOUT_MS = 20_000;

interface Thread {
  worker: Worker;
  idle?: NodeJS.Timeout | undefined;
}

const free: Thread[] = [];
let started = 0;
const waiting: ((thread: Thread | undefined) => void)[] = [];

/** Reads `raw` in a parsing thread; rejects with MailParseError when the thread gives up on it. */
export async function parseMail(raw: Uint8Array, limits: ReadLimits, timeoutMs = PARSE_TIMEOUT_MS): Promise<ReadMail> {
  const thread = await take();
  try {
    const mail = await readIn(thread, { raw, limits }, timeoutMs);
    giveBack(thread);
    return mail;
  } catch (error) {
    // A thread that failed (timed out, out of memory, crashed) is ended, and another may start.
    started -= 1;
    void thread.worker.terminate();
    const next = waiting.shift();
    if (next) next(undefined);
    throw error;
  }
}

function take(): Promise<Thread> {
  const thread = free.pop();
  if (thread) {
    clearTimeout(thread.idle);
    return Promise.resolve(thread);
  }
  if (started < THREADS) {
    started += 1;
    return Promise.resolve(startThread());
  }
  return new Promise((resolve) =>
    waiting.push((given) => {
      if (given) return resolve(given);
      // A failed thread's place.
      started += 1;
      resolve(startThread());
    }),
  );
}

function giveBack(thread: Thread) {
  const next = waiting.shift();
  if (next) return next(thread);
  thread.idle = setTimeout(() => {
    free.splice(free.indexOf(thread), 1);
    started -= 1;
    void thread.worker.terminate();
  }, IDLE_MS).unref();
  free.push(thread);
}

function startThread(): Thread {
  const worker = new Worker(workerFile, { resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
  // An idle thread, or one at work, never holds the process open: a closing server does not wait on mail.
  worker.unref();
  return { worker };
}

function readIn(thread: Thread, request: ParseRequest, timeoutMs: number): Promise<ReadMail> {
  const { worker } = thread;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new MailParseError(`reading the message took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (answer: ParseAnswer) => settle(answer.type === 'done' ? answer.mail : new MailParseError(`reading the message failed: ${answer.error}`));
    // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or a crash ends the thread, not the server. A thread
    // that cannot start (an incomplete install) is no fault of the message: that error stands.
    const onError = (error: Error & { code?: string }) =>
      settle(error.code === 'ERR_MODULE_NOT_FOUND' ? error : new MailParseError(`reading the message ended its thread: ${error.message}`));
    const onExit = (code: number) => settle(new MailParseError(`the parsing thread ended (exit code ${code})`));
    function settle(outcome: ReadMail | Error) {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(request);
  });
}
