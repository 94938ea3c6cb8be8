/**
 * How a provider SDK's failures read, whichever SDK threw them: the `openai`
 * and `@anthropic-ai/sdk` packages share the shape of their errors (a
 * connection error, its timeout subclass, and an API error with the HTTP
 * status, the response headers and the parsed error body). Connection
 * failures, timeouts and retryable statuses (429, 529 overloaded, other 5xx,
 * with the wait the server asked for) are retryable; other statuses are not,
 * and carry a hint for the person who has to fix them.
 */
import type { EndpointConfig } from './openAiEndpoint';
import { AttemptFailure, isRetryableStatus, retryAfterMs } from './retryPolicy';

/** An SDK's API error, as both SDKs shape it. */
interface ApiErrorShape extends Error {
  readonly status: number | undefined;
  readonly headers: { get(name: string): string | null } | undefined;
  readonly error: unknown;
}

/** The error classes of one SDK. */
export interface SdkErrorClasses {
  readonly timeout: abstract new (...args: never[]) => Error;
  readonly connection: abstract new (...args: never[]) => Error;
  readonly api: abstract new (...args: never[]) => ApiErrorShape;
}

/** What the words of a failure need of its endpoint. */
export interface FailureContext {
  readonly config: EndpointConfig;
  readonly timeoutMs: number;
  redact(text: string): string;
}

/** How an error the SDK threw reads; undefined for errors that are not the SDK's, which the caller classifies itself. */
export function classifySdkFailure(error: unknown, sdk: SdkErrorClasses, endpoint: FailureContext): AttemptFailure | undefined {
  if (error instanceof sdk.timeout) return { retryable: true, reason: `no answer within ${endpoint.timeoutMs} ms` };
  if (error instanceof sdk.connection) return connectionFailure(error, endpoint);
  if (error instanceof sdk.api && typeof error.status === 'number') return statusFailure(error.status, serverMessage(error), error.headers, endpoint);
  // response.json() throws SyntaxError on a body that is not JSON.
  if (error instanceof SyntaxError) return { retryable: true, reason: endpoint.redact(`malformed response: ${error.message}`) };
  return undefined;
}

/** An HTTP status that ended an attempt, with the server's message: retryable statuses carry the wait asked for, the others a hint. */
export function statusFailure(
  status: number,
  message: string,
  headers: { get(name: string): string | null } | undefined,
  endpoint: FailureContext,
): AttemptFailure {
  const retryable = isRetryableStatus(status);
  const reason = endpoint.redact(`HTTP ${status}: ${retryable ? message : withHint(message, hint(status, endpoint.config))}`);
  return { retryable, reason, status, ...(retryable ? { retryAfterMs: retryAfterMs(headers) } : {}) };
}

/** A connection that failed: retryable, with what the network layer said (undici's "fetch failed" keeps the useful part in its cause). */
export function connectionFailure(error: Error, endpoint: FailureContext): AttemptFailure {
  const cause = error.cause instanceof Error ? `: ${describeCause(error.cause)}` : '';
  return { retryable: true, reason: endpoint.redact(`connection failed${cause}`) };
}

/** The HTTP status of an SDK's API error; undefined for any other error. */
export function sdkStatus(error: unknown, sdk: SdkErrorClasses): number | undefined {
  return error instanceof sdk.api ? error.status : undefined;
}

/** What to check for a status the person has to fix. */
function hint(status: number, config: EndpointConfig): string | undefined {
  switch (status) {
    case 401:
      return `Check ${config.apiKeySource ?? `the API key configured for endpoint "${config.name}"`}.`;
    case 403:
      return 'The key is valid but not allowed to use this model or endpoint.';
    case 404:
      return 'Check the model name and the base URL (for Azure: the deployment name and api-version).';
    default:
      return undefined;
  }
}

/** The server's message, ended as a sentence, then the hint (a server's "...api-keys." gets no second period). */
function withHint(message: string, hint: string | undefined): string {
  if (hint === undefined) return message;
  return `${/[.!?]$/.test(message) ? message : `${message}.`} ${hint}`;
}

/** The server's own message from an error body: OpenAI's `{ message }` or Anthropic's `{ error: { message } }` (the SDK prefixes the status, which we print ourselves). */
function serverMessage(error: ApiErrorShape): string {
  const body = error.error as { readonly message?: unknown; readonly error?: { readonly message?: unknown } } | undefined;
  const message = body?.message ?? body?.error?.message;
  if (typeof message === 'string' && message.length > 0) return message;
  return error.message.replace(/^\d{3} /, '');
}

/** undici reports "fetch failed" with the useful part (e.g. "other side closed") in its cause. */
function describeCause(cause: Error): string {
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}
