/**
 * Runs request files through a provider's Batch API to the end: uploads
 * them, creates their batches, polls, streams the answers out, resubmits what
 * failed or went unanswered, and says which requests never got an answer.
 *
 * Design: the journal and what a resume may rely on
 * --------------------------------------------------
 * Everything done at the provider is recorded in the journal
 * (batchJournal.ts) right after it is done, one line per event, each written
 * with one synchronous write: planned (the files, with their sha256),
 * uploaded (file id), created (batch id), status (when it changes),
 * cancelRequested, downloaded (counts, a sample of failures, and the leftover
 * files). The state is rebuilt from the journal alone, so a process killed at
 * any point resumes where the journal ends, and these invariants hold:
 *
 * 1. A batch id once recorded is never created again: its file is only
 *    polled, downloaded, or cancelled from then on.
 * 2. The window between the provider creating a batch and the journal
 *    recording it is closed by metadata: every batch carries `smart_run` (the
 *    journal's run id), `smart_file` (its file's name) and `smart_requests`
 *    (its number of requests, all a provider without metadata can match:
 *    see anthropicBatches.ts). A file planned by
 *    an earlier process and without a recorded batch is first looked for
 *    among the provider's batches created since it was planned (less an hour
 *    for clocks), never one the journal holds for another file; one found is
 *    adopted, not created anew. Within one process
 *    the client does the same between attempts of a create that may have
 *    gone through (batchApi.ts).
 * 3. A file is uploaded only if its bytes still hash to the planned sha256,
 *    so a batch always runs exactly the requests the plan recorded.
 * 4. The first plan is made once: when the journal holds a plan, `plan` is
 *    not called again (the lead's plan skips cached requests, so a second
 *    plan would differ). A plan torn by a crash is not in the journal, and is
 *    made again from scratch.
 * 5. A batch's answers go to `onAnswer` before `downloaded` is recorded.
 *    A process killed in between hands them on again when it resumes
 *    (at-least-once: `onAnswer` must be idempotent, as a response cache put
 *    is), but never pays for them again: downloads cost nothing.
 * 6. Leftovers (failed lines worth another try and lines an expired or
 *    cancelled batch left unanswered) are written to new files before
 *    `downloaded` names them, and are submitted as new batches, each request
 *    at most `maxAttempts` times in all. A batch we cancelled does not use up
 *    an attempt, nor do the lines an expired batch left unanswered when it
 *    answered others (it made progress and never tried them); lines the
 *    provider refused for good (4xx other than 408 and 429) and lines of a
 *    batch someone cancelled at the provider are not resubmitted. All of
 *    them end the run with a {@link BatchRunError} naming them.
 * 7. With `stragglers`, a run always finishes: leftovers whose requests two
 *    batches already ended without answering, and every leftover once the
 *    run has waited `maxHours` (its running batches are then cancelled), are
 *    answered online instead, each request once (`answer` skips what is
 *    answered), and `answeredOnline` is recorded after.
 *
 * A journal belongs to one run of the application phase: once `runBatches`
 * resolves, its requests are answered; a new run starts a new journal.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CLOCK_SKEW_SECONDS,
  FINAL_STATUSES,
  REQUESTS_KEY,
  type BatchInfo,
  type BatchProvider,
  type BatchResultRecord,
  type BatchStatus,
  type RequestLineFormat,
} from '../../llm/batchProvider';
import { estimateTokens, type Log } from '../../llm/openAiEndpoint';
import { isRetryableStatus } from '../../llm/retryPolicy';
import { BatchJournal, FailedRequest, FileState, LeftoverReason, PlannedFile } from './batchJournal';
import { BatchRequest, fileSafe, promptCharacters, RequestFile, RequestFileLimits, requestsIn, writeRequestFiles } from './requestFiles';
import { CallPool } from '../../core/callPool';
import type { ChatRequest } from '../../llm/chatBackend';

/** One answered request. */
export interface BatchAnswer {
  /** The request's custom_id: its cache key. */
  readonly customId: string;
  /** The provider's model name. */
  readonly model: string;
  readonly text: string;
  /** As the provider reported them; estimated as characters / 4 when it did not. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The answer's probability, when the request asked for log-probabilities. */
  readonly confidence?: number;
}

/** Where one request file stands: planned, uploaded, or its batch's status. */
export type BatchStage = 'planned' | 'uploaded' | BatchStatus | 'online';

/** One request file and its batch, for the UI. */
export interface BatchView {
  readonly file: string;
  readonly model: string;
  readonly requests: number;
  readonly attempt: number;
  readonly stage: BatchStage;
  /** The provider's batch id, once created. */
  readonly batchId: string | undefined;
  /** Unix seconds, as the provider reported it. */
  readonly createdAt: number | undefined;
  readonly completed: number;
  readonly failed: number;
  /** True once its answers were handed on. */
  readonly downloaded: boolean;
}

export interface BatchProgress {
  /** Every file submitted or to be submitted, in the order planned. */
  readonly batches: readonly BatchView[];
  /** Requests answered and handed on so far (earlier processes included). */
  readonly answered: number;
}

export interface RunBatchesOptions {
  readonly api: BatchProvider;
  readonly journal: BatchJournal;
  /** Writes the request files (see `writeRequestFiles`); called only when the journal holds no plan yet. */
  readonly plan: () => Promise<readonly RequestFile[]>;
  /** Where leftover files are written. */
  readonly folder: string;
  /** Told each answer; may be told one again after a resume, so it must be idempotent. */
  readonly onAnswer: (answer: BatchAnswer) => void | Promise<void>;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Time between two polls of the running batches. Default 60 s. */
  readonly pollSeconds?: number;
  /** Times a request is submitted at most, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Limits of leftover files (default OpenAI's). */
  readonly limits?: RequestFileLimits;
  /** Stops the run: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * On abort, leave the batches running at the provider (the default: a
   * resume picks them up) or cancel them there; a function chooses from the
   * abort's reason, when the person says at the moment of cancelling.
   */
  readonly onAbort?: AbortChoice | ((reason: unknown) => AbortChoice);
  readonly log?: Log;
  /** Answering stragglers online (invariant 7); without it they are resubmitted while attempts last. */
  readonly stragglers?: StragglerOptions;
}

/** How stragglers are answered online. */
export interface StragglerOptions {
  /** Answers one request online at list price and hands the answer on; does nothing for one already answered. */
  readonly answer: (customId: string, request: ChatRequest, signal: AbortSignal) => Promise<void>;
  /** Online calls in flight at once. */
  readonly concurrency: number;
  /** Hours after the run's first plan when whatever is left goes online. */
  readonly maxHours: number;
}

/** Batches a request may go through without an answer before it is a straggler. */
const STRAGGLER_ROUNDS = 2;

/** What becomes of the running batches when a run is aborted. */
export type AbortChoice = 'leave' | 'cancel';

/** What a run did, over every process that worked on its journal. */
export interface BatchRunSummary {
  readonly answered: number;
  readonly batches: number;
}

/** A batch that failed validation: nothing of its file ran. */
export interface ValidationFailure {
  readonly batchId: string;
  readonly file: string;
  readonly problems: readonly { readonly code: string; readonly message: string; readonly line: number | undefined }[];
}

/** The run ended with requests unanswered. */
export class BatchRunError extends Error {
  override readonly name = 'BatchRunError';

  constructor(
    message: string,
    readonly validation: readonly ValidationFailure[],
    /** How many requests got no answer outside the batches that failed validation. */
    readonly unansweredCount: number,
    /** The first of them, with the provider's last word where known. */
    readonly unanswered: readonly FailedRequest[],
    /** The files that hold every one of them. */
    readonly files: readonly string[],
  ) {
    super(message);
  }
}

const DEFAULT_POLL_SECONDS = 60;
const DEFAULT_MAX_ATTEMPTS = 3;
/** Failures kept per batch in the journal, to name in the final error. */
const FAILURE_SAMPLE = 20;
/** Requests named in the final error; the rest are counted. */
const NAMED_IN_ERROR = 10;
/** Time allowed to cancel the batches after an abort, when asked to. */
const CANCEL_TIMEOUT_MS = 30_000;

/**
 * Runs the journal's batch run to its end (see the design note above):
 * resolves once every request is answered and handed to `onAnswer`; rejects
 * with a {@link BatchRunError} naming what never was, with the signal's
 * reason when aborted, or with the error of a call that failed for good (the
 * journal keeps everything done so far: run again to resume).
 */
export async function runBatches(options: RunBatchesOptions): Promise<BatchRunSummary> {
  return new BatchRun(options).run();
}

class BatchRun {
  private readonly signal: AbortSignal;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly log: Log;

  constructor(private readonly options: RunBatchesOptions) {
    this.signal = options.signal ?? new AbortController().signal;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.pollMs = Math.max(0, (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000);
    this.log = options.log ?? (() => undefined);
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) throw new RangeError(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
  }

  private get journal(): BatchJournal {
    return this.options.journal;
  }

  async run(): Promise<BatchRunSummary> {
    try {
      this.signal.throwIfAborted();
      await this.ensurePlan();
      this.progress();
      for (;;) {
        this.signal.throwIfAborted();
        for (const file of this.files((f) => this.toSubmit(f))) await this.submit(file);
        for (const file of this.files((f) => this.isRunning(f))) await this.poll(file);
        for (const file of this.files((f) => this.toCollect(f))) await this.collect(file);
        if (this.waitedTooLong()) await this.cancelForStragglers();
        for (const file of this.files((f) => this.toAnswerOnline(f))) await this.answerOnline(file);
        if (this.files((f) => this.toSubmit(f)).length > 0) continue;
        if (this.files((f) => this.isRunning(f)).length === 0) break;
        await this.wait();
      }
    } catch (error) {
      if (this.signal.aborted && this.abortChoice() === 'cancel') await this.cancelRunning();
      throw error;
    }
    return this.finish();
  }

  private abortChoice(): AbortChoice {
    const choice = this.options.onAbort ?? 'leave';
    return typeof choice === 'function' ? choice(this.signal.reason) : choice;
  }

  private files(which: (file: FileState) => boolean): FileState[] {
    return this.journal.state.files.filter(which);
  }

  /** Not yet a batch, and to be one. */
  private toSubmit(file: FileState): boolean {
    return file.batchId === undefined && file.answeredOnline === undefined && this.submittable(file.plan) && !this.isStraggler(file);
  }

  /**
   * Leftovers answered online instead of in a batch: their requests went
   * through two batches without an answer, or the run has waited too long.
   * Refused requests and those of batches cancelled at the provider are not.
   */
  private isStraggler(file: FileState): boolean {
    if (this.options.stragglers === undefined || file.plan.from === undefined) return false;
    const reason = file.plan.from.reason;
    if (reason === 'refused' || reason === 'cancelledAtProvider') return false;
    return (file.plan.rounds ?? 0) >= STRAGGLER_ROUNDS || this.waitedTooLong();
  }

  private toAnswerOnline(file: FileState): boolean {
    return file.batchId === undefined && file.answeredOnline === undefined && file.plan.requests > 0 && this.isStraggler(file);
  }

  /** Whether the run has waited `maxHours` since its first plan (with stragglers online only). */
  private waitedTooLong(): boolean {
    const stragglers = this.options.stragglers;
    const first = this.journal.state.files[0];
    if (stragglers === undefined || first === undefined) return false;
    return Date.now() - Date.parse(first.plannedAt) > stragglers.maxHours * 3_600_000;
  }

  /** Once the run has waited too long: cancels the batches still running, whose unanswered requests then go online. */
  private async cancelForStragglers(): Promise<void> {
    const running = this.files((f) => this.isRunning(f) && !f.cancelRequested && f.status !== undefined && !FINAL_STATUSES.has(f.status));
    if (running.length === 0) return;
    this.log(
      'warn',
      `waited ${this.options.stragglers!.maxHours} h: cancelling ${running.length} batch(es) still running; what they leave unanswered is asked online`,
    );
    for (const file of running) {
      const batch = await this.options.api.cancelBatch(file.batchId!, this.signal);
      this.journal.record({ type: 'cancelRequested', batchId: batch.id });
      this.observe(file, batch);
    }
  }

  /** Answers a straggler file's requests online (each at most once, however often this is resumed), then records it. */
  private async answerOnline(file: FileState): Promise<void> {
    const stragglers = this.options.stragglers!;
    const pool = new CallPool(stragglers.concurrency);
    let answered = 0;
    for await (const { customId, request } of requestsIn(file.plan.path, this.options.api.lines, this.signal)) {
      this.signal.throwIfAborted();
      const wait = pool.run(
        () => stragglers.answer(customId, request, this.signal),
        () => answered++,
      );
      if (wait) await wait;
    }
    await pool.drain();
    this.journal.record({ type: 'answeredOnline', file: file.plan.path, answered });
    this.log('info', `${path.basename(file.plan.path)}: ${answered} straggler request(s) answered online at list price`);
    this.progress();
  }

  private submittable(plan: PlannedFile): boolean {
    const reason = plan.from?.reason;
    return plan.requests > 0 && reason !== 'refused' && reason !== 'cancelledAtProvider' && plan.attempt <= this.maxAttempts;
  }

  /** To poll: not ended, or ended without naming the files its counts promise. */
  private isRunning(file: FileState): boolean {
    return file.batchId !== undefined && (file.status === undefined || !FINAL_STATUSES.has(file.status) || filesPending(file));
  }

  /** Ended with answers (or leftovers) not yet handed on. A batch that failed validation has none. */
  private toCollect(file: FileState): boolean {
    return file.status !== undefined && FINAL_STATUSES.has(file.status) && file.status !== 'failed' && file.downloaded === undefined && !filesPending(file);
  }

  private async ensurePlan(): Promise<void> {
    if (this.journal.state.planned) return;
    const files = await this.options.plan();
    this.journal.record({ type: 'planned', files: files.map((f) => ({ ...f, attempt: 1 })) });
    this.log('info', `planned ${files.length} batch file(s) of ${files.reduce((n, f) => n + f.requests, 0)} requests`);
  }

  /** Creates the file's batch, or adopts the one an earlier process created without recording it. */
  private async submit(file: FileState): Promise<void> {
    const { api } = this.options;
    const name = path.basename(file.plan.path);
    const metadata = this.metadataOf(file);
    if (file.earlier && (await this.adopt(file, 'was created by an earlier run; polling it', this.signal))) return;
    if (file.fileId === undefined) {
      await checkUnchanged(file.plan, this.journal.file);
      const uploaded = await api.uploadRequestFile(file.plan.path, this.signal);
      this.journal.record({ type: 'uploaded', file: file.plan.path, fileId: uploaded.id });
      this.progress();
    }
    const batch = await api.createBatch(file.fileId!, metadata, this.signal, this.recordedBatches());
    this.journal.record({ type: 'created', file: file.plan.path, batchId: batch.id, createdAt: batch.createdAt, adopted: false });
    this.log('info', `batch ${batch.id} created for ${name} (${file.plan.requests} requests of ${file.plan.model}, attempt ${file.plan.attempt})`);
    this.observe(file, batch);
  }

  private async poll(file: FileState): Promise<void> {
    this.observe(file, await this.options.api.retrieveBatch(file.batchId!, this.signal));
  }

  /** Records a change of status or counts. */
  private observe(file: FileState, batch: BatchInfo): void {
    const { completed, failed, total } = batch.counts;
    const same =
      file.status === batch.status &&
      file.counts.completed === completed &&
      file.counts.failed === failed &&
      file.counts.total === total &&
      file.outputFileId === batch.outputFileId &&
      file.errorFileId === batch.errorFileId;
    if (same) return;
    this.journal.record({
      type: 'status',
      batchId: batch.id,
      status: batch.status,
      completed,
      failed,
      total,
      ...(batch.outputFileId !== undefined ? { outputFileId: batch.outputFileId } : {}),
      ...(batch.errorFileId !== undefined ? { errorFileId: batch.errorFileId } : {}),
      ...(batch.status === 'failed' ? { problems: batch.problems } : {}),
    });
    if (batch.status === 'failed') this.log('error', describeValidation(this.validationOf(file)));
    this.progress();
  }

  /**
   * Hands on the answers of an ended batch, then writes its leftovers to new
   * files and records it all (invariants 5 and 6).
   */
  private async collect(file: FileState): Promise<void> {
    const { api } = this.options;
    const batchId = file.batchId!;
    const results = new BatchResults(file.plan.model, this.options.onAnswer);
    for (const fileId of [file.outputFileId, file.errorFileId]) {
      if (fileId !== undefined) await api.readResults(fileId, (record) => results.take(record), this.signal);
    }
    await results.estimateMissingUsage(file.plan.path, api.lines, this.signal);
    if (results.estimated > 0) {
      this.log('debug', `batch ${batchId}: ${results.estimated} answers came without token usage; estimated as characters / 4`);
    }

    const leftovers = await this.leftoversOf(file, batchId, results);
    const unanswered = file.plan.requests - results.answeredCount - results.failedCount;
    this.journal.record({
      type: 'downloaded',
      batchId,
      answered: results.answeredCount,
      failed: results.failedCount,
      unanswered,
      failures: results.sample(),
      leftovers,
    });
    this.log('info', `batch ${batchId} ${file.status}: ${results.answeredCount} answered, ${results.failedCount} failed, ${unanswered} unanswered`);
    this.progress();
  }

  /**
   * The files of what an ended batch left: its failed lines (an attempt
   * used), the lines it left unanswered (an expired batch that answered
   * others never tried them: no attempt used; one that answered nothing
   * uses one, so that a batch engine that answers nothing cannot hold a run
   * forever; our own cancel uses none), and the lines refused for good. Each
   * counts one more round without an answer.
   */
  private async leftoversOf(file: FileState, batchId: string, results: BatchResults): Promise<PlannedFile[]> {
    const { attempt } = file.plan;
    const rounds = (file.plan.rounds ?? 0) + 1;
    const unansweredReason: LeftoverReason =
      file.status === 'expired' ? 'expired' : file.status === 'cancelled' ? (file.cancelRequested ? 'cancelled' : 'cancelledAtProvider') : 'failed';
    const untried = unansweredReason === 'cancelled' || (unansweredReason === 'expired' && results.answeredCount > 0);
    return [
      ...(await this.leftovers(file, batchId, (id) => results.isFailed(id) && !results.isRefused(id), { attempt: attempt + 1, rounds }, 'failed')),
      ...(await this.leftovers(file, batchId, (id) => results.isUnanswered(id), { attempt: untried ? attempt : attempt + 1, rounds }, unansweredReason)),
      ...(await this.leftovers(file, batchId, (id) => results.isRefused(id), { attempt: attempt + 1, rounds }, 'refused')),
    ];
  }

  /** Writes the lines of the file's requests that `pick` chooses to new files (none when it chooses none). */
  private async leftovers(
    file: FileState,
    batchId: string,
    pick: (customId: string) => boolean,
    counts: { readonly attempt: number; readonly rounds: number },
    reason: LeftoverReason,
  ): Promise<PlannedFile[]> {
    const signal = this.signal;
    const model = file.plan.model;
    const base = `${fileSafe(batchId)}.${reason === 'refused' ? 'refused' : reason === 'failed' ? 'retry' : 'unanswered'}`;
    const lines = this.options.api.lines;
    async function* picked(): AsyncGenerator<BatchRequest> {
      for await (const { customId, request } of requestsIn(file.plan.path, lines, signal)) {
        if (pick(customId)) yield { key: customId, model, request };
      }
    }
    const written = await writeRequestFiles(picked(), this.options.folder, {
      lines,
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      name: (index) => `${base}-${index}.jsonl`,
    });
    return written.map((w) => ({ ...w, ...counts, from: { batchId, reason } }));
  }

  private async wait(): Promise<void> {
    try {
      await delay(this.pollMs, undefined, { signal: this.signal });
    } catch (error) {
      throw this.signal.aborted ? this.signal.reason : error;
    }
  }

  /** What ties a file's batch to this run at the provider: how a batch whose id went unrecorded is found. */
  private metadataOf(file: FileState): Record<string, string> {
    return { smart_run: this.journal.runId, smart_file: path.basename(file.plan.path), [REQUESTS_KEY]: String(file.plan.requests) };
  }

  /** The batches the journal holds: other files', never to be taken for one without. */
  private recordedBatches(): Set<string> {
    return new Set(this.journal.state.files.flatMap((f) => (f.batchId === undefined ? [] : [f.batchId])));
  }

  /** Finds the file's batch at the provider by its metadata and records it as created; false when there is none. */
  private async adopt(file: FileState, why: string, signal: AbortSignal): Promise<boolean> {
    const since = Math.floor(Date.parse(file.plannedAt) / 1000) - CLOCK_SKEW_SECONDS;
    const found = await this.options.api.findBatch(this.metadataOf(file), since, signal, this.recordedBatches());
    if (found === undefined) return false;
    this.journal.record({ type: 'created', file: file.plan.path, batchId: found.id, createdAt: found.createdAt, adopted: true });
    this.log('info', `batch ${found.id} of ${path.basename(file.plan.path)} ${why}`);
    this.observe(file, found);
    return true;
  }

  /**
   * After an abort, asks the provider to cancel every batch still running;
   * failures are logged, not thrown. A create the abort cut off may have gone
   * through without its id recorded: that batch is found first, by its metadata.
   */
  private async cancelRunning(): Promise<void> {
    const signal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
    for (const file of this.files((f) => f.batchId === undefined && f.fileId !== undefined)) {
      try {
        await this.adopt(file, 'was created as the run was cancelled', signal);
      } catch (error) {
        this.log(
          'warn',
          `could not look for the batch of ${path.basename(file.plan.path)}: ${error instanceof Error ? error.message : String(error)}; a resume will find it`,
        );
      }
    }
    for (const file of this.files((f) => this.isRunning(f) && !f.cancelRequested)) {
      try {
        const batch = await this.options.api.cancelBatch(file.batchId!, signal);
        this.journal.record({ type: 'cancelRequested', batchId: batch.id });
        this.observe(file, batch);
      } catch (error) {
        this.log(
          'warn',
          `could not cancel batch ${file.batchId}: ${error instanceof Error ? error.message : String(error)}; it runs on, and a resume will collect it`,
        );
      }
    }
  }

  private progress(): void {
    const files = this.journal.state.files;
    const batches = files
      .filter((f) => f.batchId !== undefined || f.answeredOnline !== undefined || this.submittable(f.plan) || this.toAnswerOnline(f))
      .map((f): BatchView => {
        const online = f.answeredOnline !== undefined || this.toAnswerOnline(f);
        return {
          file: f.plan.path,
          model: f.plan.model,
          requests: f.plan.requests,
          attempt: f.plan.attempt,
          stage: online ? 'online' : (f.status ?? (f.batchId !== undefined ? 'validating' : f.fileId !== undefined ? 'uploaded' : 'planned')),
          batchId: f.batchId,
          createdAt: f.createdAt,
          completed: online ? (f.answeredOnline ?? 0) : f.counts.completed,
          failed: f.counts.failed,
          downloaded: f.downloaded !== undefined || f.answeredOnline !== undefined,
        };
      });
    this.options.onProgress?.({ batches, answered: answeredIn(files) });
  }

  private validationOf(file: FileState): ValidationFailure {
    return { batchId: file.batchId!, file: file.plan.path, problems: file.problems };
  }

  /** Resolves when every request was answered; else throws what was not and why. */
  private async finish(): Promise<BatchRunSummary> {
    const files = this.journal.state.files;
    const validation = files.filter((f) => f.status === 'failed').map((f) => this.validationOf(f));
    const givenUp = files.filter((f) => f.plan.from !== undefined && f.plan.requests > 0 && f.answeredOnline === undefined && !this.submittable(f.plan));
    if (validation.length === 0 && givenUp.length === 0) {
      return { answered: answeredIn(files), batches: files.filter((f) => f.batchId !== undefined).length };
    }
    const known = new Map<string, string>();
    for (const f of files) for (const failure of f.downloaded?.failures ?? []) known.set(failure.customId, failure.message);
    const named: FailedRequest[] = [];
    for (const f of givenUp) {
      for await (const { customId } of requestsIn(f.plan.path, this.options.api.lines, this.signal)) {
        if (named.length >= NAMED_IN_ERROR) break;
        named.push({ customId, message: known.get(customId) ?? unansweredBecause(f.plan) });
      }
    }
    const count = givenUp.reduce((n, f) => n + f.plan.requests, 0);
    throw new BatchRunError(
      describeFailure(this.options.api.endpointName, validation, count, named, givenUp, this.maxAttempts),
      validation,
      count,
      named,
      givenUp.map((f) => f.plan.path),
    );
  }
}

/** Sorts one batch's result lines: answers handed on, failures kept to resubmit or report. */
class BatchResults {
  private readonly answered = new Set<string>();
  private readonly failures = new Map<string, { message: string; refused: boolean }>();
  /** Answers without usage, handed on once their input tokens are estimated. */
  private readonly withoutUsage = new Map<string, AnsweredRecord>();
  estimated = 0;

  constructor(
    private readonly model: string,
    private readonly onAnswer: RunBatchesOptions['onAnswer'],
  ) {}

  get answeredCount(): number {
    return this.answered.size;
  }

  get failedCount(): number {
    return this.failures.size;
  }

  async take(record: BatchResultRecord): Promise<void> {
    const { customId } = record;
    if (this.answered.has(customId)) return;
    if (!record.ok) {
      this.failures.set(customId, { message: record.message, refused: record.status !== undefined && !isRetryableStatus(record.status) });
      return;
    }
    this.answered.add(customId);
    this.failures.delete(customId);
    if (record.usage === undefined) this.withoutUsage.set(customId, record);
    else await this.onAnswer({ customId, model: this.model, text: record.text, ...record.usage, ...confidenceOf(record) });
  }

  /** Hands on the answers without usage, their input tokens estimated from the requests (as the chat client does). */
  async estimateMissingUsage(requestFile: string, lines: RequestLineFormat, signal: AbortSignal): Promise<void> {
    if (this.withoutUsage.size === 0) return;
    for await (const { customId, request } of requestsIn(requestFile, lines, signal)) {
      const record = this.withoutUsage.get(customId);
      if (record === undefined) continue;
      const { text } = record;
      await this.onAnswer({
        customId,
        model: this.model,
        text,
        inputTokens: estimateTokens(promptCharacters(request)),
        outputTokens: estimateTokens(text.length),
        ...confidenceOf(record),
      });
      this.estimated++;
    }
  }

  /** Its line failed. */
  isFailed(customId: string): boolean {
    return this.failures.has(customId);
  }

  /** Neither answered nor failed: the batch never reached it. */
  isUnanswered(customId: string): boolean {
    return !this.answered.has(customId) && !this.failures.has(customId);
  }

  isRefused(customId: string): boolean {
    return this.failures.get(customId)?.refused === true;
  }

  sample(): FailedRequest[] {
    return [...this.failures].slice(0, FAILURE_SAMPLE).map(([customId, { message }]) => ({ customId, message }));
  }
}

/** Refuses to upload a file whose bytes are not the ones planned (invariant 3). */
async function checkUnchanged(plan: PlannedFile, journalFile: string): Promise<void> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(plan.path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new Error(
      `the batch request file ${plan.path} cannot be read (${error instanceof Error ? error.message : String(error)}); delete ${journalFile} to plan the batches afresh`,
    );
  }
  if (hash.digest('hex') !== plan.sha256) {
    throw new Error(`the batch request file ${plan.path} changed since it was planned; delete ${journalFile} to plan the batches afresh`);
  }
}

/**
 * An ended batch whose counts say it answered (or failed) requests but that
 * names no output (or error) file yet. Its lines must not be taken for
 * unanswered, which would pay for them again: it is polled until it names them.
 */
function filesPending(file: FileState): boolean {
  if (file.status === undefined || !FINAL_STATUSES.has(file.status) || file.status === 'failed') return false;
  return (file.counts.completed > 0 && file.outputFileId === undefined) || (file.counts.failed > 0 && file.errorFileId === undefined);
}

function answeredIn(files: readonly FileState[]): number {
  return files.reduce((n, f) => n + (f.downloaded?.answered ?? 0) + (f.answeredOnline ?? 0), 0);
}

function unansweredBecause(plan: PlannedFile): string {
  switch (plan.from?.reason) {
    case 'expired':
      return `unanswered when batch ${plan.from.batchId} expired`;
    case 'cancelledAtProvider':
      return `unanswered: batch ${plan.from.batchId} was cancelled at the provider`;
    case 'cancelled':
      return `unanswered: batch ${plan.from.batchId} was cancelled`;
    case 'refused':
    case 'failed':
    case undefined:
      return 'failed';
  }
}

function describeValidation(v: ValidationFailure): string {
  const problems =
    v.problems.length === 0 ? 'no reason given' : v.problems.map((p) => `${p.line !== undefined ? `line ${p.line}: ` : ''}${p.code}: ${p.message}`).join('; ');
  return `batch ${v.batchId} of ${v.file} failed validation: ${problems}`;
}

function describeFailure(
  endpoint: string,
  validation: readonly ValidationFailure[],
  count: number,
  named: readonly FailedRequest[],
  givenUp: readonly FileState[],
  maxAttempts: number,
): string {
  const lines = [`The batch run on endpoint "${endpoint}" left requests unanswered:`];
  for (const v of validation) lines.push(`- ${describeValidation(v)}`);
  if (count > 0) {
    const listed = named.map((n) => `${n.customId} (${n.message})`).join(', ');
    const more = count > named.length ? ` and ${count - named.length} more` : '';
    lines.push(
      `- ${count} request(s) got no answer (at most ${maxAttempts} attempts each; refused requests and batches cancelled at the provider are not resubmitted): ${listed}${more}; ` +
        `the requests are in ${givenUp.map((f) => f.plan.path).join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** An output line that answered its request. */
export type AnsweredRecord = Extract<BatchResultRecord, { ok: true }>;

/** The answer's probability as an optional field: present only when the line carried log-probabilities. */
export function confidenceOf(record: { readonly confidence?: number }): { confidence?: number } {
  return record.confidence !== undefined ? { confidence: record.confidence } : {};
}
