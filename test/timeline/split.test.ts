/**
 * A big strace file of a folder bundle is read in analysis as a head and a tail (planSplit, on two
 * workers with --jobs 2, one after the other on one thread) and merged: the timeline must be the one a
 * single pass gives, byte for byte, and the merge must really happen (not a silent read-again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTimeline, planSplit, readFile, readSplit, SPLIT_MIN_BYTES, worthSplitting } from '../../src/timeline/build.js';
import { openBundle } from '../../src/bundle/bundle.js';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import { fixture } from '../helpers.js';
import { StraceFastReader } from '../../src/parsers/strace/fast.js';
import { LineSplitter } from '../../src/bundle/lines.js';

const MIB = 1024 * 1024;

function bundleWithTrace(bytes: number, seed: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-split-'));
  generateStraceTrace(join(dir, 'strace-f-tt-T-y.txt'), { bytes, seed });
  return dir;
}

test('a strace file split in two gives the one-pass timeline, merged, on one thread and on two workers', async () => {
  const dir = bundleWithTrace(6 * MIB, 11);
  // A second file, so that the bundle is not only the trace.
  copyFileSync(fixture('strace', 'c.txt'), join(dir, 'summary.txt'));
  try {
    // Both readers, split or not: the fast reader (parsers/strace/fast.ts) takes this trace.
    const onePass = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: Infinity, noFastStrace: true }));
    const oneThread = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: MIB, noFastStrace: true }));
    const twoWorkers = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: MIB, jobs: 2, noFastStrace: true }));
    const fastReader = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: MIB, jobs: 2 }));
    const fastOneThread = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: MIB, jobs: 1 }));
    const fastOnePass = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: Infinity, jobs: 2 }));
    assert.equal(oneThread, onePass);
    assert.equal(twoWorkers, onePass);
    assert.equal(fastReader, onePass);
    assert.equal(fastOneThread, onePass);
    assert.equal(fastOnePass, onePass);

    // The split merged (the equality above would also hold if the head had read the tail's lines again).
    const bundle = await openBundle(dir);
    let outcome: Awaited<ReturnType<typeof readFile>> | undefined;
    let fastOutcome: Awaited<ReturnType<typeof readFile>> | undefined;
    await bundle.forEach(async (entry, stream, ranges) => {
      if (!entry.path.startsWith('strace')) return;
      const file = { summarize: true, forced: undefined, manifestTool: undefined, manifestCommand: undefined, noFastStrace: true };
      const plan = await planSplit(entry, ranges!, file, { bytes: entry.size ?? 0, minBytes: MIB });
      assert.ok(plan, 'a plan for the trace');
      assert.equal(plan.fast, false, 'the string reader, as asked');
      const fastPlan = await planSplit(entry, ranges!, { ...file, noFastStrace: false }, { bytes: entry.size ?? 0, minBytes: MIB });
      assert.deepEqual(fastPlan, { ...plan, fast: true }, 'the same cut, read by the fast reader');
      fastOutcome = await readSplit(entry, ranges!, fastPlan!, { summarize: true });
      assert.ok(plan.cut > 2.9 * MIB && plan.cut < 3.1 * MIB, `cut at ${plan.cut}`);
      assert.ok(plan.warmStart < plan.cut && plan.cut - plan.warmStart <= 2 * MIB);
      const progress: number[] = [];
      outcome = await readSplit(entry, ranges!, plan, { summarize: true, noFastStrace: true, onBytes: (b) => progress.push(b) });
      // Progress covers the tail, then the head on top of it, never going back, ending at the size.
      assert.ok(progress.every((b, k) => k === 0 || b >= progress[k - 1]!));
      assert.equal(progress.at(-1), entry.size);
      assert.ok(progress.some((b) => b === (entry.size ?? 0) - plan.cut), 'the tail reported alone first');
      stream.destroy();
    });
    assert.equal(outcome?.split, 'merged');
    assert.equal(fastOutcome?.split, 'merged');
    assert.equal(fastOutcome?.bytes, outcome?.bytes);
    assert.equal(fastOutcome?.lines, outcome?.lines);
    assert.equal(outcome?.bytes, statSync(join(dir, 'strace-f-tt-T-y.txt')).size);
    assert.equal(outcome?.coverage?.unparsed, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only a strace file from the split size on, two thirds of its bundle, in analysis, is split', async () => {
  const dir = bundleWithTrace(512 * 1024, 3);
  copyFileSync(fixture('iostat', 'handmade-iostat-old-h-x.txt'), join(dir, 'iostat.txt'));
  try {
    const bundle = await openBundle(dir);
    const plans: Array<string | undefined> = [];
    await bundle.forEach(async (entry, stream, ranges) => {
      const file = { summarize: true, forced: undefined, manifestTool: undefined, manifestCommand: undefined, noFastStrace: true };
      const plan = await planSplit(entry, ranges!, file, { bytes: entry.size ?? 0, minBytes: 1024 });
      plans.push(plan ? entry.path : undefined);
      // Under the size: not split.
      assert.equal(await planSplit(entry, ranges!, file, { bytes: entry.size ?? 0, minBytes: (entry.size ?? 0) + 1 }), undefined);
      // Under two thirds of its bundle: not split.
      assert.equal(await planSplit(entry, ranges!, file, { bytes: 2 * (entry.size ?? 0), minBytes: 1024 }), undefined);
      // Not in analysis: never split.
      assert.equal(await planSplit(entry, ranges!, { summarize: false, forced: undefined, manifestTool: undefined, manifestCommand: undefined }, { bytes: entry.size ?? 0, minBytes: 1024 }), undefined);
      stream.destroy();
    });
    // iostat is over 1 KiB too, but not strace.
    assert.deepEqual(plans, [undefined, 'strace-f-tt-T-y.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file is worth splitting from SPLIT_MIN_BYTES on, when it holds two thirds of the bundle', () => {
  assert.equal(worthSplitting(64 * MIB, 64 * MIB, SPLIT_MIN_BYTES), true);
  assert.equal(worthSplitting(SPLIT_MIN_BYTES - 1, SPLIT_MIN_BYTES - 1, SPLIT_MIN_BYTES), false);
  // The bench's 1 GiB bundle: its trace is half the bytes, the samplers keep the second core busy.
  assert.equal(worthSplitting(538 * MIB, 1074 * MIB, SPLIT_MIN_BYTES), false);
  assert.equal(worthSplitting(700 * MIB, 1050 * MIB, SPLIT_MIN_BYTES), true);
  assert.equal(worthSplitting(undefined, 0, SPLIT_MIN_BYTES), false);
});

test('UTF-16 text is read as its UTF-8 original, with a note; a UTF-16 strace file is never split (a tail would start without the BOM)', async () => {
  const dir = bundleWithTrace(3 * MIB, 12);
  const utf16Dir = mkdtempSync(join(tmpdir(), 'perftriage-utf16-'));
  try {
    const trace = readFileSync(join(dir, 'strace-f-tt-T-y.txt'), 'utf8');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(trace, 'utf16le')]);
    writeFileSync(join(utf16Dir, 'strace-f-tt-T-y.txt'), bytes);
    // Named strace (as a manifest or --tool would), so that only the encoding keeps it from being split.
    const bundle = await openBundle(utf16Dir);
    await bundle.forEach(async (entry, _stream, ranges) => {
      const file = { summarize: true, forced: 'strace', manifestTool: undefined, manifestCommand: undefined };
      assert.equal(await planSplit(entry, ranges!, file, { bytes: entry.size ?? 0, minBytes: MIB }), undefined);
    });
    const utf8 = await buildTimeline(dir, { summarize: true, splitMinBytes: Infinity });
    const utf16 = await buildTimeline(utf16Dir, { summarize: true, splitMinBytes: MIB, jobs: 2, toolOverrides: new Map([['*', 'strace']]) });
    assert.equal(JSON.stringify(utf16.records), JSON.stringify(utf8.records), 'the same records as the UTF-8 trace');
    assert.deepEqual([utf16.files[0]!.bytes, utf16.files[0]!.coverage], [bytes.length, utf8.files[0]!.coverage], 'bytes as read; the same lines');
    const notes = utf16.diagnostics.filter((d) => d.code === 'text-encoding');
    assert.deepEqual(notes.map((d) => [d.severity, d.file, d.line, d.message.slice(0, 13)]), [['info', 'strace-f-tt-T-y.txt', 1, 'UTF-16LE text']]);
    assert.equal(utf8.diagnostics.filter((d) => d.code === 'text-encoding').length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(utf16Dir, { recursive: true, force: true });
  }
});

/**
 * A split trace the fast reader takes by its first 256 KiB, with a line it gives up on past them: in the
 * head (the head gives the file up, and the string reader reads it whole, in one pass) or in the tail (the
 * tail's output is unmergeable, the head reads the tail's lines and gives the file up there). Either way
 * the timeline is the string reader's one-pass one, on one thread and on two workers.
 */
test('a split trace the fast reader gives up in its head or in its tail ends as the string reader reads it', async () => {
  const dir = bundleWithTrace(6 * MIB, 21);
  const path = join(dir, 'strace-f-tt-T-y.txt');
  const lines = readFileSync(path, 'latin1').split('\n');
  // A -ttt timestamp among -tt ones: the fast reader leaves a file mixing two forms to the string reader.
  const odd = (k: number): string => lines[k]!.replace(/\d\d:\d\d:\d\d\.(\d{6})/, '1795714525.$1');
  try {
    for (const [where, at] of [
      ['head', Math.floor(lines.length * 0.3)],
      ['tail', Math.floor(lines.length * 0.8)],
    ] as const) {
      writeFileSync(path, lines.map((l, k) => (k === at ? odd(k) : l)).join('\n'), 'latin1');
      const onePass = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: Infinity, noFastStrace: true }));
      for (const jobs of [1, 2]) {
        const split = JSON.stringify(await buildTimeline(dir, { summarize: true, splitMinBytes: MIB, jobs }));
        assert.equal(split, onePass, `the odd line in the ${where}, ${jobs} job(s)`);
      }
      // The fast reader does give the file up there (else this would test nothing).
      const reader = new StraceFastReader('strace-f-tt-T-y.txt', () => {}, () => {});
      const splitter = new LineSplitter((_text, lineNo) => reader.giveUp('not plain ASCII', lineNo));
      splitter.bytesSink = (buf, start, end, lineNo) => reader.line(buf, start, end, lineNo);
      splitter.push(readFileSync(path));
      splitter.end();
      assert.match(reader.bailed ?? '', new RegExp(`^line ${at + 1}: `), where);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
