// Plain-text tables for the benchmark output: columns padded to their widest
// cell, numbers right-aligned so that magnitudes line up.

export type Cell = string | number;

const NUMBER = /^[<>~+-]?[\d,.]+(?:\s?(?:ms|x))?$/;

function text(cell: Cell): string {
  return typeof cell === "number" ? thousands(cell) : cell;
}

/** 12345 -> "12,345"; fractions keep their digits. */
export function thousands(value: number): string {
  const [whole = "", fraction] = String(value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export function fixed(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** large/small; "-" when only the base is zero (0/0 did not grow: 1.00). */
export function ratio(large: number, small: number): string {
  if (small === 0) return large === 0 ? fixed(1) : "-";
  return fixed(large / small);
}

export function table(headers: readonly string[], rows: readonly Cell[][]): string {
  const cells = rows.map((row) => row.map(text));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)),
  );
  const right = headers.map((_, i) =>
    cells.every((r) => !r[i] || r[i] === "-" || NUMBER.test(r[i] ?? "")),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? cell.length;
        return right[i] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
