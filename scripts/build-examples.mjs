#!/usr/bin/env node
/**
 * Builds the bundled offline examples under examples/ from the TextClass
 * benchmark's files (each example's NOTICE gives their source and licence):
 * real labels recorded from real
 * models, rendered as the models' answer texts, so that Smart runs end to end
 * with no API key (the config's "replay" serves every call from the file).
 *
 *   node scripts/build-examples.mjs --source DIR
 *
 * The output is deterministic: the same inputs give byte-identical files.
 * For each example it writes items.jsonl, prompt.txt, recorded.jsonl,
 * smart.config.json, README.md and NOTICE, then reads the written files back
 * and prints each model's agreement with the reference, which must equal the
 * figures in the data folder's README (the script fails otherwise).
 *
 * Token counts: the benchmark recorded none, so they are estimated with the
 * o200k_base tokenizer (gpt-4o's) for every model:
 *   inputTokens  = tokens(prompt rendered for the item) + CHAT_INPUT_OVERHEAD
 *   outputTokens = tokens(answer text) + END_TOKEN
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

/**
 * Tokens a chat request adds around one user message, as OpenAI documents
 * counting them for gpt-4o-class models: 3 to open the message, 1 for the
 * role ("user"), and 3 to prime the assistant's reply.
 */
const CHAT_INPUT_OVERHEAD = 7;
/** The end-of-message token that closes every answer. */
const END_TOKEN = 1;

const REFERENCE = 'gpt-4o-2024-11-20';
const SOURCE = {
  repo: 'https://github.com/bgonzalezbustamante/TextClass-Benchmark',
  commit: '75d5a41',
  paper: 'González-Bustamante et al., arXiv:2412.00539 (https://doi.org/10.48550/arXiv.2412.00539)',
  licence: 'Creative Commons Attribution 4.0 International (CC BY 4.0), https://creativecommons.org/licenses/by/4.0/',
};

/** Comparative Agendas Project major topics (the codes the policy labels use). */
const CAP_MAJOR_TOPICS = [
  [1, 'Macroeconomics'],
  [2, 'Civil Rights'],
  [3, 'Health'],
  [4, 'Agriculture'],
  [5, 'Labor'],
  [6, 'Education'],
  [7, 'Environment'],
  [8, 'Energy'],
  [9, 'Immigration'],
  [10, 'Transportation'],
  [12, 'Law and Crime'],
  [13, 'Social Welfare'],
  [14, 'Housing'],
  [15, 'Domestic Commerce'],
  [16, 'Defense'],
  [17, 'Technology'],
  [18, 'Foreign Trade'],
  [19, 'International Affairs'],
  [20, 'Government Operations'],
  [21, 'Public Lands'],
  [23, 'Culture'],
];
const CAP_CODES = new Set(CAP_MAJOR_TOPICS.map(([code]) => String(code)));

/**
 * Agreement with the reference as the data README states it (3 decimals),
 * checked against what the written files give.
 */
const EXPECTED_AGREEMENT = {
  'policy-topics': {
    'gpt-4.1-2025-04-14': 0.836,
    'claude-3-5-haiku-20241022': 0.778,
    'gpt-4o-mini-2024-07-18': 0.761,
    'llama3.1_70b': 0.767,
    'gemini-2.0-flash': 0.766,
    'gpt-4.1-mini-2025-04-14': 0.749,
    'gpt-3.5-turbo-0125': 0.718,
    'mistral-small': 0.695,
    'gpt-4.1-nano-2025-04-14': 0.634,
  },
  toxicity: {
    'gpt-4.1-2025-04-14': 0.98,
    'gpt-4.1-nano-2025-04-14': 0.971,
    'llama3.1_70b': 0.969,
    'gpt-4o-mini-2024-07-18': 0.968,
    'gpt-4.1-mini-2025-04-14': 0.968,
    'gemini-2.0-flash': 0.967,
    'llama3.1': 0.964,
    mistral: 0.948,
    'claude-3-5-haiku-20241022': 0.931,
    'gpt-3.5-turbo-0125': 0.928,
    'mistral-small': 0.911,
  },
};

const POLICY_PROMPT = `Classify the following UK Act of Parliament by its main policy topic, using the major topics of the Comparative Agendas Project (CAP).

Major topics (code and name):
${CAP_MAJOR_TOPICS.map(([code, name]) => `${code} ${name}`).join('\n')}

Act (title and description):
{{title_and_description}}

Answer with the code of the one major topic that fits best, as a number only.
`;

const TOXICITY_PROMPT = `Decide whether the following comment is toxic. A comment is toxic if it is rude, insulting, hateful, threatening, obscene or otherwise disrespectful towards a person or group.

Comment:
{{comment}}

Answer with exactly "toxic" or "not toxic".
`;

/**
 * The two examples. `answer` renders a benchmark label as the model's answer
 * text, or throws if the label is not one the task allows.
 */
const EXAMPLES = [
  {
    folder: 'policy-topics',
    title: 'Policy topics of UK Acts of Parliament',
    csv: 'textclass-policy-en.csv',
    benchmarkPaths: '`data/policy_EN_cycle_11/` and `data/comparative_agendas_project/UK/`',
    textsFrom: 'the Comparative Agendas Project (CAP) UK data (titles and descriptions of UK Acts of Parliament, https://www.comparativeagendas.net)',
    textField: 'title_and_description',
    prompt: POLICY_PROMPT,
    answer(label) {
      if (!CAP_CODES.has(label)) throw new Error(`"${label}" is not a CAP major-topic code`);
      return label;
    },
    // maxTokens bounds a live answer (a code is 1-2 tokens) and gives the cost preview a realistic output length.
    settings: { answer: { kind: 'lastNumber' }, maxTokens: 10 },
    ruleText: 'the last number in the answer (so "3", "3." and "Topic 3" agree)',
    labelText: 'the CAP major-topic code the model gave, written as a number, e.g. `"3"`',
    accuracy: 0.8,
    confidence: 0.95,
    warning: '',
    about:
      'Each item is the title and description of a UK Act of Parliament; the task is to name its Comparative Agendas Project major topic. ' +
      "Only gpt-4.1, at 80% of the reference's price, agrees with gpt-4o on more than 80% of Acts; the cheaper models agree on 63-78%. " +
      'So at the 80% target no cheap model meets it alone, and a mix of a cheap model with the reference can: this example shows ModelMix at work.',
  },
  {
    folder: 'toxicity',
    title: 'Toxic comments',
    csv: 'textclass-toxicity-en.csv',
    benchmarkPaths: '`data/toxicity_EN_cycle_11/` and `data/textdetox/EN/`',
    textsFrom: 'the TextDetox English test set (through the benchmark)',
    textField: 'comment',
    prompt: TOXICITY_PROMPT,
    answer(label) {
      if (label === '1') return 'toxic';
      if (label === '0') return 'not toxic';
      throw new Error(`"${label}" is not a toxicity label (expected 0 or 1)`);
    },
    settings: { labels: ['toxic', 'not toxic'] },
    ruleText: 'the label found in the answer, "toxic" or "not toxic" (case-insensitive; "not toxic" wins over the "toxic" inside it)',
    labelText: '`"toxic"` for the benchmark label 1 and `"not toxic"` for 0',
    accuracy: 0.9,
    confidence: 0.95,
    warning:
      '> **Content warning.** The comments in this example (`items.jsonl`, and the prompts built from them) contain offensive language: insults, slurs, profanity and hateful statements. They are there because recognising them is the task.\n\n',
    about:
      'Each item is a short English comment; the task is to say whether it is toxic. ' +
      'The cheaper models agree with gpt-4o on 91-98% of comments, so at a 90% target Smart can hand most of the items left after profiling ' +
      'to models that cost a few percent of the reference (2.7x cheaper in all). At 95% profiling takes most of the saving on a file this small.',
  },
];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

main();

function main() {
  const { values } = parseArgs({ options: { source: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(
      'Usage: node scripts/build-examples.mjs --source DIR\n\nDIR holds the TextClass CSV files (textclass-toxicity-en.csv, textclass-policy-en.csv) and model-prices-2025.csv.',
    );
    return;
  }
  if (!values.source) {
    console.error('build-examples: --source DIR is required (the folder with the TextClass CSV files and model-prices-2025.csv); see --help.');
    process.exit(2);
  }
  const shared = path.resolve(values.source);
  const prices = readPrices(path.join(shared, 'model-prices-2025.csv'));
  const encoder = new Tiktoken(o200kBase);
  // Special-token text such as "<|endoftext|>" in a comment is ordinary text to count, not an error.
  const countTokens = (text) => encoder.encode(text, [], []).length;

  for (const example of EXAMPLES) {
    const outDir = path.join(repoRoot, 'examples', example.folder);
    const built = buildExample(example, path.join(shared, example.csv), prices, countTokens);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'items.jsonl'), built.items);
    writeFileSync(path.join(outDir, 'prompt.txt'), example.prompt);
    writeFileSync(path.join(outDir, 'recorded.jsonl'), built.recorded);
    writeFileSync(path.join(outDir, 'smart.config.json'), `${JSON.stringify(built.config, null, 2)}\n`);
    const summary = summarise(outDir, built.config);
    writeFileSync(path.join(outDir, 'README.md'), readme(example, built, summary));
    writeFileSync(path.join(outDir, 'NOTICE'), notice(example));
    checkAgreement(example.folder, summary);
    printSummary(example.folder, built, summary);
  }
}

/** Renders an example's items, recording and config from its CSV. */
function buildExample(example, csvFile, prices, countTokens) {
  const rows = parseCsv(readFileSync(csvFile, 'utf8'), csvFile);
  const header = rows[0];
  if (header[0] !== 'id' || header[1] !== 'text' || header[2] !== 'gold') {
    throw new Error(`${csvFile}: expected the columns to start with id,text,gold; got ${header.slice(0, 3).join(',')}`);
  }
  const models = header.slice(3);
  if (!models.includes(REFERENCE)) throw new Error(`${csvFile}: no column for the reference ${REFERENCE}`);
  for (const model of models) {
    if (!prices.has(model)) throw new Error(`model-prices-2025.csv: no price for ${model} (a column of ${csvFile})`);
    // The CSV names become config ids, so they must be plain identifiers.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(model)) throw new Error(`${csvFile}: model name "${model}" is not a safe id`);
  }

  const seen = new Set();
  const items = [];
  const recorded = [];
  let omitted = 0;
  rows.slice(1).forEach((row, index) => {
    const where = `${csvFile}: data row ${index + 1}`;
    if (row.length !== header.length) throw new Error(`${where}: ${row.length} fields, expected ${header.length}`);
    const id = row[0];
    if (id === '' || seen.has(id)) throw new Error(`${where}: id "${id}" is empty or repeated`);
    seen.add(id);
    const item = { id, [example.textField]: row[1] };
    items.push(JSON.stringify(item));
    const inputTokens = countTokens(render(example.prompt, item)) + CHAT_INPUT_OVERHEAD;
    models.forEach((model, m) => {
      const label = row[3 + m].trim();
      if (label === '') {
        omitted++;
        return;
      }
      let text;
      try {
        text = example.answer(label);
      } catch (error) {
        throw new Error(`${where}, column ${model}: ${error.message}`);
      }
      recorded.push(JSON.stringify({ item: id, model, text, inputTokens, outputTokens: countTokens(text) + END_TOKEN }));
    });
  });

  const config = {
    models: models.map((model) => ({ id: model, model, ...prices.get(model) })),
    reference: REFERENCE,
    candidates: models.filter((model) => model !== REFERENCE),
    template: 'prompt.txt',
    ...example.settings,
    accuracy: example.accuracy,
    confidence: example.confidence,
    strategy: 'auto',
    seed: 7,
    replay: 'recorded.jsonl',
    itemKey: 'id',
  };
  return { items: lines(items), recorded: lines(recorded), config, itemCount: items.length, models, omitted };
}

/** Fills `{{field}}` placeholders, as the project's templates do for these flat items. */
function render(template, item) {
  return template.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (_, field) => {
    if (!Object.hasOwn(item, field)) throw new Error(`template names a field the items lack: ${field}`);
    return item[field];
  });
}

/**
 * Reads the written files back: per model, agreement with the reference over
 * the items both answered, and the estimated cost of running every item.
 */
function summarise(outDir, config) {
  const byModel = new Map(config.models.map((m) => [m.id, { price: m, answers: new Map(), cost: 0, input: 0, output: 0 }]));
  for (const line of readFileSync(path.join(outDir, 'recorded.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line);
    const entry = byModel.get(r.model);
    entry.answers.set(r.item, r.text);
    entry.input += r.inputTokens;
    entry.output += r.outputTokens;
    entry.cost += (r.inputTokens * entry.price.inputPer1M + r.outputTokens * entry.price.outputPer1M) / 1e6;
  }
  const reference = byModel.get(config.reference);
  const rows = [...byModel].map(([id, entry]) => {
    let both = 0;
    let agree = 0;
    for (const [item, text] of entry.answers) {
      const referenceText = reference.answers.get(item);
      if (referenceText === undefined) continue;
      both++;
      if (referenceText === text) agree++;
    }
    return { id, price: entry.price, answered: entry.answers.size, agreement: agree / both, cost: entry.cost };
  });
  return { rows, referenceCost: reference.cost, referenceTokens: { input: reference.input, output: reference.output } };
}

function checkAgreement(folder, summary) {
  for (const [id, expected] of Object.entries(EXPECTED_AGREEMENT[folder])) {
    const row = summary.rows.find((r) => r.id === id);
    if (!row || row.agreement.toFixed(3) !== expected.toFixed(3)) {
      throw new Error(
        `${folder}: agreement of ${id} with ${REFERENCE} is ${row ? row.agreement.toFixed(3) : 'missing'}, the data README says ${expected.toFixed(3)}`,
      );
    }
  }
}

function printSummary(folder, built, summary) {
  console.log(
    `examples/${folder}: ${built.itemCount} items, ${built.models.length} models, ${built.itemCount * built.models.length - built.omitted} recorded answers` +
      (built.omitted > 0 ? ` (${built.omitted} missing labels omitted)` : ''),
  );
  for (const row of sortedRows(summary)) {
    console.log(`  ${row.id.padEnd(27)} agreement ${row.agreement.toFixed(3)}  all items $${row.cost.toFixed(4)}`);
  }
  console.log(
    `  reference only (${REFERENCE}): $${summary.referenceCost.toFixed(4)} estimated` +
      ` (${summary.referenceTokens.input} input + ${summary.referenceTokens.output} output tokens)`,
  );
}

/** The reference first, then candidates by agreement (highest first), ties by id. */
function sortedRows(summary) {
  return [...summary.rows].sort((a, b) => (a.id === REFERENCE ? -1 : b.id === REFERENCE ? 1 : b.agreement - a.agreement || a.id.localeCompare(b.id)));
}

function readme(example, built, summary) {
  const table = sortedRows(summary)
    .map(
      (row) =>
        `| \`${row.id}\`${row.id === REFERENCE ? ' (reference)' : ''} | ${row.price.inputPer1M} / ${row.price.outputPer1M} | ${row.id === REFERENCE ? '-' : row.agreement.toFixed(3)} | $${row.cost.toFixed(4)} |`,
    )
    .join('\n');
  const omitted = built.omitted > 0 ? ` ${built.omitted} (item, model) pairs had no label in the benchmark and are not in the recording.` : '';
  return `# Example: ${example.title}

${example.warning}${example.about}

Everything here runs offline: \`smart.config.json\` sets \`"replay": "recorded.jsonl"\`, so every model call is answered from the recording of what that model really answered in the TextClass benchmark, and no API key is needed. Costs are computed from the recorded token counts and the prices in the config, as they would be for live calls.

\`\`\`sh
npm run build
node dist/cli.js profile examples/${example.folder}/items.jsonl
\`\`\`

(\`smart.config.json\` beside the input is found automatically.) The run writes \`items.smart.jsonl\` and \`items.smart-report.json\` here.

## Files

| file | what |
| --- | --- |
| \`items.jsonl\` | ${built.itemCount} items: \`id\` and \`${example.textField}\` |
| \`prompt.txt\` | the prompt template; \`{{${example.textField}}}\` is replaced by the item's text |
| \`recorded.jsonl\` | ${built.itemCount * built.models.length - built.omitted} recorded answers, one per (item, model): \`{"item", "model", "text", "inputTokens", "outputTokens"}\` |
| \`smart.config.json\` | ${built.models.length} models with their 2025 list prices (USD per million input / output tokens), reference \`${REFERENCE}\`, the others as candidates, target ${example.accuracy} agreement at ${example.confidence} confidence |
| \`NOTICE\` | attribution and licence of the data |

Answers are compared by ${example.ruleText}.

## The models

Agreement with the reference over all items, and the estimated cost of running every item with the model alone:

| model | USD per 1M tokens (in / out) | agreement with \`${REFERENCE}\` | all ${built.itemCount} items |
| --- | --- | --- | --- |
${table}

Running the reference alone on every item costs about $${summary.referenceCost.toFixed(4)}. The file is small (hundreds of items), so profiling is a larger share of the cost than it would be on a file of tens of thousands of items.

## How the recording was made

- Source: the TextClass benchmark (${SOURCE.repo}, commit ${SOURCE.commit}, ${example.benchmarkPaths}), ${SOURCE.paper}. Texts from ${example.textsFrom}.
- The answers are real: the benchmark stored each model's answer as a label, and each label is written here as answer text: ${example.labelText}. The models' raw replies were not stored, so \`text\` is the label, not the model's exact words; no answer was invented or changed.${omitted}
- The prompt in \`prompt.txt\` was written for this example; the benchmark's own prompts differed. The recorded answers are what the models answered to the benchmark's prompts.
- **Token counts are estimates**: the benchmark recorded none. Every model's counts are taken with the o200k_base tokenizer (gpt-4o's), including for models that use other tokenizers: \`inputTokens\` is the token count of \`prompt.txt\` rendered for the item plus ${CHAT_INPUT_OVERHEAD} for the chat format (3 to open the message, 1 for the role, 3 to prime the reply), and \`outputTokens\` is the token count of the answer text plus ${END_TOKEN} for the end-of-message token.
- Prices are the providers' 2025 list prices; hosted open models (\`llama3.1*\`, \`mistral*\`) vary by host.
- Generated by \`node scripts/build-examples.mjs\`; do not edit by hand.

## Licence

The data is from the TextClass benchmark and is licensed under ${SOURCE.licence}. Credit the benchmark and its paper when you redistribute it; see \`NOTICE\`.
`;
}

function notice(example) {
  return `This folder contains material adapted from the TextClass benchmark:

  TextClass-Benchmark
  ${SOURCE.repo}, commit ${SOURCE.commit}
  files: ${example.benchmarkPaths.replaceAll('`', '')}
  ${SOURCE.paper}
  Texts from ${example.textsFrom}.

Licensed under ${SOURCE.licence}.

Changes made:
- converted from the benchmark's files to JSONL (items.jsonl, recorded.jsonl);
- each model's label rendered as that model's answer text: ${example.labelText.replaceAll('`', '')};
- token counts estimated with the o200k_base tokenizer, since the benchmark
  recorded none;
- added a prompt template (prompt.txt) and a Smart configuration
  (smart.config.json, with 2025 list prices).
${example.warning ? '\nThe texts contain offensive language.\n' : ''}`;
}

/** USD per million tokens per model, from model-prices-2025.csv. */
function readPrices(file) {
  const rows = parseCsv(readFileSync(file, 'utf8'), file);
  const columns = ['model', 'usd_per_1m_input_tokens', 'usd_per_1m_output_tokens'];
  const at = columns.map((name) => rows[0].indexOf(name));
  if (at.some((i) => i < 0)) throw new Error(`${file}: expected columns ${columns.join(', ')}`);
  const prices = new Map();
  rows.slice(1).forEach((row, index) => {
    const [inputPer1M, outputPer1M] = [Number(row[at[1]]), Number(row[at[2]])];
    if (!(row[at[1]] !== '' && inputPer1M >= 0 && row[at[2]] !== '' && outputPer1M >= 0)) {
      throw new Error(`${file}: data row ${index + 1}: prices must be non-negative numbers`);
    }
    prices.set(row[at[0]], { inputPer1M, outputPer1M });
  });
  return prices;
}

/**
 * RFC 4180 CSV: fields separated by commas, optionally quoted; inside quotes,
 * `""` is a quote and commas and line breaks are part of the field. Records
 * end with CRLF or LF; a final line break is optional. A leading BOM is dropped.
 */
function parseCsv(text, file) {
  const rows = [];
  let row = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '') {
      // A quoted field runs to the next quote not doubled.
      let j = i + 1;
      for (;;) {
        const quote = text.indexOf('"', j);
        if (quote < 0) throw new Error(`${file}: record ${rows.length + 1}: quoted field is not closed`);
        field += text.slice(j, quote);
        if (text[quote + 1] === '"') {
          field += '"';
          j = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        throw new Error(`${file}: record ${rows.length + 1}: text after a closing quote`);
      }
    } else if (c === ',') {
      endField();
      i++;
    } else if (c === '\n' || c === '\r') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length > 0) endRow();
  if (rows.length === 0) throw new Error(`${file}: empty`);
  return rows;
}

function lines(values) {
  return values.map((value) => `${value}\n`).join('');
}
