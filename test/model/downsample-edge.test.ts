/**
 * Edge cases of analysis downsampling found by review (test/fixtures/downsample/PROVENANCE.md): small
 * hand-made bundles in the real tools' formats, each analysed whole and forced to merge. What a support
 * engineer reads must not change: bytes per process, the findings, their sample counts and time windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildTimeline, type TimelineOptions } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { annotateRecords } from '../../src/model/annotate.js';
import { allRules, analyze, resolveConfig } from '../../src/rules/index.js';
import { fixturesDir } from '../helpers.js';

const dir = (name: string): string => join(fixturesDir, 'downsample', name);

async function analyse(path: string, options: TimelineOptions = {}) {
  const timeline = await buildTimeline(path, { summarize: true, ...options });
  const model = buildModel(timeline);
  annotateRecords(timeline.records, model);
  const findings = analyze(timeline, model, resolveConfig(undefined, allRules), allRules).findings;
  return { timeline, model, findings };
}

const merged = (t: Awaited<ReturnType<typeof analyse>>['timeline']): boolean => t.diagnostics.some((d) => d.code === 'analysis-downsampled');
const cut = (t: Awaited<ReturnType<typeof analyse>>['timeline']): boolean => t.diagnostics.some((d) => d.code === 'analysis-truncated');

test('pidstat without -h, a task absent from some sections: each section still merges with its own', async () => {
  const full = await analyse(dir('pidstat-sections'));
  for (const rows of [8, 12]) {
    const small = await analyse(dir('pidstat-sections'), { seriesMaxRows: { pidstat: rows } });
    assert.ok(merged(small.timeline) && !cut(small.timeline), `budget ${rows}`);
    const writes = (m: typeof full.model): unknown => m.processes.find((p) => p.pid === 100)?.write_bytes_per_s;
    // pid 100: 1000 kB/s in each of the 8 one-second reports.
    assert.equal((writes(full.model) as { total: number }).total, 8 * 1000 * 1024);
    assert.deepEqual(writes(small.model), writes(full.model));
  }
});

test('two overlapping pidstat files merged into buckets of different widths are counted once', async () => {
  const full = await analyse(dir('pidstat-overlap'));
  const small = await analyse(dir('pidstat-overlap'), { seriesMaxRows: { pidstat: 20 } });
  assert.ok(merged(small.timeline) && !cut(small.timeline));
  const writes = (m: typeof full.model): { total: number; samples: number } => m.processes.find((p) => p.pid === 100)!.write_bytes_per_s as { total: number; samples: number };
  assert.equal(writes(full.model).total, 16 * 1000 * 1024);
  assert.equal(writes(small.model).total, writes(full.model).total);
  assert.equal(writes(small.model).samples, writes(full.model).samples);
  assert.deepEqual(small.model.io_balance, full.model.io_balance);
});

test("vmstat's b in 5 of every 8 samples: the D-state finding survives the merge, with the same counts and window", async () => {
  const full = await analyse(dir('vmstat-blocked'));
  const small = await analyse(dir('vmstat-blocked'), { seriesMaxRows: { vmstat: 20 } });
  assert.ok(merged(small.timeline) && !cut(small.timeline));
  const dstate = (f: typeof full.findings): string | undefined => f.find((x) => x.rule === 'd-state-threads')?.message;
  assert.match(dstate(full.findings)!, /in 81 of 129 snapshots of vmstat\.txt \(samples 1–129\)/);
  assert.equal(dstate(small.findings), dstate(full.findings));
});

test('filetop: a log written in 8 of 64 intervals is not "sustained" once intervals are merged', async () => {
  const full = await analyse(dir('filetop-log'));
  const small = await analyse(dir('filetop-log'), { seriesMaxRows: { filetop: 200 } });
  assert.ok(merged(small.timeline) && !cut(small.timeline));
  const rules = (f: typeof full.findings): string[] => f.map((x) => `${x.rule}:${x.severity}`);
  assert.ok(!rules(full.findings).some((r) => r.startsWith('excessive-logging')));
  assert.deepEqual(rules(small.findings), rules(full.findings));
});
