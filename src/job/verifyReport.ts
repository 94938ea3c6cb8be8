/**
 * `smart verify <report.json>`: recomputes a report's bounds and guarantee
 * from the run's evidence (`evidence.ts`) and says whether its claims follow.
 * Every outcome is checked against its outputs (the comparison rule, or the
 * judge's recorded verdict), every model's counts against the outcomes, and
 * then, for `auto`, each certified plan's bound from its certification items,
 * each block's bound, and the count the guarantee states; for the paper's
 * strategies, each entry's bound on its model's counts. A report or evidence
 * edited after the run, or not of the same run, is refused, naming what does
 * not follow.
 */
import { gateVerdictOf, needsJudge, planOutcome } from '../core/plans/planOutcome';
import { confidenceThreshold, planId } from '../core/plans/planSpec';
import { confidenceBound } from '../core/stats/confidenceBound';
import { blockLowerBound, hypergeometricLowerBound } from '../core/stats/hypergeometric';
import type { CertifiedPlan } from '../core/report';
import { intervalBound } from '../core/types';
import { answersMatch, type AnswerRule } from '../io/answerExtraction';
import { agreeingNeeded, allowedDisagreements } from '../core/auto/certificationPlan';
import { agreeingInSequence } from '../core/auto/sequenceTest';
import { answerOfOutcome, readEvidence, type ProfiledOutcome } from './evidence';
import { readReportFile } from './reportSchema';
import type { JobReport } from './runJob';

/** What verification found: what it checked, and what does not follow. */
export interface Verification {
  readonly checked: readonly string[];
  readonly problems: readonly string[];
}

/** The report verification reads, checked as it is read (`reportSchema.ts`). */
type Report = JobReport;

/**
 * Verifies the report in `reportFile` against its evidence.
 * @throws Error naming the file when the report or the evidence cannot be read as one.
 */
export function verifyReport(reportFile: string): Verification {
  const report = readReportFile(reportFile);
  const { header, outcomes } = readEvidence(report.evidence);
  const checked: string[] = [];
  const problems: string[] = [];
  const check = (ok: boolean, what: string, problem: string): void => {
    if (ok) checked.push(what);
    else problems.push(problem);
  };
  check(
    header.seed === report.seed && header.items === report.items && header.reference === report.reference,
    'the evidence is of this run (seed, items, reference)',
    `the evidence is of another run (seed ${header.seed}, ${header.items} items, reference ${header.reference})`,
  );
  check(
    outcomes.length === report.profiledItems,
    `${outcomes.length} profiled items`,
    `the report says ${report.profiledItems} items were profiled; the evidence has ${outcomes.length}`,
  );
  const wrong = outcomes.flatMap((o) => outcomeProblems(o, header.answer, report.reference));
  check(
    wrong.length === 0,
    "every outcome follows from its outputs (the comparison rule, or the judge's recorded verdict)",
    wrong.slice(0, 5).join('; ') + (wrong.length > 5 ? `; and ${wrong.length - 5} more` : ''),
  );
  for (const m of report.models.filter((x) => x.role === 'candidate')) {
    const answered = outcomes.filter((o) => m.id in o.outputs);
    const agreed = answered.filter((o) => o.agrees[m.id]).length;
    check(
      answered.length === m.n && agreed === m.agreements,
      `${m.id}: ${agreed} of ${answered.length}`,
      `${m.id}: the report says ${m.agreements} of ${m.n} agreed; the evidence has ${agreed} of ${answered.length}`,
    );
  }
  if (report.plan.certification) checkCertification(report, outcomes, header.answer, check);
  else checkPaperEntries(report, check);
  return { checked, problems };
}

/** Whether an outcome's agreement flags follow from its outputs: the rule where no judge was asked, the verdict where one was. */
function outcomeProblems(o: ProfiledOutcome, rule: AnswerRule, reference: string): string[] {
  const problems: string[] = [];
  const referenceOutput = o.outputs[reference];
  if (referenceOutput === undefined) return [`line ${o.line}: no output of the reference`];
  for (const [model, agrees] of Object.entries(o.agrees)) {
    const output = o.outputs[model];
    if (output === undefined) {
      problems.push(`line ${o.line}: ${model} agrees without an output`);
      continue;
    }
    const verdict = o.judged?.[model];
    const expected = model === reference || (verdict === undefined ? answersMatch(rule, output, referenceOutput) : verdict === 'yes');
    if (agrees !== expected)
      problems.push(
        `line ${o.line}: ${model} is marked ${agrees ? 'agreeing' : 'disagreeing'}, but its output ${expected ? 'agrees' : 'does not agree'}${verdict === undefined ? '' : ` (the judge said ${verdict})`}`,
      );
  }
  return problems;
}

type Check = (ok: boolean, what: string, problem: string) => void;

/** `auto`: each certified plan's bound from its certification items, each block's bound, and the count the guarantee states. */
function checkCertification(report: Report, outcomes: readonly ProfiledOutcome[], rule: AnswerRule, check: Check): void {
  const certification = report.plan.certification!;
  const pilot = outcomes.filter((o) => o.stage === 'pilot').length;
  const certifying = outcomes.filter((o) => o.stage === 'certification');
  check(
    pilot === certification.pilotItems && certifying.length === certification.items,
    `${pilot} pilot and ${certifying.length} certification items`,
    `the report says ${certification.pilotItems} pilot and ${certification.items} certification items; the evidence has ${pilot} and ${certifying.length}`,
  );
  const population = report.items - certification.pilotItems;
  const left = report.items - report.profiledItems;
  const same = (a: string, b: string): boolean => answersMatch(rule, a, b);
  for (const p of certification.plans) {
    if (certification.looks === 0) continue;
    const unjudged = certifying.filter((o) => needsJudge(p.plan, answerOfOutcome(o), same) && o.gates?.[planId(p.plan)] === undefined);
    check(
      unjudged.length === 0,
      `${p.id}: every certification item its gate needed the judge on has the verdict`,
      `${p.id}: the judge's verdict on its gate is missing on line${unjudged.length > 1 ? 's' : ''} ${unjudged
        .slice(0, 5)
        .map((o) => o.line)
        .join(', ')}`,
    );
    const agreed = certifying.map((o) => {
      const answerOf = answerOfOutcome(o);
      return planOutcome(
        p.plan,
        answerOf,
        (model) => o.agrees[model] ?? model === report.reference,
        same,
        () => ({ input: 0, output: 0 }),
        gateVerdictOf(o.gates?.[planId(p.plan)]),
      ).agrees;
    });
    const atLook = agreed.slice(0, p.items).filter(Boolean).length;
    const all = agreed.filter(Boolean).length;
    const allowed = allowedDisagreements(report.target.accuracy, report.items);
    const agreeing = p.inSequence
      ? agreeingInSequence({ agreements: atLook, items: p.items, population, alpha: p.alpha, allowed }, left)
      : hypergeometricLowerBound(atLook, p.items, population, p.alpha) - all;
    check(
      atLook === p.agreements && agreeing === p.agreeing,
      `${p.id}: ${atLook} of ${p.items} at the look; at least ${agreeing} of the ${left} items left agree`,
      `${p.id}: the report says ${p.agreements} of ${p.items} at the look and ${p.agreeing} items left agreeing; the evidence gives ${atLook} and ${agreeing}`,
    );
  }
  checkSequenceOrder(certification.plans, check);
  let agreeingOutputs = report.profiledItems;
  for (const e of report.plan.entries) {
    if (e.items === 0) continue;
    const certified = certification.plans.find((p) => p.id === e.id);
    const bound = e.id === report.reference ? e.items : certified ? blockLowerBound(certified.agreeing, left, e.items, certified.blockAlpha) : 0;
    agreeingOutputs += bound;
    check(
      e.agreeing === bound,
      `${e.id}: at least ${bound} of its ${e.items} outputs agree`,
      `${e.id}: the report says ${e.agreeing ?? 'nothing'} of its ${e.items} outputs agree; the bounds give ${bound}`,
    );
  }
  check(
    report.plan.agreeingOutputs === agreeingOutputs,
    `at least ${agreeingOutputs} of the ${report.items} outputs agree`,
    `the report says ${report.plan.agreeingOutputs ?? 'nothing'} outputs agree; the bounds give ${agreeingOutputs}`,
  );
  const met = agreeingOutputs >= agreeingNeeded(report.target.accuracy, report.items);
  check(
    met === report.guarantee.met,
    met ? 'the target is met' : 'the target is not met, as the report says',
    `the report says the target is ${report.guarantee.met ? '' : 'not '}met; the bounds say it is ${met ? '' : 'not '}met`,
  );
}

/** Plans certified in sequence are listed in their order (highest threshold first, the model alone last), and none passed after one failed. */
function checkSequenceOrder(plans: readonly CertifiedPlan[], check: Check): void {
  const inSequence = plans.filter((p) => p.inSequence);
  if (inSequence.length === 0) return;
  const ordered = inSequence.every((p, i) => i === 0 || confidenceThreshold(p.plan) < confidenceThreshold(inSequence[i - 1].plan));
  const failed = inSequence.findIndex((p) => p.agreeing === 0);
  const stopped = failed < 0 || failed === inSequence.length - 1;
  check(
    ordered && stopped,
    `${inSequence.length} plans certified in sequence, in order, the first that failed the last`,
    `the plans certified in sequence are not in their order, or one is listed after one that failed`,
  );
}

/** The paper's strategies: each entry's bound on its model's counts, at its level. */
function checkPaperEntries(report: Report, check: Check): void {
  const bound = confidenceBound(intervalBound(report.bound));
  for (const e of report.plan.entries) {
    if (e.items === 0 || e.id === report.reference) continue;
    const m = report.models.find((x) => x.id === e.id);
    const lower = m ? bound.interval(m.agreements, m.n, e.level).lower : 0;
    check(
      Math.abs(lower - e.lowerBound) < 1e-12,
      `${e.id}: expected agreement rate at least ${lower}`,
      `${e.id}: the report says its bound is ${e.lowerBound}; its counts give ${lower}`,
    );
  }
}
