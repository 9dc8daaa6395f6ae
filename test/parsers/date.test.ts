/**
 * date parser and detector: jc fixtures (MIT, copied here), the popularity capture, our own captures of every
 * output form (default in C/en_US/de_DE, -I, -R, --rfc-3339, +%s, zones with and without abbreviation), jc
 * conformance field by field, malformed input. See docs/parsers/date.md and test/fixtures/date/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { parser, readDateLine, readOffset } from '../../src/parsers/date.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/date.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';
import { otherToolFiles } from '../helpers.js';

const ours = (name: string): string => fixture('date', name);
const sniff = (content: string): ReturnType<typeof detector.detect> =>
  detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));

function nowOf(r: ParseResult): TimelineRecord {
  const found = r.records.filter((x) => x.kind === 'date.now');
  assert.equal(found.length, 1, `${basename(r.file)}: one date.now`);
  return found[0]!;
}

function hostOf(r: ParseResult): TimelineRecord | undefined {
  return r.records.find((x) => x.kind === 'host.info');
}

const parseOurs = (name: string): ParseResult => parseFile(parser, ours(name));
const utc = (y: number, mo: number, d: number, h: number, mi: number, s: number): number => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;

test('every date fixture parses cleanly', () => {
  const files = listDir(fixture('date')).filter((f) => f.endsWith('.out') || f.endsWith('.txt'));
  assert.ok(files.length >= 17);
  for (const f of files) assertCleanParse(parseOurs(f));
});

test('own captures: every form gives the same instant 2026-11-27T00:20:11Z (±1 s) and says what it knows of the zone', () => {
  const instant = utc(2026, 11, 27, 0, 20, 11);
  const cases: [string, string, string | undefined, number | undefined][] = [
    // file, format, timezone, utc_offset_s
    ['own-date-C.txt', 'default', 'UTC', 0],
    ['own-date-en_US.txt', 'default', 'UTC', 0],
    ['own-date-de_DE.txt', 'default', 'UTC', 0],
    ['own-date-Is.txt', 'iso-8601', '+00:00', 0],
    ['own-date-Ins.txt', 'iso-8601', '+00:00', 0],
    ['own-date-R.txt', 'rfc-5322', '+00:00', 0],
    ['own-date-rfc-3339-ns.txt', 'rfc-3339', '+00:00', 0],
    ['own-date-epoch.txt', 'epoch', undefined, undefined],
    ['own-date-tz-sao-paulo.txt', 'default', '-03:00', -10800],
    ['own-date-Is-tz-kolkata.txt', 'iso-8601', '+05:30', 19800],
  ];
  for (const [file, format, timezone, offset] of cases) {
    const now = nowOf(parseOurs(file));
    assert.equal(now.time?.clock, 'utc', file);
    assert.ok(Math.abs(now.time!.epoch! - instant) <= 1.1, `${file}: ${now.time!.epoch} vs ${instant}`);
    assert.match(String(now.time?.iso), /^2026-11-27T00:20:1[12](\.\d+)?Z$/, file);
    assert.equal(now.format, format, file);
    assert.equal(now.timezone, timezone, file);
    assert.equal(now.utc_offset_s, offset, file);
  }
  assert.equal(nowOf(parseOurs('own-date-Ins.txt')).time?.iso, '2026-11-27T00:20:11.988016907Z');
  assert.equal(nowOf(parseOurs('own-date-Ins.txt')).local_iso, '2026-11-27T00:20:11.988016907');
  assert.equal(nowOf(parseOurs('own-date-tz-sao-paulo.txt')).local_iso, '2026-11-26T21:20:12');
  assert.equal(nowOf(parseOurs('own-date-Is-tz-kolkata.txt')).local_iso, '2026-11-27T05:50:12');
  assert.equal(nowOf(parseOurs('own-date-epoch.txt')).local_iso, undefined);
});

test('an abbreviation other than UTC/GMT (PST) stays local wall-clock time with the abbreviation', () => {
  const r = parseOurs('own-date-tz-la.txt');
  const now = nowOf(r);
  assert.deepEqual(now.time, { clock: 'local', iso: '2026-11-26T16:20:12', epoch: utc(2026, 11, 26, 16, 20, 12), sample: 0 });
  assert.equal(now.timezone, 'PST');
  assert.equal(now.utc_offset_s, undefined);
  assert.deepEqual(hostOf(r), { kind: 'host.info', source: { file: r.file, line: 1 }, tool: 'date', date: '2026-11-26', timezone: 'PST' });
});

test('host.info carries the local date and zone; none for epoch seconds; date -I gives host.info only', () => {
  assert.equal(hostOf(parseOurs('own-date-tz-sao-paulo.txt'))!.date, '2026-11-26');
  assert.equal(hostOf(parseOurs('own-date-tz-sao-paulo.txt'))!.timezone, '-03:00');
  assert.equal(hostOf(parseOurs('own-date-epoch.txt')), undefined);
  const dateOnly = parseOurs('own-date-I.txt');
  assert.deepEqual(dateOnly.records.map((x) => [x.kind, x.date]), [['host.info', '2026-11-27']]);
});

test('popularity capture date.txt: UTC, 2026-11-26 17:35:33', { skip: skipWithoutShared }, () => {
  const path = join(sharedDir, 'captures', 'popularity', 'date.txt');
  const r = parseFile(parser, path);
  assertCleanParse(r);
  const now = nowOf(r);
  assert.deepEqual(now.time, { clock: 'utc', iso: '2026-11-26T17:35:33Z', epoch: utc(2026, 11, 26, 17, 35, 33), sample: 0 });
  assert.equal(now.timezone, 'UTC');
  assert.equal(hostOf(r)!.date, '2026-11-26');
  assert.equal(sniff(readFileSync(path, 'utf8'))?.tool, 'date');
});

test('readOffset and a few more forms: -Ih, -Im, --rfc-3339=date, Z, busybox without zone, several lines', () => {
  assert.deepEqual(readOffset('+0530'), { seconds: 19800, normalized: '+05:30' });
  assert.deepEqual(readOffset('-03'), { seconds: -10800, normalized: '-03:00' });
  assert.equal(readOffset('+2500'), undefined);
  assert.equal(readDateLine('2026-11-27T00+00:00')?.time?.minute, 0);
  assert.equal(readDateLine('2026-11-27T00:20+01:00')?.offsetSeconds, 3600);
  assert.equal(readDateLine('2026-11-27T00:20:07Z')?.timezone, 'UTC');
  assert.equal(readDateLine('2026-13-27'), undefined);
  assert.equal(readDateLine('Fri Nov 27 00:20:07 2026')?.timezone, undefined);
  assert.equal(readDateLine('Fri Nov 27 25:20:07 UTC 2026'), undefined);
  assert.equal(readDateLine('12345'), undefined, 'a short number is not epoch seconds');
  const loop = parseText(parser, 'loop.txt', 'Fri Nov 27 00:20:07 UTC 2026\nFri Nov 27 00:20:08 UTC 2026\n');
  assertCleanParse(loop);
  assert.deepEqual(loop.records.filter((x) => x.kind === 'date.now').map((x) => x.time?.sample), [0, 1]);
});

// ------------------------------------------------------------------------------------------------
// jc conformance
// ------------------------------------------------------------------------------------------------

/** Offset of America/Los_Angeles (jc's test timezone) at a wall-clock time, in seconds west of UTC. */
function losAngelesOffsetS(wallEpoch: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', timeZoneName: 'longOffset' }).formatToParts(new Date((wallEpoch + 8 * 3600) * 1000));
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(parts.find((p) => p.type === 'timeZoneName')!.value)!;
  return -(m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/**
 * Named exceptions (docs/parsers/date.md, "Differences from jc"):
 * - JC_NAIVE_EPOCH: jc's `epoch` reads the wall clock in the timezone of the machine running jc (its tests set
 *   TZ=America/Los_Angeles), whatever zone the line names: it is the wall clock + that zone's offset.
 * - JC_CALENDAR_EXTRAS: weekday, weekday_num, month (name), day_of_year, week_of_year, period, hour (12-hour),
 *   timezone_aware are derived from the date and not repeated; the test checks them against our date.
 * - JC_ISO_AND_OFFSET: jc's `iso` and `utc_offset` (`+0000`) are our local_iso + timezone and utc_offset_s.
 */
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function compareWithJc(outName: string, jsonName: string): void {
  const now = nowOf(parseOurs(outName));
  const jc = JSON.parse(readFileSync(ours(jsonName), 'utf8')) as Record<string, unknown>;
  const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(String(now.local_iso));
  assert.ok(local, `${outName}: local_iso ${String(now.local_iso)}`);
  const [year, month, day, hour, minute, second] = local.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = utc(year, month, day, hour, minute, second);
  const what = (k: string): string => `${outName}: ${k}`;
  for (const [key, value] of Object.entries(jc)) {
    switch (key) {
      case 'year': assert.equal(year, value, what(key)); break;
      case 'month_num': assert.equal(month, value, what(key)); break;
      case 'day': assert.equal(day, value, what(key)); break;
      case 'hour_24': assert.equal(hour, value, what(key)); break;
      case 'minute': assert.equal(minute, value, what(key)); break;
      case 'second': assert.equal(second, value, what(key)); break;
      case 'timezone': assert.equal(now.timezone, value, what(key)); break;
      case 'epoch_utc': assert.equal(now.time?.epoch, value, what(key)); break;
      case 'epoch': assert.equal(value, wall + losAngelesOffsetS(wall), what('JC_NAIVE_EPOCH')); break;
      // JC_CALENDAR_EXTRAS: checked against our date rather than carried.
      case 'hour': assert.equal(value, jc.period === 'PM' || jc.period === 'AM' ? ((hour + 11) % 12) + 1 : hour, what(key)); break;
      case 'period': assert.equal(value, /\b(AM|PM)\b/.exec(readFileSync(ours(outName), 'utf8'))?.[1] ?? null, what(key)); break;
      case 'weekday': assert.equal(value, WEEKDAYS[new Date(wall * 1000).getUTCDay()], what(key)); break;
      case 'weekday_num': assert.equal(value, new Date(wall * 1000).getUTCDay() || 7, what(key)); break;
      case 'month': assert.equal(value, MONTH_NAMES[month - 1], what(key)); break;
      case 'day_of_year': assert.equal(value, (utc(year, month, day, 0, 0, 0) - utc(year, 1, 1, 0, 0, 0)) / 86400 + 1, what(key)); break;
      case 'week_of_year': {
        // strftime %W: weeks starting on Monday, days before the first Monday in week 0.
        const yday = (utc(year, month, day, 0, 0, 0) - utc(year, 1, 1, 0, 0, 0)) / 86400;
        const mondayBased = (new Date(wall * 1000).getUTCDay() + 6) % 7;
        assert.equal(value, Math.floor((yday + 7 - mondayBased) / 7), what(key));
        break;
      }
      case 'timezone_aware': assert.equal(value, now.time?.clock === 'utc', what(key)); break;
      // JC_ISO_AND_OFFSET.
      case 'iso': assert.equal(value, `${String(now.local_iso)}${now.timezone === 'UTC' ? '+00:00' : String(now.timezone)}`, what(key)); break;
      case 'utc_offset': assert.equal(value, '+0000', what(key)); assert.equal(now.utc_offset_s, 0, what(key)); break;
      default: assert.fail(`${outName}: jc key '${key}' has no mapping and no named exception`);
    }
  }
}

test('jc conformance: generic date (PDT), ubuntu 20.04 AM/PM, before/after midnight', () => {
  compareWithJc('jc-generic-date.out', 'jc-generic-date.json');
  compareWithJc('jc-ubuntu-20.04-date.out', 'jc-ubuntu-20.04-date.json');
  compareWithJc('jc-ubuntu-20.04-date2.out', 'jc-ubuntu-20.04-date2.json');
  compareWithJc('jc-generic-date-before-midnight.out', 'jc-generic-date-before-midnight.json');
  compareWithJc('jc-generic-date-after-midnight.out', 'jc-generic-date-after-midnight.json');
  assert.equal(nowOf(parseOurs('jc-generic-date-after-midnight.out')).time?.iso, '2021-03-24T00:54:47Z');
  assert.equal(nowOf(parseOurs('jc-generic-date.out')).time?.clock, 'local');
});

// ------------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------------

test('garbage, empty, CRLF, a cut line, another tool\'s file: diagnostics, no exception', () => {
  const garbage = parseText(parser, 'g.bin', Buffer.from([0x00, 0xff, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, 2);
  const empty = parseText(parser, 'e.txt', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.records.length, 0);
  const text = readFileSync(ours('own-date-C.txt'), 'utf8');
  const crlf = parseText(parser, 'c.txt', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records, parseText(parser, 'c.txt', text).records);
  const cut = parseText(parser, 'cut.txt', text.slice(0, 20));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1);
  assert.match(cut.diagnostics[0]!.message, /date/);
  const other = parseFile(parser, fixture('uname', 'own-uname-a.txt'));
  assertCoverageInvariant(other);
  assert.equal(other.records.length, 0);
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

test('detector: every date fixture is date; a lone number is weak evidence', () => {
  for (const f of listDir(fixture('date')).filter((n) => n.endsWith('.out') || n.endsWith('.txt'))) {
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'date', f);
  }
  assert.equal(sniff(readFileSync(ours('own-date-C.txt'), 'utf8'))!.confidence, 0.9);
  assert.equal(sniff(readFileSync(ours('own-date-epoch.txt'), 'utf8'))!.confidence, 0.5);
  assert.equal(sniff('Fri Nov 27 00:20:07 UTC 2026\nsomething else\n'), null);
});


test("detector: claims no other tool's file", { skip: skipWithoutShared }, () => {
  const files = otherToolFiles('date', (f) => f === 'date.txt');
  assert.ok(files.length > 50);
  for (const path of files) {
    const s = sniff(readFileSync(path, 'utf8'));
    assert.equal(s, null, `${basename(path)} claimed as ${s?.variant}`);
  }
});
