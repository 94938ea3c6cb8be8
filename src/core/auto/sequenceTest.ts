/**
 * The test of one plan at one look of a certification in sequence
 * (autoStrategy's `certifyInSequence`; ARCHITECTURE.md, "Certification in
 * sequence"), shared by the run and by `smart verify`, which recomputes it
 * from the evidence.
 */
import { hypergeometricLowerBound } from '../stats/hypergeometric';

/** What one plan's test at one look is given. */
export interface SequenceTest {
  /** The plan's agreements on the `items` drawn so far, of the `population` items left when the certification began. */
  readonly agreements: number;
  readonly items: number;
  readonly population: number;
  /** The look's error level. */
  readonly alpha: number;
  /** The disagreements the target allows in the whole file (every profiled item carries the reference's output). */
  readonly allowed: number;
}

/** Whether the plan passes: its bound on its disagreements among the population, at the look's level, is within what the target allows. */
export function passesInSequence(test: SequenceTest): boolean {
  const disagreements = test.population - hypergeometricLowerBound(test.agreements, test.items, test.population, test.alpha);
  return test.allowed >= 0 && disagreements <= test.allowed;
}

/** What a plan tested in sequence is certified to agree on among the `itemsLeft` after profiling: all but the allowed disagreements when it passes, else nothing. */
export function agreeingInSequence(test: SequenceTest, itemsLeft: number): number {
  return passesInSequence(test) ? Math.max(0, itemsLeft - test.allowed) : 0;
}
