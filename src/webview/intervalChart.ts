/**
 * The agreement chart: one row per candidate, its confidence interval as a
 * bar, its observed agreement as a dot, and the target as a vertical line
 * across all rows. Drawn in SVG at the container's width (one user unit per
 * CSS pixel, so text stays readable) and scaled by its viewBox in between
 * redraws.
 */
import type { ModelSummary, Plan } from '../core/report';
import { STATUS_WORDS, statusKind } from '../text/modelStatus';
import { count, interval, level, percent } from '../text/numbers';
import { s } from './dom';

/** What the chart shows. */
export interface IntervalChartInput {
  /** The candidates, in the order to draw them. */
  readonly models: readonly ModelSummary[];
  readonly reference: string;
  /** The agreement target, in (0, 1). */
  readonly target: number;
  /** The confidence of the intervals. */
  readonly confidence: number;
  readonly profiling: boolean;
  /** The plan, once chosen: under `auto`, its certification says what profiling concluded. */
  readonly plan?: Plan | undefined;
  /** Width to draw at, in CSS pixels. */
  readonly width: number;
}

/** The visible part of the 0..1 agreement axis and its tick marks. */
export interface ChartDomain {
  readonly lo: number;
  readonly ticks: readonly number[];
}

const NICE_STEPS = [0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25];

/**
 * Zooms the axis onto what matters: from a little below the lowest interval
 * end (or the target) up to 100%, on a round step, with about four ticks.
 */
export function chartDomain(lowers: readonly number[], target: number): ChartDomain {
  const min = Math.min(target, ...lowers);
  const padded = Math.max(0, min - Math.max(0.01, (1 - min) * 0.08));
  const step = NICE_STEPS.find((x) => x >= (1 - padded) / 4) ?? 0.25;
  const steps = Math.round(1 / step);
  const first = Math.max(0, Math.floor(padded / step + 1e-9));
  const ticks: number[] = [];
  for (let k = first; k <= steps; k++) ticks.push(k / steps);
  return { lo: first / steps, ticks };
}

/** The sentence a screen reader (and the tooltip) gives for one candidate's row. */
export function describeRow(model: ModelSummary, target: number, profiling: boolean, plan?: Plan): string {
  const status = STATUS_WORDS[statusKind(model, profiling, plan)];
  if (!model.interval || model.n === 0) return `${model.id}: no items profiled yet, target ${level(target)}; ${status}`;
  return (
    `${model.id}: agreement ${percent(model.agreements / model.n)} (${count(model.agreements)} of ${count(model.n)}), ` +
    `interval ${interval(model.interval)}, target ${level(target)}; ${status}`
  );
}

/** Layout in CSS pixels. Narrow charts put the name above the bar instead of beside it. */
const NARROW_BELOW = 440;
// Average character widths of the bold 12px names and the 11px status words, to fit labels without measuring.
const NAME_CHAR = 7;
const STATUS_CHAR = 6;
const TOP = 20; // room for the target's label
const AXIS = 22; // room for the tick labels
const DOT_RADIUS = 4.5;

function truncate(text: string, maxWidth: number, charWidth: number): string {
  const fits = Math.max(4, Math.floor(maxWidth / charWidth));
  return text.length <= fits ? text : `${text.slice(0, fits - 1)}…`;
}

/** Builds the chart as an SVG element. */
export function intervalChart(input: IntervalChartInput): SVGSVGElement {
  const { models, reference, target, confidence, profiling, plan } = input;
  const width = Math.max(240, Math.round(input.width));
  const narrow = width < NARROW_BELOW;
  // The label column holds the name and, in smaller type, the status in words.
  const widest = Math.max(0, ...models.map((m) => Math.max(m.id.length * NAME_CHAR, STATUS_WORDS[statusKind(m, profiling, plan)].length * STATUS_CHAR)));
  const labelWidth = narrow ? 0 : Math.min(Math.max(widest, 96), 220, width * 0.36);
  const valueWidth = 48;
  const x0 = narrow ? DOT_RADIUS + 1 : labelWidth + 12;
  const x1 = width - (narrow ? DOT_RADIUS + 1 : valueWidth + 8);
  const rowHeight = narrow ? 40 : 36;
  const barOffset = narrow ? 28 : 18; // bar centre within a row
  const height = TOP + models.length * rowHeight + AXIS;

  const domain = chartDomain(
    models.flatMap((m) => (m.interval && m.n > 0 ? [m.interval.lower] : [])),
    target,
  );
  const x = (v: number): number => x0 + ((Math.min(1, Math.max(domain.lo, v)) - domain.lo) / (1 - domain.lo)) * (x1 - x0);
  const bottom = TOP + models.length * rowHeight;

  const svg = s('svg', {
    class: 'interval-chart',
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    role: 'group',
    'aria-label': `Agreement with ${reference}: ${level(confidence)} confidence intervals against the ${level(target)} target`,
  });

  const grid = s('g', { class: 'chart-grid', 'aria-hidden': 'true' });
  for (const tick of domain.ticks) {
    grid.append(
      s('line', { x1: x(tick), x2: x(tick), y1: TOP - 4, y2: bottom }),
      s(
        'text',
        { class: 'chart-tick', x: x(tick), y: bottom + 15, 'text-anchor': tick === domain.lo && narrow ? 'start' : tick === 1 && narrow ? 'end' : 'middle' },
        level(tick),
      ),
    );
  }
  svg.append(grid);

  // Layers, bottom to top: grid, one group per candidate (its bar and dot, named for
  // screen readers), the target line over the bars, then the visible labels, whose
  // background halo keeps them readable where lines pass under them.
  const labels = s('g', { class: 'chart-labels', 'aria-hidden': 'true' });
  models.forEach((model, i) => {
    const top = TOP + i * rowHeight;
    const barY = top + barOffset;
    const kind = statusKind(model, profiling, plan);
    const label = describeRow(model, target, profiling, plan);
    const row = s('g', { class: `chart-row status-${kind}`, role: 'img', 'aria-label': label }, s('title', {}, label));
    const profiled = model.interval !== undefined && model.n > 0;
    if (model.interval && profiled) {
      const left = x(model.interval.lower);
      row.append(
        s('rect', { class: 'chart-interval', x: left, y: barY - 4, width: Math.max(2, x(model.interval.upper) - left), height: 8, rx: 4 }),
        s('circle', { class: 'chart-dot', cx: x(model.agreements / model.n), cy: barY, r: DOT_RADIUS }),
      );
    }
    svg.append(row);

    const value = profiled ? percent(model.agreements / model.n) : undefined;
    if (narrow) {
      labels.append(
        s('text', { class: 'chart-name', x: 0, y: top + 14 }, truncate(model.id, width - 70, NAME_CHAR)),
        s('text', { class: profiled ? 'chart-value' : 'chart-empty', x: width, y: top + 14, 'text-anchor': 'end' }, value ?? STATUS_WORDS[kind]),
      );
    } else {
      labels.append(
        s('text', { class: 'chart-name', x: 0, y: top + 14 }, truncate(model.id, labelWidth, NAME_CHAR)),
        s('text', { class: 'chart-status', x: 0, y: top + 29 }, truncate(STATUS_WORDS[kind], labelWidth, STATUS_CHAR)),
        value
          ? s('text', { class: 'chart-value', x: width, y: barY + 4, 'text-anchor': 'end' }, value)
          : s('text', { class: 'chart-empty', x: x0 + 6, y: barY + 4 }, 'no items profiled'),
      );
    }
  });

  const targetX = x(target);
  const anchor = targetX > width - 50 ? 'end' : targetX < 50 ? 'start' : 'middle';
  const targetMark = s(
    'g',
    { class: 'chart-target', 'aria-hidden': 'true' },
    s('text', { x: targetX, y: TOP - 8, 'text-anchor': anchor }, `target ${level(target)}`),
  );
  // Narrow rows have a line of text across the bar area: the target line skips it.
  const spans = narrow ? models.map((_, i) => [TOP + i * rowHeight + 18, TOP + (i + 1) * rowHeight + 2]) : [[TOP - 4, bottom]];
  if (narrow) spans.unshift([TOP - 4, TOP + 2]);
  for (const [y1, y2] of spans) targetMark.append(s('line', { x1: targetX, x2: targetX, y1, y2: Math.min(y2, bottom) }));
  svg.append(targetMark, labels);
  return svg;
}
