/**
 * src/timeline/clock.ts on the seed case, whose filetop.txt prints only a time of day (its loadavg lines)
 * and whose rows of one interval share one time object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
