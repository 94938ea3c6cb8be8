/**
 * The OpenAI-compatible test server (test/support) on a thread of its own,
 * failing requests on a schedule: a share of them at random (429 with
 * Retry-After, or 500), and optionally every request for a stretch of time
 * (an outage). On its own thread the server does not compete with the client
 * for the event loop, so a run of 100,000 calls takes half the time.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { hashUnit } from '../../src/core/random';
import { startOpenAiTestServer, type Fault, type TestMessage } from '../support/openaiTestServer';

export interface FaultPlan {
  readonly latencyMs: number;
  /** Share of requests that fail outside an outage: half 429 (with Retry-After), half 500. */
  readonly faultRate: number;
  /** Makes the random faults reproducible. */
  readonly seed: number;
  /** From the request with index `fromCall` on, every request fails for `durationMs`. */
  readonly outage?: { readonly fromCall: number; readonly durationMs: number };
}

/** What the server saw, reported when it stops. */
export interface ServerStats {
  readonly requests: number;
  /** Answered successfully: what a provider would bill. */
  readonly paid: number;
  /** Requests paid more than once. */
  readonly paidTwice: number;
  readonly rateLimited: number;
  readonly serverErrors: number;
  /** Requests failed because of the outage (also counted in rateLimited or serverErrors). */
  readonly duringOutage: number;
  /** Real length of the outage, 0 without one. */
  readonly outageMs: number;
}

/** The scripted answer: the last message in capitals. */
export function stressAnswer(messages: readonly TestMessage[]): string {
  return messages[messages.length - 1].content.toUpperCase();
}

export interface FaultyServer {
  readonly baseURL: string;
  /** Stops the server and its thread; resolves with what it saw. */
  stop(): Promise<ServerStats>;
}

/** Starts the server on a new thread. */
export async function startFaultyServer(plan: FaultPlan): Promise<FaultyServer> {
  const worker = new Worker(__filename, { workerData: plan });
  const baseURL = await new Promise<string>((resolve, reject) => {
    worker.once('message', (message: { baseURL: string }) => resolve(message.baseURL));
    worker.once('error', reject);
  });
  return {
    baseURL,
    stop: async () => {
      const stats = new Promise<ServerStats>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const result = await stats;
      await worker.terminate();
      return result;
    },
  };
}

/** The thread's side: serve until told to stop, then report. */
async function serveOnThisThread(plan: FaultPlan): Promise<void> {
  let rateLimited = 0;
  let serverErrors = 0;
  let duringOutage = 0;
  let outageStart: number | undefined;
  let outageEnd: number | undefined;
  // OpenAI sends both headers; the client reads retry-after-ms first.
  const tooMany: Fault = { kind: 'status', status: 429, message: 'rate limited', retryAfterMs: 20, retryAfterSeconds: 1 };
  const failing: Fault = { kind: 'status', status: 500, message: 'internal error' };
  const count = (fault: Fault): Fault => {
    if (fault === tooMany) rateLimited++;
    else serverErrors++;
    return fault;
  };
  const server = await startOpenAiTestServer({
    answer: (_model, messages) => stressAnswer(messages),
    latencyMs: plan.latencyMs,
    fault: ({ callIndex }) => {
      const now = Date.now();
      if (plan.outage && outageStart === undefined && callIndex >= plan.outage.fromCall) {
        outageStart = now;
        outageEnd = now + plan.outage.durationMs;
      }
      if (outageEnd !== undefined && now < outageEnd) {
        duringOutage++;
        return count(callIndex % 2 === 0 ? tooMany : failing);
      }
      const u = hashUnit(callIndex, plan.seed);
      if (u < plan.faultRate / 2) return count(tooMany);
      if (u < plan.faultRate) return count(failing);
      return undefined;
    },
  });
  parentPort!.postMessage({ baseURL: server.baseURL });
  parentPort!.once('message', () => {
    const counts = server.counts();
    const stats: ServerStats = {
      requests: counts.total,
      paid: counts.paid,
      paidTwice: Object.values(counts.paidPerKey).filter((n) => n > 1).length,
      rateLimited,
      serverErrors,
      duringOutage,
      outageMs: outageStart === undefined ? 0 : Math.min(Date.now(), outageEnd!) - outageStart,
    };
    void server.close().then(() => parentPort!.postMessage(stats));
  });
}

if (!isMainThread) void serveOnThisThread(workerData as FaultPlan);
