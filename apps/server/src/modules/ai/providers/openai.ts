/** OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp) via OPENAI_BASE_URL: a forced function call. */
import OpenAI from 'openai';
import { MalformedAnswerError, type RemoteProvider } from './anthropic.js';
import { checkAnswer, systemPrompt, toolSchema, TOOL_NAME } from './remote-classification.js';

export function createOpenAiProvider(options: { apiKey: string; model: string; baseURL?: string | undefined; timeoutMs: number }): RemoteProvider {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: 1 });
  return {
    name: 'openai',
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
        tools: [{ type: 'function', function: { name: TOOL_NAME, description: 'Record the classification of the customer message', parameters: toolSchema(categories) } }],
        tool_choice: { type: 'function', function: { name: TOOL_NAME } },
      });
      const call = response.choices[0]?.message.tool_calls?.find((c) => c.type === 'function' && c.function.name === TOOL_NAME);
      let input: unknown;
      try {
        input = call && call.type === 'function' ? JSON.parse(call.function.arguments) : undefined;
      } catch {
        throw new MalformedAnswerError('tool arguments are not JSON');
      }
      const answer = checkAnswer(input, categories);
      if (typeof answer === 'string') throw new MalformedAnswerError(answer);
      return answer;
    },
  };
}
