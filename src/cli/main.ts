import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { BatchesProgress, ProgressEvent } from '../core/report';
import { BOUND_KINDS, STRATEGIES } from '../core/types';
import { RequestsExported } from '../job/batch/batchExchange';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError, loadConfig, withBatch, type ConfigOverrides, type SmartConfig } from '../job/config';
import { CONFIG_NAME, findConfig } from '../job/findConfig';
import { InputError } from '../io/inputError';
import { isPattern } from '../io/shards';
import { FileExistsError } from '../io/writeFileAtomic';
import { runJob } from '../job/runJob';
import { stopReason } from '../job/stopReason';
import { batchesLeftRunning, batchesLine, batchLine, describeExport, openBatches } from '../text/batch';
import { plural } from '../text/numbers';
import { describePreview, goAheadQuestion } from '../text/preview';
import { progressLine } from '../text/progress';
import { describeStop, type StopReason } from '../text/stopReason';
import { verifyReport } from '../job/verifyReport';
import { disagreementSummary } from '../text/disagreements';
import { auditCommand } from './auditCommand';
import { formatReport } from './reportSummary';

const USAGE = `Usage: smart profile <file> [options]
       smart verify <file.smart-report.json>
       smart audit <file> [--export FILE | --import FILE]

Profiles cheaper models against the reference on a random sample of the file,
then processes the rest with the cheapest model or mix whose outputs, with the
stated confidence, agree with the reference on at least the target share of the
file's items (the default strategy, auto; the paper's strategies bound an
expected rate instead). Writes <name>.smart.jsonl (.smart.csv, .smart.tsv,
.smart.parquet for those inputs) and <name>.smart-report.json beside the input;
a folder of shards, an output beside each shard.

The file is JSONL (one JSON object a line), CSV or TSV with a header row, a
JSON file holding one array of objects, or Parquet; a template names a field as
{{field}}, {{nested.field}}, {{a column name}} or {{"name.with.dots"}}.

Options (each overrides smart.config.json):
  --config FILE        config file (default: smart.config.json beside the input, else in the current folder)
  --reference ID       reference model id
  --candidates A,B     candidate model ids
  --accuracy X         share of items that must agree with the reference, in (0, 1)
  --confidence X       confidence of the guarantee, in (0, 1)
  --strategy NAME      ${STRATEGIES.join(' | ')} (default auto)
  --bound NAME         ${BOUND_KINDS.join(' | ')} (the paper's strategies only)
  --seed N             seed of the random order (default: drawn at random on a file's
                       first run and kept under .smart/; never try seeds until one looks good)
  --max-cost USD       stop cleanly once this much is paid (rerun to resume)
  --input-format F     jsonl | csv | tsv | json | parquet, when the extension does not say it
  --delimiter D        a CSV's field delimiter: , ; | or tab (default: told from the header row)
  --output-format F    jsonl | csv | tsv | parquet (default: the input's own for CSV, TSV
                       and Parquet, else jsonl)
  --batch              batch mode: profile online, then send the rest to the providers'
                       Batch APIs at their discount (results within 24 hours)
  --batch auto         batch mode where the wait is worth it (the reference's endpoint
                       takes batches, 1,000 items or more, at least $1 saved on the
                       reference alone), online otherwise; the cost preview says why
  --batch-export DIR   batch mode for an engine of your own: after profiling, write the
                       rest's request files to DIR and stop
  --batch-import DIR   read the output files put in DIR and finish the run
  --skip-invalid       skip malformed lines (listed in the report) instead of failing
  --force              overwrite existing outputs
  --yes                do not ask to confirm the cost preview (never asked when not on a terminal)
  --verbose            log every call (never prompts or keys)
  -h, --help           this help
  -v, --version        the version

A stopped or crashed run resumes by running the same command again: calls
already made are answered from the cache under .smart/ and cost nothing, and
batches still running at the provider are polled again, not sent twice.

smart verify recomputes a report's bounds and guarantee from the run's
evidence (.smart/<file>.evidence.jsonl) and says whether its claims follow
(exit code 0) or what does not (exit code 1).

smart audit, after a run whose judge decided agreement, asks you to label a
random sample of the pairs the judge said yes to (on a terminal, one by one;
or --export them to a file and --import it once labelled), and states the
guarantee as a person would judge. Labels are kept under .smart/.`;

/** Thrown for a wrong command line: printed with a hint to --help, exit code 2. */
class UsageError extends Error {}

/** The command line's options, as node:util's parseArgs takes them. */
const OPTIONS = {
  config: { type: 'string' },
  reference: { type: 'string' },
  candidates: { type: 'string' },
  accuracy: { type: 'string' },
  confidence: { type: 'string' },
  strategy: { type: 'string' },
  bound: { type: 'string' },
  seed: { type: 'string' },
  'max-cost': { type: 'string' },
  'input-format': { type: 'string' },
  delimiter: { type: 'string' },
  'output-format': { type: 'string' },
  batch: { type: 'boolean' },
  'batch-export': { type: 'string' },
  'batch-import': { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  force: { type: 'boolean' },
  yes: { type: 'boolean' },
  verbose: { type: 'boolean' },
  export: { type: 'string' },
  import: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parseCommandLine(given: string[]) {
  const { argv, batchAuto } = takeBatchAuto(given);
  try {
    return { ...parseArgs({ args: argv, allowPositionals: true, options: OPTIONS }), batchAuto };
  } catch (error) {
    throw new UsageError(unknownOption(error) ?? (error as Error).message);
  }
}

/** The version in the package.json above this file (the bundle and the compiled sources sit at different depths). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${value}"`);
  return n;
}

/** The config named on the command line, else the one beside the input or in the current folder. */
function configFile(input: string, given: string | undefined): string {
  const file = given ?? findConfig(input, '.');
  if (file === undefined) throw new UsageError(`no ${CONFIG_NAME} beside ${input} or in the current folder; pass --config FILE`);
  return file;
}

/**
 * Live progress: one rewritten line on a terminal, plain lines (at most one
 * per 10%) otherwise. In batch mode, a line for each batch whenever its stage
 * changes, and the live line says what the run waits for.
 */
interface ProgressReporter {
  update(e: ProgressEvent): void;
  batches(p: BatchesProgress): void;
  /** Ends the live line, so that what follows starts on a line of its own. */
  end(): void;
  /** The batches the run still waits for, as last reported. */
  openBatches(): number;
}

function progressReporter(tty: boolean): ProgressReporter {
  let lastPhase = '';
  let lastDecile = -1;
  let shown = false;
  const stages: string[] = [];
  let latest: BatchesProgress | undefined;
  const live = (line: string): void => {
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    shown = true;
  };
  const end = (): void => {
    if (shown) process.stderr.write('\n');
    shown = false;
  };
  return {
    update(e) {
      const line = progressLine(e);
      if (tty) return live(line);
      const decile = Math.floor((10 * e.itemsDone) / Math.max(1, e.itemsTotal));
      if (e.phase !== lastPhase || decile !== lastDecile) process.stderr.write(line + '\n');
      lastPhase = e.phase;
      lastDecile = decile;
    },
    batches(p) {
      latest = p;
      p.batches.forEach((b, i) => {
        const stage = `${b.stage}${b.downloaded ? '+' : ''}`;
        if (stages[i] === stage) return;
        stages[i] = stage;
        end();
        process.stderr.write(`batch ${batchLine(b)}\n`);
      });
      if (tty) live(batchesLine(p));
    },
    end,
    openBatches: () => (latest === undefined ? 0 : openBatches(latest)),
  };
}

async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

type CommandLine = ReturnType<typeof parseCommandLine>;

/**
 * `--batch auto` (or `--batch=auto`): Smart chooses between online and
 * batch. The word is taken out before parsing, where `--batch` alone is a
 * flag.
 */
function takeBatchAuto(argv: readonly string[]): { argv: string[]; batchAuto: boolean } {
  const out: string[] = [];
  let batchAuto = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--batch=auto' || (argv[i] === '--batch' && argv[i + 1] === 'auto')) {
      batchAuto = true;
      if (argv[i] === '--batch') i++;
    } else out.push(argv[i]);
  }
  return { argv: out, batchAuto };
}

/** The config overrides given as options. */
function overridesFrom(values: CommandLine['values']): ConfigOverrides {
  return {
    ...(values.reference !== undefined ? { reference: values.reference } : {}),
    ...(values.candidates !== undefined
      ? {
          candidates: values.candidates
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(values.accuracy !== undefined ? { accuracy: numberFlag(values.accuracy, 'accuracy')! } : {}),
    ...(values.confidence !== undefined ? { confidence: numberFlag(values.confidence, 'confidence')! } : {}),
    ...(values.strategy !== undefined ? { strategy: values.strategy } : {}),
    ...(values.bound !== undefined ? { bound: values.bound } : {}),
    ...(values.seed !== undefined ? { seed: numberFlag(values.seed, 'seed')! } : {}),
    ...(values['input-format'] !== undefined ? { inputFormat: values['input-format'] } : {}),
    // A tab is hard to type as an argument: the word will do.
    ...(values.delimiter !== undefined ? { delimiter: values.delimiter === 'tab' ? '\t' : values.delimiter } : {}),
    ...(values['output-format'] !== undefined ? { outputFormat: values['output-format'] } : {}),
  };
}

/** An unknown option in words, with the known one it most resembles: "unknown option --acuracy (did you mean --accuracy?)". */
function unknownOption(error: unknown): string | undefined {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  const given = /'(-{1,2}[^'=]+)/.exec((error as Error).message)?.[1];
  if (given === undefined) return undefined;
  const name = given.replace(/^-+/, '');
  const near = closest(name, Object.keys(OPTIONS));
  // Two edits at most, or one in four letters: a typo, not another word.
  const likely = distance(name, near) <= Math.max(2, Math.floor(name.length / 4));
  return `unknown option ${given}${likely ? ` (did you mean --${near}?)` : ''}`;
}

/**
 * The config with the flags' overrides. A value a flag gave that the config
 * cannot take names the flag, not the file: "--accuracy: must be between 0
 * and 1 (exclusive), got 95".
 */
function configWithFlags(file: string, overrides: ConfigOverrides): SmartConfig {
  try {
    return loadConfig(file, overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A problem's field names the setting first ("candidates.0"): the flag that set it, if one did.
    const flagOf = (field: string): string => field.split(/[.[]/)[0];
    const flagged = error.problems.filter((p) => flagOf(p.field) in overrides);
    if (flagged.length === 0) throw error;
    throw new UsageError(flagged.map((p) => `--${flagOf(p.field)}: ${p.problem}`).join('\n'));
  }
}

/** `--batch-export DIR` or `--batch-import DIR`, at most one of them. */
function batchFolderFrom(values: CommandLine['values']): { dir: string; importing: boolean } | undefined {
  const exportDir = values['batch-export'];
  const importDir = values['batch-import'];
  if (exportDir !== undefined && importDir !== undefined) throw new UsageError('give --batch-export or --batch-import, not both');
  if (exportDir !== undefined) return { dir: path.resolve(exportDir), importing: false };
  if (importDir !== undefined) {
    if (!existsSync(importDir)) throw new UsageError(`--batch-import: folder not found: ${importDir}`);
    return { dir: path.resolve(importDir), importing: true };
  }
  return undefined;
}

/** The input of `smart profile <file>`: a file, a folder of shards, or a pattern over them. */
function profileInput(positionals: readonly string[]): string {
  const [command, input, ...extra] = positionals;
  if (command !== 'profile') throw new UsageError(`unknown command "${command}"; the commands are "profile", "verify" and "audit"`);
  if (!input) throw new UsageError('name the file to process: smart profile <file> (.jsonl, .csv, .tsv, .json or .parquet)');
  if (extra.length > 0 && [input, ...extra].every((file) => existsSync(file)))
    throw new UsageError(`${extra.length + 1} files given: to read them as one dataset, give their folder or a pattern in quotes ('data/part-*.jsonl')`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!existsSync(input) && !isPattern(input)) throw new UsageError(`input file not found: ${input}`);
  return input;
}

/** What was written: the output, or a folder of shards' outputs, one beside each shard. */
function wroteOutputs(outputs: readonly string[]): string {
  if (outputs.length === 1) return `Wrote ${outputs[0]}`;
  return `Wrote ${outputs.length} outputs, one beside each shard: ${outputs[0]} to ${outputs[outputs.length - 1]}`;
}

/** Ctrl-C cancels cleanly (calls in flight finish and are cached); a second Ctrl-C quits at once. */
function cancelOnInterrupt(controller: AbortController): () => void {
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nCancelling: letting calls in flight finish... (Ctrl-C again to quit at once)\n');
    controller.abort(new Error('cancelled'));
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}

/** The exit code when the data file cannot be run as it is. */
const BAD_INPUT = 4;

const EXIT_CODES: Readonly<Record<Exclude<StopReason['kind'], 'error'>, number>> = { declined: 1, budget: 3, cancelled: 130, changed: 1 };

export async function main(argv: string[]): Promise<number> {
  const { values, positionals, batchAuto } = parseCommandLine(argv);
  if (values.version) {
    console.log(packageVersion());
    return 0;
  }
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals[0] === 'verify') return verify(positionals.slice(1));
  if (positionals[0] === 'audit') return audit(positionals.slice(1), values);
  const input = profileInput(positionals);
  const maxCost = numberFlag(values['max-cost'], 'max-cost');
  if (maxCost !== undefined && !(maxCost > 0)) throw new UsageError(`--max-cost must be positive, got ${maxCost}`);
  const batchFolder = batchFolderFrom(values);
  if (batchAuto && batchFolder) throw new UsageError('give --batch auto or a batch folder (--batch-export, --batch-import), not both');
  const loaded = configWithFlags(configFile(input, values.config), overridesFrom(values));
  const config = values.batch || batchFolder ? withBatch(loaded, true) : loaded;

  const controller = new AbortController();
  const stopListening = cancelOnInterrupt(controller);
  const tty = process.stderr.isTTY === true;
  const progress = progressReporter(tty);
  const interactive = tty && process.stdin.isTTY === true && !values.yes;
  try {
    const { report, files } = await runJob({
      input,
      config,
      force: values.force === true,
      skipInvalid: values['skip-invalid'] === true,
      ...(maxCost !== undefined ? { maxCost } : {}),
      ...(batchFolder ? { batchFolder } : {}),
      ...(batchAuto ? { batchAuto } : {}),
      signal: controller.signal,
      log: (level, message) => {
        // Prompts (trace) never reach the terminal: they may hold what the data holds.
        if ((values.verbose && level !== 'trace') || level === 'warn' || level === 'error') {
          progress.end();
          process.stderr.write(`[${level}] ${message}\n`);
        }
      },
      confirm: async (preview) => {
        const lines = describePreview(preview, config.reference);
        process.stderr.write(['Cost preview:', ...lines.map((line) => `  ${line}`)].join('\n') + '\n');
        const question = goAheadQuestion(preview);
        return interactive && question !== undefined ? confirmOnTerminal(`${question} [y/N] `) : true;
      },
      onProgress: progress.update,
      onBatches: progress.batches,
    });
    progress.end();
    console.log(formatReport(report));
    if (report.disagreements.length > 0) console.log(disagreementSummary(report.disagreements, report.reference).join('\n'));
    if (report.skippedLines.length > 0) console.log(`Skipped ${plural(report.skippedLines.length, 'invalid line')}; see the report.`);
    console.log(`${wroteOutputs(files.outputs)}\nWrote ${files.report}`);
    return 0;
  } catch (error) {
    progress.end();
    if (error instanceof RequestsExported) {
      console.log(describeExport(error.dir, error.round, error.files, `smart profile ${input} --batch-import ${error.dir}`).join('\n'));
      return 0;
    }
    const reason = stopReason(error, controller.signal.aborted);
    if (reason.kind === 'error') throw error;
    const resume = 'Run the same command again';
    console.error(describeStop(reason, resume));
    if (progress.openBatches() > 0) console.error(batchesLeftRunning(progress.openBatches(), resume));
    return EXIT_CODES[reason.kind];
  } finally {
    stopListening();
  }
}

/** `smart verify <report.json>`: what was checked, or what does not follow; exit code 0 or 1. */
function verify(args: readonly string[]): number {
  const [report, ...extra] = args;
  if (!report) throw new UsageError('name the report to verify: smart verify <file.smart-report.json>');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!existsSync(report)) throw new UsageError(`report not found: ${report}`);
  const { checked, problems } = verifyReport(report);
  if (problems.length > 0) {
    console.log(`${report}: its claims do not follow from the run's evidence:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log(`${report}: its claims follow from the run's evidence:\n${checked.map((c) => `  - ${c}`).join('\n')}`);
  return 0;
}

/** `smart audit <file.jsonl>`: label the judge's pairs on a terminal, or export and import them. */
function audit(args: readonly string[], values: CommandLine['values']): Promise<number> {
  const [input, ...extra] = args;
  if (!input) throw new UsageError('name the file whose run to audit: smart audit <file>');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (values.export !== undefined && values.import !== undefined) throw new UsageError('give --export or --import, not both');
  return auditCommand({
    input,
    ...(values.export !== undefined ? { exportFile: values.export } : {}),
    ...(values.import !== undefined ? { importFile: values.import } : {}),
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
  });
}

/** What the command says of an error that ends it, with the flag that gets past it where there is one. */
function errorMessage(error: unknown): string {
  if (error instanceof FileExistsError) return `${error.message}; pass --force to overwrite`;
  return error instanceof Error ? error.message : String(error);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`smart: ${error.message}\nRun "smart --help" for usage.`);
        process.exit(2);
      }
      console.error(`smart: ${errorMessage(error)}`);
      // Bad input (a line or field of the data file, or nothing in it to process) has a code of its own.
      process.exit(error instanceof InputError ? BAD_INPUT : 1);
    },
  );
}
