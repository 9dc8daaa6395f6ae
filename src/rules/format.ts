/**
 * Numbers and times as a finding's message says them: short, with units, the same way in every rule.
 * Plain text only; formatters escape for HTML, Markdown and terminals.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(v >= 100 ? 0 : 1)} ${UNITS[u]}`;
}

export function rate(bytesPerSecond: number): string {
  return `${bytes(bytesPerSecond)}/s`;
}

/** Seconds as ms below one second: 0.0042 → "4.2 ms", 18.118 → "18.1 s". */
export function seconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(s >= 100 ? 0 : 1)} s`;
}

export function pct(p: number): string {
  return `${p.toFixed(p >= 10 ? 0 : 1)}%`;
}

/** "a", "a and b", "a, b and c"; long lists end with "and N more". */
export function list(items: readonly (string | number)[], max = 6): string {
  const shown = items.slice(0, max).map(String);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** The record's time for a message: `HH:MM:SS` of its ISO time, or `sample N` when it has only an order. */
export function at(r: TimelineRecord): string | undefined {
  const start = atTime(r.time);
  // A bucket of merged samples (timeline downsampling) happened somewhere in its window: say which.
  if (r.downsampled !== undefined && r.last_time && typeof r.last_time === 'object') {
    const end = atTime(r.last_time as RecordTime);
    if (start && end && end !== start) return `${start}–${end}`;
  }
  return start;
}

function atTime(t: RecordTime | undefined): string | undefined {
  const iso = t?.iso;
  if (iso) {
    const m = /T(\d{2}:\d{2}:\d{2})/.exec(iso) ?? /^(\d{2}:\d{2}:\d{2})/.exec(iso);
    if (m) return m[1];
  }
  return t?.sample !== undefined ? `sample ${t.sample + 1}` : undefined;
}

/** When a kernel message (dmesg) was logged: `at <ISO>` with dmesg -T or iso, else `<n> s after boot`. */
export function kernelMoment(t: RecordTime | undefined): string | undefined {
  if (t?.iso) return `at ${t.iso}`;
  return t?.rel !== undefined ? `${t.rel} s after boot` : undefined;
}

/** An aggregate's last time (`last_time`), when it spans several events. */
function lastTimeOf(r: TimelineRecord): RecordTime | undefined {
  const t = r.last_time;
  return t && typeof t === 'object' ? (t as RecordTime) : undefined;
}

/** First and last ISO times of records, when they have absolute ones. */
export function span(records: readonly TimelineRecord[]): { first?: string; last?: string } | undefined {
  let first: string | undefined;
  let last: string | undefined;
  for (const r of records) {
    for (const t of [r.time, lastTimeOf(r)]) {
      const iso = t?.clock === 'utc' || t?.clock === 'local' ? t.iso : undefined;
      if (!iso) continue;
      if (!first || iso < first) first = iso;
      if (!last || iso > last) last = iso;
    }
  }
  if (!first || !last) return undefined;
  return { first, last };
}

/** "14:39:15–14:39:17" (or one time), or "samples 2–4" when the output has no times. */
export function window(records: readonly TimelineRecord[]): string | undefined {
  const times = records.flatMap((r) => [atTime(r.time), atTime(lastTimeOf(r))]).filter((t): t is string => t !== undefined);
  if (times.length === 0) return undefined;
  const first = times[0]!;
  const last = times[times.length - 1]!;
  if (first === last) return first;
  if (first.startsWith('sample ') && last.startsWith('sample ')) return `samples ${first.slice(7)}–${last.slice(7)}`;
  return `${first}–${last}`;
}
