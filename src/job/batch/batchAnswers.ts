/**
 * Batch mode's answers for the engine's application phase (the engine's
 * `BulkAnswers`): the calls the plan will make go, per endpoint, to the
 * provider's Batch API (request files, batches, polls, results), and every
 * answer goes into the job's response cache marked as fetched by this run,
 * at the batch discount. The engine then processes the items as usual and
 * the job's client answers each call from the cache, charged at the
 * discount, not as a free cache hit.
 *
 * Models on endpoints without a Batch API (`"batch": false`) are answered
 * online while the calls are sorted: the engine asks until nothing is
 * missing, so every call must end up answered, and for a gated plan whose
 * cheap member is local the gate cannot be decided without its answer.
 *
 * Each fetch is one round per endpoint (batchSession.ts): an endpoint whose
 * last round did not end (a killed or cancelled run) resumes it, polling the
 * same batches, and takes no new calls; once it ends, the engine's next
 * round asks again for whatever is still missing.
 */
import type { BulkAnswers, PlannedCall } from '../../core/engine';
import type { BatchesProgress, BatchRow } from '../../core/report';
import type { Completion, ModelSpec } from '../../core/types';
import type { InputRecord } from '../../io/readingPass';
import type { BatchProvider } from '../../llm/batchProvider';
import type { Log } from '../../llm/openAiEndpoint';
import type { BatchSettings } from '../configSchema';
import type { JobClient } from '../jobClient';
import type { ResponseCache } from '../responseCache';
import { BatchRunError, confidenceOf, runBatches, type AbortChoice, type BatchAnswer, type BatchProgress } from './batchCoordinator';
import { BatchJournal } from './batchJournal';
import type { BatchSession, Round } from './batchSession';
import type { RequestFile, RequestFileLimits } from './requestFiles';
import { routeCalls } from './routeCalls';

export interface BatchAnswersOptions {
  readonly client: JobClient;
  readonly cache: ResponseCache;
  readonly session: BatchSession;
  readonly settings: BatchSettings;
  /** The Batch API of each endpoint that serves one; models on the others are called online. */
  readonly apis: ReadonlyMap<string, BatchProvider>;
  /** Online calls in flight at once. */
  readonly concurrency: number;
  /** Told every change of any batch. */
  readonly onProgress?: (progress: BatchesProgress) => void;
  /** What becomes of the running batches when the run is aborted, from the abort's reason (default: left running). */
  readonly onAbort?: (reason: unknown) => AbortChoice;
  /** Times a request is submitted at most (default: the coordinator's). */
  readonly maxAttempts?: number;
  readonly log?: Log;
}

/** A round to run: its files, its journal, and the request files a new round plans. */
interface RoundRun {
  readonly round: Round;
  readonly journal: BatchJournal;
  readonly files: readonly RequestFile[];
}

export class BatchAnswers implements BulkAnswers<InputRecord> {
  /** The latest progress of every round run by this process, by journal file. */
  private readonly shown = new Map<string, { endpoint: string; progress: BatchProgress }>();

  constructor(private readonly options: BatchAnswersOptions) {}

  peek(model: ModelSpec, item: InputRecord): Completion | undefined {
    return this.options.client.peek(model, item);
  }

  async fetch(calls: AsyncIterable<PlannedCall<InputRecord>>, signal: AbortSignal): Promise<void> {
    const { session, apis } = this.options;
    const live = new Map<string, { round: Round; journal: BatchJournal }>();
    const fresh = new Map<string, Round>();
    const opened: BatchJournal[] = [];
    try {
      for (const endpoint of apis.keys()) {
        const round = session.liveRound(endpoint);
        if (round === undefined) continue;
        const journal = await BatchJournal.open(round.journal);
        opened.push(journal);
        live.set(endpoint, { round, journal });
      }
      const written = await routeCalls(calls, {
        client: this.options.client,
        cache: this.options.cache,
        signal,
        concurrency: this.options.concurrency,
        hasBatchApi: (endpoint) => apis.has(endpoint),
        files: (endpoint) => ({ lines: apis.get(endpoint)!.lines, limits: this.limitsOf(endpoint) }),
        folderOf: (endpoint) => {
          const resumed = live.get(endpoint);
          // A round planned before is resumed as planned; one whose plan a crash tore is planned now.
          if (resumed !== undefined) return resumed.journal.state.planned ? undefined : resumed.round.folder;
          const round = fresh.get(endpoint) ?? session.nextRound(endpoint);
          fresh.set(endpoint, round);
          return round.folder;
        },
      });
      const runs: RoundRun[] = [...live.values()].map(({ round, journal }) => ({ round, journal, files: written.get(round.endpoint) ?? [] }));
      for (const round of fresh.values()) {
        const journal = await BatchJournal.open(round.journal);
        opened.push(journal);
        runs.push({ round, journal, files: written.get(round.endpoint) ?? [] });
      }
      await this.runRounds(runs, signal);
    } finally {
      for (const journal of opened) journal.close();
    }
  }

  /**
   * Runs every endpoint's round at once. When one fails, the others are
   * stopped (their batches left running, for a resume) and its error is
   * thrown once all have stopped.
   */
  private async runRounds(runs: readonly RoundRun[], signal: AbortSignal): Promise<void> {
    const inner = new AbortController();
    const forward = (): void => inner.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    try {
      const results = await Promise.allSettled(
        runs.map((run) =>
          this.runRound(run, inner.signal).catch((error: unknown) => {
            inner.abort(error);
            throw error;
          }),
        ),
      );
      signal.throwIfAborted();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } finally {
      signal.removeEventListener('abort', forward);
    }
  }

  /** What one batch of an endpoint may hold: the settings' limits, and the provider's own where it takes fewer bytes. */
  private limitsOf(endpoint: string): RequestFileLimits {
    const { settings } = this.options;
    const providerBytes = this.options.apis.get(endpoint)!.maxBytesPerBatch;
    return { ...settings, maxBytesPerBatch: Math.min(settings.maxBytesPerBatch, providerBytes ?? Infinity) };
  }

  /** One endpoint's round to its end; an ended round (answered, or with requests given up on) is marked so, and the next fetch starts a new one. */
  private async runRound({ round, journal, files }: RoundRun, signal: AbortSignal): Promise<void> {
    const { settings, onAbort, maxAttempts, log } = this.options;
    try {
      await runBatches({
        api: this.options.apis.get(round.endpoint)!,
        journal,
        plan: () => Promise.resolve(files),
        folder: round.folder,
        onAnswer: (answer) => this.take(answer),
        onProgress: (progress) => this.progress(round, progress),
        pollSeconds: settings.pollSeconds,
        limits: this.limitsOf(round.endpoint),
        signal,
        ...(onAbort ? { onAbort } : {}),
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
        ...(log ? { log } : {}),
        ...(settings.stragglers === 'online'
          ? {
              stragglers: {
                answer: (customId, request, roundSignal) => this.options.client.fetchStraggler(round.endpoint, customId, request, roundSignal),
                concurrency: this.options.concurrency,
                maxHours: settings.maxHours,
              },
            }
          : {}),
      });
    } catch (error) {
      // Requests given up on stay so; a rerun submits what is still missing in a new round.
      if (error instanceof BatchRunError) this.end(round, journal);
      throw error;
    }
    this.end(round, journal);
  }

  private end(round: Round, journal: BatchJournal): void {
    journal.close();
    this.options.session.end(round);
  }

  /** Caches an answer as fetched by this run at the discount; an answer handed on again after a resume is taken once. */
  private take(answer: BatchAnswer): void {
    const { cache, session, settings } = this.options;
    if (cache.runOf(answer.customId) === session.runId) return;
    const { text, inputTokens, outputTokens } = answer;
    cache.put(answer.customId, { text, inputTokens, outputTokens, ...confidenceOf(answer), priceFactor: settings.discount, run: session.runId });
  }

  private progress(round: Round, progress: BatchProgress): void {
    this.shown.set(round.journal, { endpoint: round.endpoint, progress });
    const rows: BatchRow[] = [];
    let answered = 0;
    let requests = 0;
    for (const { endpoint, progress: p } of this.shown.values()) {
      answered += p.answered;
      for (const b of p.batches) {
        if (b.attempt === 1) requests += b.requests;
        rows.push({
          endpoint,
          model: b.model,
          requests: b.requests,
          attempt: b.attempt,
          stage: b.stage,
          ...(b.batchId !== undefined ? { batchId: b.batchId } : {}),
          ...(b.createdAt !== undefined ? { createdAt: b.createdAt } : {}),
          completed: b.completed,
          failed: b.failed,
          downloaded: b.downloaded,
        });
      }
    }
    this.options.onProgress?.({ batches: rows, answered, requests });
  }
}
