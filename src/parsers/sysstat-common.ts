/**
 * What iostat, pidstat, mpstat (and sar) share: the banner line, the per-row time column in 12- or
 * 24-hour form, the `Average:` summary rows, and a clock that turns row times into dates with midnight
 * rollover. See `docs/parsers/sysstat.md`.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import {
  addDays,
  floatingEpoch,
  formatDate,
  formatTimeOfDay,
  parseDate,
  parseTimeOfDay,
  secondsOfDay,
  type DateParts,
  type TimeOfDay,
} from '../common/time.js';

export interface SysstatBanner {
  sysname: string;
  release: string;
  hostname: string;
  dateText: string;
  date?: DateParts;
  arch: string;
  cpus: number;
}

// `Linux 5.8.0-53-generic (ubuntu) \t12/02/2021 \t_x86_64_\t(2 CPU)` — host names may hold dots and spaces.
const BANNER_RE = /^(\S+) (\S+) \((.*)\)\s+(\S+)\s+_(\S+)_\s+\((\d+) CPU\)\s*$/;

export function parseSysstatBanner(line: string): SysstatBanner | undefined {
  const m = BANNER_RE.exec(line);
  if (!m) return undefined;
  const banner: SysstatBanner = {
    sysname: m[1]!,
    release: m[2]!,
    hostname: m[3]!,
    dateText: m[4]!,
    arch: m[5]!,
    cpus: Number(m[6]),
  };
  const date = parseDate(m[4]!);
  if (date) banner.date = date;
  return banner;
}

/** The `host.info` record every sysstat banner yields: the timeline uses its date, the report its host. */
export function bannerRecord(banner: SysstatBanner, file: string, line: number, tool: string): TimelineRecord {
  const record: TimelineRecord = {
    kind: 'host.info',
    source: { file, line },
    tool,
    hostname: banner.hostname,
    kernel: `${banner.sysname} ${banner.release}`,
    arch: banner.arch,
    cpus: banner.cpus,
  };
  if (banner.date) record.date = formatDate(banner.date);
  return record;
}

/**
 * Reads the leading time of a sysstat row: `12:06:39 PM`, `12:53:20`, or `Average:`.
 * Returns the time and how many whitespace-separated tokens it used.
 */
export function readRowTime(tokens: readonly string[]): { time?: TimeOfDay; average: boolean; used: number } | undefined {
  const first = tokens[0];
  if (first === undefined) return undefined;
  if (first === 'Average:') return { average: true, used: 1 };
  const second = tokens[1];
  if (second === 'AM' || second === 'PM') {
    const time = parseTimeOfDay(first, second);
    return time ? { time, average: false, used: 2 } : undefined;
  }
  const time = parseTimeOfDay(first);
  return time ? { time, average: false, used: 1 } : undefined;
}

/**
 * Turns row times into record times. With a banner date, times become `local` date-times and a time
 * that goes back by more than 12 hours means midnight passed. Without one they stay `time-of-day`
 * and the timeline adds the date later.
 */
export class SysstatClock {
  private date: DateParts | undefined;
  private lastSeconds: number | undefined;

  constructor(date?: DateParts) {
    this.date = date;
  }

  setDate(date: DateParts | undefined): void {
    this.date = date;
    this.lastSeconds = undefined;
  }

  at(t: TimeOfDay, sample: number, extra: Partial<RecordTime> = {}): RecordTime {
    const secs = secondsOfDay(t);
    if (this.date && this.lastSeconds !== undefined && secs < this.lastSeconds - 12 * 3600) {
      this.date = addDays(this.date, 1);
    }
    this.lastSeconds = secs;
    if (!this.date) return { clock: 'time-of-day', iso: formatTimeOfDay(t), sample, ...extra };
    return {
      clock: 'local',
      iso: `${formatDate(this.date)}T${formatTimeOfDay(t)}`,
      epoch: floatingEpoch(this.date, t),
      sample,
      ...extra,
    };
  }
}

/** Split on runs of blanks (spaces and the TABs sysstat puts in banners). */
export function tokens(line: string): string[] {
  // A loop instead of trim().split(/\s+/) (a regex split per line was a tenth of the time), with the
  // same idea of white space as \s.
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    out.push(line.slice(start, i));
  }
  return out;
}

const UNICODE_SPACE = /\s/;

/** What `\s` matches: ASCII white space cheaply, the Unicode spaces through the regex. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return UNICODE_SPACE.test(String.fromCharCode(c));
}

/** Field names a record builder may put in generated code: a parser's own column table, never the input's. */
const FIELD_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The `name: v[i]` entries of an object literal for a table's value columns, for a record builder
 * compiled once per header (`new Function`, as ajv compiles validators): a record built with one keyed
 * store per column makes a new hidden class per store, the bulk of a sysstat parser's time. A field
 * named by several columns keeps its first column's place and its last column's value, as successive
 * stores would. Throws if a field is not an identifier (a bug in the parser's table, not bad input).
 */
export function valueEntries(columns: readonly ({ field: string } | undefined)[], tool: string): string[] {
  return valueFields(columns, tool).map(([field, i]) => `${field}: v[${i}]`);
}

/** The fields valueEntries writes, in the record's order, each with the index of its value. */
export function valueFields(columns: readonly ({ field: string } | undefined)[], tool: string): [field: string, index: number][] {
  const valueAt = new Map<string, number>();
  columns.forEach((column, i) => {
    if (!column) return;
    if (!FIELD_NAME.test(column.field)) throw new Error(`${tool}: field ${JSON.stringify(column.field)} is not an identifier`);
    valueAt.set(column.field, i);
  });
  return [...valueAt];
}
