/** One column of a text table: its heading and how a row shows in it. */
export type Column<R> = readonly [heading: string, cell: (row: R) => string];

/** A header line and a line a row, each column padded to its widest cell, two spaces apart. */
export function textTable<R>(cols: readonly Column<R>[], rows: readonly R[]): string[] {
  const cells = rows.map((r) => cols.map(([, f]) => f(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) =>
    c
      .map((s, i) => s.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [fmt(cols.map(([h]) => h)), ...cells.map(fmt)];
}
