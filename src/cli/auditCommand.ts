/**
 * `smart audit <file.jsonl>`: a person labels the pairs a run's judge said
 * yes to, and the guarantee becomes about agreement as a person would judge.
 * On a terminal it asks them one by one (the judge's verdict shown only once
 * labelled); `--export FILE` writes them as JSONL to label elsewhere and
 * `--import FILE` reads the labels back. Labels are kept in
 * `.smart/<file>.audit.jsonl`, so an audit can be stopped and continued.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as readline from 'node:readline';
import * as z from 'zod';
import { StateFileError } from '../io/jsonFile';
import { auditFileFor, auditResult, pairKey, readLabels, saveLabel, type AuditLabel, type AuditPair } from '../job/audit';
import { readReportFile } from '../job/reportSchema';
import { jobFiles, type JobReport } from '../job/runJob';
import { AUDIT_KEYS, AUDIT_QUESTION, auditLastLabel, auditPairHeading, auditProgress, auditStatement } from '../text/audit';

/** A line of an exported audit file, as the person fills it in. */
const importedSchema = z.object({ key: z.string(), label: z.enum(['agree', 'disagree', 'skip']).nullable().optional() });

export interface AuditOptions {
  readonly input: string;
  readonly exportFile?: string;
  readonly importFile?: string;
  /** Ask on the terminal (standard input and error are one). */
  readonly interactive: boolean;
}

/** Runs the audit command; returns the exit code. */
export async function auditCommand(options: AuditOptions): Promise<number> {
  const report = readReport(jobFiles(options.input).report);
  const setup = report.audit;
  if (!setup) {
    console.log(`${options.input}: its last run had no judge to audit (or no plan but the reference's).`);
    return 0;
  }
  const labelsFile = auditFileFor(options.input);
  if (options.exportFile !== undefined) {
    writeFileSync(options.exportFile, setup.pairs.map((p) => JSON.stringify({ key: pairKey(p), ...p, label: null })).join('\n') + '\n');
    console.log(
      `Wrote ${setup.pairs.length} pairs to ${options.exportFile}: set each "label" to "agree", "disagree" or "skip", then run smart audit ${options.input} --import ${options.exportFile}`,
    );
    return 0;
  }
  if (options.importFile !== undefined) importLabels(options.importFile, setup.pairs, labelsFile);
  else if (options.interactive) await askOnTerminal(setup.pairs, labelsFile);
  const result = auditResult(report, setup, readLabels(labelsFile));
  console.log(
    result.done
      ? auditStatement(report, result)
      : `${auditProgress(result)} Label the rest on a terminal with smart audit ${options.input}, or with --export and --import.`,
  );
  return 0;
}

/** The run's report, checked against its schema. @throws StateFileError naming the file and the field when it is not one; Error when there is none. */
function readReport(file: string): JobReport {
  try {
    return readReportFile(file);
  } catch (error) {
    // A report there that does not read says itself what is wrong (the file and the field); these words are for one not there.
    if (error instanceof StateFileError) throw error;
    throw new Error(`${file}: no report to audit (${(error as Error).message}); run smart profile first`);
  }
}

/** Saves the labels an exported file holds, checked line by line. */
function importLabels(file: string, pairs: readonly AuditPair[], labelsFile: string): void {
  const byKey = new Map(pairs.map((p) => [pairKey(p), p]));
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${file}:${i + 1}: is not JSON`);
      }
      const parsed = importedSchema.safeParse(value);
      if (!parsed.success) throw new Error(`${file}:${i + 1}: "label" must be "agree", "disagree" or "skip" (${parsed.error.issues[0].message})`);
      const pair = byKey.get(parsed.data.key);
      if (!pair) throw new Error(`${file}:${i + 1}: not a pair of this run's audit (run smart audit --export again)`);
      if (parsed.data.label) saveLabel(labelsFile, pair, parsed.data.label);
    });
}

/**
 * Asks the pairs not labelled yet, one by one; q or the end of input (Ctrl-D)
 * stops, the labels given kept. Lines are read through one buffered
 * iterator, so answers typed or pasted ahead are taken in turn, not lost.
 */
async function askOnTerminal(pairs: readonly AuditPair[], labelsFile: string): Promise<void> {
  const labels = readLabels(labelsFile);
  const open = pairs.filter((p) => !labels.has(pairKey(p)));
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (const [i, pair] of open.entries()) {
      process.stderr.write(
        `\n${auditPairHeading(pair, pairs.length - open.length + i + 1, pairs.length)}\n` +
          `--- Prompt ---\n${pair.input}\n--- Reference ---\n${pair.referenceOutput}\n--- ${pair.model} ---\n${pair.candidateOutput}\n`,
      );
      let label: AuditLabel | undefined;
      while (label === undefined) {
        process.stderr.write(`${AUDIT_QUESTION} [a]gree, [d]isagree, [s]kip, [q]uit: `);
        const next = await lines.next();
        const answer = next.done ? 'q' : String(next.value).trim().toLowerCase();
        if (answer === 'q') return;
        label = AUDIT_KEYS[answer];
      }
      saveLabel(labelsFile, pair, label);
      process.stderr.write(
        `${auditLastLabel({ label, line: pair.line, model: pair.model })} ${auditProgress({ labelled: pairs.length - open.length + i + 1, total: pairs.length })}\n`,
      );
    }
  } finally {
    rl.close();
  }
}
