/** Claude through the official SDK: structured output via a forced tool call, cached system prompt. */
import Anthropic from '@anthropic-ai/sdk';
import { MalformedAnswerError } from './failure.js';
import { checkAnswer, systemPrompt, toolSchema, TOOL_NAME, type RemoteAnswer, type TaxonomyForPrompt } from './remote-classification.js';
import { checkDraft, draftSystemPrompt, draftToolSchema, draftUserPrompt, DRAFT_TOOL_NAME, type DraftRequest, type RemoteDraft } from './remote-draft.js';

export interface RemoteProvider {
  readonly name: 'anthropic' | 'openai';
  /** The model asked (ANTHROPIC_MODEL, OPENAI_MODEL). */
  readonly model: string;
  /** For the queue monitor: "Claude claude-sonnet-5-5". */
  readonly label: string;
  classify(taxonomy: TaxonomyForPrompt[], text: string): Promise<RemoteAnswer>;
  draft(request: DraftRequest): Promise<RemoteDraft>;
  /**
   * A free call that shows whether the provider answers with this key (for /health): resolves
   * when it does, rejects with the SDK's error otherwise (`status` set when it answered HTTP).
   * One attempt, no retry.
   */
  probe(): Promise<void>;
}

export function createAnthropicProvider(options: { apiKey: string; model: string; baseURL?: string | undefined; timeoutMs: number }): RemoteProvider {
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL ?? null, timeout: options.timeoutMs, maxRetries: 1 });
  return {
    name: 'anthropic',
    model: options.model,
    label: `Claude ${options.model}`,
    async classify(taxonomy, text) {
      const categories = taxonomy.map((c) => c.name);
      const response = await client.messages.create({
        model: options.model,
        max_tokens: 400,
        system: [{ type: 'text', text: systemPrompt(taxonomy), cache_control: { type: 'ephemeral' } }],
        tools: [{ name: TOOL_NAME, description: 'Record the classification of the customer message', input_schema: toolSchema(categories) }],
        tool_choice: { type: 'tool', name: TOOL_NAME },
        messages: [{ role: 'user', content: `Customer message:\n"""\n${text.slice(0, 8_000)}\n"""` }],
      });
      const call = response.content.find((block) => block.type === 'tool_use' && block.name === TOOL_NAME);
      const answer = checkAnswer(call && 'input' in call ? call.input : undefined, categories);
      if (typeof answer === 'string') throw new MalformedAnswerError(answer);
      return answer;
    },
    async draft(request) {
      const response = await client.messages.create({
        model: options.model,
        max_tokens: 1_500,
        system: [{ type: 'text', text: draftSystemPrompt(request) }],
        tools: [
          {
            name: DRAFT_TOOL_NAME,
            description: 'Record the reply draft and the sources it cites',
            input_schema: draftToolSchema(request.sources.map((s) => s.ref)),
          },
        ],
        tool_choice: { type: 'tool', name: DRAFT_TOOL_NAME },
        messages: [{ role: 'user', content: draftUserPrompt(request) }],
      });
      const call = response.content.find((block) => block.type === 'tool_use' && block.name === DRAFT_TOOL_NAME);
      return checkDraft(call && 'input' in call ? call.input : undefined, request.sources);
    },
    async probe() {
      // GET /v1/models/{model}: unbilled, and checks the key and the model name as well.
      await client.models.retrieve(options.model, {}, { maxRetries: 0 });
    },
  };
}
