import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hypergeometricLowerBound } from '../../../src/core/stats/hypergeometric';
import { auditFileFor, auditResult, pairKey, readLabels, saveLabel, type AuditPair, type AuditSetup, type AuditedRun } from '../../../src/job/audit';
import { loadConfig } from '../../../src/job/config';
import { runJob } from '../../../src/job/runJob';
import { capitalsAnswers, cityOf, writeCapitalsWorkspace } from '../../support/capitalsWorkload';
import { withOpenAiTestServer } from '../../support/openaiTestServer';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/** The judge says yes to every one of mid's wrong answers (each names an even city). */
const answers = capitalsAnswers((city) => city % 2 === 0);

function workspace(baseURL: string, judge: Record<string, unknown> = {}): { dir: string; input: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-audit-'));
  return { dir, ...writeCapitalsWorkspace(dir, baseURL, judge) };
}

describe("a person's audit of the judge", () => {
  it('keeps a share of the budget for it, samples the pairs the judge said yes to, and states the guarantee as a person would judge once they are labelled', async () => {
    await withOpenAiTestServer({ answer: answers }, async (server) => {
      const ws = workspace(server.baseURL);
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      assert.ok(Math.abs(report.auditAlpha! - 0.01) < 1e-12, 'a fifth of the 5% budget waits for the audit');
      assert.ok(Math.abs(report.guarantee.confidence - 0.96) < 1e-12, 'the guarantee as the judge decides holds at 96%');
      const audit = report.audit!;
      assert.ok(audit.pairs.length > 0 && audit.pairs.length <= 40, `${audit.pairs.length} pairs`);
      assert.equal(audit.plans[0].plan, 'mid');
      assert.ok(
        audit.pairs.every(
          (p) =>
            p.model === 'mid' &&
            /^What is the capital of country \d+\?$/.test(p.input) &&
            cityOf(p.referenceOutput) !== '' &&
            p.candidateOutput !== p.referenceOutput,
        ),
      );

      // Export, label as a person would (by the cities named), import.
      const exported = path.join(ws.dir, 'to-label.jsonl');
      const out = spawnSync(process.execPath, [CLI, 'audit', ws.input, '--export', exported], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const lines = readFileSync(exported, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditPair & { key: string; label: string | null });
      assert.equal(lines.length, audit.pairs.length);
      const wrong = lines.filter((l) => cityOf(l.referenceOutput) !== cityOf(l.candidateOutput)).length;
      assert.ok(wrong > 0, 'the judge said yes to some wrong answers in the sample');
      writeFileSync(
        exported,
        lines.map((l) => JSON.stringify({ ...l, label: cityOf(l.referenceOutput) === cityOf(l.candidateOutput) ? 'agree' : 'disagree' })).join('\n') + '\n',
      );
      const imported = spawnSync(process.execPath, [CLI, 'audit', ws.input, '--import', exported], { encoding: 'utf8' });
      assert.equal(imported.status, 0, imported.stderr);
      const match =
        /^With 95% confidence, at least ([\d,]+) of the whole file's 3,000 outputs \([\d.]+%\) (agree|are known to agree) with big as a person would judge \(target 85%\): of the (\d+) pairs you labelled \(from (\d+) certification items drawn at random\), the judge said yes where you did not on (\d+), so on the items left it says yes falsely on at most ([\d,]+) outputs the run wrote\.$/.exec(
          imported.stdout.trim(),
        );
      assert.ok(match, imported.stdout);
      const [, counted, , pairs, sampled, falseYes, cap] = match;
      assert.equal(Number(pairs), audit.pairs.length);
      assert.equal(Number(falseYes), wrong);
      const plan = report.plan.entries.find((e) => e.id === 'mid')!;
      const expectedCap = Math.min(
        plan.agreeing!,
        audit.population - hypergeometricLowerBound(Number(sampled) - wrong, Number(sampled), audit.population, audit.alpha) - wrong,
      );
      assert.equal(Number(cap.replace(/,/g, '')), expectedCap);
      assert.equal(Number(counted.replace(/,/g, '')), report.plan.agreeingOutputs! - expectedCap);
      // What a person would find in the outputs written: the claim holds here.
      const written = readFileSync(path.join(ws.dir, 'countries.smart.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { country: string; smart: { raw: string } });
      const agreeing = written.filter((w) => cityOf(w.smart.raw) === /\d+/.exec(w.country)![0]).length;
      assert.ok(agreeing >= Number(counted.replace(/,/g, '')), `${agreeing} agree; the audit claims at least ${counted}`);
    });
  });

  it('draws as many items as the config asks, and with 0 keeps no budget for an audit', async () => {
    await withOpenAiTestServer({ answer: answers }, async (server) => {
      const larger = workspace(server.baseURL, { auditItems: 120 });
      const { report } = await runJob({ input: larger.input, config: loadConfig(larger.config) });
      assert.equal(report.auditItems, 120);
      const firstLook = report.plan.certification!.plannedItems;
      assert.equal(report.audit!.plans[0].sampled, Math.min(120, firstLook));
      assert.ok(report.audit!.pairs.length > 40, `${report.audit!.pairs.length} pairs`);

      const none = workspace(server.baseURL, { auditItems: 0 });
      const { report: unaudited } = await runJob({ input: none.input, config: loadConfig(none.config) });
      assert.equal(unaudited.auditAlpha, undefined);
      assert.equal(unaudited.audit, undefined);
      assert.equal(unaudited.guarantee.confidence, 0.95, 'the guarantee as the judge decides, at the confidence asked');
      const out = spawnSync(process.execPath, [CLI, 'audit', none.input], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stdout, /no judge to audit/);
    });
  });

  it('asks on a terminal, taking answers typed ahead in turn, and stops at q or the end of input with the labels kept', async function () {
    // A terminal is needed for the questions: util-linux's script gives the CLI one.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    await withOpenAiTestServer({ answer: answers }, async (server) => {
      const ws = workspace(server.baseURL);
      const { report } = await runJob({ input: ws.input, config: loadConfig(ws.config) });
      const pairs = report.audit!.pairs;
      const onTerminal = (typed: string): string =>
        spawnSync('script', ['-qec', `${process.execPath} ${CLI} audit ${ws.input}`, '/dev/null'], { input: typed, encoding: 'utf8' }).stdout;
      // A wrong key is asked again; q stops after two labels.
      const first = onTerminal('a\nx\nd\nq\n');
      assert.match(first, /Pair 1 of \d+ \(plan mid, line \d+\)/);
      assert.match(first, /you said they disagree; the judge had said yes\. Audit of the judge: 2 of/);
      const labels = readLabels(auditFileFor(ws.input));
      assert.deepEqual([...labels.values()], ['agree', 'disagree']);
      assert.deepEqual([...labels.keys()], pairs.slice(0, 2).map(pairKey));
      // The next session starts at the third pair, and the end of input stops it cleanly.
      const second = onTerminal('s\n');
      assert.match(second, /Pair 3 of/);
      assert.doesNotMatch(second, /Error|Aborted/);
      assert.equal(readLabels(auditFileFor(ws.input)).get(pairKey(pairs[2])), 'skip');
    });
  });

  it('says what is left to label until every pair is', async () => {
    const setup: AuditSetup = { alpha: 0.01, population: 1000, plans: [{ plan: 'p', sampled: 3 }], pairs: [pair(1), pair(2)] };
    const run: AuditedRun = {
      seed: 1,
      items: 1100,
      profiledItems: 100,
      reference: 'ref',
      auditAlpha: 0.01,
      plan: { entries: [{ id: 'p', plan: { kind: 'single', model: 'p' }, items: 1000, agreeing: 950 }] },
    };
    assert.deepEqual(auditResult(run, setup, new Map([[pairKey(pair(1)), 'agree']])), { labelled: 1, total: 2 });
    const done = auditResult(
      run,
      setup,
      new Map([
        [pairKey(pair(1)), 'agree'],
        [pairKey(pair(2)), 'skip'],
      ]),
    );
    const cap = Math.min(950, 1000 - hypergeometricLowerBound(2, 3, 1000, 0.01) - 1);
    assert.deepEqual(done.done, { plans: [{ plan: 'p', sampled: 3, falseYes: 1, cap }], agreeingOutputs: 100 + 950 - cap });
  });

  it('keeps labels on disk, the latest for each pair, passing over a label torn by a crash', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-labels-'));
    const file = auditFileFor(path.join(dir, 'items.jsonl'));
    assert.equal(file, path.join(dir, '.smart', 'items.jsonl.audit.jsonl'));
    assert.equal(readLabels(file).size, 0);
    saveLabel(file, pair(1), 'disagree');
    saveLabel(file, pair(2), 'agree');
    saveLabel(file, pair(1), 'agree');
    appendFileSync(file, '{"key": "torn');
    const labels = readLabels(file);
    assert.deepEqual([...labels.values()], ['agree', 'agree']);
    writeFileSync(file, '{"key": "x", "plan": "p", "line": 0, "label": "agree", "at": "2026-01-01T00:00:00.000Z"}\n');
    assert.throws(() => readLabels(file), /items\.jsonl\.audit\.jsonl:1: is not an audit label/);
  });
});

function pair(line: number): AuditPair {
  return { plan: 'p', model: 'p', line, input: `prompt ${line}`, referenceOutput: `a ${line}`, candidateOutput: `b ${line}` };
}
