/** Plain-text tables for the terminal and Markdown tables for the README. */

export type Cell = string | number | null;

/** Formats a number for a table: thousands grouped, `digits` decimals, '-' for null. */
export function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function fmtRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}x`;
}

/** Columns padded to their widest cell; text left-aligned, everything else right-aligned. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => typeof r[i] !== 'string' || /^[-\d.,x%~<> ]+$|^-$/.test(r[i] as string)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function formatMarkdownTable(headers: string[], rows: Cell[][]): string {
  const row = (cells: Cell[]): string =>
    `| ${cells.map((c) => (c === null ? '-' : String(c))).join(' | ')} |`;
  return [row(headers), row(headers.map(() => '---')), ...rows.map(row)].join('\n');
}
