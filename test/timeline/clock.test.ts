/**
 * src/timeline/clock.ts on the seed case, whose filetop.txt prints only a time of day (its loadavg lines)
 * and whose rows of one interval share one time object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTimeline } from '../../src/timeline/build.js';
import { repoRoot } from '../helpers.js';

test('the "print only a time of day" note counts records, also those sharing one time object', async () => {
  const timeline = await buildTimeline(join(repoRoot, 'samples', 'seed-case'), { summarize: true, jobs: 0 });
  const rows = timeline.records.filter((r) => r.source.file === 'filetop.txt' && r.time !== undefined);
  const shared = new Set(rows.map((r) => r.time)).size;
  // The case this guards: rows of one interval share their time, which is dated once, in place. The
  // note counted time objects (3 intervals) instead of records.
  assert.ok(shared < rows.length, `filetop rows share time objects (${shared} for ${rows.length} rows)`);
  for (const r of rows) assert.equal(r.time!.clock, 'local', `filetop.txt:${r.source.line} was dated`);
  const note = timeline.clock.notes.find((n) => n.file === 'filetop.txt' && n.note.includes('print only a time of day'));
  assert.equal(note?.note, `${rows.length} record(s) print only a time of day; date taken from iostat-dx.txt:1`);
});

test('a merged sample row\'s last_time moves to UTC with its time (iostat -x -t merged into buckets, manifest timezone)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-clock-'));
  try {
    const header = 'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz  aqu-sz  %util';
    const reports = Array.from({ length: 64 }, (_, k) => {
      const s = String(k % 60).padStart(2, '0');
      const m = String(10 + Math.floor(k / 60)).padStart(2, '0');
      return [`11/26/2026 09:${m}:${s} AM`, header, `sda             ${k}.00      4.00     0.00   0.00    0.50     4.00    1.00     8.00     0.00   0.00    1.00     8.00    0.01   ${k % 100}.00`, ''].join('\n');
    });
    writeFileSync(join(dir, 'iostat.txt'), `Linux 6.1.0 (host) \t11/26/2026 \t_x86_64_\t(2 CPU)\n\n${reports.join('\n')}`);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '1.0', timezone: 'Europe/Berlin', files: [{ path: 'iostat.txt', tool: 'iostat', command: 'iostat -d -x -t 1' }] }));
    const timeline = await buildTimeline(dir, { summarize: true, jobs: 0, seriesMaxRows: 16 });
    const merged = timeline.records.filter((r) => r.kind === 'iostat.device' && r.last_time !== undefined);
    assert.ok(merged.length > 0, 'the rows were merged into buckets with a last_time');
    for (const r of merged) {
      const first = r.time!;
      const last = r.last_time as { clock: string; iso: string; epoch: number };
      assert.equal(first.clock, 'utc');
      assert.equal(last.clock, 'utc', `iostat.txt:${r.source.line}: last_time ${last.iso} is on the ${last.clock} clock`);
      // Berlin is UTC+1 in November: 09:xx local is 08:xx UTC.
      assert.match(last.iso, /^2026-11-26T08:1\d:\d\dZ$/);
      assert.ok(last.epoch > first.epoch!);
    }
    const span = timeline.files.find((f) => f.path === 'iostat.txt')!.time_span!;
    assert.equal(span.clock, 'utc');
    assert.match(span.last, /Z$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files resolved as they arrive (the manifest sets date and zone) give the timeline of files resolved at the end: times, notes, spans', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-early-'));
  try {
    // The manifest says 27 Nov, +02:00; `date` (27 Nov in Buenos Aires) and iostat's banner (26 Nov)
    // disagree on the date: a note. top prints only times of day, iostat local times, date an instant.
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '1.0', host: 'h', timezone: '+02:00', collected_at: '2026-11-27T10:00:00+02:00', files: [{ path: 'top.txt', command: 'top -b -d 1 -n 2', started_at: '2026-11-27T10:00:00+02:00' }] }));
    writeFileSync(join(dir, 'date.txt'), 'Fri Nov 27 05:00:01 -03 2026\n');
    const top = (t: string): string => `top - ${t} up 1 day,  2:03,  1 user,  load average: 0.10, 0.20, 0.30\nTasks:   2 total,   1 running,   1 sleeping,   0 stopped,   0 zombie\n%Cpu(s):  1.0 us,  1.0 sy,  0.0 ni, 98.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st\nMiB Mem :   1000.0 total,    500.0 free,    300.0 used,    200.0 buff/cache\nMiB Swap:      0.0 total,      0.0 free,      0.0 used.    600.0 avail Mem\n\n  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n    1 root      20   0   10000   5000   3000 S   0.0   0.5   0:01.00 init\n  100 app       20   0   20000   9000   3000 R  50.0   0.9   1:00.00 python\n\n`;
    writeFileSync(join(dir, 'top.txt'), top('23:59:59') + top('00:00:01'));
    writeFileSync(join(dir, 'iostat.txt'), 'Linux 6.1.0 (h) \t11/26/26 \t_x86_64_\t(2 CPU)\n\n11/26/26 23:59:58\nDevice            r/s     w/s  %util\nsda              1.00    2.00   3.00\n\n11/26/26 23:59:59\nDevice            r/s     w/s  %util\nsda              4.00    5.00   6.00\n\n');
    const atEnd = await buildTimeline(dir, { summarize: true, jobs: 0, resolveEarly: false });
    const early = await buildTimeline(dir, { summarize: true, jobs: 0 });
    assert.deepEqual(early, atEnd);
    assert.equal(atEnd.clock.utc_offset_min, 120);
    assert.ok(atEnd.clock.notes.some((n) => n.note.startsWith('files disagree on the date')), JSON.stringify(atEnd.clock.notes));
    // top's second snapshot passed midnight: its date advanced, then moved to UTC (+02:00).
    const tops = atEnd.records.filter((r) => r.kind === 'top.summary').map((r) => r.time?.iso);
    assert.deepEqual(tops, ['2026-11-27T21:59:59Z', '2026-11-27T22:00:01Z']);
    // Without a zone the manifest does not set the clock: both ways are the end's.
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '1.0', host: 'h', collected_at: '2026-11-27T10:00:00+02:00', files: [] }));
    assert.deepEqual(await buildTimeline(dir, { summarize: true, jobs: 0 }), await buildTimeline(dir, { summarize: true, jobs: 0, resolveEarly: false }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('times of one second dated from the last one dated are what parsing each gives: fractions, bad fractions, 1-digit hours, midnight', async () => {
  const { FileClockResolver } = await import('../../src/timeline/clock.js');
  const { addDays, floatingEpoch, parseDate, parseTimeOfDay } = await import('../../src/common/time.js');
  const texts = ['17:35:25.955604', '17:35:25.955622', '17:35:25', '17:35:25.', '17:35:25.9x', '17:35:25.1', '17:35:26.5', '9:05:01.5', '9:05:01.25', '9:05:01', '23:59:59.999999', '23:59:59.5', '00:00:00.000001', '00:00:00.5', '00:00:00', '12:00:00.75'];
  const records = texts.map((iso, k) => ({ kind: 'strace.call', source: { file: 'strace.txt', line: k + 1 }, time: { clock: 'time-of-day' as const, iso } }));
  const resolver = new FileClockResolver({ date: '2026-11-26', date_source: 'manifest collected_at', utc_offset_min: 120, notes: [] });
  for (const r of records) resolver.resolve(r);
  // The oracle: each text parsed on its own, on the date the rollovers so far give, moved to UTC.
  let date = parseDate('2026-11-26')!;
  let lastSeconds: number | undefined;
  let unresolved = 0;
  texts.forEach((text, k) => {
    const tod = parseTimeOfDay(text);
    const t = records[k]!.time;
    if (!tod) {
      unresolved++;
      assert.deepEqual(t, { clock: 'time-of-day', iso: text }, text);
      return;
    }
    const secs = tod.hour * 3600 + tod.minute * 60 + tod.second;
    if (lastSeconds !== undefined && secs < lastSeconds - 12 * 3600) date = addDays(date, 1);
    lastSeconds = secs;
    const epoch = floatingEpoch(date, tod) - 120 * 60;
    const iso = new Date(Math.floor(epoch) * 1000).toISOString().replace('.000Z', `${tod.fraction ?? ''}Z`);
    assert.deepEqual(t, { clock: 'utc', iso, epoch }, text);
  });
  assert.equal(unresolved, 2);
  assert.equal(records[12]!.time.iso, '2026-11-26T22:00:00.000001Z');
  const notes = resolver.notes('strace.txt').map((n) => n.note);
  // The two that are no time of day count as unresolved, as before.
  assert.ok(notes.includes('2 record(s) have only a time of day and no date could be found for them'), notes.join(' | '));
  assert.ok(notes.includes('time of day went back past midnight 1 time(s); the date was advanced'), notes.join(' | '));
});
