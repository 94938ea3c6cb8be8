/**
 * A plain-text table in columns: the text columns (the first by default)
 * left-aligned, the others right-aligned (they hold figures), optionally with
 * a rule under the header.
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { rule?: boolean; textColumns?: readonly number[] } = {},
): string {
  const textColumns = new Set(options.textColumns ?? [0]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (textColumns.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...(options.rule ? [widths.map((w) => '-'.repeat(w)).join('  ')] : []), ...rows.map(line)].join('\n');
}
