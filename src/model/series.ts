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

/** Accumulates one series; `add` in any order, `stats` is deterministic. */
export class Series {
  private count = 0;
  private sum = 0;
  private maxValue = -Infinity;
  private maxAt: string | undefined;
  private weighted = 0;
  private allWeighted = true;

  add(value: number, r: TimelineRecord): void {
    this.count++;
    this.sum += value;
    const at = r.time?.iso;
    // Ties keep the earliest time so the result does not depend on the order of files.
    if (value > this.maxValue || (value === this.maxValue && at !== undefined && (this.maxAt === undefined || at < this.maxAt))) {
      this.maxValue = value;
      this.maxAt = at;
    }
    const interval = r.time?.interval_s;
    if (interval !== undefined && interval > 0) this.weighted += value * interval;
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
    s.add(value, r);
  }

  stats(name: K): SeriesStats | undefined {
    return this.series.get(name)?.stats();
  }
}
