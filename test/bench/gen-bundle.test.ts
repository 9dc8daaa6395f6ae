/**
 * The benchmark's bundle generator (bench/gen-bundle.ts): every file it writes is read by the real
 * pipeline (buildTimeline: sniffing, parsing, clock) with no unparsed line and the tool it imitates
 * sniffed from content alone; the tools share one clock; the size mix is the documented one; the
 * same seed and size give the same bytes; a capture that runs past midnight rolls over cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTimeline, type Timeline } from '../../src/timeline/build.js';
import { BUNDLE_FILES, BUNDLE_MIX, BUNDLE_START, TOP_TASKS, generateBundle, generateIostatFile, type BundleTool } from '../../bench/gen-bundle.js';

const MIB = 1024 * 1024;
const TOOLS = Object.keys(BUNDLE_FILES) as BundleTool[];
const toolOfFile = new Map(TOOLS.map((t) => [BUNDLE_FILES[t].name, t]));

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-gen-bundle-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function fileSummary(t: Timeline, name: string): Timeline['files'][number] {
  const f = t.files.find((x) => x.path === name);
  assert.ok(f, `${name} is in the timeline`);
  return f;
}

const isoAt = (second: number): string => new Date(Date.UTC(BUNDLE_START.year, BUNDLE_START.month - 1, BUNDLE_START.day) + second * 1000).toISOString().replace('.000Z', 'Z');

test('gen-bundle: a 4 MiB bundle parses clean, each file sniffed as its tool, on one clock, in the documented mix', async () => {
  await withTempDir(async (dir) => {
    const target = 4 * MIB;
    const r = generateBundle(dir, { bytes: target, seed: 0x5eed });
    assert.deepEqual(readdirSync(dir).sort(), [...TOOLS.map((t) => BUNDLE_FILES[t].name), 'manifest.json'].sort());
    // Total within 1 % of the target; each tool's share within 2 points of BUNDLE_MIX.
    assert.ok(Math.abs(r.bytes - target) / target < 0.01, `bundle is ${r.bytes} bytes for a ${target} target`);
    for (const f of r.files) {
      const share = f.bytes / r.bytes;
      assert.ok(Math.abs(share - BUNDLE_MIX[f.tool]) < 0.02, `${f.tool}: ${(share * 100).toFixed(1)} % of the bytes, mix says ${BUNDLE_MIX[f.tool] * 100} %`);
    }
    assert.equal(r.files.find((f) => f.tool === 'top')!.rows_per_sample, TOP_TASKS);

    const t = await buildTimeline(dir, { summarize: true });
    assert.equal(t.skipped.length, 0, JSON.stringify(t.skipped));
    assert.deepEqual(t.diagnostics.filter((d) => d.severity !== 'info'), [], 'no warning or error: manifest valid, every line read');
    for (const f of r.files) {
      const s = fileSummary(t, f.name);
      assert.equal(s.tool, toolOfFile.get(f.name), `${f.name} sniffed as ${s.tool}`);
      assert.equal(s.decided_by, 'sniff', `${f.name}: the manifest names no tool, the content decides`);
      assert.equal(s.coverage.unparsed, 0, `${f.name}: ${s.coverage.unparsed} unparsed line(s)`);
      assert.equal(s.coverage.lines, f.lines, `${f.name}: every generated line was read`);
      assert.equal(s.bytes, f.bytes);
      assert.ok(s.records > f.lines / 20, `${f.name}: ${s.records} records from ${f.lines} lines`);
    }
    // Variants: the flags the generator imitates are the ones the detectors see.
    assert.match(fileSummary(t, BUNDLE_FILES.iostat.name).variant, /-x -t/);
    assert.match(fileSummary(t, BUNDLE_FILES.pidstat.name).variant, /-d -t -h/);
    assert.match(fileSummary(t, BUNDLE_FILES.opensnoop.name).variant, /-T \(bcc python\)/);
    assert.match(fileSummary(t, BUNDLE_FILES.filetop.name).variant, /bcc python, TID header/);
    assert.match(fileSummary(t, BUNDLE_FILES.strace.name).variant, /-f .*-tt -T -y/);

    // One clock: UTC from the manifest; every sampler covers [start, start + seconds] one sample per second.
    assert.equal(t.clock.timezone, 'UTC');
    const start = BUNDLE_START.secondOfDay;
    const span = (tool: BundleTool): { first: string; last: string; clock: string } => fileSummary(t, BUNDLE_FILES[tool].name).time_span!;
    // iostat and top print their first report at the start; pidstat and filetop at the end of the first interval.
    assert.deepEqual(span('iostat'), { first: isoAt(start), last: isoAt(start + r.seconds - 1), clock: 'utc' });
    assert.deepEqual(span('top'), { first: isoAt(start), last: isoAt(start + r.seconds - 1), clock: 'utc' });
    assert.deepEqual(span('pidstat'), { first: isoAt(start + 1), last: isoAt(start + r.seconds), clock: 'utc' });
    assert.deepEqual(span('filetop'), { first: isoAt(start + 1), last: isoAt(start + r.seconds), clock: 'utc' });
    assert.ok(span('strace').first.startsWith(isoAt(start).slice(0, 19)), `strace starts with the others: ${span('strace').first}`);
    assert.equal(span('strace').clock, 'utc');
    // opensnoop -T (bcc) prints seconds since its first event: the manifest's window places it.
    assert.equal(span('opensnoop').clock, 'manifest');
    assert.equal(span('opensnoop').first, isoAt(start));

    // Real values: the traced app (PID 26246) is top's busiest task and writes in pidstat.
    const topFile = readFileSync(join(dir, BUNDLE_FILES.top.name), 'latin1');
    assert.match(topFile.split('\n')[7]!, /^26246 root .* python3$/);
    const app = t.records.filter((x) => x.kind === 'pidstat.task' && x.pid === 26246);
    assert.deepEqual([...new Set(app.map((x) => x.tid))].sort(), [undefined, 26246, 26415, 26416, 26417].sort(), 'the app and its threads, as strace sees them');
    assert.ok(app.some((x) => x.is_thread === false && (x.write_bytes_per_s as number) > 0), 'the app writes');
    assert.ok(app.every((x) => x.tid !== 26246 || x.write_bytes_per_s === 0), 'its main thread does not');
  });
});

test('gen-bundle: the same seed and size give the same bytes; another seed other bytes', async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    generateBundle(a, { bytes: MIB, seed: 7 });
    generateBundle(b, { bytes: MIB, seed: 7 });
    generateBundle(c, { bytes: MIB, seed: 8 });
    for (const name of readdirSync(a)) {
      assert.ok(readFileSync(join(a, name)).equals(readFileSync(join(b, name))), `${name} is byte-identical`);
    }
    const differing = readdirSync(a).filter((name) => name !== 'manifest.json' && !readFileSync(join(a, name)).equals(readFileSync(join(c, name))));
    assert.deepEqual(differing.sort(), TOOLS.map((t) => BUNDLE_FILES[t].name).sort(), 'every capture file depends on the seed');

    const i1 = join(dir, 'i1.txt');
    const i2 = join(dir, 'i2.txt');
    const r = generateIostatFile(i1, { bytes: 256 * 1024, seed: 3 });
    generateIostatFile(i2, { bytes: 256 * 1024, seed: 3 });
    assert.ok(readFileSync(i1).equals(readFileSync(i2)));
    assert.ok(Math.abs(r.bytes - 256 * 1024) < 256 * 1024 * 0.05, `${r.bytes} bytes for 256 KiB`);
  });
});

test('gen-bundle: samplers that run past midnight roll over to the next day cleanly', async () => {
  await withTempDir(async (dir) => {
    const startSecond = 86400 - 5;
    const r = generateBundle(dir, { bytes: MIB, seed: 11, startSecond });
    assert.ok(r.seconds > 6, `${r.seconds} s of capture crosses midnight`);
    const t = await buildTimeline(dir, { summarize: true });
    assert.deepEqual(t.diagnostics.filter((d) => d.severity !== 'info'), []);
    for (const tool of ['iostat', 'pidstat', 'top', 'filetop'] as const) {
      const s = fileSummary(t, BUNDLE_FILES[tool].name);
      assert.equal(s.coverage.unparsed, 0, tool);
      const first = tool === 'pidstat' || tool === 'filetop' ? startSecond + 1 : startSecond;
      assert.deepEqual(s.time_span, { first: isoAt(first), last: isoAt(first + r.seconds - 1), clock: 'utc' }, tool);
      assert.ok(s.time_span!.last.startsWith('2026-11-27'), `${tool} ends on the next day`);
    }
    // iostat -t prints the new date itself.
    assert.match(readFileSync(join(dir, BUNDLE_FILES.iostat.name), 'latin1'), /^11\/27\/26 00:00:00$/m);
  });
});
