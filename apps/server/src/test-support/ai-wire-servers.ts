/**
 * Local HTTP servers speaking the Anthropic Messages and OpenAI Chat Completions wire formats,
 * so the real SDKs are exercised end to end without the paid APIs. Each test decides what the
 * "model" answers (a tool call, malformed output, an error, or nothing for a while).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Reply =
  | { tool: Record<string, unknown> }
  | { status: number }
  | { delayMs: number; tool: Record<string, unknown> }
  | { text: string }
  /** No answer at all: the request stays open until the client gives up (its timeout), however long that takes. */
  | { hang: true };

export interface WireRequest {
  path: string;
  body: any;
  headers: IncomingMessage['headers'];
}

/**
 * Requests held back by the test: they wait, unanswered, until `release()`. What the server is
 * doing meanwhile (a re-embedding, a job) is then known to be in progress, not hoped to be.
 */
export interface Hold {
  /** The held requests that arrived so far (answered or not). */
  readonly held: readonly WireRequest[];
  /** Resolves once `count` held requests have arrived (the first, by default). */
  arrived(count?: number, timeoutMs?: number): Promise<WireRequest>;
  /** Answers the held requests, and every later one, as the server otherwise would. */
  release(): void;
}

export interface WireServer {
  url: string;
  requests: WireRequest[];
  /** What the model answers: one reply for every request, or one chosen per request (by its tool). */
  reply: Reply | ((body: any) => Reply);
  /** Delay of each embeddings answer (OpenAI server). Prefer `hold`, which waits for the test, not for a time. */
  embeddingDelayMs: number;
  /** Holds the requests that `matching` picks (all, without it) until the hold is released. */
  hold(matching?: (request: WireRequest) => boolean): Hold;
  close(): Promise<void>;
}

/** The forced tool a request asks for (Anthropic or OpenAI shape). */
export const toolOf = (body: any): string | undefined => body?.tool_choice?.name ?? body?.tool_choice?.function?.name;

/**
 * A deterministic stand-in for an embedding model: words hashed into the vector (a signed bag
 * of words), normalised. Texts sharing words are similar; it is not semantic, and need not be.
 */
export function hashedEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let hash = 2166136261;
    for (const char of word) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619) >>> 0;
    vector[hash % dimensions]! += hash & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

type Handle = (path: string, body: any, reply: Exclude<Reply, { hang: true }>) => { status: number; json: unknown };

interface ActiveHold {
  matching: (request: WireRequest) => boolean;
  held: WireRequest[];
  released: boolean;
  waiting: (() => void)[];
  /** Called when a held request arrives (the waits of `arrived`). */
  notify: (() => void)[];
}

async function serve(handle: Handle): Promise<WireServer> {
  const state = { requests: [] as WireServer['requests'], reply: { status: 500 } as WireServer['reply'], embeddingDelayMs: 0 };
  const holds: ActiveHold[] = [];
  // A request that fails here (malformed JSON from a test) ends its connection; the test sees that.
  const server: Server = createServer((request, response) => void answer(request, response).catch(() => response.destroy()));
  async function answer(request: IncomingMessage, response: ServerResponse) {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    const received: WireRequest = { path: request.url ?? '', body, headers: request.headers };
    state.requests.push(received);
    const closed = new Promise<void>((resolve) => response.once('close', () => resolve()));
    // Held by the test until it releases the hold (or the client gives up first).
    for (const hold of holds) {
      if (hold.released || !hold.matching(received)) continue;
      hold.held.push(received);
      for (const notify of hold.notify.splice(0)) notify();
      await Promise.race([new Promise<void>((resolve) => hold.waiting.push(resolve)), closed]);
    }
    if (response.destroyed) return;
    const reply = typeof state.reply === 'function' ? state.reply(body) : state.reply;
    if ('hang' in reply) {
      await closed;
      return;
    }
    const embedding = (request.url ?? '').endsWith('/embeddings');
    const delayMs = embedding ? state.embeddingDelayMs : 'delayMs' in reply ? reply.delayMs : 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const { status, json } = handle(request.url ?? '', body, reply);
    if (response.destroyed) return;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(json));
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const wire: WireServer = {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get reply() {
      return state.reply;
    },
    set reply(reply: WireServer['reply']) {
      state.reply = reply;
    },
    get embeddingDelayMs() {
      return state.embeddingDelayMs;
    },
    set embeddingDelayMs(ms: number) {
      state.embeddingDelayMs = ms;
    },
    hold(matching = () => true) {
      const hold: ActiveHold = { matching, held: [], released: false, waiting: [], notify: [] };
      holds.push(hold);
      return {
        get held() {
          return hold.held;
        },
        async arrived(count = 1, timeoutMs = 120_000) {
          if (hold.held.length < count) {
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([
              (async () => {
                while (hold.held.length < count) await new Promise<void>((resolve) => hold.notify.push(resolve));
              })(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`no ${count} held request(s) within ${timeoutMs} ms (${hold.held.length} so far)`)), timeoutMs);
              }),
            ]).finally(() => clearTimeout(timer));
          }
          return hold.held[count - 1]!;
        },
        release() {
          hold.released = true;
          for (const resume of hold.waiting.splice(0)) resume();
        },
      };
    },
    close: () =>
      new Promise((resolve) => {
        for (const hold of holds) {
          hold.released = true;
          for (const resume of hold.waiting.splice(0)) resume();
        }
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return wire;
}

const errorBody = (status: number) => ({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `status ${status}` } });

export function anthropicServer(): Promise<WireServer> {
  return serve((_path, body, reply) => {
    if ('status' in reply) return { status: reply.status, json: errorBody(reply.status) };
    const content =
      'text' in reply ? [{ type: 'text', text: reply.text }] : [{ type: 'tool_use', id: 'toolu_test', name: body.tools[0].name, input: reply.tool }];
    return {
      status: 200,
      json: {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model: body.model,
        content,
        stop_reason: 'text' in reply ? 'end_turn' : 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 120, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 },
      },
    };
  });
}

export function openAiServer(): Promise<WireServer> {
  return serve((path, body, reply) => {
    if (path.endsWith('/embeddings')) {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      return {
        status: 200,
        json: {
          object: 'list',
          model: body.model,
          data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: hashedEmbedding(input, body.dimensions ?? 1536) })),
          usage: { prompt_tokens: inputs.length * 10, total_tokens: inputs.length * 10 },
        },
      };
    }
    if ('status' in reply) return { status: reply.status, json: { error: { message: `status ${reply.status}`, type: 'server_error' } } };
    const message =
      'text' in reply
        ? { role: 'assistant', content: reply.text }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_test', type: 'function', function: { name: body.tools[0].function.name, arguments: JSON.stringify(reply.tool) } }],
          };
    return {
      status: 200,
      json: {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message, finish_reason: 'text' in reply ? 'stop' : 'tool_calls' }],
        usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
      },
    };
  });
}
