/**
 * `date` → `date.now` and `host.info` records: when the capture was taken and in which timezone.
 * See `docs/parsers/date.md`.
 *
 * Reads one timestamp per line, in the forms GNU coreutils, busybox and BSD/macOS `date` print:
 * - default (`%c`-like): `Thu Nov 26 23:12:01 UTC 2026`; en_US 12-hour `Fri Nov 27 12:20:07 AM UTC 2026`
 *   (jc has `… 11:54:47 PM  UTC 2021` with two spaces); de_DE `Fr 27. Nov 00:20:07 UTC 2026`. The zone is an
 *   abbreviation (`UTC`, `PST`, `CET`) or, for zones without one, a numeric offset (`-03`, `+0530`);
 * - `date -I[date|hours|minutes|seconds|ns]`: `2026-11-27`, `2026-11-27T00:20:07+00:00`,
 *   `2026-11-27T00:20:07,758722488+00:00`;
 * - `date --rfc-3339=date|seconds|ns`: `2026-11-27 00:20:07.762423997+00:00`;
 * - `date -R`: `Fri, 27 Nov 2026 00:20:07 +0000`;
 * - `date +%s` (and `+%s.%N`): `1795738807`.
 *
 * Records:
 * - `date.now`: `time` = the instant; `clock: 'utc'` when the zone is UTC/GMT or an offset is printed (epoch
 *   exact, iso in Z), else `local` (wall-clock iso, epoch read as UTC) with the abbreviation in `timezone`.
 *   Fields: format ('default' | 'iso-8601' | 'rfc-3339' | 'rfc-5322' | 'epoch'), local_iso (the wall-clock
 *   date-time as printed, absent for epoch seconds), timezone (abbreviation, or `+HH:MM` for an offset),
 *   utc_offset_s (when known from the text: UTC/GMT or a numeric offset).
 * - `host.info` (tool 'date'): date (the local calendar date printed) and timezone, so the timeline can date
 *   the files that print only a time of day. Not emitted for epoch seconds, which carry no local date.
 * `date -I` (a date only) yields `host.info` alone.
 *
 * A 12-hour time without AM/PM cannot be told from a 24-hour one; `date` never prints that.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { formatDate, formatTimeOfDay, parseTimeOfDay, type DateParts, type TimeOfDay } from '../common/time.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

export type DateFormat = 'default' | 'iso-8601' | 'rfc-3339' | 'rfc-5322' | 'epoch';

/** What a line of `date` says, before it becomes records. */
export interface DateReading {
  format: DateFormat;
  date?: DateParts;
  time?: TimeOfDay;
  /** Zone as printed: an abbreviation (`PST`) or an offset (`+05:30`, normalized). */
  timezone?: string;
  /** Offset east of UTC in seconds, when the text gives it (UTC, GMT, a numeric offset). */
  offsetSeconds?: number;
  /** Epoch seconds printed by `+%s`. */
  epoch?: number;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, 'mär': 3, apr: 4, may: 5, mai: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, okt: 10, nov: 11, dec: 12, dez: 12,
};
/** Zone abbreviations that are UTC whatever the date. */
const UTC_NAMES = new Set(['UTC', 'GMT', 'UCT', 'Z', 'Zulu', 'Universal']);

// `Thu Nov 26 23:12:01 UTC 2026`, `Fri Nov 27 12:20:07 AM UTC 2026`, `Mon Aug  3 09:12:51 PDT 2020` (no zone: busybox with TZ unset).
const DEFAULT_RE = /^([A-Za-z]{2,3}) +([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}:\d{2}:\d{2}) +(?:([AaPp][Mm]) +)?(?:(\S+) +)?(\d{4})$/;
// de_DE and alike: `Fr 27. Nov 00:20:07 UTC 2026`.
const DAY_FIRST_RE = /^(\S{2,3}) +(\d{1,2})\. +(\S{3,4})\.? +(\d{1,2}:\d{2}:\d{2}) +(?:(\S+) +)?(\d{4})$/;
// -I / --rfc-3339: date, optional [T ]hh[:mm[:ss[.,frac]]], optional offset.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2})(?::(\d{2})(?::(\d{2})([.,]\d+)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
// -R: `Fri, 27 Nov 2026 00:20:07 +0000`.
const RFC5322_RE = /^(?:[A-Za-z]{3}, +)?(\d{1,2}) +([A-Za-z]{3}) +(\d{4}) +(\d{2}:\d{2}:\d{2}) +([+-]\d{4}|UT|GMT|Z)$/;
// 9 to 12 digits: 1973 … year 33658; a shorter number is more likely something else than a date.
const EPOCH_RE = /^\d{9,12}(?:\.\d+)?$/;
const OFFSET_RE = /^([+-])(\d{2}):?(\d{2})?$/;

/** `+0530`, `-03`, `+05:30` → seconds east of UTC and the `+HH:MM` form; undefined if not an offset. */
export function readOffset(text: string): { seconds: number; normalized: string } | undefined {
  const m = OFFSET_RE.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 14 || minutes > 59) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  return { seconds: sign * (hours * 3600 + minutes * 60), normalized: `${m[1]}${m[2]}:${m[3] ?? '00'}` };
}

function zoneReading(zone: string | undefined): Pick<DateReading, 'timezone' | 'offsetSeconds'> {
  if (zone === undefined) return {};
  const offset = readOffset(zone);
  if (offset) return { timezone: offset.normalized, offsetSeconds: offset.seconds };
  if (zone === 'Z') return { timezone: 'UTC', offsetSeconds: 0 };
  if (UTC_NAMES.has(zone)) return { timezone: zone, offsetSeconds: 0 };
  return { timezone: zone };
}

function validDay(year: number, month: number | undefined, day: number): DateParts | undefined {
  if (month === undefined || day < 1 || day > 31) return undefined;
  return { year, month, day };
}

function monthNumber(name: string): number | undefined {
  return MONTHS[name.toLowerCase()];
}

/** Reads one line of `date` output, or returns undefined when it is none of the known forms. */
export function readDateLine(line: string): DateReading | undefined {
  const text = line.trim();
  let m = DEFAULT_RE.exec(text);
  if (m) {
    const date = validDay(Number(m[7]), monthNumber(m[2]!), Number(m[3]));
    const time = parseTimeOfDay(m[4]!, m[5]);
    if (!date || !time) return undefined;
    return { format: 'default', date, time, ...zoneReading(m[6]) };
  }
  m = DAY_FIRST_RE.exec(text);
  if (m) {
    const date = validDay(Number(m[6]), monthNumber(m[3]!), Number(m[2]));
    const time = parseTimeOfDay(m[4]!);
    if (!date || !time) return undefined;
    return { format: 'default', date, time, ...zoneReading(m[5]) };
  }
  m = ISO_RE.exec(text);
  if (m) {
    const date = validDay(Number(m[1]), Number(m[2]), Number(m[3]));
    if (!date || date.month > 12) return undefined;
    const reading: DateReading = { format: m[4] === ' ' ? 'rfc-3339' : 'iso-8601', date, ...zoneReading(m[9]) };
    if (m[5] !== undefined) {
      const time = parseTimeOfDay(`${m[5]}:${m[6] ?? '00'}:${m[7] ?? '00'}`);
      if (!time) return undefined;
      if (m[8]) time.fraction = `.${m[8].slice(1)}`;
      reading.time = time;
    }
    return reading;
  }
  m = RFC5322_RE.exec(text);
  if (m) {
    const date = validDay(Number(m[3]), monthNumber(m[2]!), Number(m[1]));
    const time = parseTimeOfDay(m[4]!);
    if (!date || !time) return undefined;
    return { format: 'rfc-5322', date, time, ...zoneReading(m[5] === 'UT' ? 'UTC' : m[5]) };
  }
  // Epoch seconds are an instant: they say nothing of the host's timezone, so none is given.
  if (EPOCH_RE.test(text)) return { format: 'epoch', epoch: Number(text) };
  return undefined;
}

/** The instant of a reading: exact when the offset is known, floating (wall clock read as UTC) otherwise. */
export function readingTime(r: DateReading, sample: number): RecordTime | undefined {
  if (r.format === 'epoch' && r.epoch !== undefined) {
    return { clock: 'utc', iso: isoOfEpoch(r.epoch), epoch: r.epoch, sample };
  }
  if (!r.date || !r.time) return undefined;
  const wall = Date.UTC(r.date.year, r.date.month - 1, r.date.day, r.time.hour, r.time.minute, r.time.second) / 1000;
  const fraction = r.time.fraction ? Number(r.time.fraction) : 0;
  if (r.offsetSeconds !== undefined) {
    const epoch = wall - r.offsetSeconds + fraction;
    return { clock: 'utc', iso: isoOfEpoch(epoch, r.time.fraction), epoch, sample };
  }
  return { clock: 'local', iso: `${formatDate(r.date)}T${formatTimeOfDay(r.time)}`, epoch: wall + fraction, sample };
}

/** `2026-11-27T00:20:07Z`, keeping the printed fraction digits (nanoseconds do not fit a Date). */
function isoOfEpoch(epoch: number, fraction?: string): string {
  const whole = Math.floor(epoch);
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  const frac = fraction ?? (epoch === whole ? '' : `.${String(epoch).split('.')[1] ?? ''}`);
  return `${base}${frac}Z`;
}

class DateReader implements LineParser {
  private sample = 0;

  constructor(private readonly ctx: ParseContext) {}

  line(text: string, lineNo: number): LineOutcome {
    if (text.trim() === '') return 'skip';
    const reading = readDateLine(text);
    if (!reading) {
      return { unparsed: 'expected a `date` timestamp (`Thu Nov 26 23:12:01 UTC 2026`, `date -Is`, `date -R` or `date +%s`)' };
    }
    const source = { file: this.ctx.file, line: lineNo };
    const time = readingTime(reading, this.sample);
    if (time) {
      this.sample++;
      const now: TimelineRecord = { kind: 'date.now', source, time, format: reading.format };
      if (reading.date && reading.time) now.local_iso = `${formatDate(reading.date)}T${formatTimeOfDay(reading.time)}`;
      if (reading.timezone !== undefined) now.timezone = reading.timezone;
      if (reading.offsetSeconds !== undefined) now.utc_offset_s = reading.offsetSeconds;
      this.ctx.emit(now);
    }
    if (reading.date) {
      const host: TimelineRecord = { kind: 'host.info', source: { ...source }, tool: 'date', date: formatDate(reading.date) };
      if (reading.timezone !== undefined) host.timezone = reading.timezone;
      this.ctx.emit(host);
    }
    return 'data';
  }

  end(): void {}
}

export const parser: ParserModule = {
  meta: {
    tool: 'date',
    title: 'date: the capture time and timezone',
    commands: ['date', 'date -u', 'date -I[seconds|ns]', 'date --rfc-3339=seconds|ns', 'date -R', 'date +%s'],
    recordKinds: ['date.now', 'host.info'],
    recollect: 'date -Ins > date.txt (ISO 8601 with the UTC offset: an exact instant in any locale)',
  },
  create(ctx: ParseContext): LineParser {
    return new DateReader(ctx);
  },
};
