/**
 * RFC 4180 CSV: every field quoted when it holds a comma, a quote or a line break, quotes doubled.
 * A field that starts like a formula (`=`, `+`, `-`, `@`) is prefixed with `'`, so a spreadsheet
 * opening the reconciliation file never runs a subscriber's text as a formula.
 */
export function toCsv<T>(columns: Array<keyof T & string>, rows: T[]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
    if (/^[=+\-@]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
