// `npm run demo`: Smart's main job on the bundled offline examples, with no API
// key: real recorded answers of a dozen models (see examples/*/NOTICE) served
// by the replay client. Copies the examples to demo/ (git-ignored), runs the
// command line on them and leaves every output there to open. Then free text
// with a judge, on simulated answers from the loopback test server (no
// recording of real models' free text with a judge's verdicts could be
// shipped): the test server and the workload come from `tsc -p .`'s out/.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const demo = path.join(root, 'demo');

if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first (or `npm run demo`, which builds).');
  process.exit(1);
}
rmSync(demo, { recursive: true, force: true });
cpSync(path.join(root, 'examples', 'toxicity'), path.join(demo, 'toxicity'), { recursive: true });
// The policy example runs at two targets, each in a folder of its own so both results stay.
for (const target of ['90', '80']) cpSync(path.join(root, 'examples', 'policy-topics'), path.join(demo, `policy-topics-${target}`), { recursive: true });

function run(title, input, flags = []) {
  console.log(`\n=== ${title} ===\n$ smart profile ${path.relative(root, input)} ${flags.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, 'profile', input, '--yes', '--force', ...flags], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return JSON.parse(readFileSync(input.replace(/\.jsonl$/, '.smart-report.json'), 'utf8'));
}

const toxicity = run(
  'Toxic comments (offensive language): 750 items, 12 models, target 90% agreement with gpt-4o at 95% confidence',
  path.join(demo, 'toxicity', 'items.jsonl'),
);

const policyHigh = run('Policy topics: 926 UK Acts, 10 models, a 90% target', path.join(demo, 'policy-topics-90', 'items.jsonl'), ['--accuracy', '0.9']);
const policyLow = run('Policy topics again, an 80% target', path.join(demo, 'policy-topics-80', 'items.jsonl'), ['--accuracy', '0.8']);

// Free text, simulated: the CLI runs as a child while this process serves its calls, so it is spawned without blocking.
const require = createRequire(import.meta.url);
const { OpenAiTestServer } = require(path.join(root, 'out', 'test', 'support', 'openaiTestServer.js'));
const workload = require(path.join(root, 'out', 'bench', 'freeTextWorkload.js'));
const server = new OpenAiTestServer({ answer: workload.answers(1) });
const { baseURL } = await server.start();
const freeTextDir = path.join(demo, 'free-text-simulated');
mkdirSync(freeTextDir, { recursive: true });
const freeTextInput = workload.writeWorkload(freeTextDir, baseURL, 20_000, 1);
console.log(
  '\n=== Free text with a judge (SIMULATED answers from a local test server, not real models): 20,000 one-sentence summaries, ' +
    "a cheap model that says the same as the reference on 70% of them, a judge at a tenth of the reference's price, an 80% target ===\n" +
    `$ smart profile ${path.relative(root, freeTextInput)}\n`,
);
const code = await new Promise((resolve) =>
  spawn(process.execPath, [cli, 'profile', freeTextInput, '--yes', '--force'], { stdio: 'inherit' }).once('exit', resolve),
);
await server.close();
if (code !== 0) process.exit(code ?? 1);
const freeText = JSON.parse(readFileSync(freeTextInput.replace(/\.jsonl$/, '.smart-report.json'), 'utf8'));

// Every figure in the summary is worded by src/text, as the command line words it.
const { usd, savings } = require(path.join(root, 'out', 'src', 'text', 'money.js'));
const { planShares } = require(path.join(root, 'out', 'src', 'text', 'plan.js'));
/** The plans a report used, with their shares of the rest: "a + b (else ref) 92.1% (850 items), ...". */
const plansUsed = (report) => planShares(report.plan);
const bestSingle = (report) => report.models.filter((m) => m.role === 'candidate' && m.n > 0).sort((a, b) => b.agreements / b.n - a.agreements / a.n)[0];
const best = bestSingle(policyHigh);
const gated = policyHigh.plan.entries.some((e) => e.items > 0 && e.plan.kind === 'gated');
console.log(`
=== What this shows ===
- Toxicity, all 11 candidates: ${savings(toxicity.savings)} than gpt-4o alone (${usd(toxicity.totalCost)} vs ${usd(toxicity.referenceOnlyCost)}): ${plansUsed(toxicity)}. Smart piloted the cheap models first and never paid for the dear ones.
- Policy topics at 90%: no cheaper model alone agrees with gpt-4o often enough (the best profiled, ${best.id}, agreed on ${best.agreements} of ${best.n} items)${gated ? ', but where two cheap models give the same answer they agree with gpt-4o far more often: Smart keeps their answer there and asks gpt-4o only where they differ' : ''}: ${savings(policyHigh.savings)} (${plansUsed(policyHigh)}).
- Policy topics at 80%: ${savings(policyLow.savings)} (${plansUsed(policyLow)}).
- Free text (simulated): ${savings(freeText.savings)} than the reference alone, the judge's ${usd(freeText.judge.cost)} included (${plansUsed(freeText)}); agreement is as the judge decides. Audit the judge as a person would: smart audit ${path.relative(root, freeTextInput)} (or open the report in VS Code: Smart: Open Last Report).
- On files this small (hundreds of items) profiling is a large share of the cost; on the paper's datasets (5,574 to 127,600 items) and on 50,000-item files of these recorded answers Smart saves far more (npm run bench:paper, npm run bench:real).

Outputs and reports are in ${path.relative(process.cwd(), demo) || 'demo'}/: items.smart.jsonl and items.smart-report.json in each folder.`);
