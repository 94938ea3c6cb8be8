/**
 * The batch journal: an append-only record, one JSON line per event, of what
 * a batch run did at the provider, so that a run killed at any point resumes
 * polling the same batches and never creates a batch twice (see
 * batchCoordinator.ts for the invariants it keeps). Lines are written with one
 * synchronous write each, flushed to the disk before the step they record is
 * taken ({@link AppendOnlyLines}, durable), so they survive a power cut too; a
 * line torn by a crash is skipped on reading, so the step it recorded is
 * simply done again.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AppendOnlyLines } from '../../io/appendOnlyLines';
import * as z from 'zod';
import { firstIssue, StateFileError } from '../../io/jsonFile';
import { readJsonl } from '../../io/jsonl';
import type { BatchProblem, BatchStatus } from '../../llm/batchProvider';
import type { RequestFile } from './requestFiles';

/**
 * Why a file holds the leftovers of a batch: its failed lines worth another
 * try (`failed`), the lines an expired batch left unanswered (`expired`) or a
 * batch we cancelled did (`cancelled`: resubmitted without counting an
 * attempt), lines the provider refused for good (`refused`: a 4xx other than
 * 408 and 429) or left unanswered by a batch cancelled at the provider by
 * someone else (`cancelledAtProvider`). The last two are not resubmitted.
 */
export type LeftoverReason = 'failed' | 'expired' | 'cancelled' | 'refused' | 'cancelledAtProvider';

/** A request file in the journal. */
export interface PlannedFile extends RequestFile {
  /**
   * 1 for the first plan; a resubmission of failed lines counts one more, and
   * so does one of lines an expired batch left unanswered when that batch
   * answered nothing (an expired batch that made progress never tried them).
   */
  readonly attempt: number;
  /** Batches its requests went through without an answer before it (0 for the first plan, absent in journals written before it was kept). */
  readonly rounds?: number;
  /** For leftovers: the batch they come from, and why. */
  readonly from?: { readonly batchId: string; readonly reason: LeftoverReason };
}

/** A request that got no answer, with the provider's last word on it. */
export interface FailedRequest {
  readonly customId: string;
  readonly message: string;
}

export type JournalEvent =
  | { readonly type: 'started'; readonly runId: string }
  | { readonly type: 'planned'; readonly files: readonly PlannedFile[] }
  | { readonly type: 'uploaded'; readonly file: string; readonly fileId: string }
  | { readonly type: 'created'; readonly file: string; readonly batchId: string; readonly createdAt: number; readonly adopted: boolean }
  | {
      readonly type: 'status';
      readonly batchId: string;
      readonly status: BatchStatus;
      readonly completed: number;
      readonly failed: number;
      readonly total: number;
      readonly outputFileId?: string;
      readonly errorFileId?: string;
      readonly problems?: readonly BatchProblem[];
    }
  | { readonly type: 'cancelRequested'; readonly batchId: string }
  /** The file's requests were answered online instead of in a batch (its stragglers). */
  | { readonly type: 'answeredOnline'; readonly file: string; readonly answered: number }
  | {
      readonly type: 'downloaded';
      readonly batchId: string;
      readonly answered: number;
      readonly failed: number;
      readonly unanswered: number;
      /** The first failures, with their messages (a sample for the final error, not all of them). */
      readonly failures: readonly FailedRequest[];
      /** The requests left without an answer, in files (see {@link LeftoverReason}). */
      readonly leftovers: readonly PlannedFile[];
    };

/** A journal line: an event and when it happened. */
export type JournalLine = JournalEvent & { readonly at: string };

const nonEmpty = z.string().min(1);
const count = z.int().min(0);
const plannedFileSchema = z.object({
  path: nonEmpty,
  model: nonEmpty,
  requests: count,
  bytes: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
  attempt: z.int().min(1),
  rounds: z.int().min(0).exactOptional(),
  from: z.object({ batchId: nonEmpty, reason: z.enum(['failed', 'expired', 'cancelled', 'refused', 'cancelledAtProvider']) }).exactOptional(),
});
const failedRequestSchema = z.object({ customId: z.string(), message: z.string() });
const problemSchema = z.object({ code: z.string(), message: z.string(), line: z.int().exactOptional() }).transform((p) => ({ ...p, line: p.line }));
const at = z.iso.datetime();

/** A journal line as it must read back: one event this code writes, with its time. */
const journalLineSchema: z.ZodType<JournalLine> = z.discriminatedUnion('type', [
  z.object({ at, type: z.literal('started'), runId: nonEmpty }),
  z.object({ at, type: z.literal('planned'), files: z.array(plannedFileSchema) }),
  z.object({ at, type: z.literal('uploaded'), file: nonEmpty, fileId: nonEmpty }),
  z.object({ at, type: z.literal('created'), file: nonEmpty, batchId: nonEmpty, createdAt: z.number(), adopted: z.boolean() }),
  z.object({
    at,
    type: z.literal('status'),
    batchId: nonEmpty,
    status: z.enum(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled']),
    completed: count,
    failed: count,
    total: count,
    outputFileId: z.string().exactOptional(),
    errorFileId: z.string().exactOptional(),
    problems: z.array(problemSchema).exactOptional(),
  }),
  z.object({ at, type: z.literal('cancelRequested'), batchId: nonEmpty }),
  z.object({ at, type: z.literal('answeredOnline'), file: nonEmpty, answered: count }),
  z.object({
    at,
    type: z.literal('downloaded'),
    batchId: nonEmpty,
    answered: count,
    failed: count,
    unanswered: count,
    failures: z.array(failedRequestSchema),
    leftovers: z.array(plannedFileSchema),
  }),
]);

/** What the journal holds, for its errors. */
const WHAT = 'a Smart batch journal';

/** What the journal says about one request file. */
export interface FileState {
  readonly plan: PlannedFile;
  /** When it was planned (ISO 8601). */
  readonly plannedAt: string;
  /** Planned by an earlier process: a batch may exist at the provider although none is recorded. */
  readonly earlier: boolean;
  fileId?: string;
  batchId?: string;
  /** Unix seconds, as the provider reported it. */
  createdAt?: number;
  status?: BatchStatus;
  counts: { completed: number; failed: number; total: number };
  outputFileId?: string | undefined;
  errorFileId?: string | undefined;
  problems: readonly BatchProblem[];
  cancelRequested: boolean;
  /** Set once its requests were answered online (stragglers): how many calls that took. */
  answeredOnline?: number;
  downloaded?: { readonly answered: number; readonly failed: number; readonly unanswered: number; readonly failures: readonly FailedRequest[] };
}

/** The run the journal records, rebuilt from its lines. */
export interface JournalState {
  /** Names this run's batches at the provider (metadata `smart_run`). */
  readonly runId: string;
  /** True once the first plan is recorded (even an empty one). */
  readonly planned: boolean;
  /** Every file ever planned, in the order planned. */
  readonly files: readonly FileState[];
}

/** The append-only journal of one batch run, with its state kept current. */
export class BatchJournal {
  private readonly fileStates: FileState[] = [];
  private readonly byPath = new Map<string, FileState>();
  private readonly byBatch = new Map<string, FileState>();
  private runIdValue: string | undefined;
  private planned = false;
  private out: AppendOnlyLines | undefined;
  /** Lines torn by a crash (not JSON), passed over: the step each recorded is done again. */
  skippedLines = 0;

  private constructor(readonly file: string) {}

  /**
   * Opens (creating if needed) a journal and rebuilds its state; a new
   * journal starts a run with a new id. A line that is not JSON was torn by
   * a crash mid-write and is passed over; a line that is JSON but no event
   * this code writes, or an event for a file or batch the lines before never
   * planned, means the journal was edited or is not one: believing it could
   * pay for a batch twice, so it stops the run.
   * @throws StateFileError naming the file and the line.
   */
  static async open(file: string): Promise<BatchJournal> {
    const journal = new BatchJournal(file);
    if (existsSync(file)) {
      for await (const { line, value } of readJsonl(file, { skipInvalid: true, onInvalid: () => journal.skippedLines++ })) {
        const parsed = journalLineSchema.safeParse(value);
        if (!parsed.success) throw new StateFileError(file, WHAT, firstIssue(parsed.error), line);
        if (!journal.apply(parsed.data, true))
          throw new StateFileError(file, WHAT, `a "${parsed.data.type}" event for a file or batch no line before it planned`, line);
      }
    }
    journal.out = new AppendOnlyLines(file, true);
    if (journal.runIdValue === undefined) journal.record({ type: 'started', runId: randomUUID() });
    return journal;
  }

  get state(): JournalState {
    return { runId: this.runId, planned: this.planned, files: this.fileStates };
  }

  get runId(): string {
    if (this.runIdValue === undefined) throw new Error(`internal error: ${this.file} has no run id`);
    return this.runIdValue;
  }

  /** The state of the file at `filePath`, or of the file batch `batchId` runs. */
  fileOf(key: { readonly path: string } | { readonly batchId: string }): FileState | undefined {
    return 'path' in key ? this.byPath.get(key.path) : this.byBatch.get(key.batchId);
  }

  /** Appends the event, durably (it survives a power cut once this returns: a lost one could mean a batch created twice), and applies it to the state. */
  record(event: JournalEvent): void {
    if (this.out === undefined) throw new Error(`journal ${this.file} is closed`);
    const line: JournalLine = { at: new Date().toISOString(), ...event };
    if (!this.apply(line, false)) throw new Error(`internal error: ${event.type} event for an unknown file or batch`);
    this.out.append(JSON.stringify(line));
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
  }

  /** Applies one event; false when it does not fit the state (unknown type, file or batch). */
  private apply(line: JournalLine, earlier: boolean): boolean {
    switch (line.type) {
      case 'started':
        this.runIdValue ??= line.runId;
        return typeof line.runId === 'string';
      case 'planned':
        if (!Array.isArray(line.files)) return false;
        for (const plan of line.files) this.addFile(plan, line.at, earlier);
        this.planned = true;
        return true;
      case 'uploaded':
        return this.update(this.byPath.get(line.file), (f) => {
          f.fileId = line.fileId;
        });
      case 'created':
        return this.update(this.byPath.get(line.file), (f) => {
          f.batchId = line.batchId;
          f.createdAt = line.createdAt;
          this.byBatch.set(line.batchId, f);
        });
      case 'status':
        return this.update(this.byBatch.get(line.batchId), (f) => {
          f.status = line.status;
          f.counts = { completed: line.completed, failed: line.failed, total: line.total };
          f.outputFileId = line.outputFileId;
          f.errorFileId = line.errorFileId;
          f.problems = line.problems ?? [];
        });
      case 'cancelRequested':
        return this.update(this.byBatch.get(line.batchId), (f) => {
          f.cancelRequested = true;
        });
      case 'answeredOnline':
        return this.update(this.byPath.get(line.file), (f) => {
          f.answeredOnline = line.answered;
        });
      case 'downloaded':
        return this.update(this.byBatch.get(line.batchId), (f) => {
          f.downloaded = { answered: line.answered, failed: line.failed, unanswered: line.unanswered, failures: line.failures };
          for (const plan of line.leftovers) this.addFile(plan, line.at, earlier);
        });
    }
  }

  private addFile(plan: PlannedFile, at: string, earlier: boolean): void {
    // One path is one file: planned twice, it keeps its first record.
    if (this.byPath.has(plan.path)) return;
    const state: FileState = { plan, plannedAt: at, earlier, counts: { completed: 0, failed: 0, total: plan.requests }, problems: [], cancelRequested: false };
    this.fileStates.push(state);
    this.byPath.set(plan.path, state);
  }

  private update(file: FileState | undefined, change: (file: FileState) => void): boolean {
    if (file === undefined) return false;
    change(file);
    return true;
  }
}
