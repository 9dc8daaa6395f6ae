import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/cpu-saturation.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';
import { iostatCpu, mpstat, top, vmstat } from './system-fixtures.js';
import { buildTimeline } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { annotateRecords } from '../../src/model/annotate.js';
import { analyze, resolveConfig } from '../../src/rules/index.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: the CPUs were idle or waiting on I/O (user+system under 6%): no finding', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
  assert.deepEqual(a.rules[0]?.without, [{ label: 'vmstat (run queue)', collect: 'vmstat -t 1 30 > vmstat.txt' }]);
});

test('popularity: one of two vCPUs busy (the app near 100% of one CPU), never saturated: no finding', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(a.findings, []);
  // What the capture does show, with the bar lowered to 50%: about half of the 2 vCPUs, taken by the app.
  const probe = await analyzeWith(popularity, [rule], { rules: { 'cpu-saturation': ['note', { busy_pct: 50, min_fraction: 0 }] } });
  const f = probe.findings[0]!;
  assert.match(f.message, /^The CPUs were at least 50% busy in 15 of 19 interval samples of top\.txt \(top, 17:35:21–17:35:39\): up to 68% busy/);
  assert.match(f.message, /the running-task count \(top\) exceeded the 2 CPUs \(sysstat banner\) in 2 of 20 snapshots of top\.txt/);
  assert.match(f.message, /the biggest CPU consumers: 26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\) at 85% of one CPU on average \(up to 101%\)/);
  assert.equal(f.entities.pids?.[0], 26246);
});

test('a quiet capture gives no finding', async () => {
  const files = {
    'vmstat.txt': vmstat([{ us: 5, sy: 2, id: 93 }, { r: 1, us: 10, sy: 3, id: 87 }, { r: 2, us: 12, sy: 4, id: 84 }]),
    'iostat.txt': iostatCpu(4, [{ user: 5, system: 2, iowait: 0, idle: 93 }, { user: 10, system: 3, iowait: 0, idle: 87 }]),
  };
  await withBundle(files, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rules[0]?.status, 'ran');
  });
});

test('sustained busy CPUs in top fire and name the top consumers with their pids and commands', async () => {
  const busy = (time: string, cpu: number) => ({
    time,
    us: 80,
    sy: 15,
    id: 5,
    tasks: [
      { id: 3001, state: 'R', cpu, command: 'java' },
      { id: 3002, state: 'R', cpu: cpu / 4, command: 'gzip' },
      { id: 1, state: 'S', cpu: 0, command: 'systemd' },
    ],
  });
  const file = top([{ time: '10:00:00', us: 1, id: 99 }, busy('10:00:01', 350), busy('10:00:02', 370), busy('10:00:03', 360)]);
  await withBundle({ 'top.txt': file }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.equal(f.title, 'CPU saturation');
    assert.match(f.message, /^The CPUs were at least 90% busy in 3 of 3 interval samples of top\.txt \(top, 10:00:01–10:00:03\): up to 95% busy, idle 5\.0% on average \(user 80%, system 15%\)/);
    assert.match(f.message, /the biggest CPU consumers: 3001 \(java\) at 360% of one CPU on average \(up to 370%\) and 3002 \(gzip\) at 90% of one CPU on average \(up to 93%\)\.$/);
    assert.deepEqual(f.entities, { pids: [3001, 3002] });
    // The busiest samples (all 95%) in file order, then each consumer's busiest row.
    assert.deepEqual(f.evidence.slice(0, 3), [
      { file: 'top.txt', line: 9 },
      { file: 'top.txt', line: 20 },
      { file: 'top.txt', line: 31 },
    ]);
    assert.ok(f.evidence.some((e) => e.line === 27), "java's 370% row (10:00:02)");
    assert.ok(f.collect?.includes('nproc > nproc.txt   (the CPU count, to judge the run queue)'));
  });
});

test('a run queue longer than the CPU count fires even below the busy bar; the load average alone never does', async () => {
  const queue = vmstat([{ r: 1 }, { r: 9, us: 60, sy: 20, id: 20 }, { r: 7, us: 60, sy: 20, id: 20 }, { r: 8, us: 60, sy: 20, id: 20 }]);
  await withBundle({ 'vmstat.txt': queue, 'iostat.txt': iostatCpu(4, [{ user: 60, system: 20, iowait: 0, idle: 20 }]) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0]!.message, /^The run queue \(vmstat r\) exceeded the 4 CPUs \(sysstat banner\) in 3 of 4 snapshots of vmstat\.txt \(samples 2–4\), up to 9 runnable: tasks waited for a CPU\.$/);
    assert.deepEqual(a.findings[0]!.evidence, [
      { file: 'vmstat.txt', line: 4 },
      { file: 'vmstat.txt', line: 6 },
    ]);
    const relaxed = await analyzeWith(dir, [rule], { rules: { 'cpu-saturation': ['warning', { runnable_per_cpu: 2.5 }] } });
    assert.deepEqual(relaxed.findings, [], 'at most 9 runnable on 4 CPUs is below 2.5 per CPU');
  });
  // Load 8 on 2 CPUs, but the CPUs are waiting on I/O: Linux counts D tasks in the load.
  const ioLoad = top([0, 1, 2, 3].map((i) => ({ time: `10:00:0${i}`, load1: 8, us: 3, sy: 2, id: 40, wa: 55 })));
  await withBundle({ 'top.txt': ioLoad, 'iostat.txt': iostatCpu(2, [{ user: 3, system: 2, iowait: 55, idle: 40 }]) }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
  });
});

test('steal is reported on its own as the hypervisor taking CPU time (mpstat all row)', async () => {
  const file = mpstat(2, [
    { usr: 40, sys: 10, steal: 25, idle: 25 },
    { usr: 40, sys: 10, steal: 30, idle: 20 },
    { usr: 45, sys: 10, steal: 20, idle: 25 },
  ]);
  await withBundle({ 'mpstat.txt': file }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.equal(f.title, 'CPU time stolen by the hypervisor');
    assert.match(f.message, /^Steal was at or above 10% in 3 of 3 interval samples of mpstat\.txt \(10:00:01–10:00:03\), up to 30%: the hypervisor gave this VM's CPU time to others/);
    assert.match(f.recommendation, /less loaded host/);
    assert.deepEqual(f.evidence[0], { file: 'mpstat.txt', line: 9 });
    const high = await analyzeWith(dir, [rule], { rules: { 'cpu-saturation': ['warning', { steal_pct: 35 }] } });
    assert.deepEqual(high.findings, []);
  });
});

test('without any CPU report the rule is skipped and says what to collect', async () => {
  await withBundle({ 'df.txt': 'Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/sda1       30309212 8713640  21578552  29% /\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'top, vmstat, mpstat or iostat -c', collect: 'vmstat -t 1 30 > vmstat.txt   (or: top -b -d 1 -n 30 > top.txt)' }]);
  });
});

test('merged samples: the consumer evidence is the bucket holding the "up to" peak, not the bucket with the highest mean', async () => {
  const busy = (time: string, cpu: number) => ({ time, us: 80, sy: 15, id: 5, tasks: [{ id: 3001, state: 'R', cpu, command: 'java' }, { id: 1, state: 'S', cpu: 0, command: 'systemd' }] });
  // java: 100, 350 (a spike), then 300 twice, then 100s. Merged in pairs: (100, 350) has the peak and a
  // mean of 225; (300, 300) the higher mean.
  const cpus = [10, 100, 350, 300, 300, 100, 100, 100, 100];
  const file = top(cpus.map((cpu, k) => busy(`10:00:0${k}`, cpu)));
  await withBundle({ 'top.txt': file }, async (dir) => {
    const timeline = await buildTimeline(dir, { summarize: true, seriesMaxRows: 16 });
    const java = timeline.records.filter((r) => r.kind === 'top.task' && r.pid === 3001);
    const spike = java.find((r) => (r.downsampled as { peak?: { cpu_pct?: number } } | undefined)?.peak?.cpu_pct === 350)!;
    const steady = java.find((r) => r.cpu_pct === 300)!;
    assert.ok(spike && steady && (spike.cpu_pct as number) < 300, 'the buckets this test is about');
    const model = buildModel(timeline);
    annotateRecords(timeline.records, model);
    const a = analyze(timeline, model, resolveConfig(undefined, [rule]), [rule]);
    const f = a.findings[0]!;
    assert.match(f.message, /3001 \(java\) at 181% of one CPU on average \(up to 350%\)/);
    assert.ok(f.evidence.some((e) => e.line === spike.source.line), JSON.stringify(f.evidence));
    assert.ok(!f.evidence.some((e) => e.line === steady.source.line), JSON.stringify(f.evidence));
  });
});
