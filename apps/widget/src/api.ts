/**
 * The public client API as the widget uses it (README "Public client API"): the inbox's widget
 * settings, the visitor as a contact, their conversations and messages. Every answer that is not
 * a 2xx becomes an ApiError carrying the server's error code; a request that never got an
 * answer (offline, or refused by CORS) is status 0.
 */
export interface WidgetConfig {
  name: string;
  color: string;
  greeting: string | null;
  preChatForm: boolean;
  requireIdentity: boolean;
}

export interface PublicAttachment {
  id: number;
  fileName: string;
  contentType: string;
  size: number;
  url: string;
}

export interface PublicMessage {
  id: number;
  conversationId: number;
  /** Empty when the files say it all. */
  content: string;
  messageType: 'incoming' | 'outgoing';
  createdAt: string;
  sender: { type: 'contact' | 'agent'; name: string | null };
  attachments: PublicAttachment[];
}

export interface PublicConversation {
  id: number;
  status: string;
  createdAt: string;
  lastActivityAt: string;
  agentName: string | null;
}

export interface ContactInput {
  name?: string;
  email?: string;
  identifier?: string;
  identifierHash?: string;
}

export interface ContactSession {
  contact: string;
  token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How many of a conversation's latest messages the widget shows (the API's page size). */
const MESSAGES_SHOWN = 100;

export function createPublicApi(base: string, inbox: string) {
  const root = `${base}/api/public/inboxes/${encodeURIComponent(inbox)}`;

  async function call<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
    const { token, body } = options;
    const form = body instanceof FormData;
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        // Nothing of the host page's (cookies) goes along: the contact token is the credential.
        credentials: 'omit',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined || form ? {} : { 'content-type': 'application/json' }) },
        body: form ? body : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'No answer from the server');
    }
    const answer = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!response.ok) throw new ApiError(response.status, answer.error?.code ?? `http_${response.status}`, answer.error?.message ?? response.statusText);
    return answer as T;
  }

  const contactPath = (session: ContactSession) => `/contacts/${encodeURIComponent(session.contact)}`;

  return {
    config: () => call<{ inbox: WidgetConfig }>('GET', '').then((answer) => answer.inbox),

    createContact: (input: ContactInput) =>
      call<{ contact: { identifier: string }; token: string }>('POST', '/contacts', { body: input }).then((answer): ContactSession => ({
        contact: answer.contact.identifier,
        token: answer.token,
      })),

    conversations: (session: ContactSession) =>
      call<{ data: PublicConversation[] }>('GET', `${contactPath(session)}/conversations`, { token: session.token }).then((answer) => answer.data),

    createConversation: (session: ContactSession, content?: string) =>
      call<{ conversation: PublicConversation }>('POST', `${contactPath(session)}/conversations`, {
        token: session.token,
        body: content === undefined ? {} : { message: { content } },
      }).then((answer) => answer.conversation),

    /** The conversation's latest messages (the view orders them). */
    messages: (session: ContactSession, conversationId: number) =>
      call<{ data: PublicMessage[] }>('GET', `${contactPath(session)}/conversations/${conversationId}/messages?order=desc&limit=${MESSAGES_SHOWN}`, {
        token: session.token,
      }).then((answer) => answer.data),

    /** A text message as JSON; with files, multipart (`content` and the `attachments` files). */
    sendMessage(session: ContactSession, conversationId: number, content: string, files: readonly File[]) {
      let body: unknown = { content };
      if (files.length > 0) {
        const form = new FormData();
        if (content) form.append('content', content);
        for (const file of files) form.append('attachments', file, file.name);
        body = form;
      }
      return call<{ message: PublicMessage }>('POST', `${contactPath(session)}/conversations/${conversationId}/messages`, { token: session.token, body }).then(
        (answer) => answer.message,
      );
    },
  };
}
