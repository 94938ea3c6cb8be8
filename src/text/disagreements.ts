/** Where candidates disagreed with the reference, in words: the panel and the command line show the same samples the same way. */
import type { DisagreementSample } from '../core/report';

/** "mid, line 14: the answers "spam" and "ham"", "mid, line 14: the judge said no", "mid, part-3.jsonl line 14" in a folder of shards. */
export function disagreementHeading(sample: DisagreementSample): string {
  const why =
    sample.verdict === 'no'
      ? ': the judge said no'
      : sample.verdict === 'unreadable'
        ? ": the judge's verdict could not be read"
        : sample.referenceAnswer !== undefined
          ? `: the answers ${JSON.stringify(sample.referenceAnswer)} and ${JSON.stringify(sample.candidateAnswer)}`
          : '';
  return `${sample.model}, ${sample.file !== undefined ? `${sample.file} ` : ''}line ${sample.line}${why}`;
}

/** The prompt's excerpt and both outputs, a line each. */
export function disagreementLines(sample: DisagreementSample, reference: string): string[] {
  return [`Prompt: ${sample.input}`, `${reference}: ${sample.referenceOutput}`, `${sample.model}: ${sample.candidateOutput}`];
}

/** What the sample section says before the samples. */
export function disagreementsIntro(reference: string, shown: number, all: number): string {
  if (all === 0) return `No profiled item where a candidate disagreed with ${reference}.`;
  return `Profiled items where a candidate disagreed with ${reference}, the first met in the random order${shown < all ? ` (${shown} of ${all} shown; all in the report)` : ''}:`;
}

/** The samples the command line prints: at most `perModel` a candidate. */
export function disagreementSummary(samples: readonly DisagreementSample[], reference: string, perModel = 2): string[] {
  const shown = samples.filter((s, i) => samples.slice(0, i).filter((t) => t.model === s.model).length < perModel);
  return [
    disagreementsIntro(reference, shown.length, samples.length),
    ...shown.flatMap((s) => [`  ${disagreementHeading(s)}`, ...disagreementLines(s, reference).map((l) => `    ${l}`)]),
  ];
}
