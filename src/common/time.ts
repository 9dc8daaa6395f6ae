/**
 * Reading the dates and times that capture tools print. Pure functions: the timeline stage decides what
 * a time means for the bundle (date, timezone); parsers only read what the line says.
 */

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
  /** Fractional seconds as written (`.123456`), if any. */
  fraction?: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * A date as strftime("%x") prints it in the C/en_US locales (`11/30/2021`, `06/01/20`) or as ISO
 * (`2020-06-01`, S_TIME_FORMAT=ISO). Two-digit years pivot at 70, like POSIX strptime `%y`.
 */
export function parseDate(token: string): DateParts | undefined {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(token);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{2})\/(\d{2})\/(\d{2}|\d{4})$/.exec(token);
  if (m) {
    const year = m[3]!.length === 2 ? twoDigitYear(Number(m[3])) : Number(m[3]);
    return validDate(year, Number(m[1]), Number(m[2]));
  }
  // de_DE and similar: 30.11.2021
  m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(token);
  if (m) return validDate(Number(m[3]), Number(m[2]), Number(m[1]));
  return undefined;
}

/** POSIX `%y`: 69 and below are 20xx, 70 and above 19xx (sysstat's own tests print `01/01/70`). */
function twoDigitYear(yy: number): number {
  return yy < 70 ? 2000 + yy : 1900 + yy;
}

function validDate(year: number, month: number, day: number): DateParts | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return { year, month, day };
}

/**
 * `HH:MM:SS[.frac]` with an optional `AM`/`PM` (12-hour clocks of the en_US locale).
 * `12:06:39 AM` is 00:06:39; `12:06:39 PM` is 12:06:39.
 */
export function parseTimeOfDay(clock: string, meridiem?: string): TimeOfDay | undefined {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(clock);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = Number(m[3]);
  if (minute > 59 || second > 60) return undefined;
  if (meridiem !== undefined) {
    const mer = meridiem.toUpperCase();
    if (mer !== 'AM' && mer !== 'PM') return undefined;
    if (hour < 1 || hour > 12) return undefined;
    if (mer === 'AM' && hour === 12) hour = 0;
    if (mer === 'PM' && hour !== 12) hour += 12;
  } else if (hour > 23) {
    return undefined;
  }
  const t: TimeOfDay = { hour, minute, second };
  if (m[4]) t.fraction = m[4];
  return t;
}

export function formatTimeOfDay(t: TimeOfDay): string {
  return `${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}${t.fraction ?? ''}`;
}

export function formatDate(d: DateParts): string {
  return `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** Seconds since the epoch of a wall-clock date and time read as UTC ("floating" local time). */
export function floatingEpoch(d: DateParts, t: TimeOfDay): number {
  const ms = Date.UTC(d.year, d.month - 1, d.day, t.hour, t.minute, t.second);
  return ms / 1000 + (t.fraction ? Number(t.fraction) : 0);
}

/** Add whole days to a date (midnight rollover). */
export function addDays(d: DateParts, days: number): DateParts {
  const dt = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: dt.getUTCFullYear(), month: dt.getUTCMonth() + 1, day: dt.getUTCDate() };
}

export function secondsOfDay(t: TimeOfDay): number {
  return t.hour * 3600 + t.minute * 60 + t.second + (t.fraction ? Number(t.fraction) : 0);
}

/**
 * An ISO 8601 timestamp with an offset (`2020-06-01T12:53:20+0000`, `...+02:00`, `...Z`): returns the
 * instant as epoch seconds and the UTC ISO string, or undefined.
 */
export function parseIsoInstant(token: string): { epoch: number; iso: string } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/.exec(token);
  if (!m) return undefined;
  const offset = m[3] === 'Z' ? 'Z' : `${m[3]!.slice(0, 3)}:${m[3]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  return { epoch: ms / 1000, iso: new Date(ms).toISOString().replace('.000Z', 'Z') };
}
