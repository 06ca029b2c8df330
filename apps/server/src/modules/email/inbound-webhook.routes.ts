/**
 * The inbound webhook: a mail provider posts mail for an e-mail inbox to
 * `POST /api/public/inboxes/:inboxIdentifier/email`, as the raw message (`message/rfc822`) or as
 * Postmark's inbound JSON, and it takes the path of mail over SMTP and IMAP (inboundMail.accept).
 *
 * It is public: anyone can reach it, so everything an attacker could spend is bounded before it
 * is spent. Requests are counted per client address before anything touches the database; the
 * inbox and its inbound secret are checked before a byte of the body is read; the body is
 * refused by its declared length, and otherwise counted as it streams into storage.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import Type from 'typebox';
import type { AppDb } from '../../db/client.js';
import { inboxes } from '../../db/schema.js';
import { bearerOf } from '../../platform/auth.js';
import { AppError, BadRequestError } from '../../platform/errors.js';
import { macEquals } from '../../platform/hmac.js';
import { outsideAppCors } from '../../platform/public-cors.js';
import { rateLimit } from '../../platform/rate-limits.js';
import { errorResponses } from '../../platform/schemas.js';
import { runAsApp } from '../../platform/tenancy.js';
import { EmailTooLargeError, type InboundMail } from './inbound-mail.js';
import { postmarkSender, postmarkToMime, PostmarkInbound } from './postmark.js';

export interface InboundWebhookOptions {
  db: AppDb;
  inboundMail: Pick<InboundMail, 'accept'>;
  /** config.email.maxBytes: the largest message, raw or as JSON. */
  maxBytes: number;
  /** Requests a minute one client address may make (the public API's budget). */
  requestsPerMinute: number;
}

interface EmailInboxTarget {
  accountId: number;
  inboxId: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The e-mail inbox the path names, once its inbound secret was shown (inbound webhook). */
    emailInbox: EmailInboxTarget;
  }
}

const IDENTIFIER = /^[A-Za-z0-9_-]{1,64}$/;
const BASIC = /^Basic ([A-Za-z0-9+/=]+)$/i;
/** Compared against when the inbox does not exist, so that answer takes the time a wrong secret takes. */
const DECOY = createHash('sha256').update('no inbox').digest();
const REALM = 'Basic realm="HummDesk inbound mail", charset="UTF-8"';

/** The secret of `Authorization: Bearer <secret>`, or the password of `Authorization: Basic` (the user name is anything). */
export function inboundSecretOf(header: string | undefined): string | undefined {
  const bearer = bearerOf(header);
  if (bearer !== undefined) return bearer;
  const basic = BASIC.exec(header ?? '')?.[1];
  if (basic === undefined) return undefined;
  const credentials = Buffer.from(basic, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon < 0 ? undefined : credentials.slice(colon + 1);
}

/** Digests compared, not the texts: the same length always, so the time says nothing of either. */
const sameSecret = (given: string, expected: Buffer) => macEquals(createHash('sha256').update(given).digest(), expected);

async function findEmailInbox(db: AppDb, identifier: string) {
  if (!IDENTIFIER.test(identifier)) return undefined;
  const [row] = await runAsApp(db, { lookupInbox: identifier }, (tx) =>
    tx
      .select({ id: inboxes.id, accountId: inboxes.accountId, channelType: inboxes.channelType, settings: inboxes.settings })
      .from(inboxes)
      .where(eq(inboxes.identifier, identifier)),
  );
  const secret = (row?.settings as { inboundSecret?: unknown } | undefined)?.inboundSecret;
  // Only an e-mail inbox with its settings has a secret (the demo's e-mail inbox has none).
  if (!row || row.channelType !== 'email' || typeof secret !== 'string') return undefined;
  return { accountId: row.accountId, inboxId: row.id, secret: createHash('sha256').update(secret).digest() };
}

const tags = ['inbound mail'];

export const inboundWebhookRoutes: FastifyPluginAsyncTypebox<InboundWebhookOptions> = async (app, { db, inboundMail, maxBytes, requestsPerMinute }) => {
  // Mail providers call it from their servers; no browser needs it, so no website may.
  outsideAppCors(app);
  app.decorateRequest('emailInbox', null as unknown as EmailInboxTarget);
  // The raw message is not read here: the handler streams it into storage (inboundMail.accept counts it).
  app.addContentTypeParser('message/rfc822', (_request, payload, done) => done(null, payload));

  app.addHook('onRequest', rateLimit(app, 'public-email', { max: requestsPerMinute, timeWindow: 60_000, key: (request) => request.ip }));

  /**
   * Before the body: the inbox and its secret, then the declared length. An unknown inbox and a
   * wrong secret cost the same lookup and comparison. A refused request's body is not read: the
   * connection ends with the answer.
   */
  app.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const given = inboundSecretOf(request.headers.authorization);
      const inbox = await findEmailInbox(db, (request.params as { inboxIdentifier: string }).inboxIdentifier);
      const matches = sameSecret(given ?? '', inbox?.secret ?? DECOY);
      if (!inbox) throw new AppError(404, 'inbox_not_found', 'No e-mail inbox has this identifier');
      if (given === undefined || !matches) {
        reply.header('www-authenticate', REALM);
        throw new AppError(
          401,
          'invalid_inbound_secret',
          given === undefined
            ? "Send the inbox's inbound secret as Authorization: Bearer <secret>, or as the password of HTTP Basic auth"
            : "The inbound secret is not this inbox's",
        );
      }
      const declared = Number(request.headers['content-length']);
      if (declared > maxBytes) throw new EmailTooLargeError(maxBytes);
      if (request.headers['content-length'] === '0') throw new BadRequestError('empty_message', 'The request has no message');
      request.emailInbox = { accountId: inbox.accountId, inboxId: inbox.inboxId };
    } catch (error) {
      reply.header('connection', 'close');
      throw error;
    }
  });

  app.post(
    '/',
    {
      // JSON carries attachments in base64, as MIME does: the same limit fits both.
      bodyLimit: maxBytes,
      schema: {
        tags,
        summary: 'Mail for an e-mail inbox, posted by a mail provider: the raw message, or Postmark inbound JSON',
        description:
          "Authenticated by the inbox's inbound secret (its settings, administrators' sessions): `Authorization: Bearer <secret>`, or HTTP Basic " +
          'with the secret as the password (`https://any:<secret>@host/...`). The mail is taken like mail over SMTP: threaded into its conversation ' +
          'or opening one, once the background job has read it. 202 means it is stored; the same mail posted again is one message. ' +
          '401 wrong or missing secret, 404 no e-mail inbox has the identifier, 413 larger than EMAIL_MAX_BYTES, 415 another body type, ' +
          '429 too many requests from this address or too many mails from this sender (EMAIL_SENDER_RATE_LIMIT an hour): nothing is kept, post it again later.',
        security: [{ inboundSecret: [] }],
        params: Type.Object({ inboxIdentifier: Type.String({ maxLength: 100, description: "The e-mail inbox's public identifier" }) }),
        body: {
          content: {
            'message/rfc822': { schema: Type.Unknown({ description: 'The message as it arrived (RFC 5322), headers and body' }) },
            'application/json': { schema: PostmarkInbound },
          },
        },
        response: {
          202: Type.Object({ accepted: Type.Literal(true) }),
          ...errorResponses,
          413: errorResponses[400],
          415: errorResponses[400],
        },
      },
    },
    async (request, reply) => {
      const body = request.body as Readable | PostmarkInbound | undefined;
      if (body instanceof Readable) {
        try {
          await inboundMail.accept(request.emailInbox, body, 'webhook', { sender: null });
        } catch (error) {
          // A refused message may still be on its way: nobody reads the rest.
          reply.header('connection', 'close');
          throw error;
        }
      } else if (body !== undefined) {
        await inboundMail.accept(request.emailInbox, await postmarkToMime(body), 'webhook', { sender: postmarkSender(body) });
      } else {
        throw new AppError(415, 'unsupported_media_type', 'Send the mail as message/rfc822 (the raw message) or application/json (Postmark inbound)');
      }
      return reply.status(202).send({ accepted: true });
    },
  );
};
