/** Records as CSV rows (`timeline --format csv`): nested fields become dotted columns. */
import { createRequire } from 'node:module';
import type { TimelineRecord } from '../common/types.js';

/** Flatten a record for CSV: nested objects become dotted columns, arrays JSON text. */
export function flattenRecord(record: Record<string, unknown>, prefix = '', into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flattenRecord(value as Record<string, unknown>, name, into);
    else into[name] = Array.isArray(value) ? JSON.stringify(value) : value;
  }
  return into;
}

const LEADING_COLUMNS = ['kind', 'source.file', 'source.line', 'time.clock', 'time.iso', 'time.epoch', 'time.rel', 'time.sample', 'time.since_boot', 'time.interval_s'];

/** Records as CSV: one row each, the common columns first, then every other field in name order. */
export function recordsToCsv(records: readonly TimelineRecord[]): string {
  const rows = records.map((r) => flattenRecord(r as Record<string, unknown>));
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  const rest = [...seen].filter((k) => !LEADING_COLUMNS.includes(k)).sort();
  const columns = [...LEADING_COLUMNS.filter((k) => seen.has(k)), ...rest];
  // Cells starting with = + - @ are quoted by papaparse's escapeFormulae so spreadsheets do not run them.
  // papaparse is loaded here, for the one command that writes CSV, not with the CLI.
  const Papa = createRequire(import.meta.url)('papaparse') as typeof import('papaparse');
  return `${Papa.unparse({ fields: columns, data: rows.map((row) => columns.map((c) => row[c] ?? '')) }, { escapeFormulae: true, newline: '\n' })}\n`;
}
