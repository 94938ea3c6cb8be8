/**
 * One OpenAI-compatible endpoint as every client of it sees it: the `openai`
 * SDK configured for it, the redaction of its secrets, and how the SDK's
 * failures read (retryable or not, with a reason fit for users).
 *
 * The SDK does the HTTP; retries and timeouts are the callers' (the SDK's own
 * retries are off), so their policy is explicit and tested. API keys are never
 * put in messages or logs: callers pass every text that leaves them through
 * {@link OpenAiEndpoint.redact}.
 */
import { DEFAULTS } from '../core/defaults';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { AttemptFailure, isRetryableStatus, retryAfterMs } from './retryPolicy';

/** Where to send requests. */
export interface EndpointConfig {
  /** A name for messages and logs, e.g. "openai" or "ollama". */
  readonly name: string;
  /** Base URL up to and including the API version, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer <key>`; omit for servers without auth (then no Authorization header is sent). */
  readonly apiKey?: string | undefined;
  /** Extra headers, e.g. Azure's `api-key`. Their values are treated as secrets too. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra query parameters, e.g. Azure's `api-version`. */
  readonly query?: Readonly<Record<string, string>>;
  /** Time allowed for one attempt, body included. Default 120 s. */
  readonly timeoutMs?: number;
  /** Where the key comes from, named in the hint of a 401 error, e.g. "the OPENAI_API_KEY environment variable". */
  readonly apiKeySource?: string;
}

/** `trace` carries prompt contents: shown only where the user asked for that level. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string) => void;

/** The token estimate used where a server reports no usage: characters / 4, rounded up. */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

/** The SDK for one endpoint, with its secrets and its error vocabulary. */
export class OpenAiEndpoint {
  readonly sdk: OpenAI;
  /** Time allowed for one attempt (see {@link EndpointConfig.timeoutMs}). */
  readonly timeoutMs: number;
  private readonly secrets: string[];

  constructor(readonly config: EndpointConfig) {
    this.timeoutMs = Math.max(1, Math.round(config.timeoutMs ?? DEFAULTS.timeoutMs));
    this.secrets = [config.apiKey ?? '', ...Object.values(config.headers ?? {})]
      .filter((s) => s.length > 0)
      // Longest first, so a secret that contains another is replaced whole.
      .sort((a, b) => b.length - a.length);
    // An empty key (an unset variable read as '') means no key, as for a local server.
    const apiKey = config.apiKey || undefined;
    this.sdk = new OpenAI({
      baseURL: config.baseURL,
      // The SDK insists on a key; keyless servers get a placeholder whose header is removed below.
      apiKey: apiKey ?? 'no-key',
      // Explicit nulls keep OPENAI_ORG_ID / OPENAI_PROJECT_ID from leaking to other providers.
      organization: null,
      project: null,
      defaultHeaders: { ...(apiKey === undefined ? { Authorization: null } : {}), ...config.headers },
      defaultQuery: config.query,
      maxRetries: 0,
      timeout: this.timeoutMs,
      // The SDK's own logging (OPENAI_LOG=debug) would print requests; we log what matters ourselves.
      logLevel: 'off',
    });
  }

  get name(): string {
    return this.config.name;
  }

  /** The text with every secret of this endpoint replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  /** A log that redacts before passing messages on. */
  redactingLog(log: Log | undefined): Log {
    const target = log ?? (() => undefined);
    return (level, message) => target(level, this.redact(message));
  }

  /**
   * How an error the SDK threw reads: connection failures, timeouts and
   * retryable statuses (with the wait the server asked for) are retryable,
   * other statuses are not and carry a hint. Undefined for errors that are not
   * the SDK's, which the caller classifies itself.
   */
  classifySdkError(error: unknown): AttemptFailure | undefined {
    if (error instanceof APIConnectionTimeoutError) {
      return { retryable: true, reason: `no answer within ${this.timeoutMs} ms` };
    }
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${describeCause(error.cause)}` : '';
      return { retryable: true, reason: this.redact(`connection failed${cause}`) };
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status;
      const retryable = isRetryableStatus(status);
      const reason = this.redact(`HTTP ${status}: ${retryable ? serverMessage(error) : withHint(serverMessage(error), this.hint(status))}`);
      return { retryable, reason, status, ...(retryable ? { retryAfterMs: retryAfterMs(error.headers) } : {}) };
    }
    // response.json() throws SyntaxError on a body that is not JSON.
    if (error instanceof SyntaxError) {
      return { retryable: true, reason: this.redact(`malformed response: ${error.message}`) };
    }
    return undefined;
  }

  private hint(status: number): string | undefined {
    switch (status) {
      case 401:
        return `Check ${this.config.apiKeySource ?? `the API key configured for endpoint "${this.config.name}"`}.`;
      case 403:
        return 'The key is valid but not allowed to use this model or endpoint.';
      case 404:
        return 'Check the model name and the base URL (for Azure: the deployment name and api-version).';
      default:
        return undefined;
    }
  }
}

/** The server's message, ended as a sentence, then the hint (a server's "...api-keys." gets no second period). */
function withHint(message: string, hint: string | undefined): string {
  if (hint === undefined) return message;
  return `${/[.!?]$/.test(message) ? message : `${message}.`} ${hint}`;
}

/** The server's own message from an error body (the SDK prefixes the status, which we print ourselves). */
function serverMessage(error: APIError): string {
  const body: { readonly message?: unknown } | undefined = error.error;
  const message = body?.message;
  if (typeof message === 'string' && message.length > 0) return message;
  return error.message.replace(/^\d{3} /, '');
}

/** undici reports "fetch failed" with the useful part (e.g. "other side closed") in its cause. */
function describeCause(cause: Error): string {
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}
