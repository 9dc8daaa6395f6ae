/**
 * Bounded analysis memory for sampling tools (top, pidstat, iostat, filetop…): when a file's kept records
 * would pass its share of the analysis budget, consecutive samples are merged into buckets, the way an
 * RRD consolidates old data, so that the whole capture is still covered instead of only its first hours.
 *
 * How it works, per file, streaming:
 * - Records arrive in file order. Each interval sample (one top snapshot, one pidstat or iostat report;
 *   `time.sample`) goes into the open bucket. A bucket holds `width` samples (1 at first).
 * - When the rows kept pass the budget, neighbouring buckets are merged pairwise and `width` doubles. Rows
 *   of the same series (the parser's SeriesSpec key: pid and tid, a device) merge into one record.
 * - Records that are not interval samples (banners, host facts, since-boot averages) and rows of kinds the
 *   parser does not declare stay as they are, in file order.
 * - A file under its budget is never touched: its records come out exactly as parsed.
 *
 * A merged record keeps the first row's fields, source line and time, and states what it stands for in
 * `downsampled`: `samples` (samples in the bucket), `present` (samples the row appeared in), `peak` (the
 * highest value of each averaged field, where it differs from the mean), `low` (the lowest, likewise, of
 * the gauges the parser lists in SeriesSpec.lows: available memory), `states` (how often each categorical
 * value was seen) and `rates`
 * (the fields averaged over the whole bucket rather than over `present`). Numbers:
 * - rates (SeriesSpec.rateSuffixes, e.g. `_per_s`): Σ value × interval / the bucket's interval; a row
 *   absent from a sample counts as 0 there (pidstat prints only active tasks), so rate × interval_s is the
 *   bucket's total, as for one sample;
 * - sums (totals per interval, filetop's bytes): added;
 * - last (counters that only grow, top's TIME+): the last value;
 * - every other number (gauges: %CPU of a snapshot, RES, %util): the interval-weighted mean over the
 *   samples the row appeared in.
 * `time.interval_s` becomes the bucket's interval when every sample had one; `last_time` is the bucket's
 * last sample's time.
 *
 * Deterministic: the result depends only on the file's records and the budget.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import type { RecordShape, RowShape, SeriesSpec } from '../parsers/types.js';
import { SeriesIds } from './series-ids.js';

type FieldClass = 'rate' | 'sum' | 'last' | 'gauge';

/** A halving that frees less than this share of the budget shows rows that hardly repeat... */
const MIN_HALVING_GAIN = 0.1;
/** ...and then halving stops at this many buckets: fewer would say nothing of when things happened. */
const MIN_BUCKETS = 8;
/** planWidth never halves past this width at once (a size header can lie). */
const MAX_PLANNED_WIDTH = 1 << 16;

/**
 * The numeric fields met so far in one kind's rows, each with its index in an Acc's arrays and its class
 * (plain arrays indexed by field: this is the hot path, a keyed object per field was three times slower).
 */
interface Layout {
  spec: SeriesSpec | undefined;
  index: Map<string, number>;
  fields: string[];
  classes: (FieldClass | 'key')[];
  /** Per field index: a number also counted by value (SeriesSpec.states). */
  counted: boolean[];
  /** Per field index: its bucket low is kept (SeriesSpec.lows). */
  keepsLow: boolean[];
  /** Fields met with a value that is not a number (they have no index unless a number came too). */
  others: Set<string>;
  /** mergeRecord compiled for the fields met so far (compileMerger); undefined after a new field. */
  merger: Merger | undefined;
  /** The same without the key count, for records of a trusted shape; undefined after a new field. */
  trustedMerger: Merger | undefined;
  /**
   * Shapes (ParseContext.emit) a record of which merged here without a key the layout had not met: every
   * record of such a shape has those keys only, and the layout only grows, so its key count is skipped.
   */
  trusted: Set<RecordShape>;
  /** Per trusted RowShape, its rows' numbers merged from their values array (compileValuesMerger); cleared with the mergers. */
  valueMergers: Map<RowShape, ValuesMerger>;
}

/** mergeRecord for a row given as numbers (ParseContext.emitRow) of a trusted shape: the same arithmetic, read from `values`. */
type ValuesMerger = (acc: Acc, head: TimelineRecord, values: readonly number[], seconds: number, countState: (acc: Acc, field: string, value: string) => void) => void;

/**
 * mergeRecord for one layout, compiled: reads each known field by name and does its class's arithmetic
 * with the index as a constant. Returns false, having changed nothing, when the record has a field the
 * layout has not met (or a number where only other values were met): the caller then merges it the
 * general way, which learns the field. Field-by-field `for…in` with a Map lookup per field was an
 * eighth of reading a long top file.
 */
type Merger = (acc: Acc, r: TimelineRecord, seconds: number, countState: (acc: Acc, field: string, value: string) => void) => boolean;

interface Acc {
  base: TimelineRecord;
  layout: Layout;
  present: number;
  /** Per field index: the accumulated value (meaning depends on the class); NaN where never seen. */
  values: number[];
  /** Per field index, gauges: the interval weight behind the mean. */
  weights: number[];
  /** Per field index, rates and gauges: the highest value. */
  peak: number[];
  /** Per field index, the gauges of SeriesSpec.lows: the lowest value (available memory "at least"). */
  low: number[];
  states: Record<string, Record<string, number>> | undefined;
  /** Events: the time of the last one merged. */
  lastTime: RecordTime | undefined;
}

/** The key of rows that never merge (passthrough): in no bucket's map. */
const NO_KEY = -1;

interface Row {
  /** The series (SeriesIds), or NO_KEY. */
  key: number;
  /** Not an interval sample of a declared kind: always emitted as parsed. */
  passthrough: boolean;
  /** A record as parsed (in a one-sample bucket) or the accumulation of several. */
  raw: TimelineRecord | undefined;
  /** raw's shape (ParseContext.emit), when its parser gave one: it merges as the rows after it will. */
  shape: RecordShape | undefined;
  acc: Acc | undefined;
  /** The sample the row was last seen in: a key seen twice in one sample is not merged. */
  lastSample: number;
  /** A row of an event kind (SeriesSpec.events). */
  event: boolean;
}

interface Bucket {
  rows: Row[];
  byKey: Map<number, Row>;
  samples: number;
  /** Σ of the samples' intervals (1 each when a sample has none). */
  seconds: number;
  timed: boolean;
  lastTime: RecordTime | undefined;
}

export interface DownsampleResult {
  records: TimelineRecord[];
  /** Samples per bucket at the end (1: nothing merged). */
  width: number;
  /** Interval samples seen (for events: seconds with an event). */
  samples: number;
  /** Whether anything was merged. */
  merged: boolean;
  /** The file's rows are events (SeriesSpec.events). */
  events: boolean;
  /** Set when even merging could not keep the file within budget: the input line of the first record dropped. */
  overBudget?: { line: number; count: number };
  /** Bucket rows made in all (halving merges most of them away): what planWidth saves. */
  rowsMade: number;
}

export interface DownsamplerOptions {
  /** Merge with the compiled mergers (default); tests compare with false, the general path only. */
  compiled?: boolean;
  /** The file's size, when known: lets planWidth choose the width early. */
  expectedChars?: number | undefined;
}

export class Downsampler {
  private readonly closed: Bucket[] = [];
  private open: Bucket = newBucket();
  private width = 1;
  private rows = 0;
  private sampleId: number | undefined;
  private samplesSeen = 0;
  private readonly ids = new SeriesIds();
  /** Series held before the ones no row refers to are forgotten (SeriesIds.prune). */
  private readonly idsPruneAt: number;
  private full = false;
  private overBudget: { line: number; count: number } | undefined;
  private readonly layouts = new Map<string, Layout>();
  /** Events merge by key once the budget is first reached (before, a file under budget stays as parsed). */
  private merging = false;
  /** Whether the last halving freed at least MIN_HALVING_GAIN of the budget (see roomForRow). */
  private lastGainGood = true;
  private readonly hasEvents: boolean;

  /** Whether planWidth has run (once, when the budget is first reached). */
  private planned = false;
  /** Characters of the lines read so far (noteLine). */
  private charsRead = 0;
  private rowsMade = 0;

  private readonly compiled: boolean;
  private readonly expectedChars: number | undefined;

  constructor(
    private readonly specs: Readonly<Record<string, SeriesSpec>>,
    readonly budget: number,
    options: DownsamplerOptions = {},
  ) {
    this.compiled = options.compiled ?? true;
    this.expectedChars = options.expectedChars;
    this.hasEvents = Object.values(specs).some((spec) => spec.events === true);
    this.idsPruneAt = Math.max(4096, 2 * budget);
  }

  /** `line`: the input line being read (for the diagnostic when the budget cannot be kept). */
  add(r: TimelineRecord, line: number, shape?: RecordShape): void {
    if (this.full) return this.drop(line);
    const spec = this.specs[r.kind];
    if (spec?.events) return this.addEvent(r, spec, line, shape);
    const t = r.time;
    if (!spec || !t || t.sample === undefined || t.since_boot === true || r.average === true) {
      if (this.roomForRow()) this.push(this.open, { key: NO_KEY, passthrough: true, raw: r, shape, acc: undefined, lastSample: -1, event: false });
      else this.drop(line);
      return;
    }
    const row = this.sampleRow(r, undefined, spec, t, line, shape);
    if (row) this.mergeRecord(this.accOf(row), r, t.interval_s ?? 1, shape);
  }

  /**
   * add() for a row given as numbers (ParseContext.emitRow): its record is made only when it is kept as
   * it is (the first row of its series in a bucket, a row that is not an interval sample); merged into
   * its series' row, only its numbers are read. The result is add()'s with the record.
   */
  addRow(head: TimelineRecord, values: readonly number[], shape: RowShape, line: number): void {
    if (this.full) return this.drop(line);
    const spec = this.specs[head.kind];
    const t = head.time;
    if (!this.compiled || !spec || spec.events || !t || t.sample === undefined || t.since_boot === true || head.average === true) return this.add(shape.build(head, values), line, shape);
    const row = this.sampleRow(head, values, spec, t, line, shape);
    if (row) this.mergeValues(this.accOf(row), head, values, t.interval_s ?? 1, shape);
  }

  /**
   * The open bucket's row of the series of `r` (a record, or a row's head with its `values`) in this
   * sample, to merge it into; undefined when it became a row of its own (its record made) or was dropped.
   */
  private sampleRow(r: TimelineRecord, values: readonly number[] | undefined, spec: SeriesSpec, t: RecordTime, line: number, shape: RecordShape | undefined): Row | undefined {
    if (t.sample !== this.sampleId) this.startSample(t.sample!, t, t.interval_s);
    const base = this.ids.idOf(r, spec);
    let key = this.freeKey(base);
    let row = this.open.byKey.get(key);
    if (!row) {
      if (!this.roomForRow()) {
        this.drop(line);
        return undefined;
      }
      // Halving may have merged the open bucket with the one before: the key may be there now.
      key = this.freeKey(base);
      row = this.open.byKey.get(key);
      if (!row) {
        const raw = values === undefined ? r : (shape as RowShape).build(r, values);
        this.push(this.open, { key, passthrough: false, raw, shape, acc: undefined, lastSample: this.samplesSeen, event: false });
        return undefined;
      }
    }
    row.lastSample = this.samplesSeen;
    return row;
  }

  /**
   * The key for a row of series `base` in the current sample: its n-th row in a sample gets the n-th key,
   * so a row printed twice in one sample is two rows, each merging with its like in other samples.
   * (pidstat's report sections have keys of their own: SeriesSpec.sections.)
   */
  private freeKey(base: number): number {
    let key = base;
    for (let n = 1; ; n++) {
      const row = this.open.byKey.get(key);
      if (!row || row.lastSample !== this.samplesSeen) return key;
      key = this.ids.duplicate(base, n);
    }
  }

  /**
   * An event (one open): its "sample" is the second it happened in (every event of an untimed file is in
   * one). Once merging has begun, an event with the key of a row of the open bucket is counted into it.
   */
  private addEvent(r: TimelineRecord, spec: SeriesSpec, line: number, shape: RecordShape | undefined): void {
    const second = eventSecond(r.time);
    if (second !== this.sampleId) this.startSample(second, r.time, undefined);
    const key = this.ids.idOf(r, spec);
    let row = this.open.byKey.get(key);
    if (!row || !this.merging) {
      if (!this.roomForRow()) return this.drop(line);
      row = this.open.byKey.get(key);
      if (!row || !this.merging) {
        this.push(this.open, { key, passthrough: false, raw: r, shape, acc: undefined, lastSample: -1, event: true });
        return;
      }
    }
    const acc = this.accOf(row);
    this.mergeRecord(acc, r, 1, shape);
    acc.lastTime = r.time;
  }

  /** Events of one key within a bucket become one row (done once, when merging begins). */
  private compact(b: Bucket): void {
    const rows: Row[] = [];
    const byKey = new Map<number, Row>();
    for (const row of b.rows) {
      const into = row.event ? byKey.get(row.key) : undefined;
      if (into) {
        this.mergeAcc(this.accOf(into), this.accOf(row));
        continue;
      }
      rows.push(row);
      if (row.key !== NO_KEY && !byKey.has(row.key)) byKey.set(row.key, row);
    }
    b.rows = rows;
    b.byKey = byKey;
  }

  /** Forget the series no row refers to (rows that never repeat: a new pid each sample). */
  private pruneIds(): void {
    const live = new Set<number>();
    for (const b of this.closed) for (const row of b.rows) if (row.key !== NO_KEY) live.add(row.key);
    for (const row of this.open.rows) if (row.key !== NO_KEY) live.add(row.key);
    this.ids.prune(live);
  }

  finish(): DownsampleResult {
    const out: TimelineRecord[] = [];
    for (const b of [...this.closed, this.open]) {
      for (const row of b.rows) out.push(!row.passthrough && (b.samples > 1 || row.acc !== undefined) ? this.materialize(this.accOf(row), b) : row.raw!);
    }
    const result: DownsampleResult = { records: out, width: this.width, samples: this.samplesSeen, merged: this.width > 1 || this.merging, events: this.hasEvents, rowsMade: this.rowsMade };
    if (this.overBudget) result.overBudget = this.overBudget;
    return result;
  }

  /** Whether one more row fits, merging buckets first when the budget is reached. */
  private roomForRow(): boolean {
    if (this.rows >= this.budget && this.hasEvents && !this.merging) {
      this.merging = true;
      for (const b of [...this.closed, this.open]) this.compact(b);
      this.rows = this.closed.reduce((n, b) => n + b.rows.length, 0) + this.open.rows.length;
    }
    if (this.rows >= this.budget && !this.planned) this.planWidth();
    // Each halving doubles the width, so a file is halved at most log2(samples) times in all. Rows that do
    // not repeat (a new pid or file name each time) would merge the whole file into a few buckets without
    // freeing rows: after a halving that freed little, halving goes on only while MIN_BUCKETS would remain,
    // and past that the rest of the file is cut instead.
    while (this.rows >= this.budget && this.closed.length > 0 && (this.lastGainGood || this.closed.length >= 2 * MIN_BUCKETS)) {
      const before = this.rows;
      this.halve();
      this.lastGainGood = before - this.rows >= MIN_HALVING_GAIN * this.budget;
    }
    if (this.rows >= this.budget) this.full = true;
    return !this.full;
  }

  /**
   * The first time the budget is reached, guess from the file's size how many samples are to come and
   * halve at once to half the width the whole file will need. Halving as the file goes makes every series
   * a new bucket row at each width (181,000 rows made for a top file that keeps 32,000), and those rows
   * live long enough to be promoted, then die: most of a long top file's garbage collection. Halving early
   * merges the same aligned samples (bucket k of width w holds samples [k·w, (k+1)·w)), so the buckets
   * are those later halvings would make; a guess too low is corrected by halving as before, half the width
   * keeps a guess too high from costing resolution. Same file, same guess: the result depends only on
   * the file (its size and its lines' length, not on how it was read).
   */
  private planWidth(): void {
    this.planned = true;
    if (this.hasEvents || this.expectedChars === undefined || this.charsRead <= 0 || this.samplesSeen < 2 * MIN_BUCKETS) return;
    const samples = (this.samplesSeen * this.expectedChars) / this.charsRead;
    const rows = (this.rows * samples) / this.samplesSeen;
    let width = 1;
    while (width * this.budget < rows && width < MAX_PLANNED_WIDTH) width *= 2;
    while (this.width < width / 2 && this.closed.length > 1) {
      const before = this.rows;
      this.halve();
      // Rows that do not repeat (a halving frees few of them): leave it to roomForRow's guard.
      if (before - this.rows < MIN_HALVING_GAIN * before) break;
    }
  }

  /** A line of `chars` characters (newline included) was read: planWidth's measure of the file so far. */
  noteLine(chars: number): void {
    this.charsRead += chars;
  }

  private drop(line: number): void {
    if (this.overBudget) this.overBudget.count++;
    else this.overBudget = { line: Math.max(1, line), count: 1 };
  }

  private push(b: Bucket, row: Row): void {
    this.rowsMade++;
    b.rows.push(row);
    if (row.key !== NO_KEY && !b.byKey.has(row.key)) b.byKey.set(row.key, row);
    this.rows++;
  }

  /** A new sample (for events: a new second) begins; `interval` undefined: the sample has none. */
  private startSample(id: number, t: RecordTime | undefined, interval: number | undefined): void {
    this.sampleId = id;
    if (this.ids.size > this.idsPruneAt) this.pruneIds();
    if (this.open.samples >= this.width) {
      this.closed.push(this.open);
      this.open = newBucket();
    }
    this.samplesSeen++;
    const b = this.open;
    b.samples++;
    b.seconds += interval ?? 1;
    if (interval === undefined) b.timed = false;
    if (t) b.lastTime = t;
  }

  /**
   * Merge neighbouring closed buckets pairwise and double the width; an odd last one merges with the open
   * bucket (which holds fewer than the new width's samples, so stays open).
   */
  private halve(): void {
    if (this.closed.length === 0) return;
    const merged: Bucket[] = [];
    for (let i = 0; i + 1 < this.closed.length; i += 2) merged.push(this.mergeBuckets(this.closed[i]!, this.closed[i + 1]!));
    if (this.closed.length % 2 === 1) this.open = this.mergeBuckets(this.closed[this.closed.length - 1]!, this.open);
    this.closed.length = 0;
    this.closed.push(...merged);
    this.width *= 2;
    this.rows = this.closed.reduce((n, b) => n + b.rows.length, 0) + this.open.rows.length;
  }

  private mergeBuckets(a: Bucket, b: Bucket): Bucket {
    // `b` is the later bucket, maybe the open one: its rows keep the sample they were last seen in.
    for (const row of a.rows) row.lastSample = -1;
    for (const row of b.rows) {
      const into = row.key === NO_KEY ? undefined : a.byKey.get(row.key);
      if (!into) {
        a.rows.push(row);
        if (row.key !== NO_KEY) a.byKey.set(row.key, row);
        continue;
      }
      this.mergeAcc(this.accOf(into), this.accOf(row));
      into.lastSample = row.lastSample;
    }
    a.samples += b.samples;
    a.seconds += b.seconds;
    a.timed = a.timed && b.timed;
    a.lastTime = b.lastTime;
    return a;
  }

  private mergeAcc(into: Acc, from: Acc): void {
    into.present += from.present;
    if (from.lastTime) into.lastTime = from.lastTime;
    const { classes } = from.layout;
    for (let i = 0; i < from.values.length; i++) {
      const v = from.values[i];
      if (v === undefined || Number.isNaN(v)) continue;
      const old = into.values[i];
      // 'last' fields: the later bucket's value; the others add up.
      into.values[i] = classes[i] === 'last' || old === undefined || Number.isNaN(old) ? v : old + v;
      const w = from.weights[i];
      if (w !== undefined && !Number.isNaN(w)) {
        const had = into.weights[i];
        into.weights[i] = had !== undefined && !Number.isNaN(had) ? had + w : w;
      }
      const p = from.peak[i];
      if (p !== undefined && !(p <= into.peak[i]!)) into.peak[i] = p;
      const l = from.low[i];
      if (l !== undefined && !(l >= into.low[i]!)) into.low[i] = l;
    }
    if (from.states) {
      const states = (into.states ??= {});
      for (const field in from.states) {
        const counts = (states[field] ??= {});
        for (const [value, n] of Object.entries(from.states[field]!)) counts[value] = (counts[value] ?? 0) + n;
      }
    }
  }

  private accOf(row: Row): Acc {
    if (row.acc) return row.acc;
    const r = row.raw!;
    const acc: Acc = { base: r, layout: this.layoutOf(r.kind), present: 0, values: [], weights: [], peak: [], low: [], states: undefined, lastTime: r.time };
    this.mergeRecord(acc, r, r.time?.interval_s ?? 1, row.shape);
    row.acc = acc;
    row.raw = undefined;
    row.shape = undefined;
    return acc;
  }

  /** `shape`: the record's (ParseContext.emit), when its parser gave one. */
  private mergeRecord(acc: Acc, r: TimelineRecord, seconds: number, shape?: RecordShape): void {
    const layout = acc.layout;
    if (!this.compiled) return this.mergeFieldByField(acc, r, seconds);
    if (shape !== undefined && layout.trusted.has(shape)) {
      const merger = (layout.trustedMerger ??= compileMerger(layout, false));
      if (!merger(acc, r, seconds, countState)) this.mergeFieldByField(acc, r, seconds);
      return;
    }
    const merger = (layout.merger ??= compileMerger(layout, true));
    if (!merger(acc, r, seconds, countState)) this.mergeFieldByField(acc, r, seconds);
    else if (shape !== undefined) layout.trusted.add(shape);
  }

  /**
   * mergeRecord for a row given as numbers: once a record of its shape merged with its keys counted (the
   * shape is trusted: every key of its records is known), from `values`; until then, as its record.
   */
  private mergeValues(acc: Acc, head: TimelineRecord, values: readonly number[], seconds: number, shape: RowShape): void {
    const layout = acc.layout;
    if (!layout.trusted.has(shape)) return this.mergeRecord(acc, shape.build(head, values), seconds, shape);
    let merger = layout.valueMergers.get(shape);
    if (!merger) layout.valueMergers.set(shape, (merger = compileValuesMerger(layout, shape)));
    merger(acc, head, values, seconds, countState);
  }

  /** mergeRecord for any record: learns the fields it has not met (and drops the compiled merger). */
  private mergeFieldByField(acc: Acc, r: TimelineRecord, seconds: number): void {
    const layout = acc.layout;
    layout.merger = undefined;
    layout.trustedMerger = undefined;
    layout.valueMergers.clear();
    acc.present++;
    for (const field in r) {
      const v = r[field];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) continue;
        let i = layout.index.get(field);
        if (i === undefined) i = addField(layout, field);
        const cls = layout.classes[i];
        if (cls === 'key') continue;
        // Small counters (vmstat's b, top's d-sleep count) are also counted by value: "in how many
        // samples was it at least N" survives the merge, which a mean would not tell.
        if (layout.counted[i]) countState(acc, field, String(v));
        const old = acc.values[i];
        const seen = old !== undefined && !Number.isNaN(old);
        if (cls === 'last') acc.values[i] = v;
        else if (cls === 'sum') acc.values[i] = seen ? old + v : v;
        else {
          acc.values[i] = seen ? old + v * seconds : v * seconds;
          if (cls === 'gauge') {
            const w = acc.weights[i];
            acc.weights[i] = w !== undefined && !Number.isNaN(w) ? w + seconds : seconds;
          }
          if (!(v <= acc.peak[i]!)) acc.peak[i] = v;
          if (layout.keepsLow[i] && !(v >= acc.low[i]!)) acc.low[i] = v;
        }
      } else {
        if (!layout.index.has(field)) layout.others.add(field);
        if (typeof v === 'string' && layout.spec?.states?.includes(field)) countState(acc, field, v);
      }
    }
  }

  private layoutOf(kind: string): Layout {
    let layout = this.layouts.get(kind);
    if (!layout) this.layouts.set(kind, (layout = { spec: this.specs[kind], index: new Map(), fields: [], classes: [], counted: [], keepsLow: [], others: new Set(), merger: undefined, trustedMerger: undefined, trusted: new Set(), valueMergers: new Map() }));
    return layout;
  }

  private materialize(acc: Acc, b: Bucket): TimelineRecord {
    const { spec, fields, classes } = acc.layout;
    const out: TimelineRecord = { ...acc.base };
    const peak: Record<string, number> = {};
    const low: Record<string, number> = {};
    const rates: string[] = [];
    for (let i = 0; i < acc.values.length; i++) {
      const v = acc.values[i];
      const cls = classes[i];
      if (v === undefined || Number.isNaN(v) || cls === 'key') continue;
      const field = fields[i]!;
      if (cls === 'gauge') out[field] = round(v / acc.weights[i]!);
      else if (cls === 'rate') out[field] = round(v / b.seconds);
      else out[field] = round(v);
      if (cls === 'rate') rates.push(field);
      // A peak equal to the mean (a constant such as top's PR) says nothing: not kept, peakOf falls back.
      const p = acc.peak[i];
      if (p !== undefined && !Number.isNaN(p) && round(p) !== out[field]) peak[field] = p;
      const l = acc.low[i];
      if (l !== undefined && !Number.isNaN(l) && round(l) !== out[field]) low[field] = l;
    }
    const info: Record<string, unknown> = { samples: b.samples, present: acc.present, peak: sortedCopy(peak) };
    if (Object.keys(low).length > 0) info.low = sortedCopy(low);
    if (rates.length > 0) info.rates = rates.sort();
    if (acc.states) {
      const states: Record<string, Record<string, number>> = {};
      for (const field of Object.keys(acc.states).sort()) {
        const counts = acc.states[field]!;
        states[field] = sortedCopy(counts);
        // A text state takes the most frequent value; a counted number keeps its mean.
        if (typeof acc.base[field] === 'string') out[field] = mostFrequent(counts, spec?.stateOrder ?? []);
      }
      info.states = states;
    }
    if (out.time) {
      const time: RecordTime = { ...out.time };
      if (b.timed) time.interval_s = round(b.seconds);
      else delete time.interval_s;
      out.time = time;
      // An event row ends at its own last event; a sample row covers its bucket.
      const last = acc.layout.spec?.events ? acc.lastTime : b.lastTime;
      if (last && last !== acc.base.time) out.last_time = { ...last };
    }
    out.downsampled = info;
    return out;
  }
}

function newBucket(): Bucket {
  return { rows: [], byKey: new Map(), samples: 0, seconds: 0, timed: true, lastTime: undefined };
}

function countState(acc: Acc, field: string, value: string): void {
  const states = (acc.states ??= {});
  const counts = (states[field] ??= {});
  counts[value] = (counts[value] ?? 0) + 1;
}

/**
 * The compiled form of mergeFieldByField for the fields `layout` has met (see Merger). Field names are
 * written as JSON string literals, so any name is inert in the generated code. `countKeys`: whether it
 * counts the record's keys to find one the layout has not met; without, for records of a trusted shape
 * (Layout.trusted), it only checks the known ones.
 */
function compileMerger(layout: Layout, countKeys: boolean): Merger {
  const checks: string[] = [];
  const updates: string[] = [];
  const states = layout.spec?.states ?? [];
  for (const [field, i] of layout.index) {
    const name = JSON.stringify(field);
    checks.push(`v = r[${name}]; if (v !== undefined) n--;`);
    const lines = layout.classes[i] === 'key' ? [] : mergeArithmetic(layout, i, name);
    const stateText = states.includes(field) ? ` else if (typeof v === 'string') countState(acc, ${name}, v);` : '';
    updates.push(`v = r[${name}]; if (typeof v === 'number') { if (Number.isFinite(v)) { ${lines.join(' ')} } }${stateText}`);
  }
  for (const field of layout.others) {
    if (layout.index.has(field)) continue;
    const name = JSON.stringify(field);
    // A number here would need an index: the general path makes it.
    checks.push(`v = r[${name}]; if (v !== undefined) { if (typeof v === 'number') return false; n--; }`);
    if (states.includes(field)) updates.push(`v = r[${name}]; if (typeof v === 'string') countState(acc, ${name}, v);`);
  }
  const body = [
    'let n = 0, v, old, seen, w;',
    countKeys ? 'for (const k in r) n++;' : '',
    ...checks,
    countKeys ? 'if (n !== 0) return false;' : '',
    'acc.present++;',
    'const values = acc.values, weights = acc.weights, peak = acc.peak, low = acc.low;',
    ...updates,
    'return true;',
  ].join('\n');
  return new Function('acc', 'r', 'seconds', 'countState', body) as Merger;
}

/**
 * The trusted merger's arithmetic (compileMerger without the key count) for the numbers of rows of
 * `shape`, read from their values array; the state fields of the layout from the row's head. Every field
 * of a trusted shape is in the layout (it merged once with its keys counted), and the layout only grows.
 */
function compileValuesMerger(layout: Layout, shape: RowShape): ValuesMerger {
  const updates: string[] = [];
  for (const [field, k] of shape.fields) {
    const i = layout.index.get(field);
    // Not met: the layout learnt it from no record of this shape, which trust rules out.
    if (i === undefined) throw new Error(`downsample: ${field} of a trusted row shape is not in its layout`);
    if (layout.classes[i] === 'key') continue;
    updates.push(`v = row[${k}]; if (Number.isFinite(v)) { ${mergeArithmetic(layout, i, JSON.stringify(field)).join(' ')} }`);
  }
  for (const field of layout.spec?.states ?? []) {
    const name = JSON.stringify(field);
    updates.push(`v = head[${name}]; if (typeof v === 'string') countState(acc, ${name}, v);`);
  }
  const body = ['let v, old, seen, w;', 'acc.present++;', 'const values = acc.values, weights = acc.weights, peak = acc.peak, low = acc.low;', ...updates].join('\n');
  return new Function('acc', 'head', 'row', 'seconds', 'countState', body) as ValuesMerger;
}

/**
 * The statements that merge the finite number `v` of the layout's field `i` (not a key; `name`, its name
 * as a JSON string) into `acc`, by the field's class (mergeFieldByField's arithmetic), for the compiled
 * mergers. They use the locals values, weights, peak, low, old, seen, w and seconds.
 */
function mergeArithmetic(layout: Layout, i: number, name: string): string[] {
  const cls = layout.classes[i];
  const lines: string[] = [];
  if (layout.counted[i]) lines.push(`countState(acc, ${name}, String(v));`);
  lines.push(`old = values[${i}]; seen = old !== undefined && old === old;`);
  if (cls === 'last') lines.push(`values[${i}] = v;`);
  else if (cls === 'sum') lines.push(`values[${i}] = seen ? old + v : v;`);
  else {
    lines.push(`values[${i}] = seen ? old + v * seconds : v * seconds;`);
    if (cls === 'gauge') lines.push(`w = weights[${i}]; weights[${i}] = w !== undefined && w === w ? w + seconds : seconds;`);
    lines.push(`if (!(v <= peak[${i}])) peak[${i}] = v;`);
    if (layout.keepsLow[i]) lines.push(`if (!(v >= low[${i}])) low[${i}] = v;`);
  }
  return lines;
}

function addField(layout: Layout, field: string): number {
  const i = layout.fields.length;
  layout.fields.push(field);
  layout.classes.push(layout.spec?.key.includes(field) ? 'key' : classify(field, layout.spec));
  layout.counted.push(layout.spec?.states?.includes(field) === true);
  layout.keepsLow.push(layout.spec?.lows?.includes(field) === true);
  layout.index.set(field, i);
  return i;
}

function classify(field: string, spec: SeriesSpec | undefined): FieldClass {
  if (spec?.last?.includes(field)) return 'last';
  if (spec?.sums?.includes(field)) return 'sum';
  if (spec?.rateSuffixes?.some((s) => field.endsWith(s))) return 'rate';
  return 'gauge';
}

/**
 * The second an event happened in, on its own clock (epoch, seconds since the tool started, or the time
 * of day before the bundle's date is known); -1 when it has no time. Only its changes matter: they
 * start the next "sample".
 */
function eventSecond(t: RecordTime | undefined): number {
  const v = t?.epoch ?? t?.rel;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  const m = t?.iso ? TIME_OF_DAY.exec(t.iso) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : -1;
}

const TIME_OF_DAY = /(\d{2}):(\d{2}):(\d{2})/;

function mostFrequent(counts: Record<string, number>, order: readonly string[]): string {
  let best: string | undefined;
  for (const [value, n] of Object.entries(counts)) {
    if (best === undefined || n > counts[best]! || (n === counts[best]! && rank(value, order) < rank(best, order))) best = value;
  }
  return best!;
}

/** Ties go to the state listed first in SeriesSpec.stateOrder (D before S: a blocked thread is the news), then by name. */
function rank(value: string, order: readonly string[]): number {
  const i = order.indexOf(value.charAt(0));
  return (i < 0 ? order.length : i) * 1e6 + value.charCodeAt(0);
}

function sortedCopy(o: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o).sort()) out[k] = round(o[k]!);
  return out;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
