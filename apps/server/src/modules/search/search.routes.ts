import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CursorQuery } from '../../platform/pagination.js';
import { Timestamp, errorResponses } from '../../platform/schemas.js';
import { RELEVANCE_WINDOW, type MessageSearch } from './message-search.js';

const MessageHit = Type.Object({
  messageId: Type.Integer(),
  conversationId: Type.Integer(),
  displayId: Type.Integer({ description: 'The conversation number agents see (#42)' }),
  contactName: Type.String({ description: "The conversation's contact" }),
  messageType: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]),
  private: Type.Boolean({ description: 'A private note' }),
  createdAt: Timestamp,
  rank: Type.Number({ description: 'ts_rank of the message for the search: higher is more relevant' }),
  snippet: Type.Array(Type.Object({ text: Type.String(), highlight: Type.Boolean() }), {
    description: 'The passage around the matches, as plain-text pieces; `highlight` marks the matched words. Render the pieces as text (never as HTML).',
  }),
});

export const searchRoutes: FastifyPluginAsyncTypebox<{ search: MessageSearch }> = async (app, { search }) => {
  app.get(
    '/messages',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['search'],
        security: [{ bearerAuth: [] }],
        summary: 'Search the text of messages',
        description:
          'Full-text search over customer messages, replies and private notes (not activity lines), by word stem in English, ' +
          'Finnish, Swedish, German, French and Spanish. `q` takes web-search syntax: `"exact phrase"`, `or`, `-excluded`. ' +
          `\`relevance\` ranks the newest ${RELEVANCE_WINDOW} matches; \`recent\` pages through every match, newest first.`,
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: 200, description: 'Words to find' }),
          sort: Type.Union([Type.Literal('relevance'), Type.Literal('recent')], { default: 'relevance' }),
          cursor: CursorQuery.cursor,
          limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
        }),
        response: {
          200: Type.Object({ data: Type.Array(MessageHit), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => search.search(request.auth, request.query),
  );
};
