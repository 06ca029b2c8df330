/**
 * Runs in a parsing thread (mail-parser.ts): reads one message at a time and answers what the
 * inbox keeps of it, its attachments' bytes moved (not copied) back.
 */
import { parentPort } from 'node:worker_threads';
import type { ParseAnswer, ParseRequest } from './mail-parser.js';
import { readMail } from './mail-reading.js';

const post = (answer: ParseAnswer, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(answer, transfer);

parentPort!.on('message', (request: ParseRequest) => {
  const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
  readMail(raw, request.limits).then(
    (mail) =>
      post(
        { type: 'done', mail },
        mail.attachments.map((file) => file.content.buffer as ArrayBuffer),
      ),
    (error: unknown) => post({ type: 'failed', error: error instanceof Error ? error.message : String(error) }),
  );
});
