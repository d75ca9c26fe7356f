// A plain-text table like kubectl's: columns padded to their widest cell, two spaces apart.

/** A table cell. A missing field (undefined) shows as "undefined", as the report always printed it. */
export type Cell = string | number | undefined;

/** The table's lines, heading first, each indented by two spaces and without trailing blanks. */
export function tableLines(heading: readonly Cell[], rows: readonly (readonly Cell[])[]): string[] {
  const all = [heading, ...rows];
  const widths = heading.map((_, column) => Math.max(...all.map((row) => String(row[column]).length)));
  return all.map(
    (row) =>
      "  " +
      row
        .map((cell, column) => String(cell).padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
  );
}
