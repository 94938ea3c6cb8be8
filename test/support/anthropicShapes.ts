/**
 * The test server's translations between Anthropic's Messages shapes and the
 * OpenAI chat shapes it answers in: a request's `params` as a chat body (the
 * system prompt as the first message, so a request has one key online and in
 * a batch), a completion as a message, and a status as the error type the
 * Messages API names it with.
 */

/** A chat completion as the server builds it. */
interface Completion {
  readonly id: string;
  readonly choices: ReadonlyArray<{ readonly message: { readonly content: string | null } }>;
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

/** The Messages API's answer to a request the server answered with `completion`. */
export function anthropicMessage(model: string, completion: unknown): Record<string, unknown> {
  const c = completion as Completion;
  const text = c.choices[0].message.content;
  return {
    id: c.id.replace('chatcmpl-', 'msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content: text === null ? [] : [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    ...(c.usage ? { usage: { input_tokens: c.usage.prompt_tokens, output_tokens: c.usage.completion_tokens } } : {}),
  };
}

/** The OpenAI chat body of a Messages request's parameters, or what is wrong with them. */
export function chatBodyOfParams(params: unknown): Record<string, unknown> | string {
  if (typeof params !== 'object' || params === null) return 'params: expected an object';
  const p = params as { model?: unknown; messages?: unknown; system?: unknown; max_tokens?: unknown };
  if (typeof p.model !== 'string') return 'params.model: Field required';
  if (typeof p.max_tokens !== 'number') return 'params.max_tokens: Field required';
  if (!Array.isArray(p.messages)) return 'params.messages: Field required';
  if (p.system !== undefined && typeof p.system !== 'string') return 'params.system must be a string here';
  const system = p.system === undefined ? [] : [{ role: 'system', content: p.system }];
  return { model: p.model, messages: [...system, ...(p.messages as unknown[])], max_tokens: p.max_tokens };
}

/** The error type the Messages API names a status with. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}
