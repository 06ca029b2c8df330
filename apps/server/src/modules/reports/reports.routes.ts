import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../platform/schemas.js';
import type { ReportService } from './reports.service.js';

const Seconds = Type.Union([Type.Integer(), Type.Null()]);

const Series = Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD' }), key: Type.String(), count: Type.Integer() }));

const Summary = Type.Object({
  days: Type.Integer(),
  volumeByCategory: Series,
  volumeByPriority: Series,
  firstResponse: Type.Object({
    answered: Type.Integer({ description: 'Conversations with an agent reply' }),
    medianSeconds: Seconds,
    p90Seconds: Seconds,
  }),
  resolution: Type.Object(
    {
      resolved: Type.Integer({ description: 'Conversations resolved in the period and not reopened since' }),
      medianSeconds: Seconds,
      p90Seconds: Seconds,
    },
    { description: 'Time from opening to resolution' },
  ),
  responseTimes: Type.Array(
    Type.Object({
      day: Type.String({ description: 'YYYY-MM-DD' }),
      firstResponseMedianSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Of the conversations opened that day' }),
      resolutionMedianSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Of the conversations resolved that day' }),
    }),
    { description: 'Median first-response and resolution times per day' },
  ),
  classificationAccuracy: Type.Array(
    Type.Object({
      day: Type.String(),
      classified: Type.Integer(),
      corrected: Type.Integer({ description: 'Classifications an agent corrected' }),
      accuracy: Type.Union([Type.Number(), Type.Null()], { description: '1 - corrected / classified' }),
    }),
  ),
  draftOutcomes: Series,
});

export const reportRoutes: FastifyPluginAsyncTypebox<{ reports: ReportService }> = async (app, { reports }) => {
  app.get(
    '/summary',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['reports'],
        security: [{ bearerAuth: [] }],
        summary: "The account's conversation volume, first-response and resolution times, AI accuracy (from agents' corrections) and draft outcomes per day",
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 365, default: 30 }) }, { additionalProperties: false }),
        response: { 200: Summary, ...errorResponses },
      },
    },
    async (request) => reports.summary(request.auth, request.query.days),
  );
};
