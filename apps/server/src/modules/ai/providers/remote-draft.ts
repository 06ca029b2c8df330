/**
 * What the hosted models are asked for a reply draft, and how their answer is checked. The
 * prompt carries numbered sources (the passages retrieved for the question) and allows only
 * facts from them; the answer comes through one tool with the draft and the sources it cites.
 * An answer citing a source it was not given, or stating an answer without citing any, is
 * refused before anything is stored, and the local draft is written instead.
 */
import { MalformedAnswerError } from './failure.js';

export const DRAFT_TOOL_NAME = 'record_reply_draft';

export interface DraftSource {
  /** "S1", "S2", ...: how the prompt and the answer name it. */
  ref: string;
  articleId: number;
  title: string;
  text: string;
}

export interface DraftRequest {
  accountName: string;
  customerName: string | null;
  language: string;
  sentiment: string;
  category: string | null;
  /** Earlier public messages of the conversation, oldest first. */
  history: { from: 'customer' | 'agent'; content: string }[];
  message: string;
  sources: DraftSource[];
}

export interface RemoteDraft {
  content: string;
  /** Refs of the sources the draft relies on, all of them among the supplied ones. */
  citations: string[];
  answered: boolean;
  confidence: number;
  reasoning: string;
}

const MAX_SOURCE_CHARS = 6_000;
const MAX_HISTORY = 8;

export function draftToolSchema(refs: string[]) {
  return {
    type: 'object' as const,
    properties: {
      content: { type: 'string', description: 'The reply to the customer, with [S1]-style markers after statements taken from a source' },
      citations: { type: 'array', items: { type: 'string', enum: refs }, description: 'Every source the reply uses' },
      answered: {
        type: 'boolean',
        description: 'false when the sources do not answer the question (the reply then only acknowledges and promises a follow-up)',
      },
      confidence: { type: 'number', minimum: 0, maximum: 1, description: 'Probability that an agent can send the draft unchanged' },
      reasoning: { type: 'string', description: 'One or two sentences for the agent: what the draft relies on and what to check' },
    },
    required: ['content', 'citations', 'answered', 'confidence', 'reasoning'],
  };
}

export function draftSystemPrompt(request: DraftRequest): string {
  const sources = request.sources.length
    ? request.sources.map((source) => `[${source.ref}] ${source.title}\n${source.text.slice(0, MAX_SOURCE_CHARS)}`).join('\n\n')
    : '(none: the knowledge base has nothing on this question)';
  return [
    `You draft replies to customers for the support agents of ${request.accountName}. An agent reviews the draft before it is sent. Answer with the ${DRAFT_TOOL_NAME} tool only.`,
    [
      'Rules:',
      '- State policies, prices, time frames, procedures and other facts ONLY when a source below says them. Never invent, assume or generalise a policy.',
      '- Mark each statement taken from a source with its reference, like [S1], and list every source used in citations.',
      '- If the sources do not answer the question, set answered to false and write a short, sincere holding reply saying a colleague will look into it; promise no outcome.',
      `- Write in the customer's language (${request.language}). The customer's sentiment is ${request.sentiment}: acknowledge frustration or anger briefly and sincerely, without grovelling.`,
      `- Greet the customer${request.customerName ? ` by first name (${request.customerName.split(' ')[0]})` : ''}, keep it concise, end with a short closing and no signature placeholder.`,
    ].join('\n'),
    `Sources:\n${sources}`,
  ].join('\n\n');
}

export function draftUserPrompt(request: DraftRequest): string {
  const history = request.history
    .slice(-MAX_HISTORY)
    .map((message) => `${message.from === 'customer' ? 'Customer' : 'Agent'}: ${message.content.slice(0, 2_000)}`)
    .join('\n');
  return [
    history ? `Conversation so far:\n${history}` : null,
    request.category ? `The message was classified as ${request.category}.` : null,
    `Latest customer message:\n"""\n${request.message.slice(0, 8_000)}\n"""`,
  ]
    .filter(Boolean)
    .join('\n\n');
}

const MARKER = /\[(S\d+)(?:\s*,\s*(S\d+))*\]/g;

/** The tool input as a draft grounded in the supplied sources, or a MalformedAnswerError saying why not. */
export function checkDraft(input: unknown, sources: DraftSource[]): RemoteDraft {
  const answer = input as Partial<RemoteDraft> | undefined;
  const supplied = new Set(sources.map((source) => source.ref));
  if (!answer || typeof answer !== 'object') throw new MalformedAnswerError('no tool input');
  if (typeof answer.content !== 'string' || !answer.content.trim()) throw new MalformedAnswerError('no reply text');
  if (!Array.isArray(answer.citations) || answer.citations.some((ref) => typeof ref !== 'string'))
    throw new MalformedAnswerError('citations are not a list of references');
  const marked = [...answer.content.matchAll(MARKER)].flatMap((match) => match[0].slice(1, -1).split(/\s*,\s*/));
  const unknown = [...answer.citations, ...marked].find((ref) => !supplied.has(ref));
  if (unknown) throw new MalformedAnswerError(`cites ${unknown}, a source it was not given`);
  if (typeof answer.answered !== 'boolean') throw new MalformedAnswerError('answered is not a boolean');
  if (answer.answered && answer.citations.length === 0) throw new MalformedAnswerError('answers without citing a source');
  if (typeof answer.confidence !== 'number' || !(answer.confidence >= 0 && answer.confidence <= 1)) throw new MalformedAnswerError('confidence out of range');
  if (typeof answer.reasoning !== 'string' || !answer.reasoning.trim()) throw new MalformedAnswerError('no reasoning');
  return {
    // The markers are for checking; the customer reads the reply without them.
    content: answer.content
      .replace(/[ \t]*\[S\d+(?:\s*,\s*S\d+)*\]/g, '')
      .trim()
      .slice(0, 10_000),
    citations: [...new Set([...answer.citations, ...marked])],
    answered: answer.answered,
    confidence: answer.confidence,
    reasoning: answer.reasoning.slice(0, 1_000),
  };
}
