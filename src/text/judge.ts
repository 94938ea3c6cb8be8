/** A run's judge in words: what it was asked, how often, and what it cost. */
import type { JudgeSummary } from '../core/report';
import { JUDGE_QUESTION_WORDS } from './guarantee';
import { paidNote, usd } from './money';
import { count, plural } from './numbers';

/**
 * "Judge gpt-4o-mini (the same meaning): asked on 412 of 1,638 comparisons
 * (the others were the same but for case, punctuation and spacing), 412
 * calls, $0.031 (all paid in this run); 2 verdicts could not be read and
 * count as disagreement." With judged gates: "..., and on 900 pairs of cheap
 * models' outputs in gates, ...". The command line and the panel both say it.
 */
export function describeJudge(judge: JudgeSummary): string {
  const asked = `asked on ${count(judge.judged)} of ${plural(judge.comparisons, 'comparison')}`;
  const others = judge.judged < judge.comparisons ? ' (the others were the same but for case, punctuation and spacing)' : '';
  const gates = judge.gateVerdicts > 0 ? `, and on ${plural(judge.gateVerdicts, 'pair')} of cheap models' outputs in gates` : '';
  const unreadable = judge.unreadable.length === 0 ? '' : `; ${plural(judge.unreadable.length, 'verdict')} could not be read and count as disagreement`;
  return (
    `Judge ${judge.model} (${JUDGE_QUESTION_WORDS[judge.question]}): ${asked}${others}${gates}, ${plural(judge.calls, 'call')}, ` +
    `${usd(judge.cost)} (${paidNote(judge.cost, judge.paidCost)})${unreadable}.`
  );
}
