/** OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp) via OPENAI_BASE_URL: a forced function call. */
import OpenAI from 'openai';
import type { RemoteProvider } from './anthropic.js';
import { MalformedAnswerError } from './failure.js';
import { checkAnswer, systemPrompt, toolSchema, TOOL_NAME } from './remote-classification.js';
import { checkDraft, draftSystemPrompt, draftToolSchema, draftUserPrompt, DRAFT_TOOL_NAME } from './remote-draft.js';

/** The arguments of the forced function call, parsed. */
function toolInput(call: OpenAI.Chat.Completions.ChatCompletionMessageToolCall | undefined): unknown {
  try {
    return call && call.type === 'function' ? JSON.parse(call.function.arguments) : undefined;
  } catch {
    throw new MalformedAnswerError('tool arguments are not JSON');
  }
}

export function createOpenAiProvider(options: { apiKey: string; model: string; baseURL?: string | undefined; timeoutMs: number }): RemoteProvider {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: 1 });
  return {
    name: 'openai',
    model: options.model,
    label: `${options.model} (OpenAI-compatible)`,
    async classify(taxonomy, text) {
      const categories = taxonomy.map((c) => c.name);
      const response = await client.chat.completions.create({
        model: options.model,
        max_tokens: 400,
        messages: [
          { role: 'system', content: systemPrompt(taxonomy) },
          { role: 'user', content: `Customer message:\n"""\n${text.slice(0, 8_000)}\n"""` },
        ],
        tools: [
          {
            type: 'function',
            function: { name: TOOL_NAME, description: 'Record the classification of the customer message', parameters: toolSchema(categories) },
          },
        ],
        tool_choice: { type: 'function', function: { name: TOOL_NAME } },
      });
      const call = response.choices[0]?.message.tool_calls?.find((c) => c.type === 'function' && c.function.name === TOOL_NAME);
      const answer = checkAnswer(toolInput(call), categories);
      if (typeof answer === 'string') throw new MalformedAnswerError(answer);
      return answer;
    },
    async draft(request) {
      const response = await client.chat.completions.create({
        model: options.model,
        max_tokens: 1_500,
        messages: [
          { role: 'system', content: draftSystemPrompt(request) },
          { role: 'user', content: draftUserPrompt(request) },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: DRAFT_TOOL_NAME,
              description: 'Record the reply draft and the sources it cites',
              parameters: draftToolSchema(request.sources.map((s) => s.ref)),
            },
          },
        ],
        tool_choice: { type: 'function', function: { name: DRAFT_TOOL_NAME } },
      });
      const call = response.choices[0]?.message.tool_calls?.find((c) => c.type === 'function' && c.function.name === DRAFT_TOOL_NAME);
      return checkDraft(toolInput(call), request.sources);
    },
    async probe() {
      // GET /models: unbilled, and served by OpenAI-compatible servers (Ollama, vLLM, llama.cpp),
      // which do not all serve /models/{model}, nor name their models as OPENAI_MODEL does.
      await client.models.list({ maxRetries: 0 });
    },
  };
}
