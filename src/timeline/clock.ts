/**
 * Puts every record of a bundle on one clock. Parsers say what each line tells (a time of day, a local
 * date-time, an instant, a sample number); this module adds what only the whole bundle knows: the date
 * (from sysstat banners, `date` output or the manifest), the timezone, and midnight rollover for files
 * that print only a time of day (top). Each decision is written down as a clock note with its evidence.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { addDays, floatingEpoch, formatDate, parseDate, parseTimeOfDay, type DateParts, type TimeOfDay } from '../common/time.js';

export interface ClockNote {
  file?: string;
  note: string;
}

export interface BundleClock {
  /** The date assumed for files that print only a time of day (`YYYY-MM-DD`). */
  date?: string;
  /** Where the date came from (`file:line` or `manifest`). */
  date_source?: string;
  /** UTC offset in minutes east of UTC, when the timezone is known. */
  utc_offset_min?: number;
  timezone?: string;
  timezone_source?: string;
  notes: ClockNote[];
}

export interface ClockHints {
  /** Manifest timezone (IANA name, `UTC` or `+HH:MM`). */
  timezone?: string;
  /** Manifest collection time (ISO 8601). */
  collectedAt?: string;
  /** Per file: start time from the manifest (ISO 8601). */
  fileStart?: ReadonlyMap<string, string>;
}

interface DateCandidate {
  date: DateParts;
  source: string;
}

/** Offset in minutes of a zone written as `UTC`, `GMT`, `Z`, `+0100`, `+01:00`, or an IANA name (at `at`). */
export function zoneOffsetMinutes(zone: string, at: Date = new Date(0)): number | undefined {
  const z = zone.trim();
  if (/^(UTC|GMT|Z|Etc\/UTC|Etc\/GMT)$/i.test(z)) return 0;
  const m = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/.exec(z);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  if (!z.includes('/')) return undefined; // abbreviations like CET, EST are ambiguous: do not guess
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'longOffset' }).formatToParts(at);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (name === 'GMT') return 0;
    const o = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    return o ? (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) : undefined;
  } catch {
    return undefined;
  }
}

function formatOffset(min: number): string {
  const sign = min < 0 ? '-' : '+';
  const abs = Math.abs(min);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const ref = (r: TimelineRecord): string => `${r.source.file}:${r.source.line}`;

/**
 * What the bundle clock (bundleClockOf) reads of a bundle's records: each `date` output's local date and zone, and each
 * sysstat banner's date, in record order. Taken before the records' times are resolved (resolution
 * rewrites a time's iso), so that a file resolved as soon as it is read (build.ts) gives the same clock.
 */
export interface ClockFacts {
  now: { local: unknown; timezone: unknown; offsetMin: number | undefined; ref: string }[];
  banners: { date: string; ref: string }[];
}

export function clockFacts(records: readonly TimelineRecord[]): ClockFacts {
  const facts: ClockFacts = { now: [], banners: [] };
  // One pass, the kind tested first: these are a handful of a timeline's ~10^5 records, and reading a
  // field of every record (their shapes differ by kind) cost a 1 GiB bundle ~0.05 s per pass.
  for (const r of records) {
    if (r.kind === 'date.now') {
      // The local date, not the UTC one: `Thu Nov 26 21:20:12 -03 2026` is the 26th where the host is.
      const local = typeof r.local_iso === 'string' ? r.local_iso : r.time?.iso;
      facts.now.push({ local, timezone: r.timezone, offsetMin: typeof r.utc_offset_s === 'number' ? r.utc_offset_s / 60 : undefined, ref: ref(r) });
    } else if (r.kind === 'host.info' && typeof r.date === 'string') facts.banners.push({ date: r.date, ref: ref(r) });
  }
  return facts;
}

/** The facts of several files, in their order. */
export function joinClockFacts(parts: readonly ClockFacts[]): ClockFacts {
  return { now: parts.flatMap((p) => p.now), banners: parts.flatMap((p) => p.banners) };
}

/**
 * The clock the manifest alone sets, when it names both the collection date and a timezone perftriage
 * can read: no record can then change the date, the zone or the offset times are resolved with (it can
 * only add notes), so each file may be resolved as soon as it is read.
 */
export function manifestClock(hints: ClockHints): BundleClock | undefined {
  const clock = bundleClockOf({ now: [], banners: [] }, hints);
  return clock.date_source === MANIFEST_DATE && clock.timezone_source === MANIFEST_ZONE && clock.utc_offset_min !== undefined ? clock : undefined;
}

/** Whether two clocks resolve times alike (resolveFileClock reads these fields). */
export function sameResolution(a: BundleClock, b: BundleClock): boolean {
  return a.date === b.date && a.date_source === b.date_source && a.utc_offset_min === b.utc_offset_min;
}

const MANIFEST_DATE = 'manifest collected_at';
const MANIFEST_ZONE = 'manifest timezone';

/** The bundle's date and timezone, from the manifest first, then `date` output, then sysstat banners. */
export function bundleClockOf(facts: ClockFacts, hints: ClockHints): BundleClock {
  const clock: BundleClock = { notes: [] };
  const dates: DateCandidate[] = [];
  if (hints.collectedAt) {
    const d = parseDate(hints.collectedAt.slice(0, 10));
    if (d) dates.push({ date: d, source: MANIFEST_DATE });
  }
  for (const now of facts.now) {
    if (typeof now.local === 'string') {
      const d = parseDate(now.local.slice(0, 10));
      if (d) dates.push({ date: d, source: now.ref });
    }
  }
  for (const banner of facts.banners) {
    const d = parseDate(banner.date);
    if (d) dates.push({ date: d, source: banner.ref });
  }
  const chosen = dates[0];
  if (chosen) {
    clock.date = formatDate(chosen.date);
    clock.date_source = chosen.source;
    const disagreeing = new Set(dates.map((c) => formatDate(c.date)));
    if (disagreeing.size > 1) {
      clock.notes.push({ note: `files disagree on the date (${[...disagreeing].sort().join(', ')}); ${clock.date} from ${chosen.source} is used for times of day` });
    }
  }

  const zoneSources: { zone: string; source: string; offsetMin?: number }[] = [];
  if (hints.timezone) zoneSources.push({ zone: hints.timezone, source: MANIFEST_ZONE });
  for (const { timezone, offsetMin, ref: source } of facts.now) {
    if (typeof timezone === 'string') zoneSources.push({ zone: timezone, source, ...(offsetMin !== undefined ? { offsetMin } : {}) });
    else if (offsetMin !== undefined) zoneSources.push({ zone: formatOffset(offsetMin), source, offsetMin });
  }
  for (const { zone, source, offsetMin } of zoneSources) {
    const offset = offsetMin ?? zoneOffsetMinutes(zone, chosen ? new Date(Date.UTC(chosen.date.year, chosen.date.month - 1, chosen.date.day)) : undefined);
    if (offset !== undefined) {
      clock.timezone = zone;
      clock.timezone_source = source;
      clock.utc_offset_min = offset;
      break;
    }
    clock.notes.push({ note: `timezone '${zone}' from ${source} is ambiguous or unknown; local times are left without an offset` });
  }
  if (clock.utc_offset_min === undefined) {
    clock.notes.push({ note: 'timezone unknown: local times are kept as wall-clock times (add the manifest timezone or a `date` output to the bundle)' });
  }
  return clock;
}

/**
 * Resolves the records of one file, in file order: time-of-day → local (with rollover), local → utc
 * when the offset is known. Mutates `time` in place: records are ours, freshly parsed.
 */
export function resolveFileClock(file: string, records: readonly TimelineRecord[], clock: BundleClock, fileStart?: string, summarizedClocks?: ReadonlyMap<string, number>): ClockNote[] {
  const resolver = new FileClockResolver(clock, fileStart);
  for (const r of records) resolver.resolve(r);
  return resolver.notes(file, summarizedClocks);
}

/**
 * resolveFileClock one record at a time, for a file whose records are never all held (the timeline
 * streamed to its output: src/timeline/stream.ts). `rememberShared` bounds the set of shared time
 * objects it remembers: past it the set starts again, which changes only the counts of the notes (a
 * time already dated is on the local or UTC clock and is never dated twice), not a single time.
 */
export class FileClockResolver {
  private date: DateParts | undefined;
  private readonly dateSource: string | undefined;
  private lastSeconds: number | undefined;
  private rollovers = 0;
  private unresolved = 0;
  private dated = 0;
  private readonly counts = new Map<string, number>();
  // Records of one sample may share their time object (the rows of a filetop interval): it is dated
  // once, in place, and every record sharing it counts as dated, so the note counts records.
  private datedTimes = new Set<RecordTime>();
  /**
   * The last whole second dated (`HH:MM:SS`, without the fraction), the date it was dated with, and what
   * dating it gave. Times come in file order, and a trace's calls share their second by the thousand: a
   * time of the same second on the same date is dated from these, without parsing it again (the streamed
   * timeline dates ~10 million strace calls of the bench's 1 GiB bundle).
   */
  private last: { whole: string; date: DateParts; prefix: string; epoch: number } | undefined;

  constructor(
    private readonly clock: BundleClock,
    fileStart?: string,
    private readonly rememberShared = Infinity,
  ) {
    this.date = fileStart ? parseDate(fileStart.slice(0, 10)) : clock.date ? parseDate(clock.date) : undefined;
    this.dateSource = fileStart ? 'the manifest start time' : clock.date_source;
  }

  resolve(r: TimelineRecord): void {
    const offset = this.clock.utc_offset_min;
    if (r.first_time !== undefined || r.last_time !== undefined) {
      resolveExtraTime(r.first_time, this.date, this.lastSeconds, offset);
      resolveExtraTime(r.last_time, this.date, this.lastSeconds, offset);
    }
    const t = r.time;
    if (!t) return;
    if (this.datedTimes.has(t)) this.dated++;
    else if (t.clock === 'time-of-day' && this.datesLikeLast(t)) this.markDated(t);
    else if (t.clock === 'time-of-day') {
      const text = t.iso;
      const tod = text ? parseTimeOfDay(text) : undefined;
      if (!tod || !this.date) {
        this.unresolved++;
      } else {
        const secs = tod.hour * 3600 + tod.minute * 60 + tod.second;
        if (this.lastSeconds !== undefined && secs < this.lastSeconds - 12 * 3600) {
          this.date = addDays(this.date, 1);
          this.rollovers++;
        }
        this.lastSeconds = secs;
        toLocal(t, this.date, tod);
        this.rememberSecond(text!, tod);
        this.markDated(t);
      }
    }
    if (t.clock === 'local' && offset !== undefined && t.epoch !== undefined) toUtc(t, offset);
    this.counts.set(t.clock, (this.counts.get(t.clock) ?? 0) + 1);
  }

  private markDated(t: RecordTime): void {
    if (this.datedTimes.size >= this.rememberShared) this.datedTimes = new Set();
    this.datedTimes.add(t);
    this.dated++;
  }

  /** `text`, a time of day just dated on this.date, parsed as `tod`: kept as the last second dated. */
  private rememberSecond(text: string, tod: TimeOfDay): void {
    const date = this.date!;
    const whole = tod.fraction === undefined ? text : text.slice(0, text.length - tod.fraction.length);
    this.last = { whole, date, prefix: `${formatDate(date)}T`, epoch: floatingEpoch(date, { hour: tod.hour, minute: tod.minute, second: tod.second }) };
  }

  /**
   * Date `t` (a time of day) as the last second dated, when it is that second on that date: what toLocal
   * would do with what parseTimeOfDay would give. False, touching nothing, otherwise.
   */
  private datesLikeLast(t: RecordTime): boolean {
    const last = this.last;
    const iso = t.iso;
    if (last === undefined || last.date !== this.date || iso === undefined || !iso.startsWith(last.whole)) return false;
    const n = last.whole.length;
    if (iso.length !== n) {
      // The rest must be a fraction, `.` and digits, as parseTimeOfDay's pattern reads it.
      if (iso.length === n + 1 || iso.charCodeAt(n) !== 46) return false;
      for (let k = n + 1; k < iso.length; k++) {
        const c = iso.charCodeAt(k);
        if (c < 48 || c > 57) return false;
      }
    }
    t.clock = 'local';
    t.iso = last.prefix + iso;
    t.epoch = iso.length === n ? last.epoch : last.epoch + Number(iso.slice(n));
    return true;
  }

  /** The clock notes of the file; records dropped by summarize were on the same clocks as those kept, and count too. */
  notes(file: string, summarizedClocks?: ReadonlyMap<string, number>): ClockNote[] {
    let { dated, unresolved } = this;
    const counts = new Map(this.counts);
    for (const [kind, n] of summarizedClocks ?? []) {
      if (kind === 'time-of-day') {
        if (this.date) dated += n;
        else unresolved += n;
      } else counts.set(kind, (counts.get(kind) ?? 0) + n);
    }
    const notes: ClockNote[] = [];
    if (unresolved > 0) notes.push({ file, note: `${unresolved} record(s) have only a time of day and no date could be found for them` });
    if (dated > 0) notes.push({ file, note: `${dated} record(s) print only a time of day; date taken from ${this.dateSource}` });
    if (this.rollovers > 0) notes.push({ file, note: `time of day went back past midnight ${this.rollovers} time(s); the date was advanced` });
    if ((counts.get('ordinal') ?? 0) > 0) notes.push({ file, note: `${counts.get('ordinal')} record(s) carry no time, only their sample number (the output has no timestamps)` });
    return notes;
  }
}

/**
 * A record's other times (an aggregate's first_time / last_time, a merged sample row's last_time) on the
 * same clock as its `time`. Only a time still on the time-of-day or local clock is touched: the same
 * object may be the `time` of a record already resolved (an aggregate shares its first call's time), and
 * must not be moved twice. A time more than 12 h after the record's own belongs to the day before (the
 * span crossed midnight). A local time (sysstat's, which prints the date) only moves to UTC: a merged
 * row's last_time was left on the local clock while its time moved, and a file's time span then ended
 * on a wall-clock time beside a UTC start.
 */
function resolveExtraTime(value: unknown, date: DateParts | undefined, refSeconds: number | undefined, offsetMin: number | undefined): void {
  if (!value || typeof value !== 'object') return;
  const t = value as RecordTime;
  if (t.clock === 'local') {
    if (offsetMin !== undefined && t.epoch !== undefined) toUtc(t, offsetMin);
    return;
  }
  if (t.clock !== 'time-of-day' || !t.iso || !date) return;
  const tod = parseTimeOfDay(t.iso);
  if (!tod) return;
  const secs = tod.hour * 3600 + tod.minute * 60 + tod.second;
  toLocal(t, refSeconds !== undefined && secs > refSeconds + 12 * 3600 ? addDays(date, -1) : date, tod);
  if (offsetMin !== undefined && t.epoch !== undefined) toUtc(t, offsetMin);
}

function toLocal(t: RecordTime, date: DateParts, tod: NonNullable<ReturnType<typeof parseTimeOfDay>>): void {
  t.clock = 'local';
  t.iso = `${formatDate(date)}T${t.iso}`;
  t.epoch = floatingEpoch(date, tod);
}

function toUtc(t: RecordTime, offsetMin: number): void {
  const epoch = t.epoch! - offsetMin * 60;
  t.clock = 'utc';
  t.epoch = epoch;
  t.iso = `${utcIsoOfSecond(Math.floor(epoch))}${fractionOf(String(t.iso ?? ''))}Z`;
}

/** The `.ddd` a time's text ends with (what /\.\d+$/ matches), or ''. */
function fractionOf(iso: string): string {
  const dot = iso.lastIndexOf('.');
  if (dot < 0 || dot === iso.length - 1) return '';
  for (let k = dot + 1; k < iso.length; k++) {
    const c = iso.charCodeAt(k);
    if (c < 48 || c > 57) return '';
  }
  return iso.slice(dot);
}

/**
 * `new Date(second * 1000).toISOString()` without its `.000Z`, remembered: a bundle's times fall in a few
 * thousand distinct seconds, and a 1 GiB bundle has ~200,000 times to move to UTC (an strace aggregate's
 * first and last call among them; ~10 million in its streamed timeline), each of which made a Date and
 * formatted it. Bounded: cleared past ISO_CACHE_MAX.
 */
function utcIsoOfSecond(second: number): string {
  let iso = isoOfSecond.get(second);
  if (iso === undefined) {
    if (isoOfSecond.size >= ISO_CACHE_MAX) isoOfSecond.clear();
    iso = new Date(second * 1000).toISOString().slice(0, -'.000Z'.length);
    isoOfSecond.set(second, iso);
  }
  return iso;
}

const ISO_CACHE_MAX = 1 << 16;
const isoOfSecond = new Map<number, string>();
