import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/cpu-iowait.js';
import { fixture, repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, bundleFiles, withBundle } from './helpers.js';
import { iostatCpu, psThreads, top, vmstat } from './system-fixtures.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: 61% iowait over both CPUs (94% on CPU0) in the one interval snapshot of top, sda busy, jbd2 and python in D', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.rule, 'cpu-iowait');
  assert.equal(f.severity, 'warning');
  // top -b -d 3 -n 2: the first snapshot's CPU shares are not an interval sample; the second (14:27:05)
  // prints only per-CPU lines: CPU0 93.9 wa / 0.4 id, CPU1 27.4 wa / 68.9 id → mean 60.65% wa.
  assert.match(f.message, /^iowait was at or above 20% of all CPUs in 1 of 1 interval samples of top\.txt \(top, 14:27:05\): 61% \(94% on CPU0\)/);
  assert.match(f.message, /user\+system time was only 4\.7% and idle 35%/);
  assert.match(f.message, /busiest device: sda \(%util up to 98%, requests waited up to 18\.1 s\)/);
  assert.match(f.message, /in uninterruptible sleep \(D\): 354 \(\[jbd2\/sda1-8\]\) in 2 of 2 snapshots and 12280 \(\/usr\/local\/bin\/python \/app\.py\) in 1 of 2 snapshots/);
  assert.deepEqual(f.entities, { devices: ['sda'], pids: [354, 12280] });
  // The snapshot's top line, then the %Cpu0 line with 93.9 wa, then the D rows.
  assert.deepEqual(f.evidence.slice(0, 2), [
    { file: 'top.txt', line: 15 },
    { file: 'top.txt', line: 17 },
  ]);
  assert.ok(f.evidence.some((e) => e.file === 'top.txt' && e.line === 13), 'the jbd2 D row of the first snapshot');
  assert.deepEqual(f.when, { first: '2018-12-14T14:27:05', last: '2018-12-14T14:27:05' });
  assert.ok(f.collect?.some((c) => c.startsWith('ps -eLo pid,tid,stat,wchan')));
  assert.ok(!f.collect?.some((c) => c.startsWith('iostat')), 'iostat -x is in the bundle');
});

test('popularity: no iowait at all (0.4% once, in 1 of 19 top samples; iostat 0%): the page cache absorbed the writes', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
  // The honest reading of the capture: the only non-zero iowait is top's 0.4% at 17:35:21 (top.txt:97).
  const probe = await analyzeWith(popularity, [rule], { rules: { 'cpu-iowait': ['note', { iowait_pct: 0.1, min_fraction: 0 }] } });
  assert.equal(probe.findings.length, 1);
  const f = probe.findings[0]!;
  assert.match(f.message, /in 1 of 19 interval samples of top\.txt \(top, 17:35:21\): 0\.4%, while the CPUs were also 68% busy/);
  assert.deepEqual(f.evidence[0], { file: 'top.txt', line: 97 });
  assert.match(f.message, /busiest device: vda \(%util up to 4\.0%/);
});

test('a quiet capture gives no finding', async () => {
  const quiet = vmstat([{ wa: 0 }, { wa: 1, id: 96 }, { wa: 2, id: 95 }, { wa: 0 }]);
  await withBundle({ 'vmstat.txt': quiet, 'top.txt': top([{ time: '10:00:01' }, { time: '10:00:02', wa: 3, id: 94 }]) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rules[0]?.status, 'ran');
  });
});

test("vmstat's since-boot row and top's first snapshot are never counted", async () => {
  const files = {
    'vmstat.txt': vmstat([{ wa: 90, id: 5 }, { wa: 1, id: 96 }, { wa: 0 }]),
    'top.txt': top([{ time: '10:00:01', wa: 95, id: 2 }, { time: '10:00:02', wa: 1, id: 96 }]),
  };
  await withBundle(files, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
  });
});

test('sustained iowait in vmstat fires, names the other tools that agree and the blocked thread with its process', async () => {
  const files = {
    'vmstat.txt': vmstat([{ wa: 1 }, { wa: 40, id: 55, b: 3 }, { wa: 45, id: 50, b: 2 }, { wa: 35, id: 60, b: 2 }]),
    'iostat.txt': iostatCpu(4, [{ user: 1, system: 1, iowait: 1, idle: 97 }, { user: 1, system: 1, iowait: 50, idle: 48 }]),
    'ps.txt': psThreads([
      { pid: 4242, tid: 4242, stat: 'Sl', wchan: 'futex_wait_queue', comm: 'worker' },
      { pid: 4242, tid: 4250, stat: 'D', wchan: 'io_schedule', comm: 'worker' },
    ]),
  };
  await withBundle(files, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.match(f.message, /^iowait was at or above 20% of all CPUs in 3 of 3 interval samples of vmstat\.txt \(vmstat, samples 2–4\): up to 45% \(mean 40%\), while user\+system time was only 5\.0% and idle 55%/);
    assert.match(f.message, /iostat\.txt agrees \(1 of 1\)/);
    assert.match(f.message, /in uninterruptible sleep \(D\): thread 4250 of 4242 \(worker\) in 1 of 1 snapshots/);
    assert.deepEqual(f.entities, { pids: [4242], tids: [4250] });
    // Highest iowait first: vmstat.txt line 5 (45%), then 4 (40%), 6 (35%); iostat's agreeing report; the D row.
    assert.deepEqual(f.evidence, [
      { file: 'vmstat.txt', line: 5 },
      { file: 'vmstat.txt', line: 4 },
      { file: 'vmstat.txt', line: 6 },
      { file: 'iostat.txt', line: 7 },
      { file: 'ps.txt', line: 3 },
    ]);
    assert.ok(f.collect?.some((c) => c.startsWith('iostat -dxt')), 'no iostat -x in this bundle: ask for it');
  });
});

test('a burst in one sample of four does not fire; options lower or raise the bar', async () => {
  const burst = vmstat([{ wa: 0 }, { wa: 60, id: 35 }, { wa: 2, id: 95 }, { wa: 1, id: 96 }, { wa: 0 }]);
  await withBundle({ 'vmstat.txt': burst }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, [], '1 of 4 is below min_fraction 0.5');
    const lowered = await analyzeWith(dir, [rule], { rules: { 'cpu-iowait': ['error', { min_fraction: 0.25 }] } });
    assert.equal(lowered.findings.length, 1);
    assert.equal(lowered.findings[0]!.severity, 'error');
    const raised = await analyzeWith(dir, [rule], { rules: { 'cpu-iowait': ['warning', { iowait_pct: 70, min_fraction: 0 }] } });
    assert.deepEqual(raised.findings, [], '60% is below iowait_pct 70');
  });
});

test('per-CPU lines only (top with the 1 toggle): the mean over CPUs is judged, the hottest CPU is named', async () => {
  const perCpu = (time: string, wa0: number, wa1: number): string =>
    `top - ${time} up 1 day,  2:03,  1 user,  load average: 1.00, 1.00, 1.00\nTasks: 100 total,   1 running,  99 sleeping,   0 stopped,   0 zombie\n` +
    `%Cpu0  :  1.0 us,  1.0 sy,  0.0 ni, ${(98 - wa0).toFixed(1)} id, ${wa0.toFixed(1)} wa,  0.0 hi,  0.0 si,  0.0 st\n` +
    `%Cpu1  :  1.0 us,  1.0 sy,  0.0 ni, ${(98 - wa1).toFixed(1)} id, ${wa1.toFixed(1)} wa,  0.0 hi,  0.0 si,  0.0 st\n` +
    'KiB Mem :  8169300 total,  3323248 free,   436748 used,  4409304 buff/cache\nKiB Swap:        0 total,        0 free,        0 used.  7412556 avail Mem\n\n';
  // One CPU at 30% iowait, the other at 0: 15% overall, below the 20% bar.
  await withBundle({ 'top.txt': perCpu('10:00:00', 0, 0) + perCpu('10:00:03', 30, 0) + perCpu('10:00:06', 30, 0) }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
    const a = await analyzeWith(dir, [rule], { rules: { 'cpu-iowait': ['warning', { iowait_pct: 15 }] } });
    assert.match(a.findings[0]!.message, /in 2 of 2 interval samples of top\.txt \(top, 10:00:03–10:00:06\): up to 15% \(mean 15%\) \(30% on CPU0\)/);
  });
});

test('without any CPU report the rule is skipped and says what to collect', async () => {
  await withBundle({ 'df.txt': 'Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/sda1       30309212 8713640  21578552  29% /\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'top, vmstat, mpstat or iostat -c', collect: 'vmstat -t 1 30 > vmstat.txt   (or: top -b -d 1 -n 30 > top.txt)' }]);
  });
});

test('the fingerprint does not depend on numbers, pids or options', async () => {
  const a = await analyzeWith(seed, [rule]);
  const b = await analyzeWith(seed, [rule], { rules: { 'cpu-iowait': ['warning', { iowait_pct: 50 }] } });
  assert.equal(a.findings[0]!.fingerprint, b.findings[0]!.fingerprint);
  assert.match(a.findings[0]!.fingerprint, /^[0-9a-f]{16}$/);
});

test('with PSI beside iowait: a stall it confirms, or one it says was slight (iowait counts idle CPUs)', async () => {
  const loop = readFileSync(fixture('pressure', 'recorded-loop-io-load.txt'), 'utf8');
  const confirmed = await withBundle(bundleFiles(seed, { 'pressure.txt': loop }), (dir) => analyzeWith(dir, [rule]));
  const f = confirmed.findings[0]!;
  assert.match(f.message, /; PSI io full up to 86% in pressure\.txt: every non-idle task waited for I\/O that share of the time\.$/);
  assert.ok(f.evidence.some((e) => e.file === 'pressure.txt' && e.line === 24));
  assert.deepEqual(confirmed.rules[0]?.without?.map((w) => w.label), undefined);
  const quiet = readFileSync(fixture('pressure', 'recorded-grep-all.txt'), 'utf8');
  const slight = (await withBundle(bundleFiles(seed, { 'pressure.txt': quiet }), (dir) => analyzeWith(dir, [rule]))).findings[0]!;
  assert.match(slight.message, /; yet PSI io full only 0\.0% \(avg60\) in pressure\.txt: the tasks seldom all waited at once \(iowait counts idle CPUs, not waiting tasks\)\.$/);
  const plain = await analyzeWith(seed, [rule]);
  assert.ok(plain.rules[0]?.without?.some((w) => w.label === 'PSI (tasks stalled on I/O)'));
});
