/**
 * A Markdown table with its columns padded to one width, as Biome formats Markdown, so a fresh
 * BENCHMARKS.md passes `biome check`. Cells are written as given; callers format numbers themselves.
 */
export function toMarkdownTable(options: { header: string[]; rows: string[][] }): string {
  const { header, rows } = options;
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
