/**
 * The batch run of one job: what batch mode keeps under `.smart/` beside the
 * input between processes, so that a run killed, crashed or cancelled while
 * its batches run resumes by polling the same batches, and each request is
 * paid once.
 *
 *     .smart/<input>.batch/run.json                    the run's id, input and config
 *     .smart/<input>.batch/<endpoint>-<n>.journal.jsonl the journal of round n on an endpoint, while it runs
 *     .smart/<input>.batch/<endpoint>-<n>.ended.jsonl   the same once its batch run ended
 *     .smart/<input>.batch/<endpoint>-<n>/              its request files
 *
 * A round is one batch run on one endpoint (batchCoordinator.ts): the
 * application phase takes one round, or two when gated plans escalate. An
 * endpoint has at most one live journal; a new round starts once the last
 * one ended. Answers fetched by any round carry the run's id in the response
 * cache, so the job that reads them counts them as paid by this run, not as
 * cached by an earlier one. The folder lives until the job's report is
 * written.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { readJsonFile } from '../../io/jsonFile';
import { stateFileFor } from '../../io/stateFile';
import { writeFileAtomic } from '../../io/writeFileAtomic';
import { BatchJournal, type FileState } from './batchJournal';
import { fileSafe } from './requestFiles';

/** What `run.json` holds. */
export interface SessionRecord {
  /** Marks the answers this run fetched (see the response cache's `run`). */
  readonly runId: string;
  /** The input and the config file the run began with, absolute: what a resume runs again. */
  readonly input: string;
  readonly config: string;
  readonly startedAt: string;
}

/** A round's files: its journal and the folder of its request files. */
export interface Round {
  readonly endpoint: string;
  readonly journal: string;
  readonly folder: string;
}

const RECORD = 'run.json';
const LIVE = '.journal.jsonl';
const ENDED = '.ended.jsonl';

export class BatchSession {
  private constructor(
    readonly folder: string,
    readonly record: SessionRecord,
  ) {}

  /** The folder of an input's batch run: `.smart/<input name>.batch` beside it. */
  static folderFor(input: string): string {
    return stateFileFor(input, '.batch');
  }

  /** Whether the input has a batch run that has not finished. */
  static exists(input: string): boolean {
    return existsSync(path.join(BatchSession.folderFor(input), RECORD));
  }

  /** Opens the input's batch run, starting one (with a new id) when there is none. */
  static async open(input: string, config: string): Promise<BatchSession> {
    const folder = BatchSession.folderFor(input);
    const existing = readRecord(folder);
    if (existing !== undefined) return new BatchSession(folder, existing);
    const record: SessionRecord = { runId: randomUUID(), input: path.resolve(input), config: path.resolve(config), startedAt: new Date().toISOString() };
    mkdirSync(folder, { recursive: true });
    await writeFileAtomic(path.join(folder, RECORD), (out) => out.write(`${JSON.stringify(record, null, 2)}\n`), { overwrite: true });
    return new BatchSession(folder, record);
  }

  /**
   * An unfinished batch run read from its folder, or undefined (no `run.json`).
   * @throws StateFileError when `run.json` is not a run's record.
   */
  static read(folder: string): BatchSession | undefined {
    const record = readRecord(folder);
    return record === undefined ? undefined : new BatchSession(folder, record);
  }

  get runId(): string {
    return this.record.runId;
  }

  /** The endpoint's round whose journal is live, if any. */
  liveRound(endpoint: string): Round | undefined {
    const live = this.rounds(endpoint).find((r) => r.live);
    return live === undefined ? undefined : this.round(endpoint, live.n);
  }

  /** The endpoint's next round (no file of it exists yet). */
  nextRound(endpoint: string): Round {
    return this.round(endpoint, Math.max(0, ...this.rounds(endpoint).map((r) => r.n)) + 1);
  }

  /** Marks a round's batch run as ended: its journal is kept, as ended, and the endpoint's next fetch starts a new round. */
  end(round: Round): void {
    renameSync(round.journal, round.journal.slice(0, -LIVE.length) + ENDED);
  }

  /** The files of every live round's journal. */
  liveJournals(): string[] {
    return this.entries()
      .filter((name) => name.endsWith(LIVE))
      .map((name) => path.join(this.folder, name));
  }

  /**
   * Request files of the live rounds not taken in yet: batches at the
   * provider, and files whose batch a killed run may have created without
   * recording its id (a resume finds it by the run id, or creates it).
   */
  async pendingBatches(): Promise<FileState[]> {
    const pending: FileState[] = [];
    for (const file of this.liveJournals()) {
      const journal = await BatchJournal.open(file);
      pending.push(...journal.state.files.filter((f) => f.downloaded === undefined && f.status !== 'failed'));
      journal.close();
    }
    return pending;
  }

  /** Removes the run's folder: its job finished. */
  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }

  private round(endpoint: string, n: number): Round {
    const base = path.join(this.folder, `${fileSafe(endpoint)}-${n}`);
    return { endpoint, journal: base + LIVE, folder: base };
  }

  private rounds(endpoint: string): Array<{ n: number; live: boolean }> {
    const prefix = `${fileSafe(endpoint)}-`;
    return this.entries().flatMap((name) => {
      if (!name.startsWith(prefix)) return [];
      const match = /^(\d+)(\.journal\.jsonl|\.ended\.jsonl)?$/.exec(name.slice(prefix.length));
      return match ? [{ n: Number(match[1]), live: match[2] === LIVE }] : [];
    });
  }

  private entries(): string[] {
    return existsSync(this.folder) ? readdirSync(this.folder) : [];
  }
}

const recordSchema = z.strictObject({ runId: z.string().min(1), input: z.string().min(1), config: z.string().min(1), startedAt: z.iso.datetime() });

/**
 * The run's record, or undefined when there is none. It is written whole
 * (atomically), so one that does not read back was edited or is not Smart's:
 * starting over would give the run a new id and lose track of the batches
 * already at the provider, so the run stops, naming it.
 * @throws StateFileError naming the file and what is wrong.
 */
function readRecord(folder: string): SessionRecord | undefined {
  const file = path.join(folder, RECORD);
  try {
    return readJsonFile(file, recordSchema, 'the record of a Smart batch run (its batches may still be at the provider: see the journals beside it)');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
