/**
 * Attachments of messages. The files of a conversation live in storage under
 * `<accountId>/<conversationId>/<random key>`: written before the message's transaction, their
 * rows written in it (by the conversations module, through `save`), removed again if it rolls
 * back. Deleting conversations (a contact's erasure, a deleted inbox) removes their folders
 * once the deletion has committed; an account's files are all under `<accountId>/`.
 */
import { and, eq, type SQL } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TObject } from 'typebox';
import Value from 'typebox/value';
import type { AppDb, Tx } from '../../db/client.js';
import { attachments, conversations } from '../../db/schema.js';
import { AppError, NotFoundError } from '../../platform/errors.js';
import type { FileStorage } from '../../platform/storage/storage.js';
import { withTenant } from '../../platform/tenancy.js';
import type { Attachment } from './attachments.schema.js';
import { insertAttachments, selectAttachment, selectAttachments } from './attachments.repo.js';
import { INLINE_TYPES } from './content-type.js';
import type { AttachmentUrls, SignedParams } from './signed-urls.js';
import { receiveUpload, type AttachmentLimits, type StoredFile } from './uploads.js';

export type PresentedAttachment = Static<typeof Attachment>;

export type AttachmentService = ReturnType<typeof createAttachmentService>;

export function createAttachmentService({
  db,
  storage,
  urls,
  limits,
  onError,
}: {
  db: AppDb;
  storage: FileStorage;
  urls: AttachmentUrls;
  limits: AttachmentLimits;
  onError: (error: unknown) => void;
}) {
  const folder = (accountId: number, conversationId: number) => `${accountId}/${conversationId}`;
  const present = (accountId: number, row: { id: number; fileName: string; contentType: string; size: number }): PresentedAttachment => ({
    id: row.id,
    fileName: row.fileName,
    contentType: row.contentType,
    size: row.size,
    url: urls.url(accountId, row.id),
  });

  return {
    limits,

    /**
     * A multipart message for a conversation: `target.check` first says the caller may write to
     * it (throws otherwise: nothing of the body is read or stored), then its files are stored,
     * then `work` runs with the text fields (checked against `Fields`) and the stored files, and
     * typically creates the message through the conversations module. When `work` fails, the
     * files are removed.
     */
    async receive<S extends TObject, T>(
      request: FastifyRequest,
      reply: FastifyReply,
      target: { accountId: number; conversationId: number; check: () => Promise<unknown> },
      Fields: S,
      work: (fields: Static<S>, files: StoredFile[]) => Promise<T>,
    ): Promise<T> {
      let upload;
      try {
        await target.check();
        upload = await receiveUpload(request, { storage, limits, folder: folder(target.accountId, target.conversationId), Fields });
      } catch (error) {
        // The rest of the body is still on its way and nobody will read it: the connection ends
        // with the answer (as Fastify does when a body fails to parse).
        reply.header('connection', 'close');
        throw error;
      }
      try {
        return await work(checkFields(Fields, upload.fields), upload.files);
      } catch (error) {
        await Promise.all(upload.files.map((file) => storage.remove(file.key)));
        throw error;
      }
    },

    /** The rows of a new message's stored files, in its transaction; answers them as the API shows them. */
    async save(tx: Tx, accountId: number, conversationId: number, messageId: number, files: StoredFile[]): Promise<PresentedAttachment[]> {
      if (files.length === 0) return [];
      const rows = await insertAttachments(
        tx,
        files.map((file) => ({
          accountId,
          conversationId,
          messageId,
          fileName: file.fileName,
          contentType: file.contentType,
          size: file.size,
          storageKey: file.key,
        })),
      );
      return rows.map((row) => present(accountId, row));
    },

    /** The attachments of a page of messages, by message id: one query, however many. */
    async present(tx: Tx, accountId: number, messageIds: number[]): Promise<Map<number, PresentedAttachment[]>> {
      const byMessage = new Map<number, PresentedAttachment[]>();
      if (messageIds.length === 0) return byMessage;
      for (const row of await selectAttachments(tx, accountId, messageIds)) {
        const list = byMessage.get(row.messageId) ?? [];
        list.push(present(accountId, row));
        byMessage.set(row.messageId, list);
      }
      return byMessage;
    },

    /** The file behind a signed URL (the signature is checked first: nothing is looked up for a forged one). */
    async open(id: number, params: SignedParams) {
      const secondsLeft = urls.verify(id, params);
      const row = await withTenant(db, { accountId: params.account }, (tx) => selectAttachment(tx, params.account, id));
      const body = row && (await storage.get(row.storageKey));
      if (!row || !body) throw new NotFoundError('Attachment');
      return { fileName: row.fileName, contentType: row.contentType, size: row.size, body, secondsLeft, inline: INLINE_TYPES.has(row.contentType) };
    },

    /**
     * In a transaction that deletes conversations (`where` says which): those with files. Once
     * it has committed, `removeFilesOf` removes their folders.
     */
    async conversationsWithFiles(tx: Tx, accountId: number, where: SQL): Promise<number[]> {
      const rows = await tx
        .selectDistinct({ id: attachments.conversationId })
        .from(attachments)
        .innerJoin(conversations, and(eq(conversations.accountId, attachments.accountId), eq(conversations.id, attachments.conversationId)))
        .where(and(eq(attachments.accountId, accountId), where));
      return rows.map((row) => row.id);
    },

    /** Removes the files of deleted conversations; a failure is logged (the rows are gone already). */
    async removeFilesOf(accountId: number, conversationIds: number[]) {
      for (const id of conversationIds) await storage.removePrefix(`${folder(accountId, id)}/`).catch(onError);
    },
  };
}

/** Text fields of a form, converted (`"true"` → true) and checked like a JSON body; the first problem answers 400. */
function checkFields<S extends TObject>(Fields: S, fields: Record<string, string>): Static<S> {
  const value = Value.Convert(Fields, Value.Default(Fields, { ...fields }));
  if (Value.Check(Fields, value)) return value as Static<S>;
  const [first] = Value.Errors(Fields, value);
  const field = `body${first?.instancePath.replace(/\//g, '.') ?? ''}`;
  throw new AppError(400, 'validation_error', `${field} ${first?.message ?? 'is not valid'}`, field);
}
