/**
 * The test of one plan at one look of a certification in sequence
 * (autoStrategy's `certifyInSequence`; ARCHITECTURE.md, "Certification in
 * sequence"), shared by the run and by `smart verify`, which recomputes it
 * from the evidence; and the lowest confidence threshold it lets through.
 */
import { BoundedCache } from '../boundedCache';
import { lowerTailWithin } from '../stats/hypergeometric';

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

/**
 * Whether the plan passes: its disagreements among the look's items are at
 * most `mostDisagreementsPassing`.
 */
export function passesInSequence(test: SequenceTest): boolean {
  return test.items - test.agreements <= mostDisagreementsPassing(test);
}

/** What a plan tested in sequence is certified to agree on among the `itemsLeft` after profiling: all but the allowed disagreements when it passes, else nothing. */
export function agreeingInSequence(test: SequenceTest, itemsLeft: number): number {
  return passesInSequence(test) ? Math.max(0, itemsLeft - test.allowed) : 0;
}

/**
 * The most disagreements among a look's `items` at which a plan of the
 * sequence passes, -1 when none does: the largest c such that, for every
 * k <= c, a sample of that size catches at most k of `allowed` + 1 + k
 * disagreeing items of the `population` with probability at most the look's
 * level. Why that makes every plan that passes keep its outputs on the items
 * left within what the target allows, the sample's own disagreements
 * included (they carry the reference's output), whichever plan passes:
 * ARCHITECTURE.md, "Certification in sequence". The same for every plan of
 * a look, so it is computed once per look.
 */
export function mostDisagreementsPassing(look: Omit<SequenceTest, 'agreements'>): number {
  return mostPassing.get(`${look.items}:${look.population}:${look.alpha}:${look.allowed}`, () => findMostPassing(look));
}

const mostPassing = new BoundedCache<string, number>(4096);

function findMostPassing(look: Omit<SequenceTest, 'agreements'>): number {
  if (look.allowed < 0) return -1;
  let most = -1;
  for (let k = 0; k <= look.items; k++) {
    const disagreeing = look.allowed + 1 + k;
    // The file cannot hold that many: no plan can miss the target with k caught.
    if (disagreeing > look.population) return look.items;
    if (!lowerTailWithin(k, disagreeing, look.items, look.population, look.alpha)) break;
    most = k;
  }
  return most;
}

/**
 * Where the gates of a sequence that keep a model's output at confidence t
 * or more stop passing, given the confidences of the model's disagreeing
 * outputs among the look's items (+Infinity for an item it did not answer,
 * which counts against every gate; -Infinity for an output without a
 * confidence, which only the model alone keeps) and `most`, the most
 * disagreements a passing gate may have (`mostDisagreementsPassing`).
 *
 * The gate at t disagrees on the items whose confidence is at least t, so it
 * passes exactly when t is above the (most + 1)-th highest of them: `lowest`
 * is a threshold just above it (the shortest decimal within a thousandth of
 * its distance to 1, so the report stays readable and the gate loses next
 * to nothing), `failing` that confidence itself, the highest threshold that
 * fails. `lowest` undefined: no gate keeping anything passes; `failing`
 * undefined: every gate passes, and so does the model alone; `failing`
 * -Infinity: every gate passes, the model alone fails.
 */
export function thresholdsAtTheEdge(disagreeing: readonly number[], most: number): { lowest?: number; failing?: number } {
  if (most < 0) return { failing: Infinity };
  const sorted = [...disagreeing].sort((a, b) => b - a);
  if (sorted.length <= most) return {};
  const edge = sorted[most];
  if (edge === -Infinity) return { lowest: 0, failing: -Infinity };
  if (edge >= 1) return { failing: edge };
  return { lowest: thresholdAbove(edge), failing: edge };
}

/** The shortest decimal above `edge` (in [0, 1)) within a thousandth of its distance to 1, or the next number above it if none is. */
export function thresholdAbove(edge: number): number {
  const room = (1 - edge) / 1000;
  for (let digits = 1; digits <= 16; digits++) {
    const scale = 10 ** digits;
    const above = Math.floor(edge * scale + 1) / scale;
    if (above > edge && above - edge <= room) return above;
  }
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, edge);
  bits.setBigUint64(0, bits.getBigUint64(0) + 1n);
  return bits.getFloat64(0);
}
