/**
 * A sample of what disagreement looks like: the first profiled items (in the
 * random order, so a random sample) where each candidate disagreed with the
 * reference, a few per candidate, as excerpts a person can read. A 94% is
 * trusted only once the other 6% have been seen.
 */
import * as path from 'node:path';
import type { DisagreementSample } from '../core/report';
import type { ProfiledItem } from '../core/runContext';
import { extractAnswer, type AnswerRule } from '../io/answerExtraction';
import type { InputRecord } from '../io/readingPass';

/** Samples kept per candidate, and the characters an excerpt keeps. */
const PER_MODEL = 5;
const EXCERPT = 300;

/** The first `EXCERPT` characters of a text, on one line, with an ellipsis when cut. */
export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT ? flat : `${flat.slice(0, EXCERPT - 1)}…`;
}

export class DisagreementSampler {
  private readonly kept: DisagreementSample[] = [];
  private readonly perModel = new Map<string, number>();

  constructor(
    private readonly rule: AnswerRule,
    private readonly reference: string,
    /** The prompt the models saw for a record. */
    private readonly promptOf: (record: InputRecord) => string,
    /** The dataset is a folder of shards: a sample names its shard. */
    private readonly sharded = false,
  ) {}

  /** Keeps the item's disagreements, while their candidates have room. */
  add(profiled: ProfiledItem & { readonly item: InputRecord }): void {
    const reference = profiled.answers.get(this.reference)!.text;
    for (const [model, agrees] of profiled.agrees) {
      if (agrees || (this.perModel.get(model) ?? 0) >= PER_MODEL) continue;
      this.perModel.set(model, (this.perModel.get(model) ?? 0) + 1);
      const candidate = profiled.answers.get(model)!.text;
      const verdict = profiled.judged.get(model);
      this.kept.push({
        ...(this.sharded && profiled.item.file !== undefined ? { file: path.basename(profiled.item.file) } : {}),
        line: profiled.item.line,
        model,
        input: excerpt(this.promptOf(profiled.item)),
        referenceOutput: excerpt(reference),
        candidateOutput: excerpt(candidate),
        ...this.answers(reference, candidate),
        ...(verdict === 'no' || verdict === 'unreadable' ? { verdict } : {}),
      });
    }
  }

  /** The sample, by candidate, each in the order met. */
  samples(): DisagreementSample[] {
    return [...this.kept].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  }

  /** The answers the rule compared, when they are not simply the outputs (a label, a number, a field). */
  private answers(reference: string, candidate: string): Pick<DisagreementSample, 'referenceAnswer' | 'candidateAnswer'> {
    const referenceAnswer = extractAnswer(this.rule, reference);
    const candidateAnswer = extractAnswer(this.rule, candidate);
    if (referenceAnswer === reference.trim() && candidateAnswer === candidate.trim()) return {};
    return { referenceAnswer: excerpt(referenceAnswer), candidateAnswer: excerpt(candidateAnswer) };
  }
}
