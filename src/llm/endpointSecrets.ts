import { DEFAULTS } from '../core/defaults';
import type { EndpointConfig, Log } from './openAiEndpoint';

/**
 * What every client of an endpoint shares, whatever its protocol: its name,
 * the time one attempt may take, and its secrets (the key and the header
 * values), which no text that leaves a client may contain: every message and
 * log line goes through {@link EndpointSecrets.redact}.
 */
export class EndpointSecrets {
  /** Time allowed for one attempt (see {@link EndpointConfig.timeoutMs}). */
  readonly timeoutMs: number;
  private readonly secrets: string[];

  constructor(readonly config: EndpointConfig) {
    this.timeoutMs = Math.max(1, Math.round(config.timeoutMs ?? DEFAULTS.timeoutMs));
    this.secrets = [config.apiKey ?? '', ...Object.values(config.headers ?? {})]
      .filter((s) => s.length > 0)
      // Longest first, so a secret that contains another is replaced whole.
      .sort((a, b) => b.length - a.length);
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
}
