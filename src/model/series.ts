/**
 * Numeric series over interval samples. Since-boot reports and `Average:` rows never enter a series:
 * they are not interval samples, and mixing them in is the classic misreading of iostat and pidstat.
 */
import type { TimelineRecord } from '../common/types.js';
import type { SeriesStats } from './types.js';

/** A record that is a real interval sample: not since boot, not an average row. */
export function isIntervalSample(r: TimelineRecord): boolean {
  return r.time?.since_boot !== true && r.average !== true;
}

export const num = (r: TimelineRecord, field: string): number | undefined => {
  const v = r[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

export const str = (r: TimelineRecord, field: string): string | undefined => {
  const v = r[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

interface Downsampled {
  samples: number;
  present: number;
  peak?: Record<string, number>;
  low?: Record<string, number>;
  states?: Record<string, Record<string, number>>;
  rates?: string[];
}

/** What a record merged by the timeline's downsampling (src/timeline/downsample.ts) stands for, if it was. */
export function downsampledOf(r: TimelineRecord): Downsampled | undefined {
  const d = r.downsampled;
  return d && typeof d === 'object' && typeof (d as Downsampled).samples === 'number' ? (d as Downsampled) : undefined;
}

/** The samples a record's row appeared in: 1 for a record as parsed. */
export function presentSamples(r: TimelineRecord): number {
  return downsampledOf(r)?.present ?? 1;
}

/**
 * How many samples a value of `field` stands for when averaging: a rate of a merged record is averaged
 * over its whole bucket (an absent row counts as 0 there), a gauge over the samples the row appeared in.
 */
export function sampleWeight(r: TimelineRecord, field: string): number {
  const d = downsampledOf(r);
  if (!d) return 1;
  return d.rates?.includes(field) ? d.samples : d.present;
}

/** The highest value of `field` behind a merged record (its value is the bucket's mean). */
export function peakOf(r: TimelineRecord, field: string): number | undefined {
  return downsampledOf(r)?.peak?.[field];
}

/** A field's lowest value: the bucket's low for a merged record, else the value itself. */
export function lowValue(r: TimelineRecord, field: string): number | undefined {
  return downsampledOf(r)?.low?.[field] ?? num(r, field);
}

/** A field's highest value: the bucket's peak for a merged record, else the value itself. */
export function peakValue(r: TimelineRecord, field: string): number | undefined {
  return peakOf(r, field) ?? num(r, field);
}

/** When a record's interval ends: a merged record covers its bucket, up to its last sample. */
export function endEpoch(r: TimelineRecord): number | undefined {
  const last = r.last_time as { epoch?: unknown } | undefined;
  return typeof last?.epoch === 'number' ? last.epoch : r.time?.epoch;
}

/** How many samples a categorical field took a value matching `test` (1 or 0 for a record as parsed). */
export function stateSamples(r: TimelineRecord, field: string, test: (value: string) => boolean): number {
  const counts = downsampledOf(r)?.states?.[field];
  if (!counts) {
    const v = r[field];
    return typeof v === 'string' && test(v) ? 1 : 0;
  }
  let n = 0;
  for (const [value, c] of Object.entries(counts)) if (test(value)) n += c;
  return n;
}

/**
 * In how many samples a task row shows state D: top and ps -o state print `state`, ps aux and ps -eLo
 * stat print `stat` (D, Ds, D<…); a merged top row counts them in `states`.
 */
export function dStateSamples(r: TimelineRecord): number {
  return stateSamples(r, str(r, 'state') !== undefined ? 'state' : 'stat', (v) => v.startsWith('D'));
}

/**
 * The whole epoch seconds a sample covers, [from, to), when it has an absolute time. A bucket of merged
 * samples (timeline downsampling) covers its whole window, up to its last sample.
 */
export function coveredRange(r: TimelineRecord): readonly [number, number] | undefined {
  const t = r.time;
  const end = endEpoch(r);
  const interval = t?.interval_s;
  if (end === undefined || interval === undefined || !(t?.clock === 'utc' || t?.clock === 'local')) return undefined;
  const to = Math.round(end);
  return [Math.min(to - 1, Math.round(end - interval)), to];
}

/**
 * The moment a sample without an absolute time stands for: its file and sample number.
 */
export function sampleKey(r: TimelineRecord): string {
  const t = r.time;
  return `${r.source.file}#${t?.sample ?? r.source.line}`;
}

/**
 * Seconds already counted, as disjoint sorted ranges: a process sampled every second for hours would
 * otherwise hold a Set entry per second (the model of the bench's 1 GiB bundle made ~250 MB of them).
 * Samples come in time order within a file, so a range almost always extends the last one.
 */
export class CoveredSeconds {
  /** Starts and ends ([start, end)) of the disjoint ranges, sorted. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Seconds covered in all. */
  size = 0;

  /** Mark [from, to) covered; returns how many of its seconds were not covered before. */
  add(from: number, to: number): number {
    if (to <= from) return 0;
    const { starts, ends } = this;
    const n = starts.length;
    // The common case: at or past the end of the last range.
    if (n === 0 || from >= ends[n - 1]!) {
      if (n > 0 && from === ends[n - 1]) ends[n - 1] = to;
      else {
        starts.push(from);
        ends.push(to);
      }
      this.size += to - from;
      return to - from;
    }
    // First range that ends at or after `from` (ranges before it neither overlap nor touch).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    let last = lo;
    let overlap = 0;
    let start = from;
    let end = to;
    while (last < n && starts[last]! <= to) {
      overlap += Math.max(0, Math.min(ends[last]!, to) - Math.max(starts[last]!, from));
      start = Math.min(start, starts[last]!);
      end = Math.max(end, ends[last]!);
      last++;
    }
    starts.splice(lo, last - lo, start);
    ends.splice(lo, last - lo, end);
    const fresh = to - from - overlap;
    this.size += fresh;
    return fresh;
  }
}

/** Samples already counted: seconds for those with an absolute time, sample keys for the others. */
export class CountedSamples {
  readonly seconds = new CoveredSeconds();
  readonly moments = new Set<string>();
}

/**
 * The share of a sample not counted yet for this process: two pidstat files that overlap (pidstat -d
 * and pidstat -dt run together, maybe merged into buckets of different widths) count each second once.
 */
export function newShare(seen: CountedSamples, r: TimelineRecord, range: readonly [number, number] | undefined): number {
  if (!range) {
    const key = sampleKey(r);
    if (seen.moments.has(key)) return 0;
    seen.moments.add(key);
    return 1;
  }
  return seen.seconds.add(range[0], range[1]) / (range[1] - range[0]);
}

/** Accumulates one series; `add` in any order, `stats` is deterministic. */
export class Series {
  private count = 0;
  private sum = 0;
  private maxValue = -Infinity;
  private maxAt: string | undefined;
  private weighted = 0;
  private allWeighted = true;

  add(value: number, r: TimelineRecord, field?: string): void {
    // A downsampled record stands for several samples: it weighs as many, and its bucket's peak is its max.
    const w = field === undefined ? 1 : sampleWeight(r, field);
    this.count += field === undefined ? 1 : presentSamples(r);
    this.sum += value * w;
    const high = (field === undefined ? undefined : peakOf(r, field)) ?? value;
    const at = r.time?.iso;
    // Ties keep the earliest time so the result does not depend on the order of files.
    if (high > this.maxValue || (high === this.maxValue && at !== undefined && (this.maxAt === undefined || at < this.maxAt))) {
      this.maxValue = high;
      this.maxAt = at;
    }
    const interval = r.time?.interval_s;
    // A merged record's interval is its bucket's; a gauge's mean covers only the samples it was in.
    if (interval !== undefined && interval > 0) this.weighted += value * interval * (w / (downsampledOf(r)?.samples ?? 1));
    else this.allWeighted = false;
  }

  get samples(): number {
    return this.count;
  }

  stats(): SeriesStats | undefined {
    if (this.count === 0) return undefined;
    const s: SeriesStats = { samples: this.count, mean: round(this.sum / this.count), max: round(this.maxValue) };
    if (this.allWeighted) s.total = round(this.weighted);
    if (this.maxAt !== undefined) s.max_at = this.maxAt;
    return s;
  }
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** A map of named series, created on first use. */
export class SeriesSet<K extends string> {
  private readonly series = new Map<K, Series>();

  add(name: K, value: number | undefined, r: TimelineRecord): void {
    if (value === undefined) return;
    let s = this.series.get(name);
    if (!s) {
      s = new Series();
      this.series.set(name, s);
    }
    s.add(value, r, name);
  }

  stats(name: K): SeriesStats | undefined {
    return this.series.get(name)?.stats();
  }
}
