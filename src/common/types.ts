/**
 * Types shared by every stage of the pipeline (bundle → sniff → parsers → timeline → …).
 *
 * This folder is the one exception to "a stage only imports from stages to its left": it holds
 * vocabulary only (types, unit conversions, small pure helpers), never stage logic.
 */

/** Where a record or diagnostic comes from: a file of the bundle (path relative to the bundle root) and a 1-based line. */
export interface SourceRef {
  file: string;
  line: number;
}

export type Severity = 'error' | 'warning' | 'info';

/**
 * A problem met while reading the bundle. Every unparsed line produces one, so a user can go to
 * `file:line` and see what perftriage could not read, and `hint` says how to re-collect the data.
 */
export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. `unparsed-line`, `truncated-line`, `archive-entry-skipped`. */
  code: string;
  message: string;
  file?: string;
  line?: number;
  hint?: string;
}

/**
 * How a record is placed in time. Parsers fill what the file itself says; the timeline stage resolves
 * `time-of-day` into `local` (adding a date from the bundle) and `local` into `utc` when the timezone is known.
 *
 * - `utc`: an absolute instant (`iso` ends in `Z`, `epoch` exact).
 * - `local`: a wall-clock date and time whose timezone is unknown (`iso` has no offset; `epoch` reads it as UTC).
 * - `time-of-day`: only `HH:MM:SS[.frac]` is known (`iso` holds it); no date yet.
 * - `relative`: seconds since the start of the capture (`rel`).
 * - `ordinal`: nothing but the position of the sample in the file (`sample`).
 */
export type ClockKind = 'utc' | 'local' | 'time-of-day' | 'relative' | 'ordinal';

export interface RecordTime {
  clock: ClockKind;
  iso?: string;
  epoch?: number;
  rel?: number;
  /** 0-based index of the report / interval / snapshot this record belongs to, within its file. */
  sample?: number;
  /**
   * True for the first report of iostat/pidstat/vmstat/mpstat run without `-y`: its values are averages
   * since boot, not an interval sample, and must never be read as one.
   */
  since_boot?: boolean;
  /** Length of the interval the values cover, in seconds, when known. */
  interval_s?: number;
}

/**
 * One parsed fact. `kind` is `<tool>.<what>` (e.g. `iostat.device`, `pidstat.task`); the remaining
 * fields are typed, normalized values (bytes, bytes/s, seconds, percent as numbers) whose names end
 * with their unit (`_bytes`, `_bytes_per_s`, `_s`, `_pct`, `_per_s`). Each kind has a JSON Schema in `schemas/records/`.
 */
/**
 * Ids of the model's entities a record is about (`process:12280`, `device:sda`…), written by the model
 * stage after its joins (src/model/annotate.ts) so later stages look them up instead of joining again.
 * Mirrors `record.schema.json#/$defs/entities`.
 */
export interface RecordEntities {
  process?: string;
  thread?: string;
  file?: string;
  pattern?: string;
  mount?: string;
  device?: string;
}

export interface TimelineRecord {
  kind: string;
  source: SourceRef;
  time?: RecordTime;
  entities?: RecordEntities;
  [field: string]: unknown;
}

/** Known tools. Each has a parser module in `src/parsers/<tool>.ts`. */
export type ToolName = string;

/** Per-file accounting of lines: `lines === data + skipped + unparsed` always holds. */
export interface Coverage {
  lines: number;
  data: number;
  skipped: number;
  unparsed: number;
}
