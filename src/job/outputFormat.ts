/**
 * How a run's outputs are written: in the input's format where Smart writes
 * it, else JSONL. Each item comes back as it was, with what Smart adds: in
 * JSONL an object `smart: {output, model, raw}`; in CSV and TSV the columns
 * `smart_output`, `smart_model` and `smart_raw` after the input's own (a
 * column of that name already in the input is filled in place), under a
 * header row, with the input's delimiter. `output` is the answer as the comparison rule reads it (the
 * label, the number, the extracted field), `raw` the model's whole text.
 */
import { stringify } from 'csv-stringify/sync';
import type { ItemOutput } from '../core/engine';
import { extractAnswer, type AnswerRule } from '../io/answerExtraction';
import type { Delimiter } from '../io/delimited';
import type { InputRecord } from '../io/readingPass';
import { formatOf, type InputFormat } from '../io/records';

/** The formats Smart writes outputs in. */
export const OUTPUT_FORMATS = ['jsonl', 'csv', 'tsv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The formats a config may set: the input's (where its extension does not say it), the outputs'. */
export interface FormatChoice {
  readonly inputFormat?: InputFormat | undefined;
  readonly outputFormat?: OutputFormat | undefined;
}

/** The format of the outputs of a run on `input`: the one chosen, else the input's own where Smart writes it, else JSONL. */
export function outputFormatOf(input: string, choice: FormatChoice = {}): OutputFormat {
  if (choice.outputFormat !== undefined) return choice.outputFormat;
  const format = choice.inputFormat ?? formatOf(input);
  return format === 'csv' || format === 'tsv' ? format : 'jsonl';
}

/** The columns Smart adds to a CSV or TSV file. */
export const SMART_COLUMNS = ['smart_output', 'smart_model', 'smart_raw'] as const;

/**
 * The text of one output in the file, without its final line break. The
 * first item's text begins with the header row, since items are formatted
 * in any order but written in input order.
 */
export function outputText(
  format: OutputFormat,
  rule: AnswerRule,
  delimiter: Delimiter = format === 'tsv' ? '\t' : ',',
): (output: ItemOutput<InputRecord>) => string {
  if (format === 'jsonl') {
    return (o) => {
      const raw = o.completion.text;
      return JSON.stringify({ ...o.item.value, smart: { output: extractAnswer(rule, raw), model: o.model, raw } });
    };
  }
  const row = (fields: readonly unknown[]): string => stringify([fields.map(String)], { delimiter, record_delimiter: 'unix' }).replace(/\n$/, '');
  return (o) => {
    const raw = o.completion.text;
    const added: Record<(typeof SMART_COLUMNS)[number], string> = { smart_output: extractAnswer(rule, raw), smart_model: o.model, smart_raw: raw };
    const columns = [...Object.keys(o.item.value), ...SMART_COLUMNS.filter((c) => !(c in o.item.value))];
    const values = { ...o.item.value, ...added };
    const text = row(columns.map((c) => values[c as keyof typeof values] ?? ''));
    return o.index === 0 ? `${row(columns)}\n${text}` : text;
  };
}
