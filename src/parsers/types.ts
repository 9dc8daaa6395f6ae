/**
 * The contract every parser module (`src/parsers/<tool>.ts`) fulfils. Like jc's parser modules, a
 * module states in `meta` the commands and flags it reads, what it emits and how to re-collect the data
 * when a file cannot be read; its doc page is `docs/parsers/<tool>.md`.
 *
 * Parsing is streaming and line by line: the driver (`run.ts`) feeds `line()` every line of the file in
 * order and counts what each line became, so that `lines === data + skipped + unparsed` always holds.
 */
import type { Diagnostic, TimelineRecord } from '../common/types.js';

/** What one line became. */
export type LineOutcome =
  /** The line fed a record (or will: multi-line records count every line they use). */
  | 'data'
  /** A known non-data line: banner, header, blank, separator, the tool's own status text. */
  | 'skip'
  /** The parser cannot classify the line yet (e.g. a JSON document being buffered); it must `settle()` it later. */
  | 'defer'
  /** The line could not be read: the reason becomes a diagnostic with `file:line`. */
  | { unparsed: string };

/** Stands for one exact set of record keys (see ParseContext.emit): any object, compared by identity. */
export type RecordShape = object;

/** A row's numbers and how they make its record (ParseContext.emitRow); also the record's RecordShape. */
export interface RowShape {
  /** The record's numeric fields, in the record's order, each with its index in the row's values. */
  readonly fields: readonly (readonly [field: string, index: number])[];
  /** The row's whole record: what `emit` would have been given. */
  build(head: TimelineRecord, values: readonly number[]): TimelineRecord;
}

export interface ParseContext {
  /** Path of the file inside the bundle. */
  readonly file: string;
  /** Variant the sniffer reported (may be refined by the parser through `setVariant`). */
  readonly variant: string;
  /**
   * A record, in file order. `shape`, when given, promises the record's exact set of keys: every record
   * emitted with the same shape object has the same keys (one object literal of a compiled row builder).
   * The downsampler checks one record of a shape and trusts the others, instead of enumerating the keys
   * of every row it merges (top's analysis in the report's worker: 3.5-3.6 s → 3.0 s on the bench's
   * 161 MB file). Omitted: no promise, every record is checked.
   */
  emit(record: TimelineRecord, shape?: RecordShape): void;
  /**
   * A table row given as its numbers: `head` is its record without them (kind, source, time and the
   * series key's fields), `values` the numbers `shape` places (read at once: the parser reuses the
   * array). What the parser emits is `shape.build(head, values)`, with `shape` as its RecordShape; but
   * analysis merges most rows of a long sampled file into the bucket row of their series, and reads
   * only their numbers: the record, and its boxed numbers, are then never made (iostat -x: 22 a row).
   */
  emitRow(head: TimelineRecord, values: readonly number[], shape: RowShape): void;
  /** A diagnostic that is not about an unparsed line (e.g. a warning about a whole section). */
  diagnostic(d: Omit<Diagnostic, 'file'>): void;
  /** Decide the outcome of a line returned as 'defer' earlier. */
  settle(lineNo: number, outcome: 'data' | 'skip' | { unparsed: string }): void;
  /** The parser learnt more about the flags/version than the sniffer could (e.g. from a later header). */
  setVariant(variant: string): void;
}

export interface LineParser {
  line(text: string, lineNo: number): LineOutcome;
  /** Called once after the last line; flush buffered state, settle deferred lines. */
  end(): void;
}

export interface ParserMeta {
  tool: string;
  title: string;
  /** Command lines this parser reads, e.g. `iostat -d -x -t 1`. */
  commands: string[];
  /** Record kinds it emits, each with a schema `schemas/records/<kind>.schema.json`. */
  recordKinds: string[];
  /** How to collect a file this parser reads best; shown with every unparsed-line diagnostic. */
  recollect: string;
  /**
   * Record kinds whose content this parser's own aggregates carry (strace: each call, summed per task,
   * path and syscall). The model and the rules read only the aggregates, so analysis drops these to keep
   * memory bounded on multi-GB files; `parse` and `timeline` still emit every one.
   */
  summarizedKinds?: string[];
  /**
   * Kinds that are interval samples of a series (one row per task or device per snapshot): over its
   * analysis budget a file's samples are merged into buckets (src/timeline/downsample.ts). The spec says
   * which fields name a series and how each number merges.
   */
  series?: Readonly<Record<string, SeriesSpec>>;
  /**
   * Rows a file of this tool keeps for analysis before its samples merge, when not SERIES_MAX_ROWS
   * (src/timeline/build.ts): a tool whose rows are wide (iostat -x: 22 numbers, each with its bucket's
   * peak and low) keeps fewer, so that every file's analysis holds about the same memory.
   */
  seriesMaxRows?: number;
}

/** How the rows of one sampled kind merge when samples are bucketed (see src/timeline/downsample.ts). */
export interface SeriesSpec {
  /** Fields that name one series within a sample (pid and tid; device). */
  key: readonly string[];
  /**
   * For tools that print a task once per report section (pidstat without -h: -u, -r, -d… rows): a field
   * that only one section has, per section. The first one a row has joins its key, so each section merges
   * with its own even when a task is absent from some sections of some samples.
   */
  sections?: readonly string[];
  /** Rates (per second, or % of the interval), by field name or its ending: a row absent from a sample counts as 0. */
  rateSuffixes?: readonly string[];
  /** Totals per interval (filetop's reads and bytes): added. */
  sums?: readonly string[];
  /** Counters that only grow (top's TIME+): the last value. */
  last?: readonly string[];
  /**
   * Categorical fields (a task's state): counted; the merged row keeps the most frequent. Small counters
   * (vmstat's b) may be listed too: counted by value, their merged value stays the mean.
   */
  states?: readonly string[];
  /**
   * Gauges whose lowest value in a bucket is kept (`downsampled.low`): those the rules read as minima,
   * such as available memory ("at least N MiB free"). Every other number keeps only its peak: a low per
   * field made merged rows a third heavier for nothing.
   */
  lows?: readonly string[];
  /** For ties between states: first letters in order of importance (D before R before S). */
  stateOrder?: readonly string[];
  /**
   * Rows are events (one open each), not samples: over budget, events of the same key merge into one row
   * per bucket of seconds, `downsampled.present` counting them.
   */
  events?: boolean;
}

export interface ParserModule {
  meta: ParserMeta;
  create(ctx: ParseContext): LineParser;
}
