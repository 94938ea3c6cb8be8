/**
 * HTTP pieces the test server's routes share: JSON and OpenAI-style error
 * responses, request bodies, and the faults a test can inject.
 */
import { IncomingMessage, ServerResponse } from 'node:http';

/** What goes wrong with one request. */
export type Fault =
  /** Answer with this HTTP status and an OpenAI-style error body; 429 may carry Retry-After headers. */
  | { readonly kind: 'status'; readonly status: number; readonly message?: string; readonly retryAfterSeconds?: number; readonly retryAfterMs?: number }
  /** Never answer; the request stays open until the client gives up or the server closes. */
  | { readonly kind: 'hang' }
  /** Status 200 with a JSON content type and a body that is not JSON. */
  | { readonly kind: 'malformed' }
  /** Destroy the socket without answering. */
  | { readonly kind: 'reset' }
  /** A normal answer without the `usage` object (as some local servers do). */
  | { readonly kind: 'noUsage' }
  /** A normal-looking answer whose message content is null. */
  | { readonly kind: 'nullContent' };

/**
 * Applies the faults that replace the response (status, hang, malformed,
 * reset). Returns true when the response is taken care of; false for no fault
 * or one that shapes a normal answer (noUsage, nullContent).
 */
export function applyFault(fault: Fault | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  switch (fault?.kind) {
    case 'hang':
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-broken", "choices": [');
      return true;
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      sendError(res, fault.status, fault.message ?? `injected HTTP ${fault.status}`, headers);
      return true;
    }
    default:
      return false;
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The parsed JSON, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The body of an OpenAI-style error response. */
export function errorBody(status: number, message: string): { error: { message: string; type: string; code: string } } {
  return { error: { message, type: 'test_server_error', code: String(status) } };
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, errorBody(status, message), headers);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
