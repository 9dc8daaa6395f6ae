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
