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
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { EndpointSecrets } from './endpointSecrets';
import type { AttemptFailure } from './retryPolicy';
import { classifySdkFailure, type SdkErrorClasses } from './sdkFailures';

/** The `openai` package's error classes. */
export const OPENAI_ERRORS: SdkErrorClasses = { timeout: APIConnectionTimeoutError, connection: APIConnectionError, api: APIError };

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
export class OpenAiEndpoint extends EndpointSecrets {
  readonly sdk: OpenAI;

  constructor(config: EndpointConfig) {
    super(config);
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

  /** How an error the SDK threw reads (see sdkFailures.ts); undefined for errors that are not the SDK's. */
  classifySdkError(error: unknown): AttemptFailure | undefined {
    return classifySdkFailure(error, OPENAI_ERRORS, this);
  }
}
