import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/cpu-lockups.js';
import { fixture, repoRoot } from '../helpers.js';
import { analyzeWith, bundleFiles, withBundle } from './helpers.js';
import { mpstat } from './system-fixtures.js';

const events = readFileSync(fixture('dmesg', 'synthetic-slow-io-events.txt'), 'utf8');
const seed = join(repoRoot, 'samples', 'seed-case');

test('soft and hard lockups and RCU stalls: one finding in the kernel\'s terms, with their lines', async () => {
  const a = await withBundle({ 'dmesg.txt': events }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.severity, 'error');
  assert.equal(
    f.message.split('. ')[0],
    "The kernel's watchdogs reported 1 soft lockup (CPU 3 stuck for 23 s in kworker/3:1 (task 1234)), 1 hard lockup (CPU 2) and 3 RCU stalls (rcu_preempt self-detected; rcu_sched on CPUs 3 and 5; rcu_sched), the first 3100 s after boot",
  );
  assert.doesNotMatch(f.message, /steal/);
  // The first two of each kind, in the order soft, hard, RCU.
  assert.deepEqual(f.evidence.map((e) => e.line), [29, 31, 32, 33]);
  assert.deepEqual(f.entities, { tids: [1234] });
  assert.match(f.recommendation, /^Read the stack the kernel printed after each report/);
  assert.equal(f.when, undefined, 'seconds since boot are no clock time');
});

test('with steal in the CPU samples, the host is named first', async () => {
  const cpu = mpstat(2, [
    { usr: 40, sys: 10, steal: 25, idle: 25 },
    { usr: 40, sys: 10, steal: 30, idle: 20 },
    { usr: 45, sys: 10, steal: 5, idle: 40 },
  ]);
  await withBundle({ 'dmesg.txt': events, 'mpstat.txt': cpu }, async (dir) => {
    const f = (await analyzeWith(dir, [rule])).findings[0]!;
    assert.match(f.message, /The CPU samples show steal at or above 10% in 2 samples of mpstat\.txt, up to 30%: the hypervisor ran other guests on this VM's CPUs/);
    assert.match(f.recommendation, /^Look at the host first/);
    assert.equal(f.evidence.at(-1)!.file, 'mpstat.txt');
    const high = (await analyzeWith(dir, [rule], { rules: { 'cpu-lockups': ['error', { steal_pct: 35 }] } })).findings[0]!;
    assert.doesNotMatch(high.message, /steal/);
    assert.match(high.recommendation, /^Read the stack/);
  });
});

test('a stuck thread is named with its process, through ps -efT (seed case: thread 514 of /app.py)', async () => {
  const lockup = '[ 5000.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [python:514]\n';
  const a = await withBundle(bundleFiles(seed, { 'dmesg.txt': lockup }), (dir) => analyzeWith(dir, [rule]));
  const f = a.findings[0]!;
  assert.match(f.message, /1 soft lockup \(CPU 1 stuck for 22 s in task 514 of process 12280 \(\/usr\/local\/bin\/python \/app\.py\)\)/);
  assert.deepEqual(f.entities, { pids: [12280], tids: [514] });
});

test('a healthy boot log (recorded; it names RCU and the NMI watchdog) gives no finding', async () => {
  const log = readFileSync(fixture('dmesg', 'recorded-dmesg-x.txt'), 'utf8');
  assert.match(log, /rcu: Preemptible hierarchical RCU implementation/);
  const a = await withBundle({ 'dmesg.txt': log }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
});

test('without dmesg the rule is skipped and says what to collect', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.rules[0]?.status, 'skipped');
  assert.deepEqual(a.rules[0]?.missing, [{ label: 'dmesg', collect: 'dmesg -x -T > dmesg.txt' }]);
});
