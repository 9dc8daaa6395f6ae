/**
 * Over its budget a sampled file's samples are merged into buckets (src/timeline/downsample.ts), so that
 * a day of `top -b -d 1` is analysed in bounded memory. On the real captures, forced to merge with a tiny
 * budget, the analysis must not change its conclusions: the same findings on the same entities, the same
 * bytes per process, the same processes and D-state counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildTimeline, type Timeline, type TimelineOptions } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { annotateRecords } from '../../src/model/annotate.js';
import { allRules, analyze, resolveConfig } from '../../src/rules/index.js';
import { buildCharts } from '../../src/report/chart-data.js';
import { repoRoot, sharedDir } from '../helpers.js';

interface Case {
  name: string;
  path: string;
  /** Rows per sampled file, per tool: small enough to merge, big enough for one sample (or every distinct open). */
  rows: Record<string, number>;
  /** Files that must have been merged. */
  merged: string[];
}

const popularity = join(sharedDir, 'captures', 'popularity');
const cases: Case[] = [
  { name: 'tempfile-churn', path: join(repoRoot, 'samples', 'tempfile-churn.tar.gz'), rows: { top: 400, opensnoop: 9000 }, merged: ['top.txt', 'opensnoop.txt'] },
  { name: 'logging-storm', path: join(repoRoot, 'samples', 'logging-storm.tar.gz'), rows: { top: 300 }, merged: ['top.txt'] },
  { name: 'quiet-baseline', path: join(repoRoot, 'samples', 'quiet-baseline.tar.gz'), rows: { top: 300, opensnoop: 15000 }, merged: ['top.txt', 'opensnoop.txt'] },
  { name: 'popularity (../shared)', path: popularity, rows: { top: 300, opensnoop: 8000 }, merged: ['top.txt', 'opensnoop.txt', 'opensnoop-bt.txt'] },
  // pidstat -d alone: merged down to buckets of several reports, its byte totals must stay exact.
  { name: 'popularity pidstat-d.txt (../shared)', path: join(popularity, 'pidstat-d.txt'), rows: { pidstat: 30 }, merged: ['pidstat-d.txt'] },
];

async function analyse(path: string, options: TimelineOptions): Promise<{ timeline: Timeline; model: ReturnType<typeof buildModel>; findings: ReturnType<typeof analyze>['findings'] }> {
  const timeline = await buildTimeline(path, { summarize: true, ...options });
  const model = buildModel(timeline);
  annotateRecords(timeline.records, model);
  const findings = analyze(timeline, model, resolveConfig(undefined, allRules), allRules).findings;
  return { timeline, model, findings };
}

for (const c of cases) {
  test(`downsampled samples give the same conclusions: ${c.name}`, { skip: existsSync(c.path) ? false : `${c.path} is absent` }, async () => {
    const full = await analyse(c.path, {});
    const merged = await analyse(c.path, { seriesMaxRows: c.rows });
    const codes = (t: Timeline, code: string): string[] => t.diagnostics.filter((d) => d.code === code).map((d) => d.file!);
    assert.deepEqual(codes(full.timeline, 'analysis-downsampled'), [], 'the default budget merges nothing here');
    for (const file of c.merged) assert.ok(codes(merged.timeline, 'analysis-downsampled').some((f) => f.endsWith(file)), `${file} was merged`);
    assert.deepEqual(codes(merged.timeline, 'analysis-truncated'), []);
    assert.ok(merged.timeline.records.length < full.timeline.records.length, 'fewer records are kept');
    assert.ok(merged.timeline.records.some((r) => r.downsampled !== undefined));

    // The same findings, on the same entities (their wording may name a bucket's window instead of a second).
    const shape = (f: (typeof full.findings)[number]): unknown => ({ rule: f.rule, severity: f.severity, title: f.title, entities: f.entities });
    assert.deepEqual(merged.findings.map(shape), full.findings.map(shape));
    // The bytes each process wrote (Σ rate × interval) survive the merge exactly.
    assert.deepEqual(merged.model.io_balance, full.model.io_balance);
    // The same processes and threads, and the same D-state counts over the same number of snapshots.
    const tasks = (m: typeof full.model): unknown => [
      m.processes.map((p) => ({ pid: p.pid, tids: p.tids, d: p.d_state, samples: p.cpu_pct?.samples })),
      m.threads.map((t) => ({ tid: t.tid, pid: t.pid, d: t.d_state })),
    ];
    assert.deepEqual(tasks(merged.model), tasks(full.model));
    // The same path patterns, with the same files, directories and operation counts (merged opens count for all they stand for).
    const patterns = (m: typeof full.model): unknown => m.patterns.map((p) => ({ ...p, evidence: undefined }));
    assert.deepEqual(patterns(merged.model), patterns(full.model));
  });
}

test('a merged pidstat file keeps its writer, its total and its peak', { skip: existsSync(join(sharedDir, 'captures', 'popularity')) ? false : '../shared is absent' }, async () => {
  const path = join(sharedDir, 'captures', 'popularity', 'pidstat-d.txt');
  const full = await analyse(path, {});
  const merged = await analyse(path, { seriesMaxRows: { pidstat: 30 } });
  const app = (m: typeof full.model): { mean?: number; max?: number; total?: number } | undefined => {
    const s = m.processes.find((p) => p.pid === 26246)?.write_bytes_per_s;
    return s ? { mean: s.mean, max: s.max, total: s.total } : undefined;
  };
  const a = app(full.model)!;
  const b = app(merged.model)!;
  // popularity_app.py: 1.2 GiB in pidstat -d's 20 one-second reports.
  assert.ok(a.total! > 1e9, `${a.total}`);
  assert.ok(Math.abs(b.total! - a.total!) < 1, `${b.total} vs ${a.total}`);
  assert.ok(Math.abs(b.mean! - a.mean!) < 1, `${b.mean} vs ${a.mean}`);
  assert.equal(b.max, a.max);
});

test('pidstat without -h prints a task once per report section: each section merges with its own', async () => {
  // Our recording of `pidstat -U -t -d -R -r -s -u -v -w 1 2`: five sections per report, two reports.
  const path = join(repoRoot, 'test', 'fixtures', 'pidstat', 'perftriage-debian12-pidstat-Ut-dRrsuvw-1-2.txt');
  const totals = (t: Timeline): Map<string, number> => {
    const out = new Map<string, number>();
    for (const r of t.records) {
      if (r.kind !== 'pidstat.task' || r.average === true || !r.time?.interval_s) continue;
      for (const field of ['write_bytes_per_s', 'cpu_pct', 'usr_pct', 'cswch_per_s', 'nvcswch_per_s']) {
        const v = r[field];
        if (typeof v !== 'number') continue;
        const key = `${field} ${String(r.pid)}/${String(r.tid ?? '-')}`;
        out.set(key, (out.get(key) ?? 0) + v * r.time.interval_s);
      }
    }
    return out;
  };
  const full = await buildTimeline(path, { summarize: true });
  const merged = await buildTimeline(path, { summarize: true, seriesMaxRows: { pidstat: 60 } });
  assert.ok(merged.diagnostics.some((d) => d.code === 'analysis-downsampled'));
  assert.ok(!merged.diagnostics.some((d) => d.code === 'analysis-truncated'));
  const a = totals(full);
  const b = totals(merged);
  // python3 (8652): 2 × 2,496 kB/s written by thread 8705, about 200 % CPU over the two seconds.
  assert.equal(a.get('write_bytes_per_s 8652/8705'), 5_111_808);
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [key, v] of a) assert.ok(Math.abs(b.get(key)! - v) < 1e-6 * Math.max(1, v), `${key}: ${b.get(key)} vs ${v}`);
});

test('a chart drawn from merged samples says each point is a mean of several', async () => {
  const path = join(repoRoot, 'samples', 'tempfile-churn.tar.gz');
  const full = await analyse(path, {});
  const merged = await analyse(path, { seriesMaxRows: { pidstat: 30 } });
  const note = (a: typeof full): string | undefined => buildCharts(a.timeline, a.model).charts.find((c) => c.title.startsWith('Write rate per process'))?.note;
  assert.doesNotMatch(note(full)!, /each the mean/);
  assert.match(note(merged)!, /points, each the mean of up to \d+ consecutive samples/);
});
