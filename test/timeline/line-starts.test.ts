/**
 * src/timeline/build.ts lineStartsOf: where the lines of a timeline's files start, noted while they
 * were read (on the main thread or in a parse worker), for the report to read cited lines back from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINE_STARTS_EVERY, buildTimeline, lineStartsOf } from '../../src/timeline/build.js';

test('lineStartsOf: every LINE_STARTS_EVERY-th line start of a long file, read on the main thread or by a worker; none for a short one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-line-starts-'));
  try {
    const lines = Array.from({ length: 2 * LINE_STARTS_EVERY + 10 }, (_, i) => `${i + 1} not a capture line ${'z'.repeat(i % 7)}`);
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'long.txt'), text);
    writeFileSync(join(dir, 'short.txt'), 'one\ntwo\n');
    const offsetOf = (line: number): number => Buffer.byteLength(lines.slice(0, line - 1).map((l) => `${l}\n`).join(''));
    for (const jobs of [0, 2]) {
      const timeline = await buildTimeline(dir, { summarize: true, jobs });
      const starts = lineStartsOf(timeline);
      assert.deepEqual(starts?.get('long.txt'), { every: LINE_STARTS_EVERY, starts: [0, offsetOf(LINE_STARTS_EVERY + 1), offsetOf(2 * LINE_STARTS_EVERY + 1)] }, `jobs ${jobs}`);
      assert.equal(starts?.has('short.txt'), false);
      assert.equal(JSON.stringify(timeline).includes('"starts"'), false, 'not part of the timeline JSON');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
