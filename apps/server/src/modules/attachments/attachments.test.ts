import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { call, createTestApp, listen, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { formBody, samples, type FormFile } from '../../test-support/multipart.js';
import { connected, connectSocket, nextEvent } from '../../test-support/sockets.js';
import { createAttachmentUrls } from './signed-urls.js';

const MAX_BYTES = 64 * 1024;
const MAX_FILES = 3;

describe.each(await databaseKinds())('attachments on %s', (kind) => {
  let t: TestApp;
  let dataDir: string;
  let admin: Session;
  let other: Session;
  let conversationId: number;
  let baseUrl: string;

  beforeAll(async () => {
    // Private networks allowed: a webhook to 127.0.0.1 only records its deliveries here (no workers run).
    t = await createTestApp(kind, { ATTACHMENT_MAX_BYTES: String(MAX_BYTES), ATTACHMENT_MAX_FILES: String(MAX_FILES), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    dataDir = t.dataDir;
    admin = await registerAccount(t.app, 'Attachments Inc');
    other = await registerAccount(t.app, 'Other Inc');
    conversationId = (await openConversation(admin, 'Here is my receipt')).id;
    baseUrl = await listen(t.app);
  });
  afterAll(() => t?.close());

  async function openConversation(
    session: Session,
    content: string,
    contact = { name: 'Maija', email: `maija.${randomBytes(3).toString('hex')}@example.com` },
  ) {
    const opened = await call(t.app, session, { method: 'POST', url: '/api/conversations', payload: { contact, message: { content } } });
    expect(opened.status).toBe(201);
    return opened.body.conversation as { id: number; inboxId: number; contact: { id: number } };
  }

  async function send(session: Session, fields: Record<string, string>, files: FormFile[], id = conversationId) {
    const form = await formBody(fields, files);
    return call(t.app, session, { method: 'POST', url: `/api/conversations/${id}/messages`, ...form });
  }

  /** A signed URL fetched as a browser would: no token. */
  const fetchFile = (url: string) => t.app.inject({ method: 'GET', url });

  async function filesOnDisk(): Promise<string[]> {
    try {
      return (await readdir(join(dataDir, 'attachments'), { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * A multipart message over a real connection whose file never finishes arriving: answers the
   * status the server gave without the rest of the body (it must decide before storing anything).
   */
  function answerBeforeBody(path: string, headers: Record<string, string>) {
    const boundary = 'hummdesk-test-boundary';
    return new Promise<{ status: number; code: string }>((resolve, reject) => {
      const req = httpRequest(`${baseUrl}${path}`, { method: 'POST', headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` } });
      let answered = false;
      // Once the answer is in, the server closing the connection under the unsent rest is expected.
      req.on('error', (error) => answered || reject(error));
      req.on('response', (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          req.destroy();
          resolve({ status: response.statusCode!, code: (JSON.parse(Buffer.concat(chunks).toString()) as { error: { code: string } }).error.code });
        });
      });
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
      req.write(Buffer.concat([samples.png, randomBytes(MAX_BYTES / 2)]));
    });
  }

  async function messageCount(id = conversationId) {
    const page = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}/messages?limit=100` });
    return page.body.data.length as number;
  }

  /** Runs a refused upload and checks that it left no message and no file behind. */
  async function refusedCleanly(attempt: () => Promise<Awaited<ReturnType<typeof call>>>, status: number, code: string) {
    const [messagesBefore, filesBefore] = [await messageCount(), await filesOnDisk()];
    const response = await attempt();
    expectError(response, status, code);
    expect(await messageCount()).toBe(messagesBefore);
    expect(await filesOnDisk()).toEqual(filesBefore);
    return response;
  }

  it('stores the files of a reply and serves them back byte for byte, with safe headers', async () => {
    const csv = 'order,amount\n48213,19.90\n';
    const sent = await send(admin, { content: 'Here are the documents' }, [
      { fileName: 'Kuitti – ääkköset.png', bytes: samples.png, type: 'image/png' },
      { fileName: 'invoice.pdf', bytes: samples.pdf, type: 'application/pdf' },
      { fileName: 'orders.csv', bytes: csv, type: 'text/csv' },
    ]);
    expect(sent.status).toBe(201);
    const message = sent.body.message;
    expect(message).toMatchObject({ content: 'Here are the documents', messageType: 'outgoing', private: false });
    expect(message.attachments).toEqual([
      { id: expect.any(Number), fileName: 'Kuitti – ääkköset.png', contentType: 'image/png', size: samples.png.length, url: expect.any(String) },
      { id: expect.any(Number), fileName: 'invoice.pdf', contentType: 'application/pdf', size: samples.pdf.length, url: expect.any(String) },
      { id: expect.any(Number), fileName: 'orders.csv', contentType: 'text/csv', size: csv.length, url: expect.any(String) },
    ]);

    const [png, pdf, text] = await Promise.all(message.attachments.map((a: { url: string }) => fetchFile(a.url)));
    expect(png!.statusCode).toBe(200);
    expect(png!.rawPayload.equals(samples.png)).toBe(true);
    expect(png!.headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(samples.png.length),
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
      'cross-origin-resource-policy': 'cross-origin',
      'content-disposition': `inline; filename="Kuitti _ __kk_set.png"; filename*=UTF-8''${encodeURIComponent('Kuitti – ääkköset.png')}`,
    });
    expect(png!.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(pdf!.rawPayload.equals(samples.pdf)).toBe(true);
    expect(pdf!.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`,
    });
    expect(text!.body).toBe(csv);
    expect(text!.headers['content-type']).toBe('text/csv; charset=utf-8');

    // The thread shows the same attachments (fetched in one query per page, whatever its size).
    const page = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/messages` });
    const listed = page.body.data.find((m: { id: number }) => m.id === message.id);
    expect(listed.attachments.map((a: { id: number }) => a.id)).toEqual(message.attachments.map((a: { id: number }) => a.id));
    expect(page.body.data.filter((m: { id: number }) => m.id !== message.id).every((m: { attachments: unknown[] }) => m.attachments.length === 0)).toBe(true);
  });

  it('tells composers the limits, without a token and to any website', async () => {
    const limits = await t.app.inject({ method: 'GET', url: '/api/attachments/limits', headers: { origin: 'https://shop.example.com' } });
    expect(limits.json()).toEqual({ maxBytes: MAX_BYTES, maxFiles: MAX_FILES });
    expect(limits.headers['access-control-allow-origin']).toBe('*');
  });

  it('announces a message with its attachments in message:new', async () => {
    const socket = connectSocket(baseUrl, admin.token);
    try {
      await connected(socket);
      const event = nextEvent<{ data: { message: { content: string; attachments: unknown[] } } }>(
        socket,
        'message:new',
        undefined,
        (payload) => payload.data.message.content === 'Live file',
      );
      const sent = await send(admin, { content: 'Live file' }, [{ fileName: 'live.gif', bytes: samples.gif }]);
      expect((await event).data.message.attachments).toEqual(sent.body.message.attachments);
    } finally {
      socket.disconnect();
    }
  });

  it('carries files without text, as a private note too; text alone or files alone, but not neither', async () => {
    const note = await send(admin, { private: 'true' }, [{ fileName: 'internal.pdf', bytes: samples.pdf }]);
    expect(note.status).toBe(201);
    expect(note.body.message).toMatchObject({ content: '', private: true, attachments: [{ fileName: 'internal.pdf' }] });
    const plain = await send(admin, { content: 'No files' }, []);
    expect(plain.body.message).toMatchObject({ content: 'No files', attachments: [] });
    await refusedCleanly(() => send(admin, { content: '   ' }, []), 422, 'empty_message');
    // JSON stays as it was, with an empty list of attachments.
    const json = await call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'JSON reply' } });
    expect(json.body.message.attachments).toEqual([]);
  });

  it('takes the type from the bytes, never from the name or the claimed type', async () => {
    const lying = await send(admin, { content: 'Renamed files' }, [
      { fileName: 'report.pdf', bytes: samples.png, type: 'application/pdf' },
      { fileName: 'notes.txt', bytes: samples.gif, type: 'text/plain' },
      { fileName: 'data.json', bytes: '{"order": 48213}', type: 'image/png' },
    ]);
    expect(lying.status).toBe(201);
    expect(lying.body.message.attachments.map((a: { contentType: string }) => a.contentType)).toEqual(['image/png', 'image/gif', 'application/json']);
    const unnamed = await send(admin, { content: 'No extension' }, [{ fileName: 'readme', bytes: 'Just text, ääkköset too\n', type: 'image/jpeg' }]);
    expect(unnamed.body.message.attachments[0].contentType).toBe('text/plain');
    // A PNG called report.pdf is served as the PNG it is.
    expect((await fetchFile(lying.body.message.attachments[0].url)).headers['content-type']).toBe('image/png');

    // HTML called photo.png is still HTML: refused, like binary data of no allowed type.
    await refusedCleanly(
      () => send(admin, { content: 'x' }, [{ fileName: 'photo.png', bytes: samples.html, type: 'image/png' }]),
      415,
      'unsupported_attachment',
    );
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(200)]);
    await refusedCleanly(() => send(admin, { content: 'x' }, [{ fileName: 'setup.pdf', bytes: elf }]), 415, 'unsupported_attachment');
    await refusedCleanly(() => send(admin, { content: 'x' }, [{ fileName: 'noise.bin', bytes: randomBytes(300) }]), 415, 'unsupported_attachment');
    await refusedCleanly(() => send(admin, { content: 'x' }, [{ fileName: 'empty.txt', bytes: '' }]), 422, 'empty_attachment');
  });

  it('never stores HTML or SVG, whatever they are called, so they are never served at all', async () => {
    for (const [fileName, bytes] of [
      ['page.html', samples.html],
      ['logo.svg', samples.svg],
      ['logo.svg', samples.xmlSvg],
      ['image.jpg', samples.svg],
      ['notes.txt', Buffer.from(`\uFEFF   \n${samples.html.toString()}`)],
    ] as const) {
      const response = await refusedCleanly(() => send(admin, { content: 'markup' }, [{ fileName, bytes, type: 'text/html' }]), 415, 'unsupported_attachment');
      expect(response.body.error.message).toContain(fileName);
    }
  });

  it('refuses a file over ATTACHMENT_MAX_BYTES with 413, leaving no message and no file (also of the files before it)', async () => {
    const exact = await send(admin, { content: 'At the limit' }, [{ fileName: 'exact.txt', bytes: 'a'.repeat(MAX_BYTES) }]);
    expect(exact.status).toBe(201);
    expect(exact.body.message.attachments[0].size).toBe(MAX_BYTES);

    await refusedCleanly(() => send(admin, { content: 'Too big' }, [{ fileName: 'big.txt', bytes: 'a'.repeat(MAX_BYTES + 1) }]), 413, 'attachment_too_large');
    await refusedCleanly(
      () =>
        send(admin, { content: 'Too big' }, [
          { fileName: 'fine.png', bytes: samples.png },
          { fileName: 'huge.png', bytes: Buffer.concat([samples.png, randomBytes(5 * MAX_BYTES)]) },
        ]),
      413,
      'attachment_too_large',
    );
  });

  it('answers an oversized upload over a real connection at once, without reading the rest, and ends that connection', async () => {
    const form = new FormData();
    form.append('content', 'Huge');
    form.append('attachments', new Blob([randomBytes(200 * MAX_BYTES)]), 'huge.bin');
    const before = await filesOnDisk();
    const response = await fetch(`${baseUrl}/api/conversations/${conversationId}/messages`, { method: 'POST', body: form, headers: admin.auth });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('attachment_too_large');
    expect(await filesOnDisk()).toEqual(before);
  });

  it(`refuses more than ATTACHMENT_MAX_FILES files`, async () => {
    const files = Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ fileName: `f${i}.png`, bytes: samples.png }));
    const response = await refusedCleanly(() => send(admin, { content: 'Many' }, files), 413, 'too_many_attachments');
    expect(response.body.error.message).toContain(String(MAX_FILES));
  });

  it('answers hostile or broken forms with 4xx and stores nothing', async () => {
    const url = `/api/conversations/${conversationId}/messages`;
    const raw = (payload: string | Buffer, contentType: string) =>
      call(t.app, admin, { method: 'POST', url, payload, headers: { 'content-type': contentType } });
    await refusedCleanly(() => raw(randomBytes(2000), 'multipart/form-data; boundary=----x'), 400, 'invalid_multipart');
    await refusedCleanly(() => raw(randomBytes(2000), 'multipart/form-data'), 400, 'invalid_multipart');
    const whole = await formBody({ content: 'Cut short' }, [{ fileName: 'cut.txt', bytes: 'b'.repeat(5000) }]);
    await refusedCleanly(() => raw(whole.payload.subarray(0, whole.payload.length - 2500), whole.headers['content-type']), 400, 'invalid_multipart');
    await refusedCleanly(() => send(admin, { content: 'x', sneaky: 'field' }, []), 400, 'validation_error');
    await refusedCleanly(() => send(admin, { content: 'x' }, [{ fileName: 'a.png', bytes: samples.png, field: 'file' }]), 400, 'validation_error');
    await refusedCleanly(() => send(admin, { content: 'x'.repeat(20_001) }, [{ fileName: 'a.png', bytes: samples.png }]), 400, 'validation_error');
    await refusedCleanly(() => send(admin, { content: 'x', private: 'maybe' }, [{ fileName: 'a.png', bytes: samples.png }]), 400, 'validation_error');
    await refusedCleanly(
      () =>
        send(
          admin,
          Object.fromEntries([
            ['content', 'x'],
            ['__proto__', 'polluted'],
          ]),
          [],
        ),
      400,
      'invalid_multipart',
    );
    // Refused inside the message's transaction: the files already stored are removed with it.
    await refusedCleanly(
      () => send(admin, { content: 'x', private: 'true', messageType: 'incoming' }, [{ fileName: 'a.png', bytes: samples.png }]),
      422,
      'invalid_message',
    );
    await refusedCleanly(() => send(admin, { content: 'x' }, [{ fileName: 'a.png', bytes: samples.png }], 999_999), 404, 'not_found');
    // Only message routes read forms: elsewhere a form is not a body at all.
    const labelForm = await formBody({ title: 'x' });
    expectError(await call(t.app, admin, { method: 'POST', url: '/api/labels', ...labelForm }), 415, 'unsupported_media_type');
    // No upload without a token; nothing is read.
    const form = await formBody({ content: 'x' }, [{ fileName: 'a.png', bytes: samples.png }]);
    await refusedCleanly(() => call(t.app, undefined, { method: 'POST', url, ...form }), 401, 'unauthorized');
  });

  it('keeps names as data: a path in the file name is cut to its last part', async () => {
    const sent = await send(admin, { content: 'Paths' }, [{ fileName: '../../../etc/passwd.txt', bytes: 'root:x:0:0\n' }]);
    expect(sent.status).toBe(201);
    expect(sent.body.message.attachments[0].fileName).toBe('passwd.txt');
    // Stored under <account>/<conversation>/<random key>, whatever the name.
    for (const path of await filesOnDisk()) expect(path.slice(dataDir.length)).toMatch(/^\/attachments\/\d+\/\d+\/[A-Za-z0-9_-]{24}$/);
  });

  it('checks the signed link: changed → 403, expired → 410, deleted → 404, valid only for its own account and id', async () => {
    const sent = await send(admin, { content: 'Signed' }, [
      { fileName: 'one.png', bytes: samples.png },
      { fileName: 'two.pdf', bytes: samples.pdf },
    ]);
    const [one, two] = sent.body.message.attachments as { id: number; url: string }[];
    const link = new URL(one!.url, 'http://x');
    const withParam = (name: string, value: string, path = link.pathname) => {
      const changed = new URL(link);
      changed.searchParams.set(name, value);
      return `${path}?${changed.searchParams.toString()}`;
    };
    const signature = link.searchParams.get('signature')!;
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);

    expect((await fetchFile(one!.url)).statusCode).toBe(200);
    expect((await fetchFile(withParam('signature', flipped))).statusCode).toBe(403);
    expect((await fetchFile(withParam('signature', ''))).statusCode).toBe(403);
    expect((await fetchFile(withParam('expires', String(Number(link.searchParams.get('expires')) + 86_400)))).statusCode).toBe(403);
    expect((await fetchFile(withParam('account', String(other.accountId)))).statusCode).toBe(403);
    // The signature of one attachment does not open another.
    expect((await fetchFile(withParam('signature', signature, `/api/attachments/${two!.id}`))).statusCode).toBe(403);
    const forged = await fetchFile(withParam('signature', flipped));
    expectError({ status: forged.statusCode, body: forged.json(), headers: forged.headers }, 403, 'invalid_signature');

    const urls = createAttachmentUrls(TEST_JWT_SECRET);
    const expired = await fetchFile(urls.urlUntil(admin.accountId, one!.id, Math.floor(Date.now() / 1000) - 1));
    expectError({ status: expired.statusCode, body: expired.json(), headers: expired.headers }, 410, 'link_expired');
    // Correctly signed, but for the other account: the attachment is not there (row-level security).
    expect((await fetchFile(urls.url(other.accountId, one!.id))).statusCode).toBe(404);
    expect((await fetchFile(urls.url(admin.accountId, 2_000_000_000))).statusCode).toBe(404);
    expect((await fetchFile(`/api/attachments/${one!.id}`)).statusCode).toBe(400);
  });

  it("keeps another account's agents away from the files and the conversation", async () => {
    const sent = await send(admin, { content: 'Mine' }, [{ fileName: 'mine.png', bytes: samples.png }]);
    expect(sent.status).toBe(201);
    expectError(await call(t.app, other, { method: 'GET', url: `/api/conversations/${conversationId}/messages` }), 404, 'not_found');
    const before = await filesOnDisk();
    expectError(await send(other, { content: 'Into theirs' }, [{ fileName: 'x.png', bytes: samples.png }]), 404, 'not_found');
    expect(await filesOnDisk()).toEqual(before);
  });

  it('decides on the conversation before receiving any file: another account’s or a missing one is refused with nothing written', async () => {
    const before = await filesOnDisk();
    expect(await answerBeforeBody(`/api/conversations/${conversationId}/messages`, other.auth)).toEqual({ status: 404, code: 'not_found' });
    expect(await answerBeforeBody('/api/conversations/2000000000/messages', admin.auth)).toEqual({ status: 404, code: 'not_found' });
    expect(await filesOnDisk()).toEqual(before);
  });

  it('gives webhooks the files without links (they would expire before the last retry); an access token lists fresh ones', async () => {
    const hooked = await registerAccount(t.app, 'Hooked Ltd');
    const subscribed = await call(t.app, hooked, {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'http://127.0.0.1:9/hook', events: ['message.created'] },
    });
    expect(subscribed.status).toBe(201);
    const id = (await openConversation(hooked, 'Where is my parcel?')).id;
    const sent = await send(hooked, { content: 'The label' }, [{ fileName: 'label.pdf', bytes: samples.pdf }], id);
    expect(sent.status).toBe(201);
    const [recorded] = await queryRows<{ payload: { data: { message: { attachments: unknown[] } } } }>(
      t.database.db,
      sql`select payload from webhook_deliveries where account_id = ${hooked.accountId} and payload->'data'->'message'->>'id' = ${String(sent.body.message.id)}`,
    );
    const { url: _, ...file } = sent.body.message.attachments[0];
    expect(recorded!.payload.data.message.attachments).toEqual([file]);
    // The receiver's way to the file: the conversation's messages with an access token.
    const token = await call(t.app, hooked, { method: 'POST', url: '/api/access-tokens', payload: { name: 'Receiver', scope: 'read' } });
    expect(token.status).toBe(201);
    const listed = await call(t.app, undefined, {
      method: 'GET',
      url: `/api/conversations/${id}/messages`,
      headers: { authorization: `Bearer ${token.body.token}` },
    });
    const fresh = listed.body.data
      .flatMap((message: { attachments: { id: number; url: string }[] }) => message.attachments)
      .find((a: { id: number }) => a.id === file.id);
    expect((await fetchFile(fresh.url)).rawPayload.equals(samples.pdf)).toBe(true);
  });

  describe('through the public client API', () => {
    /** A customer of an API-channel inbox with a conversation, acting with its contact token. */
    async function customer(inboxIdentifier: string) {
      const base = `/api/public/inboxes/${inboxIdentifier}`;
      const created = await call(t.app, undefined, { method: 'POST', url: `${base}/contacts`, payload: { name: 'Paula Public' } });
      expect(created.status).toBe(201);
      const auth = { authorization: `Bearer ${created.body.token}` };
      const path = `${base}/contacts/${created.body.contact.identifier}/conversations`;
      const opened = await call(t.app, undefined, { method: 'POST', url: path, payload: { message: { content: 'My order' } }, headers: auth });
      expect(opened.status).toBe(201);
      const id = opened.body.conversation.id as number;
      return {
        id,
        path,
        auth,
        messages: () => call(t.app, undefined, { method: 'GET', url: `${path}/${id}/messages`, headers: auth }),
        send: async (fields: Record<string, string>, files: FormFile[], conversation = id) => {
          const form = await formBody(fields, files);
          return call(t.app, undefined, {
            method: 'POST',
            url: `${path}/${conversation}/messages`,
            payload: form.payload,
            headers: { ...form.headers, ...auth },
          });
        },
      };
    }
    let inboxIdentifier: string;
    beforeAll(async () => {
      inboxIdentifier = (await call(t.app, admin, { method: 'POST', url: '/api/inboxes', payload: { name: 'App', channelType: 'api' } })).body.inbox.identifier;
    });

    it("takes a contact's files, which the agents then see, and shows the contact agents' files but never a private note's", async () => {
      const paula = await customer(inboxIdentifier);
      const sent = await paula.send({}, [{ fileName: 'damage.png', bytes: samples.png }]);
      expect(sent.status).toBe(201);
      expect(sent.body.message).toMatchObject({ content: '', messageType: 'incoming', attachments: [{ fileName: 'damage.png', contentType: 'image/png' }] });
      expect((await fetchFile(sent.body.message.attachments[0].url)).rawPayload.equals(samples.png)).toBe(true);
      const agentView = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${paula.id}/messages` });
      expect(agentView.body.data.at(-1).attachments).toEqual(sent.body.message.attachments);

      const reply = await send(admin, { content: 'Here is the return label' }, [{ fileName: 'label.pdf', bytes: samples.pdf }], paula.id);
      const note = await send(admin, { content: 'Internal', private: 'true' }, [{ fileName: 'margin.csv', bytes: 'cost,42\n' }], paula.id);
      const seen = await paula.messages();
      expect(seen.status).toBe(200);
      expect(seen.body.data.map((m: { attachments: { fileName: string }[] }) => m.attachments.map((a) => a.fileName))).toEqual([
        [],
        ['damage.png'],
        ['label.pdf'],
      ]);
      expect(seen.body.data.at(-1).attachments[0].id).toBe(reply.body.message.attachments[0].id);
      const text = JSON.stringify(seen.body);
      expect(text).not.toContain('margin.csv');
      expect(text).not.toContain(note.body.message.attachments[0].url);
    });

    it("refuses a contact's HTML, oversized files and files for a conversation that is not theirs, storing nothing", async () => {
      const paula = await customer(inboxIdentifier);
      const vera = await customer(inboxIdentifier);
      const before = await filesOnDisk();
      expectError(await paula.send({ content: 'x' }, [{ fileName: 'cv.png', bytes: samples.html }]), 415, 'unsupported_attachment');
      expectError(await paula.send({ content: 'x' }, [{ fileName: 'big.txt', bytes: 'a'.repeat(MAX_BYTES + 1) }]), 413, 'attachment_too_large');
      expectError(await paula.send({ content: 'x' }, [{ fileName: 'a.png', bytes: samples.png }], vera.id), 404);
      expectError(await paula.send({ content: 'x'.repeat(10_001) }, [{ fileName: 'a.png', bytes: samples.png }]), 400, 'validation_error');
      expect(await filesOnDisk()).toEqual(before);
      expect((await paula.messages()).body.data).toHaveLength(1);
      // Decided before the files arrive: nothing of theirs is ever written under another's conversation.
      expect(await answerBeforeBody(`${paula.path}/${vera.id}/messages`, paula.auth)).toEqual({ status: 404, code: 'not_found' });
      expect(await answerBeforeBody(`${paula.path}/2000000000/messages`, paula.auth)).toEqual({ status: 404, code: 'not_found' });
      expect(await filesOnDisk()).toEqual(before);
    });
  });

  it("deletes a conversation's files with the contact (GDPR erasure) and with the inbox", async () => {
    const byContact = await openConversation(admin, 'Erase me later');
    const contactFile = (await send(admin, { content: 'File' }, [{ fileName: 'personal.pdf', bytes: samples.pdf }], byContact.id)).body.message.attachments[0];
    expect((await fetchFile(contactFile.url)).statusCode).toBe(200);
    const folder = join(dataDir, 'attachments', String(admin.accountId), String(byContact.id));
    expect((await filesOnDisk()).some((path) => path.startsWith(folder))).toBe(true);
    expect((await call(t.app, admin, { method: 'DELETE', url: `/api/contacts/${byContact.contact.id}` })).status).toBe(204);
    expect((await filesOnDisk()).some((path) => path.startsWith(folder))).toBe(false);
    expect((await fetchFile(contactFile.url)).statusCode).toBe(404);

    const inbox = await call(t.app, admin, { method: 'POST', url: '/api/inboxes', payload: { name: 'Short-lived' } });
    const inInbox = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { inboxId: inbox.body.inbox.id, contact: { name: 'Visitor' }, message: { content: 'Hello' } },
    });
    const id = inInbox.body.conversation.id;
    await send(admin, { content: 'File' }, [{ fileName: 'a.png', bytes: samples.png }], id);
    const inboxFolder = join(dataDir, 'attachments', String(admin.accountId), String(id));
    expect((await filesOnDisk()).some((path) => path.startsWith(inboxFolder))).toBe(true);
    expect((await call(t.app, admin, { method: 'DELETE', url: `/api/inboxes/${inbox.body.inbox.id}` })).status).toBe(204);
    expect((await filesOnDisk()).some((path) => path.startsWith(inboxFolder))).toBe(false);
    // The rest of the account's files stay.
    expect((await filesOnDisk()).some((path) => path.startsWith(join(dataDir, 'attachments', String(admin.accountId), String(conversationId))))).toBe(true);
  });
});
