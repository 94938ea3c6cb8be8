/**
 * Batch mode through files, for engines Smart does not call itself (vLLM's
 * `run_batch` on your own GPUs, or any engine that reads and writes the
 * OpenAI batch format): the engine's `BulkAnswers` that writes the
 * application phase's request files to a folder and stops the run
 * (`--batch-export DIR`), and, on the next run (`--batch-import DIR`), reads
 * the output files found there into the response cache, checks them, and
 * goes on. A gated plan needs its escalations after the first answers are
 * in: the import then writes them as a second round and stops again.
 *
 * The folder holds the request files, `smart-requests.json` (which files
 * were written, for which endpoint and model, in which round) and the output
 * files put beside them: every other `.jsonl` file. An output line names its
 * request by `custom_id` (the request's cache key) and carries the
 * completion in `response.body`, as vLLM and OpenAI write them.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import type { BulkAnswers, PlannedCall } from '../../core/engine';
import type { Completion, ModelSpec } from '../../core/types';
import { readJsonFile } from '../../io/jsonFile';
import { readJsonl } from '../../io/jsonl';
import type { InputRecord } from '../../io/readingPass';
import { writeFileAtomic } from '../../io/writeFileAtomic';
import { OPENAI_REQUEST_LINES, resultRecord } from '../../llm/batchApi';
import { confidenceOf, type AnsweredRecord } from './batchCoordinator';
import { estimateTokens } from '../../llm/openAiEndpoint';
import type { BatchSettings } from '../configSchema';
import type { JobClient } from '../jobClient';
import { KeyTable } from '../keyTable';
import type { ResponseCache } from '../responseCache';
import type { BatchSession } from './batchSession';
import { fileSafe, promptCharacters, requestsIn } from './requestFiles';
import { routeCalls } from './routeCalls';

/** The manifest of a folder of exported requests. */
export const MANIFEST = 'smart-requests.json';

/** An exported request file, as the manifest lists it. */
export interface ExportedFile {
  /** Its name in the folder. */
  readonly file: string;
  readonly endpoint: string;
  /** The provider's model name: every request of the file is for it. */
  readonly model: string;
  readonly requests: number;
  readonly round: number;
}

interface Manifest {
  /** The input the requests were planned for, absolute. */
  readonly input: string;
  readonly rounds: number;
  readonly files: readonly ExportedFile[];
}

/** The run stopped after writing request files for an engine to answer. */
export class RequestsExported extends Error {
  override readonly name = 'RequestsExported';
  constructor(
    readonly dir: string,
    readonly round: number,
    readonly files: readonly ExportedFile[],
  ) {
    super(`wrote the requests of round ${round} to ${dir}`);
  }
}

/** The output files of a folder do not answer its requests: unknown custom ids, or requests without an answer. */
export class BatchImportError extends Error {
  override readonly name = 'BatchImportError';
}

export interface BatchExchangeOptions {
  readonly client: JobClient;
  readonly cache: ResponseCache;
  readonly session: BatchSession;
  readonly settings: BatchSettings;
  /** The input, as the run names it. */
  readonly input: string;
  readonly dir: string;
  /** Read the folder's output files before writing anything (`--batch-import`). */
  readonly importing: boolean;
  /** Whether an endpoint serves batches; models on the others are called online. */
  readonly hasBatchApi: (endpoint: string) => boolean;
  /** Online calls in flight at once. */
  readonly concurrency: number;
}

/** Problems named in an error; the rest are counted. */
const NAMED = 10;

export class BatchExchange implements BulkAnswers<InputRecord> {
  private imported = false;

  constructor(private readonly options: BatchExchangeOptions) {}

  /**
   * Checks the folder before anything is paid: to export into, it must be
   * empty (or not exist yet); to import from, it must hold requests exported
   * for this input.
   */
  static checkFolder(dir: string, input: string, importing: boolean): void {
    if (!importing) {
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: export the requests into a new or empty folder`);
      return;
    }
    const manifest = readManifest(dir);
    if (manifest.input !== path.resolve(input)) throw new Error(`${dir} holds the requests of ${manifest.input}, not of ${path.resolve(input)}`);
  }

  peek(model: ModelSpec, item: InputRecord): Completion | undefined {
    return this.options.client.peek(model, item);
  }

  async fetch(calls: AsyncIterable<PlannedCall<InputRecord>>, signal: AbortSignal): Promise<void> {
    const { dir, importing } = this.options;
    if (importing && !this.imported) {
      await this.importAnswers(signal);
      this.imported = true;
    }
    const before: Manifest = importing ? readManifest(dir) : { input: path.resolve(this.options.input), rounds: 0, files: [] };
    const round = before.rounds + 1;
    const written = await routeCalls(calls, {
      client: this.options.client,
      cache: this.options.cache,
      signal,
      concurrency: this.options.concurrency,
      hasBatchApi: this.options.hasBatchApi,
      folderOf: () => dir,
      // The engines this folder is for (vLLM's run_batch, and others) read OpenAI's request lines.
      files: (endpoint) => ({
        lines: OPENAI_REQUEST_LINES,
        limits: this.options.settings,
        name: (index, model) => `requests-${round}-${fileSafe(endpoint)}-${String(index).padStart(4, '0')}-${fileSafe(model)}.jsonl`,
      }),
    });
    const files = [...written].flatMap(([endpoint, list]) =>
      list.map((f): ExportedFile => ({ file: path.basename(f.path), endpoint, model: f.model, requests: f.requests, round })),
    );
    if (files.length === 0) return;
    const manifest: Manifest = { ...before, rounds: round, files: [...before.files, ...files] };
    await writeFileAtomic(path.join(dir, MANIFEST), (out) => out.write(`${JSON.stringify(manifest, null, 2)}\n`), { overwrite: true });
    throw new RequestsExported(dir, round, files);
  }

  /**
   * Reads every output file of the folder into the cache, as answered by
   * this run at the batch discount, then checks that each line answers a
   * request written there and that each request got an answer. What was
   * answered stays in the cache whatever the checks find.
   */
  private async importAnswers(signal: AbortSignal): Promise<void> {
    const { dir } = this.options;
    const manifest = readManifest(dir);
    const requestFiles = new Set(manifest.files.map((f) => f.file));
    const exported = new KeyTable();
    for (const f of manifest.files) {
      for await (const { value } of readJsonl(path.join(dir, f.file), { signal })) exported.set(String(value.custom_id), 0);
    }
    const outputs = readdirSync(dir)
      .filter((name) => name.endsWith('.jsonl') && !requestFiles.has(name))
      .sort();
    if (outputs.length === 0)
      throw new BatchImportError(
        `${dir} holds no output file beside the request files: run the requests, write each output as a .jsonl file in ${dir}, and import again`,
      );

    const unknown = new Problems();
    const failures = new Map<string, string>();
    const withoutUsage = new Map<string, AnsweredRecord>();
    for (const name of outputs) {
      const file = path.join(dir, name);
      for await (const { value, line } of readJsonl(file, { signal })) {
        const where = `${file}:${line}`;
        if ('body' in value && !('response' in value))
          throw new BatchImportError(`${where} is a request, not an answer: only output files go beside the request files`);
        const record = resultRecord(value, where);
        if (!exported.has(record.customId)) unknown.add(`${where} (custom_id ${record.customId})`);
        else if (!record.ok) failures.set(record.customId, `${where}: ${record.message}`);
        else if (record.usage === undefined) withoutUsage.set(record.customId, record);
        else this.take(record, record.usage.inputTokens, record.usage.outputTokens);
      }
    }
    const missing = new Problems();
    for (const f of manifest.files) {
      const file = path.join(dir, f.file);
      for await (const { customId, request, line } of requestsIn(file, OPENAI_REQUEST_LINES, signal)) {
        const record = withoutUsage.get(customId);
        // As the batch coordinator does: without usage, tokens are estimated as characters / 4.
        if (record !== undefined) this.take(record, estimateTokens(promptCharacters(request)), estimateTokens(record.text.length));
        else if (!this.options.cache.has(customId))
          missing.add(`${file}:${line} (custom_id ${customId}${failures.has(customId) ? `; ${failures.get(customId)}` : ': no line answers it'})`);
      }
    }
    const problems = [
      ...unknown.lines(`${unknown.count} output line(s) answer no request written to ${dir}`),
      ...missing.lines(`${missing.count} request(s) got no answer`),
    ];
    if (problems.length > 0)
      throw new BatchImportError(
        [`The output files in ${dir} do not answer its requests:`, ...problems, 'The answers that were there are kept: fix the outputs and import again.'].join(
          '\n',
        ),
      );
  }

  private take(record: AnsweredRecord, inputTokens: number, outputTokens: number): void {
    const { cache, session, settings } = this.options;
    if (cache.runOf(record.customId) === session.runId) return;
    cache.put(record.customId, { text: record.text, inputTokens, outputTokens, ...confidenceOf(record), priceFactor: settings.discount, run: session.runId });
  }
}

/** The first problems of a kind, and how many there were. */
class Problems {
  count = 0;
  private readonly named: string[] = [];

  add(problem: string): void {
    if (++this.count <= NAMED) this.named.push(problem);
  }

  /** A heading line and the named problems, or nothing when there were none. */
  lines(heading: string): string[] {
    if (this.count === 0) return [];
    const more = this.count > this.named.length ? [`  and ${this.count - this.named.length} more`] : [];
    return [`- ${heading}:`, ...this.named.map((p) => `  ${p}`), ...more];
  }
}

const manifestSchema: z.ZodType<Manifest> = z.object({
  input: z.string().min(1),
  rounds: z.int().min(0),
  files: z.array(z.object({ file: z.string().min(1), endpoint: z.string().min(1), model: z.string().min(1), requests: z.int().min(0), round: z.int().min(1) })),
});

/** The folder's manifest. @throws StateFileError naming it when it does not read back; an Error saying what to do when there is none. */
function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  try {
    return readJsonFile(file, manifestSchema, "a Smart batch export's manifest");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${dir} holds no ${MANIFEST}: write the requests there first with --batch-export ${dir}`);
    throw error;
  }
}
