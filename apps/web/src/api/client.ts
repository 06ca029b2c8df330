/**
 * The typed API client: paths, bodies and answers come from the server's OpenAPI document
 * (generated into schema.d.ts at build time), so a renamed field is a type error here.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** Every error the API gives: `{error:{code, message, requestId, details?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: { field?: string; message?: string }[],
  ) {
    super(message);
  }

  /** The server's message for one field (`body.email`), for showing next to it. */
  fieldMessage(field: string): string | undefined {
    return this.details?.find((detail) => detail.field === `body.${field}` || detail.field === field)?.message;
  }
}

/** Any failure as an ApiError, so templates can show its message. */
export const asApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, 'unknown', error instanceof Error ? error.message : String(error));

let token: string | null = null;
let onUnauthorized: (code: string | undefined) => void = () => undefined;

export function useToken(value: string | null) {
  token = value;
}

/**
 * Called when a request with a token answers 401, with the server's code: `session_ended` when
 * the session was ended (signed out elsewhere, password changed, removed from the account),
 * otherwise it has expired.
 */
export function whenUnauthorized(handler: (code: string | undefined) => void) {
  onUnauthorized = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ response, request }) {
    if (response.status === 401 && request.headers.has('authorization')) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { error?: { code?: string } } | undefined;
      onUnauthorized(body?.error?.code);
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** The answer's data, or an ApiError with the server's code and message. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'network_error', 'The server cannot be reached. Check your connection and try again.');
  }
  if (result.response.ok) return result.data as T;
  const body = result.error as { error?: { code?: string; message?: string; requestId?: string; details?: ApiError['details'] } } | undefined;
  throw new ApiError(
    result.response.status,
    body?.error?.code ?? 'http_error',
    body?.error?.message ?? `The server answered ${result.response.status}`,
    body?.error?.requestId,
    body?.error?.details,
  );
}

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Conversation = Json<'/api/conversations/{id}', 'get', 200>['conversation'];
export type Message = Json<'/api/conversations/{id}/messages', 'get', 200>['data'][number];
export type EmailBody = Json<'/api/conversations/{id}/messages/{messageId}/email', 'get', 200>;
export type Classification = Json<'/api/conversations/{id}/classification', 'get', 200>['classification'];
export type Draft = Json<'/api/conversations/{id}/drafts', 'get', 200>['draft'];
export type Article = Json<'/api/knowledge-base/articles/{id}', 'get', 200>['article'];
export type ArticleSummary = Json<'/api/knowledge-base/articles', 'get', 200>['data'][number];
export type SearchResults = Json<'/api/knowledge-base/search', 'get', 200>;
export type Agent = Json<'/api/agents', 'get', 200>['data'][number];
export type Team = Json<'/api/teams', 'get', 200>['data'][number];
export type Inbox = Json<'/api/inboxes', 'get', 200>['data'][number];
export type Label = Json<'/api/labels', 'get', 200>['data'][number];
export type Me = Json<'/api/auth/me', 'get', 200>;
export type ConversationChange = NonNullable<paths['/api/conversations/{id}']['patch']['requestBody']>['content']['application/json'];
