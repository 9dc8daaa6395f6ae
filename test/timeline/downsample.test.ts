/**
 * The downsampler (src/timeline/downsample.ts) merges consecutive samples of a sampled file into buckets
 * once the file's rows pass their budget. These tests pin its arithmetic on hand-made rows: totals of
 * rates survive, gauges average over the samples a row was in, peaks and states are kept, and a file
 * under its budget comes out untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimelineRecord } from '../../src/common/types.js';
import { Downsampler } from '../../src/timeline/downsample.js';
import type { RowShape, SeriesSpec } from '../../src/parsers/types.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateBundle } from '../../bench/gen-bundle.js';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildTimeline, readFile, SERIES_MAX_ROWS } from '../../src/timeline/build.js';
import { parser as iostat } from '../../src/parsers/iostat.js';
import { repoRoot } from '../helpers.js';

const specs: Record<string, SeriesSpec> = {
  'x.task': { key: ['pid'], rateSuffixes: ['_per_s'], sums: ['ticks'], last: ['cpu_time_s'], states: ['state'], stateOrder: ['D', 'R', 'S'], lows: ['res_bytes'] },
};

/** One row of task `pid` in sample `sample` (one second apart, one-second intervals). */
function row(pid: number, sample: number, fields: Record<string, unknown>): TimelineRecord {
  const s = String(sample % 60).padStart(2, '0');
  return { kind: 'x.task', source: { file: 'x.txt', line: 1 + sample * 10 + pid }, time: { clock: 'time-of-day', iso: `10:00:${s}`, sample, interval_s: 1 }, pid, ...fields };
}

function run(records: readonly TimelineRecord[], budget: number): ReturnType<Downsampler['finish']> {
  const d = new Downsampler(specs, budget);
  for (const r of records) d.add(r, r.source.line);
  return d.finish();
}

test('a file under its budget comes out exactly as parsed, in order', () => {
  const banner: TimelineRecord = { kind: 'x.banner', source: { file: 'x.txt', line: 1 } };
  const records = [banner, row(1, 0, { w_per_s: 5 }), row(2, 0, { w_per_s: 7 }), row(1, 1, { w_per_s: 9 })];
  const out = run(records, 100);
  assert.equal(out.width, 1);
  assert.equal(out.samples, 2);
  assert.deepEqual(out.records, records);
  assert.ok(out.records.every((r, i) => r === records[i]), 'the same objects, not copies');
});

test('over budget: rates keep their totals, gauges average where present, sums add, last stays last', () => {
  // Task 1 in every sample; task 2 (pidstat-like: printed only when active) in samples 0 and 3.
  const records: TimelineRecord[] = [];
  for (let s = 0; s < 8; s++) {
    records.push(row(1, s, { w_per_s: 10 * (s + 1), res_bytes: 1000 + s, ticks: 2, cpu_time_s: 100 + s, state: s === 2 || s === 3 ? 'D' : 'S' }));
    if (s === 0 || s === 3) records.push(row(2, s, { w_per_s: 40, res_bytes: 500, ticks: 1, cpu_time_s: 7, state: 'R' }));
  }
  const out = run(records, 4);
  assert.ok(out.width >= 2, `width ${out.width}`);
  const total = (rs: readonly TimelineRecord[], pid: number): number => rs.filter((r) => r.pid === pid).reduce((n, r) => n + (r.w_per_s as number) * r.time!.interval_s!, 0);
  assert.equal(total(out.records, 1), total(records, 1));
  assert.equal(total(out.records, 2), total(records, 2));
  const ticks = (rs: readonly TimelineRecord[]): number => rs.reduce((n, r) => n + (r.ticks as number), 0);
  assert.equal(ticks(out.records), ticks(records));
  const first = out.records.find((r) => r.pid === 1)!;
  const info = first.downsampled as { samples: number; present: number; peak: Record<string, number>; states: Record<string, Record<string, number>>; rates: string[] };
  assert.equal(info.samples, out.width);
  assert.equal(info.present, out.width);
  assert.deepEqual(info.rates, ['w_per_s']);
  // Gauge: the mean of the samples merged; peak: their highest value; last: the last sample's value.
  const merged = records.filter((r) => r.pid === 1).slice(0, out.width);
  assert.equal(first.res_bytes, merged.reduce((n, r) => n + (r.res_bytes as number), 0) / out.width);
  assert.equal(info.peak.res_bytes, merged[merged.length - 1]!.res_bytes);
  // …and its lowest, as SeriesSpec.lows asks (available memory "at least" must not be a mean); a rate
  // not listed there keeps its peak only.
  const low = (first.downsampled as { low: Record<string, number> }).low;
  assert.deepEqual(Object.keys(low), ['res_bytes']);
  assert.equal(low.res_bytes, merged[0]!.res_bytes);
  assert.equal(first.cpu_time_s, merged[merged.length - 1]!.cpu_time_s);
  assert.equal(first.time!.interval_s, out.width);
  assert.equal(first.time!.iso, '10:00:00');
  assert.equal((first.last_time as { iso: string }).iso, merged[merged.length - 1]!.time!.iso);
  // States are counted over every bucket: D twice, S the rest.
  const states = out.records.filter((r) => r.pid === 1).map((r) => (r.downsampled as typeof info).states.state);
  assert.equal(states.reduce((n, s) => n + (s?.D ?? 0), 0), 2);
  assert.equal(states.reduce((n, s) => n + (s?.S ?? 0), 0), 6);
  // Task 2: its rate is averaged over the whole bucket (absent = 0), its gauge over the samples it was in.
  const task2 = out.records.filter((r) => r.pid === 2);
  for (const r of task2) assert.equal(r.res_bytes, 500);
  assert.ok(task2.some((r) => (r.w_per_s as number) < 40), 'a bucket where task 2 was absent part of the time');
});

test('a state seen in half the samples of a bucket wins ties by importance (D before S)', () => {
  const records = [row(1, 0, { state: 'S' }), row(1, 1, { state: 'D' }), row(1, 2, { state: 'S' }), row(1, 3, { state: 'D' }), row(1, 4, { state: 'S' })];
  const out = run(records, 3);
  assert.equal(out.width, 2);
  const buckets = out.records.filter((r) => r.kind === 'x.task');
  assert.equal(buckets[0]!.state, 'D');
  assert.deepEqual((buckets[0]!.downsampled as { states: unknown }).states, { state: { D: 1, S: 1 } });
});

test('a key printed twice in one sample is two rows, not one merged twice', () => {
  const records = [row(1, 0, { w_per_s: 1 }), row(1, 0, { w_per_s: 2 }), row(1, 1, { w_per_s: 4 }), row(1, 2, { w_per_s: 8 }), row(1, 3, { w_per_s: 16 })];
  const out = run(records, 3);
  const present = out.records.reduce((n, r) => n + ((r.downsampled as { present?: number } | undefined)?.present ?? 1), 0);
  assert.equal(present, records.length);
});

test('rows that never repeat cannot be merged: the rest is counted from the line where the budget ran out', () => {
  const records = Array.from({ length: 20 }, (_, i) => row(100 + i, i, { w_per_s: 1 }));
  const out = run(records, 8);
  assert.ok(out.records.length <= 8, `${out.records.length} kept`);
  assert.ok(out.overBudget);
  assert.equal(out.records.length + out.overBudget.count, records.length);
  const firstDropped = records[out.records.length]!;
  assert.equal(out.overBudget.line, firstDropped.source.line);
});

test('since-boot and average rows are never merged and keep their place', () => {
  const boot = row(1, 0, { w_per_s: 99 });
  boot.time!.since_boot = true;
  const avg: TimelineRecord = { kind: 'x.task', source: { file: 'x.txt', line: 999 }, pid: 1, average: true, w_per_s: 3 };
  const records = [boot, ...Array.from({ length: 8 }, (_, i) => row(1, i + 1, { w_per_s: i })), avg];
  const out = run(records, 4);
  assert.equal(out.records[0], boot);
  assert.equal(out.records[out.records.length - 1], avg);
});

test('the same rows give the same buckets (deterministic)', () => {
  const records = Array.from({ length: 200 }, (_, i) => row(i % 7, Math.floor(i / 7), { w_per_s: (i * 37) % 11, state: i % 3 ? 'S' : 'D' }));
  assert.deepEqual(run(records, 30), run(records, 30));
});

const eventSpecs: Record<string, SeriesSpec> = { 'x.open': { events: true, key: ['pid', 'path', 'err'], last: ['fd'] } };

function open(pid: number, path: string, second: number, line: number): TimelineRecord {
  return { kind: 'x.open', source: { file: 'o.txt', line }, time: { clock: 'relative', rel: second + 0.25 }, pid, fd: 3 + (line % 5), err: 0, path };
}

test('events: under budget untouched; over it, identical opens become one record that counts them', () => {
  const records: TimelineRecord[] = [];
  let line = 1;
  for (let s = 0; s < 10; s++) for (let k = 0; k < 30; k++) records.push(open(100 + (k % 3), `/etc/file${k % 5}`, s, line++));
  const under = new Downsampler(eventSpecs, 1000);
  for (const r of records) under.add(r, r.source.line);
  assert.deepEqual(under.finish().records, records);

  const d = new Downsampler(eventSpecs, 40);
  for (const r of records) d.add(r, r.source.line);
  const out = d.finish();
  assert.equal(out.merged, true);
  assert.equal(out.overBudget, undefined);
  assert.ok(out.records.length <= 40, `${out.records.length} records`);
  const count = (rs: readonly TimelineRecord[], pid: number, path: string): number =>
    rs.filter((r) => r.pid === pid && r.path === path).reduce((n, r) => n + ((r.downsampled as { present?: number } | undefined)?.present ?? 1), 0);
  for (const pid of [100, 101, 102]) for (let f = 0; f < 5; f++) assert.equal(count(out.records, pid, `/etc/file${f}`), count(records, pid, `/etc/file${f}`));
  // A merged record runs from its first open to its last, and keeps the last fd.
  const merged = out.records.find((r) => ((r.downsampled as { present?: number } | undefined)?.present ?? 1) > 1)!;
  const mine = records.filter((r) => r.pid === merged.pid && r.path === merged.path);
  assert.equal(merged.time!.rel, mine[0]!.time!.rel);
  assert.ok((merged.last_time as { rel: number }).rel > merged.time!.rel!);
});

test('events that never repeat cannot merge: the rest is counted, from its line', () => {
  const records = Array.from({ length: 50 }, (_, i) => open(1000 + i, `/tmp/x${i}`, Math.floor(i / 10), i + 1));
  const d = new Downsampler(eventSpecs, 20);
  for (const r of records) d.add(r, r.source.line);
  const out = d.finish();
  assert.equal(out.records.length, 20);
  assert.deepEqual(out.overBudget, { line: 21, count: 30 });
});

test('a parser sets its own row budget (iostat -x: 16,000); an explicit budget overrides it', async () => {
  // The seed case's iostat -x, its second report repeated: 10,000 reports of 2 devices, 20,000 rows.
  const text = readFileSync(join(repoRoot, 'samples', 'seed-case', 'iostat-dx.txt'), 'utf8');
  const head = text.slice(0, text.indexOf('\n\n') + 2);
  const report = `${text.slice(head.length).split('\n\n')[0]}\n\n`;
  const big = Buffer.from(head + report.repeat(10_000));
  const devices = async (seriesBudget?: number): Promise<number> => {
    const o = await readFile({ path: 'iostat.txt', size: big.length }, Readable.from([big]), { summarize: true, ...(seriesBudget ? { seriesBudget } : {}) });
    return o.records.filter((r) => r.kind === 'iostat.device').length;
  };
  assert.equal(iostat.meta.seriesMaxRows, 16_000);
  assert.ok(SERIES_MAX_ROWS > 20_000);
  const own = await devices();
  assert.ok(own <= 16_000 && own > 8_000, String(own));
  assert.equal(await devices(SERIES_MAX_ROWS), 20_000);
});

test("a bundle's series rows are shared by its big files, within [SERIES_MIN_ROWS, SERIES_MAX_ROWS]", async () => {
  const { seriesShare, SERIES_BUNDLE_ROWS, SERIES_MIN_ROWS, SERIES_SHARE_MIN_BYTES } = await import('../../src/timeline/build.js');
  const MiB = 1024 * 1024;
  // One long top file keeps the whole per-file budget; small files (ps, df, lsof) take no share.
  assert.equal(seriesShare([300 * MiB, 4000, 12000, 900]), SERIES_MAX_ROWS);
  // The bench's bundle: six files of 75–540 MB.
  assert.equal(seriesShare([538, 161, 107, 107, 86, 75].map((mb) => mb * 1e6)), SERIES_BUNDLE_ROWS / 6);
  // A size the bundle cannot tell (stdin) counts as big; twenty big files stop at the floor.
  assert.equal(seriesShare([undefined, undefined, undefined, undefined]), Math.floor(SERIES_BUNDLE_ROWS / 4));
  assert.equal(seriesShare(new Array(20).fill(SERIES_SHARE_MIN_BYTES)), SERIES_MIN_ROWS);
  assert.equal(seriesShare(new Array(20).fill(SERIES_SHARE_MIN_BYTES - 1)), SERIES_MAX_ROWS);
  assert.equal(seriesShare([]), SERIES_MAX_ROWS);
});

test('knowing the file size, the width is chosen early: the same buckets from fewer rows made', async () => {
  const { startParse } = await import('../../src/parsers/run.js');
  // The seed case's iostat -x: its second report 3,000 times, each with other %util and await values.
  const text = readFileSync(join(repoRoot, 'samples', 'seed-case', 'iostat-dx.txt'), 'utf8');
  const head = text.slice(0, text.indexOf('\n\n') + 2);
  const report = `${text.slice(head.length).split('\n\n')[0]}\n\n`;
  let body = '';
  for (let k = 0; k < 3000; k++) body += report.replace(/(\d+\.\d\d)(\s*)$/gm, (_m, v: string, sp: string) => `${((Number(v) * (k % 7)) / 3 + k / 10).toFixed(2)}${sp}`);
  const lines = (head + body).split('\n');
  const chars = lines.reduce((n, l) => n + l.length + 1, 0);
  const run = (expectedChars: number | undefined): ReturnType<Downsampler['finish']> => {
    const d = new Downsampler(iostat.meta.series!, 500, { expectedChars });
    const session = startParse(iostat, 'iostat.txt', '', (r) => d.add(r, r.source.line));
    lines.forEach((line, i) => {
      d.noteLine(line.length + 1);
      session.line(line, i + 1);
    });
    session.end();
    return d.finish();
  };
  const asParsed = run(undefined);
  const planned = run(chars);
  assert.ok(asParsed.width >= 16, `width ${asParsed.width}`);
  assert.equal(planned.width, asParsed.width);
  assert.ok(planned.rowsMade < asParsed.rowsMade * 0.8, `${planned.rowsMade} rows made, ${asParsed.rowsMade} without the size`);
  // Same buckets: same rows, times, sample counts; values equal but for the order of the additions.
  assert.equal(planned.records.length, asParsed.records.length);
  planned.records.forEach((r, i) => {
    const a = asParsed.records[i]!;
    assert.deepEqual([r.kind, r.device, r.time, r.last_time, (r.downsampled as { samples: number } | undefined)?.samples], [a.kind, a.device, a.time, a.last_time, (a.downsampled as { samples: number } | undefined)?.samples]);
    for (const [field, v] of Object.entries(a)) {
      if (typeof v === 'number') assert.ok(Math.abs((r[field] as number) - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${field}: ${String(r[field])} vs ${v}`);
    }
  });
  // A size that lies (a tar header) only changes how early the width is chosen, never past the data.
  assert.ok(run(chars * 1000).records.length > 0);
});

test("a bundle of ten long top files: each keeps its share of the series rows, also when parsed in workers", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { buildTimeline, SERIES_MIN_ROWS } = await import('../../src/timeline/build.js');
  // jc's `top -b -n 3` fixture (CentOS 7.7, ~113 tasks a snapshot), its snapshots repeated to ~1.4 MB:
  // ~19,000 task rows per file, under the 50,000 a lone file keeps and over the 16,000 of ten files' share.
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'top', 'jc-centos-7.7-top-b-n3.out'), 'utf8');
  const body = text.repeat(Math.ceil(1.4e6 / text.length));
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-share-'));
  try {
    for (let k = 0; k < 10; k++) writeFileSync(join(dir, `top-${k}.txt`), body);
    const timeline = await buildTimeline(dir, { summarize: true, jobs: 2, poolMinBytes: 0 });
    const notes = timeline.diagnostics.filter((d) => d.code === 'analysis-downsampled');
    assert.equal(notes.length, 10);
    for (const d of notes) assert.match(d.message, new RegExp(`the ${SERIES_MIN_ROWS.toLocaleString('en-US')} rows analysis keeps of it`));
    const rows = timeline.records.filter((r) => r.kind === 'top.task' && r.source.file === 'top-0.txt').length;
    assert.ok(rows <= SERIES_MIN_ROWS && rows > SERIES_MIN_ROWS / 2, String(rows));
    // The same file alone keeps every row.
    rmSync(join(dir, 'top-1.txt'));
    for (let k = 2; k < 10; k++) rmSync(join(dir, `top-${k}.txt`));
    const alone = await buildTimeline(dir, { summarize: true });
    assert.deepEqual(alone.diagnostics.filter((d) => d.code === 'analysis-downsampled'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sampled file in UTF-16 gives the UTF-8 file\'s merged records (the downsampler reads the decoded lines)', async () => {
  const gen = mkdtempSync(join(tmpdir(), 'perftriage-gen-'));
  const a = mkdtempSync(join(tmpdir(), 'perftriage-utf8-'));
  const b = mkdtempSync(join(tmpdir(), 'perftriage-utf16-'));
  try {
    generateBundle(gen, { bytes: 4 * 1024 * 1024, seed: 5 });
    const top = readFileSync(join(gen, 'top-b-d1.txt'), 'utf8');
    writeFileSync(join(a, 'top.txt'), top);
    writeFileSync(join(b, 'top.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(top, 'utf16le')]));
    // A small series budget, so that the file's samples are merged into buckets.
    const options = { summarize: true, seriesMaxRows: 2000 };
    const utf8 = await buildTimeline(a, options);
    const utf16 = await buildTimeline(b, options);
    assert.ok(utf8.records.some((r) => r.downsampled !== undefined), 'the UTF-8 file was merged');
    assert.equal(JSON.stringify(utf16.records), JSON.stringify(utf8.records));
  } finally {
    for (const dir of [gen, a, b]) rmSync(dir, { recursive: true, force: true });
  }
});

const BUDGETS: Record<string, number> = { top: 2000, pidstat: 1000, filetop: 1000, opensnoop: 300, iostat: 100 };

test('record shapes (ParseContext.emit): merging trusts a shape once one of its records passed the key count, and gives what counting every record gives, for every sampled parser', async () => {
  const { startParse } = await import('../../src/parsers/run.js');
  const { parserFor } = await import('../../src/parsers/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-shapes-'));
  try {
    const bundle = generateBundle(dir, { bytes: 3 * 1024 * 1024, seed: 11 });
    const inputs: Array<[string, string]> = bundle.files.filter((f) => f.tool !== 'strace').map((f) => [f.tool, join(dir, f.name)]);
    inputs.push(['top', join(repoRoot, 'test', 'fixtures', 'top', 'perftriage-top-b-H-o-mem-n2.txt')], ['top', join(repoRoot, 'test', 'fixtures', 'top', 'jc-centos-7.7-top-b-n1-gib-allfields-w.out')]);
    let shaped = 0;
    let asNumbers = 0;
    for (const [tool, path] of inputs) {
      const module = parserFor(tool)!;
      const lines = readFileSync(path, 'latin1').split('\n');
      const merge = (how: 'rows' | 'shapes' | 'no shapes' | 'general'): ReturnType<Downsampler['finish']> => {
        // Budgets under each file's rows, over a few samples' (top prints 200 tasks a sample).
        const d = new Downsampler(module.meta.series!, BUDGETS[tool] ?? 100, { compiled: how !== 'general' });
        // 'rows': a row given as numbers (ParseContext.emitRow) goes to the downsampler so; otherwise its record is made.
        const onRow = how === 'rows' ? (head: TimelineRecord, values: readonly number[], shape: RowShape): void => {
          asNumbers++;
          d.addRow(head, values, shape, head.source.line);
        } : undefined;
        const session = startParse(module, path, '', (r, shape) => {
          if (shape !== undefined) shaped++;
          d.add(r, r.source.line, how !== 'no shapes' ? shape : undefined);
        }, undefined, onRow);
        lines.forEach((line, i) => session.line(line, i + 1));
        session.end();
        return d.finish();
      };
      const withShapes = merge('shapes');
      if (path.startsWith(dir) && tool !== 'opensnoop') assert.ok(withShapes.merged, `${tool}: nothing merged`);
      assert.deepEqual(withShapes, merge('no shapes'), tool);
      assert.deepEqual(withShapes, merge('general'), tool);
      assert.deepEqual(withShapes, merge('rows'), tool);
    }
    assert.ok(shaped > 30_000, `records with a shape: ${shaped}`);
    assert.ok(asNumbers > 1_000, `rows given as numbers: ${asNumbers}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a shape is trusted only once a record of it merged with every key counted: its first record teaches the layout its fields', () => {
  const shape = { test: 'one literal' };
  const d = new Downsampler(specs, 4);
  const rows: TimelineRecord[] = [];
  for (let s = 0; s < 12; s++) rows.push(row(1, s, { cpu_pct: s, io_per_s: 2 * s }));
  for (const r of rows) d.add(r, r.source.line, shape);
  const merged = d.finish().records.filter((r) => r.kind === 'x.task');
  assert.ok(merged.length < rows.length, `${merged.length} rows`);
  // Trusting the shape at first sight would merge with a layout that knows no field: nothing summed.
  const expected = run(rows, 4).records.filter((r) => r.kind === 'x.task');
  assert.deepEqual(merged, expected);
  assert.ok(merged.every((r) => typeof r.cpu_pct === 'number' && typeof r.io_per_s === 'number'));
});
