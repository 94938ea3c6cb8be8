/**
 * Batch mode in words: the batches' stages, how long they have been
 * running, what the run is waiting for, what a person can do about it, and
 * the request files written for an engine of one's own. The command line,
 * the status bar, the notifications and the cost panel all say it so.
 */
import type { BatchesProgress, BatchPreview, BatchRow, BatchStage } from '../core/report';
import { usd } from './money';
import { count, percent, plural } from './numbers';

const STAGE_WORDS: Readonly<Record<BatchStage, string>> = {
  planned: 'to send',
  uploaded: 'uploaded',
  validating: 'validating',
  failed: 'failed validation',
  in_progress: 'running',
  finalizing: 'finalizing',
  completed: 'completed',
  expired: 'expired',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
  online: 'answered online',
};

/** A batch's stage: "running", "failed validation", "to send". */
export function stageWord(stage: BatchStage): string {
  return STAGE_WORDS[stage];
}

/** Whether the run still waits for a batch: not yet taken in, and not refused at validation. */
export function isOpen(batch: Pick<BatchRow, 'downloaded' | 'stage'>): boolean {
  return !batch.downloaded && batch.stage !== 'failed';
}

/** The batches the run still waits for. */
export function openBatches(progress: BatchesProgress): number {
  return progress.batches.filter(isOpen).length;
}

/** What the run waits for: "waiting for 2 batches", or "batches done" once none is open. */
export function waitingFor(progress: BatchesProgress): string {
  const open = openBatches(progress);
  return open > 0 ? `waiting for ${plural(open, 'batch', 'batches')}` : 'batches done';
}

/** The batches in one line: "waiting for 2 batches: 1,250 of 6,000 requests answered (21%)". */
export function batchesLine(progress: BatchesProgress): string {
  const share = progress.requests > 0 ? ` (${percent(Math.min(1, progress.answered / progress.requests), 0)})` : '';
  return `${waitingFor(progress)}: ${plural(progress.answered, 'request')} of ${count(progress.requests)} answered${share}`;
}

/** One batch in one line: "big on openai, 5,000 requests, running: 1,200 done, 3 failed (batch_abc)"; "..., completed: 5,000 done, answers collected (batch_abc)". */
export function batchLine(batch: BatchRow): string {
  const id = batch.batchId === undefined ? '' : ` (${batch.batchId})`;
  const failed = batch.failed > 0 ? `, ${count(batch.failed)} failed` : '';
  const collected = batch.downloaded ? ', answers collected' : '';
  return `${batch.model} on ${batch.endpoint}, ${plural(batch.requests, 'request')}, ${stageWord(batch.stage)}: ${count(batch.completed)} done${failed}${collected}${id}`;
}

/** How long ago a batch was created (Unix seconds), briefly: "40 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function age(createdAt: number, nowMs: number): string {
  const s = Math.max(0, Math.floor(nowMs / 1000 - createdAt));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h${min % 60 > 0 ? ` ${min % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 > 0 ? ` ${h % 24} h` : ''}`;
}

/**
 * Online or batch, side by side, said before any paid call. In batch mode:
 * "Batch mode: profiling runs online; the items after it go to the
 * providers' batch engines at half price, with results within 24 hours (what
 * they leave then goes online at list price): big alone would cost $5.00
 * this way, $10.00 online." Online, when the reference could take batches:
 * "Online: answers as they come. In batch mode, the items after profiling
 * would go ... big alone would cost $5.00 instead of $10.00." The reference alone in batch mode is its online
 * cost times the discount: the same calls, the same tokens.
 */
export function describeOnlineOrBatch(batch: BatchPreview, referenceOnlyCost: number, reference: string, items: number): string {
  const terms = `at ${batchPrice(batch.discount)}, with results within ${plural(batch.maxHours, 'hour')}`;
  const inBatch = usd(referenceOnlyCost * batch.discount);
  const online = usd(referenceOnlyCost);
  const why = batch.auto ? `, as chosen for this file (${autoRule(batch, reference, referenceOnlyCost, items)})` : '';
  if (!batch.chosen) {
    const instead = batch.referenceBatches
      ? ` In batch mode, the items after profiling would go to the providers' batch engines ${terms}: ${reference} alone would cost ${inBatch} instead of ${online}.`
      : '';
    return `Online${why}: answers as they come.${instead}`;
  }
  const how = `Batch mode${why}: profiling runs online; the items after it go to the providers' batch engines ${terms} (what they leave then goes online at list price)`;
  if (!batch.referenceBatches) return `${how}; ${reference}'s endpoint takes no batches, so its calls stay online.`;
  return `${how}: ${reference} alone would cost ${inBatch} this way, ${online} online.`;
}

/** The rule of `--batch auto` and where this file stands: "batch mode takes ...; here ...". */
function autoRule(batch: BatchPreview, reference: string, referenceOnlyCost: number, items: number): string {
  const rule = batch.auto!;
  const saving = referenceOnlyCost * (1 - batch.discount);
  const needs =
    `batch mode takes an endpoint of ${reference}'s with batches, at least ${plural(rule.minItems, 'item')}, a discount of at least ${percent(rule.minShare)} ` +
    `and at least ${usd(rule.minSavingUsd)} saved on ${reference} alone`;
  const here = batch.referenceBatches
    ? `here ${plural(items, 'item')}, ${percent(1 - batch.discount)} off and ${usd(saving)} saved`
    : `here ${reference}'s endpoint takes no batches`;
  return `${needs}; ${here}`;
}

/**
 * Why a cancelled batch run can be picked up again: "2 batches are still
 * running at the provider. Run the same command again to collect their
 * answers; each request is paid once." `resume` is as for `describeStop`.
 */
export function batchesLeftRunning(open: number, resume: string): string {
  return `${plural(open, 'batch is', 'batches are')} still running at the provider. ${resume} to collect their answers; each request is paid once.`;
}

/** A batch discount in words: "half price", or "40% of the list price". */
export function batchPrice(discount: number): string {
  return discount === 0.5 ? 'half price' : `${percent(discount)} of the list price`;
}

/** The two ways to run, as the editor offers them: "Online: results in minutes", "Batch: half price, results within 24 hours". */
export function modeChoices(discount: number): { online: { label: string; description: string }; batch: { label: string; description: string } } {
  return {
    online: { label: 'Online', description: 'results in minutes' },
    batch: { label: 'Batch', description: `${batchPrice(discount)}, results within 24 hours` },
  };
}

/** Said once the batches are sent, where the wait goes on. */
export function batchesSent(batches: number, where: string): string {
  return `The items after profiling went to the providers' Batch APIs as ${plural(batches, 'batch', 'batches')}; results within 24 hours. ${where}`;
}

/** The offer to resume a run found with batches pending: "data/tickets.jsonl has 2 batches pending at the provider. Resume the run to collect their answers?" */
export function pendingRun(input: string, batches: number): string {
  return `${input} has ${plural(batches, 'batch', 'batches')} pending at the provider. Resume the run to collect their answers?`;
}

/** The same offer, briefly (the status bar): "2 batches pending, resume?". */
export function pendingBatchesBrief(batches: number): string {
  return `${plural(batches, 'batch', 'batches')} pending, resume?`;
}

/** Said after batches were cancelled at the provider. */
export function batchesCancelled(batches: number): string {
  return `${plural(batches, 'batch was', 'batches were')} cancelled at the provider; what ${batches === 1 ? 'it' : 'they'} answered until then is paid for and kept.`;
}

/** The choices offered when a run with batches in flight is cancelled. */
export const CANCEL_CHOICES = {
  leave: 'Leave them running',
  cancel: 'Cancel them at the provider',
} as const;

/** The question asked when a run with batches in flight is cancelled. */
export function cancelQuestion(open: number): { question: string; detail: string } {
  return {
    question: `${plural(open, 'batch is', 'batches are')} still running at the provider.`,
    detail:
      'Leave them running to collect their answers later (Resume Run; each request is paid once), or cancel them at the provider: what they answered until then is still paid for, and kept.',
  };
}

/** A request file written for an engine of one's own. */
export interface ExportedFileFacts {
  readonly file: string;
  readonly model: string;
  readonly requests: number;
}

/**
 * What `--batch-export` (or an import that needs a further round) wrote, and
 * what to do next: run each file through an engine that speaks the batch
 * format, writing the outputs beside them, then import. `importCommand` is
 * the command that imports.
 */
export function describeExport(dir: string, round: number, files: readonly ExportedFileFacts[], importCommand: string): string[] {
  const requests = files.reduce((n, f) => n + f.requests, 0);
  const which = round === 1 ? 'the items after profiling' : 'the escalations of the items whose cheap models disagreed';
  const first = files[0];
  return [
    `Wrote ${plural(requests, 'request')} for ${which} to ${plural(files.length, 'file')} in ${dir} (round ${round}):`,
    ...files.map((f) => `  ${f.file}: ${plural(f.requests, 'request')} for ${f.model}`),
    `Run each file through an engine that reads the OpenAI batch format and write its output as a .jsonl file beside it, for example with vLLM:`,
    `  python -m vllm.entrypoints.openai.run_batch -i ${dir}/${first.file} -o ${dir}/${first.file.replace(/\.jsonl$/, '')}.output.jsonl --model ${first.model}`,
    `Then finish the run: ${importCommand}`,
  ];
}
