import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { UnprocessableError } from '../../platform/errors.js';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import { unzipMarkdown } from './import-files.js';
import {
  Article,
  ARTICLE_BODY_LIMIT,
  ArticleChanges,
  ArticleFields,
  ArticleListQuery,
  ArticleSummary,
  Import,
  IMPORT_BODY_LIMIT,
  ImportBody,
  ZIP_BODY_LIMIT,
  IndexStatus,
  SearchQuery,
  SearchResults,
} from './knowledge-base.schema.js';
import type { KnowledgeBaseService } from './knowledge-base.service.js';

const schemaBase = { tags: ['knowledge-base'], security: [{ bearerAuth: [] }] };
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'];

export const knowledgeBaseRoutes: FastifyPluginAsyncTypebox<{ knowledgeBase: KnowledgeBaseService }> = async (app, { knowledgeBase }) => {
  app.addHook('preHandler', app.authenticate);
  // Only the zip import reads a binary body; everywhere else JSON stays the only body there is.
  app.addContentTypeParser(ZIP_TYPES, { parseAs: 'buffer', bodyLimit: ZIP_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.get(
    '/articles',
    {
      schema: {
        ...schemaBase,
        summary: 'Articles, most recently updated first (with an excerpt instead of the content)',
        querystring: ArticleListQuery,
        response: { 200: Type.Object({ data: Type.Array(ArticleSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (request) => knowledgeBase.list(request.auth, request.query),
  );

  app.post(
    '/articles',
    {
      bodyLimit: ARTICLE_BODY_LIMIT,
      schema: {
        ...schemaBase,
        summary: 'Write an article; it is chunked and embedded (embeddingStatus says whether it is searchable yet)',
        body: ArticleFields,
        response: { 201: Type.Object({ article: Article }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ article: await knowledgeBase.create(request.auth, request.body) }),
  );

  app.get(
    '/articles/:id',
    { schema: { ...schemaBase, summary: 'One article', params: IdParams, response: { 200: Type.Object({ article: Article }), ...errorResponses } } },
    async (request) => ({ article: await knowledgeBase.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/articles/:id',
    {
      bodyLimit: ARTICLE_BODY_LIMIT,
      schema: {
        ...schemaBase,
        summary: 'Change an article; a new title or content is embedded again, a draft leaves search at once',
        params: IdParams,
        body: ArticleChanges,
        response: { 200: Type.Object({ article: Article }), ...errorResponses },
      },
    },
    async (request) => ({ article: await knowledgeBase.update(request.auth, request.params.id, request.body) }),
  );

  app.delete(
    '/articles/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'Delete an article (and its passages from search, at once)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await knowledgeBase.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/search',
    {
      schema: {
        ...schemaBase,
        summary: 'What the AI would retrieve for a question: hybrid vector and full-text search of published articles',
        querystring: SearchQuery,
        response: { 200: SearchResults, ...errorResponses },
      },
    },
    async (request) => knowledgeBase.search(request.auth, request.query.q, request.query.limit),
  );

  app.get(
    '/embeddings',
    {
      schema: {
        ...schemaBase,
        summary: 'The embedding model search uses, and progress of a move to a new one',
        response: { 200: IndexStatus, ...errorResponses },
      },
    },
    async (request) => knowledgeBase.indexStatus(request.auth),
  );

  app.post(
    '/imports',
    {
      preHandler: app.requireAdmin,
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        ...schemaBase,
        summary: 'Bulk import (administrators): articles as JSON, or the Markdown files of a folder; runs as a job',
        body: ImportBody,
        response: { 202: Type.Object({ import: Import }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send({ import: await knowledgeBase.startImport(request.auth, request.body) }),
  );

  app.post(
    '/imports/zip',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Bulk import (administrators) of a zip of Markdown files (Content-Type: application/zip); folders are categories',
        response: { 202: Type.Object({ import: Import }), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) throw new UnprocessableError('zip_expected', 'Send the archive itself with Content-Type: application/zip');
      const files = await unzipMarkdown(request.body);
      return reply.status(202).send({ import: await knowledgeBase.startImport(request.auth, { files }) });
    },
  );

  app.get(
    '/imports',
    { schema: { ...schemaBase, summary: 'Recent bulk imports', response: { 200: Type.Object({ data: Type.Array(Import) }), ...errorResponses } } },
    async (request) => ({ data: await knowledgeBase.listImports(request.auth) }),
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'A bulk import and its progress',
        params: IdParams,
        response: { 200: Type.Object({ import: Import }), ...errorResponses },
      },
    },
    async (request) => ({ import: await knowledgeBase.getImport(request.auth, request.params.id) }),
  );
};
