import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/pressure-stalls.js';
import { fixture, repoRoot } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const loop = readFileSync(fixture('pressure', 'recorded-loop-io-load.txt'), 'utf8');

test('recorded under a direct-I/O load: every task stalled on I/O in 4 one-second intervals, from the totals', async () => {
  const a = await withBundle({ 'pressure.txt': loop }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.severity, 'warning');
  assert.equal(f.title, 'Tasks stalled on I/O (PSI io full)');
  assert.equal(
    f.message,
    'Every non-idle task was stalled waiting for I/O at least 10% of the time in 4 of 11 intervals of pressure.txt (2026-11-28T02:29:54Z–2026-11-28T02:29:58Z): 80% on average in those, up to 86% (PSI io full, from the total stall time). During that time no task ran at all: the whole machine waited, not one process.',
  );
  // The peak interval: its two snapshots' io full lines.
  assert.deepEqual(f.evidence, [{ file: 'pressure.txt', line: 17 }, { file: 'pressure.txt', line: 24 }]);
  const lines = loop.split('\n');
  assert.match(lines[16]!, /^\/proc\/pressure\/io:full .* total=23906492$/);
  assert.match(lines[23]!, /^\/proc\/pressure\/io:full .* total=24766029$/);
  assert.deepEqual(f.when, { first: '2026-11-28T02:29:54Z', last: '2026-11-28T02:29:58Z' });
  assert.match(f.recommendation, /iostat -x/);
});

test('options: a higher bar or more intervals than the load lasted give no finding', async () => {
  await withBundle({ 'pressure.txt': loop }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule], { rules: { 'pressure-stalls': ['warning', { full_pct: 90 }] } })).findings, []);
    assert.deepEqual((await analyzeWith(dir, [rule], { rules: { 'pressure-stalls': ['warning', { min_intervals: 5 }] } })).findings, []);
    assert.equal((await analyzeWith(dir, [rule], { rules: { 'pressure-stalls': ['warning', { min_intervals: 4 }] } })).findings.length, 1);
  });
});

test('one snapshot: the minute before it decides (avg60); a quiet host (recorded) gives none', async () => {
  const quiet = await withBundle({ 'pressure.txt': readFileSync(fixture('pressure', 'recorded-grep-all.txt'), 'utf8') }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(quiet.findings, []);
  assert.equal(quiet.rules[0]?.status, 'ran');
  const busy = [
    '/proc/pressure/memory:some avg10=61.20 avg60=48.90 avg300=20.33 total=88000000',
    '/proc/pressure/memory:full avg10=40.10 avg60=31.25 avg300=12.01 total=51000000',
    '/sys/fs/cgroup/system.slice/app.service/io.pressure:full avg10=0.50 avg60=12.00 avg300=3.00 total=7000000',
  ].join('\n');
  const a = await withBundle({ 'psi.txt': busy }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(a.findings.map((f) => f.title), ['Tasks stalled on I/O in cgroup /sys/fs/cgroup/system.slice/app.service (PSI io full)', 'Tasks stalled on memory (PSI memory full)']);
  assert.equal(a.findings[1]!.message.split(' (')[0], 'Every non-idle task was stalled waiting for memory 31% of the minute before the snapshot in psi.txt');
  assert.match(a.findings[1]!.message, /PSI memory full avg60; avg10 40%, avg300 12%/);
  assert.deepEqual(a.findings[1]!.evidence, [{ file: 'psi.txt', line: 2 }]);
});

test('without PSI the rule is skipped and says what to collect', async () => {
  const a = await analyzeWith(join(repoRoot, 'samples', 'seed-case'), [rule]);
  assert.equal(a.rules[0]?.status, 'skipped');
  assert.deepEqual(a.rules[0]?.missing, [{ label: 'PSI (/proc/pressure)', collect: 'for i in $(seq 30); do date -Is; grep -H . /proc/pressure/*; sleep 1; done > pressure.txt' }]);
});
