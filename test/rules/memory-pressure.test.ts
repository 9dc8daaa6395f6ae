import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/memory-pressure.js';
import { fixture, repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, bundleFiles, withBundle } from './helpers.js';
import { top, vmstat } from './system-fixtures.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: 7.1 GiB of 7.8 GiB available, no swap: no finding', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
  // What the capture shows (bar raised to 95%): avail Mem 7411980 KiB of 8169300 KiB at 14:27:05.
  const probe = await analyzeWith(seed, [rule], { rules: { 'memory-pressure': ['note', { avail_pct: 95 }] } });
  const f = probe.findings[0]!;
  assert.equal(
    f.message,
    "Available memory was below 95% of the total in 2 of 2 snapshots of top.txt (top's avail Mem, 14:27:02–14:27:05): down to 7.1 GiB of 7.8 GiB (91%); no swap is configured; the largest resident sets: 12280 (/usr/local/bin/python /app.py) 28.1 MiB, 1549 (/usr/bin/python3 /usr/bin/networkd-dispatcher) 23.9 MiB and 1 (/sbin/init) 8.9 MiB.",
  );
  assert.deepEqual(f.evidence[0], { file: 'top.txt', line: 15 });
  assert.deepEqual(f.entities, { pids: [12280, 1549, 1] });
});

test('popularity: 98% of 23.5 GiB available throughout, no swap: no finding (the temp data would fit in memory)', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(a.findings, []);
  const probe = await analyzeWith(popularity, [rule], { rules: { 'memory-pressure': ['note', { avail_pct: 99 }] } });
  assert.match(probe.findings[0]!.message, /^Available memory was below 99% of the total in 20 of 20 snapshots of top\.txt \(top's avail Mem, 17:35:20–17:35:39\): down to 23\.1 GiB of 23\.5 GiB \(98%\); no swap is configured/);
  assert.match(probe.findings[0]!.message, /26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\) 36\.6 MiB/);
});

test('a quiet capture gives no finding', async () => {
  const files = {
    'top.txt': top([{ time: '10:00:01' }, { time: '10:00:02' }, { time: '10:00:03', swapUsedMiB: 10 }]),
    'vmstat.txt': vmstat([{ siKiB: 500, soKiB: 800 }, {}, {}, {}]),
  };
  await withBundle(files, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, [], "vmstat's since-boot si/so and 10 MiB of swap growth do not count");
    assert.equal(a.rules[0]?.status, 'ran');
  });
});

test('little available memory in most top snapshots fires and names the largest resident sets', async () => {
  const snap = (time: string, availMiB: number) => ({
    time,
    availMiB,
    tasks: [
      { id: 7001, state: 'S', resKiB: 6_000_000, command: 'postgres' },
      { id: 7002, state: 'S', resKiB: 900_000, command: 'node' },
    ],
  });
  const file = top([snap('10:00:00', 2000), snap('10:00:01', 600), snap('10:00:02', 500), snap('10:00:03', 700)]);
  await withBundle({ 'top.txt': file }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.match(f.message, /^Available memory was below 10% of the total in 3 of 4 snapshots of top\.txt \(top's avail Mem, 10:00:01–10:00:03\): down to 500 MiB of 7\.7 GiB \(6\.4%\); swap in use at the end: 0 B of 2\.0 GiB; the largest resident sets: 7001 \(postgres\) 5\.7 GiB and 7002 \(node\) 879 MiB\.$/);
    assert.deepEqual(f.entities, { pids: [7001, 7002] });
    // The worst snapshot first (10:00:02 starts at line 21), then the other low ones.
    assert.deepEqual(f.evidence.slice(0, 3), [
      { file: 'top.txt', line: 21 },
      { file: 'top.txt', line: 11 },
      { file: 'top.txt', line: 31 },
    ]);
    const lowered = await analyzeWith(dir, [rule], { rules: { 'memory-pressure': ['error', { avail_pct: 7 }] } });
    assert.deepEqual(lowered.findings, [], 'only 10:00:02 (6.4%) is below 7%: 1 of 4');
  });
});

test("vmstat's free+buff+cache is judged against top's total when vmstat shows more snapshots", async () => {
  const files = {
    'top.txt': top([{ time: '10:00:00', availMiB: 600 }]),
    'vmstat.txt': vmstat([0, 1, 2, 3].map(() => ({ freeKiB: 200000, buffKiB: 10000, cacheKiB: 300000 }))),
  };
  await withBundle(files, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0]!.message, /^Available memory was below 10% of the total in 4 of 4 snapshots of vmstat\.txt \(vmstat's free\+buff\+cache, samples 1–4\): down to 498 MiB of 7\.7 GiB \(6\.3%\)/);
  });
  // Without top there is no total to judge vmstat's memory against: nothing to say.
  await withBundle({ 'vmstat.txt': files['vmstat.txt'] }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
  });
});

test('sustained swapping in vmstat fires (since-boot row excluded)', async () => {
  const file = vmstat([{ siKiB: 9000 }, { siKiB: 120, soKiB: 2048, swpdKiB: 500000 }, { soKiB: 4096, swpdKiB: 504000 }, { swpdKiB: 504000 }, { siKiB: 64, swpdKiB: 504000 }]);
  await withBundle({ 'vmstat.txt': file }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.equal(f.message, 'The system swapped (vmstat si+so) in 3 of 4 interval samples of vmstat.txt (samples 2–5), up to 4.0 MiB/s; swap in use at the end: 492 MiB.');
    assert.deepEqual(f.evidence, [
      { file: 'vmstat.txt', line: 5 },
      { file: 'vmstat.txt', line: 4 },
      { file: 'vmstat.txt', line: 7 },
    ]);
    assert.ok(f.collect?.some((c) => c.startsWith('pidstat -r')));
    // 2.1 MiB/s, 4.0 MiB/s, 0, 64 KiB/s: above 3 MiB/s in 1 of 4 samples only.
    const tolerant = await analyzeWith(dir, [rule], { rules: { 'memory-pressure': ['warning', { swap_bytes_per_s: 3 * 1024 * 1024 }] } });
    assert.deepEqual(tolerant.findings, []);
  });
});

test('swap in use growing between top snapshots counts as swapping out', async () => {
  const file = top([{ time: '10:00:00', swapUsedMiB: 100 }, { time: '10:00:05', swapUsedMiB: 180 }, { time: '10:00:10', swapUsedMiB: 300 }]);
  await withBundle({ 'top.txt': file }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.equal(a.findings[0]!.message, 'Swap in use grew by 200 MiB between 10:00:00 and 10:00:10 (top.txt): pages were swapped out; swap in use at the end: 300 MiB of 2.0 GiB.');
    assert.deepEqual(a.findings[0]!.evidence, [
      { file: 'top.txt', line: 17 },
      { file: 'top.txt', line: 1 },
    ]);
    const tolerant = await analyzeWith(dir, [rule], { rules: { 'memory-pressure': ['warning', { swap_growth_bytes: 256 * 1024 * 1024 }] } });
    assert.deepEqual(tolerant.findings, []);
  });
});

test('without top or vmstat the rule is skipped and says what to collect', async () => {
  await withBundle({ 'df.txt': 'Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/sda1       30309212 8713640  21578552  29% /\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: "top, vmstat, /proc/meminfo or the kernel's OOM kills (dmesg)", collect: 'vmstat -t 1 30 > vmstat.txt   (and: top -b -d 1 -n 30 > top.txt for available memory)' }]);
  });
});

test("the kernel's OOM kills make the finding, even when the snapshots look fine", async () => {
  const events = readFileSync(fixture('dmesg', 'synthetic-slow-io-events.txt'), 'utf8');
  // The seed case has 7.1 GiB of 7.8 GiB available and no finding of its own (first test).
  await withBundle(bundleFiles(seed, { 'dmesg.txt': events }), async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.match(f.message, /^The kernel's OOM killer killed java \(pid 4242\) and node \(pid 4343\) at its memory cgroup's limit \(dmesg, first 3000 s after boot\); no swap is configured; the largest resident sets: 12280 /);
    assert.deepEqual(f.evidence.slice(0, 2), [{ file: 'dmesg.txt', line: 27 }, { file: 'dmesg.txt', line: 28 }]);
    assert.deepEqual(f.entities.pids?.slice(-2), [4242, 4343]);
  });
});

test('/proc/meminfo: MemAvailable against MemTotal, snapshot by snapshot (the recorded loop, then squeezed)', async () => {
  const loop = readFileSync(fixture('meminfo', 'recorded-loop-write-load.txt'), 'utf8');
  const roomy = await withBundle({ 'meminfo.txt': loop }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(roomy.findings, []);
  assert.equal(roomy.rules[0]?.status, 'ran');
  // The same snapshots with 3% of MemTotal available (MemTotal 24683620 kB): only the figures changed.
  const squeezed = loop.replace(/^MemAvailable:\s+\d+ kB$/gm, 'MemAvailable:     740517 kB');
  const a = await withBundle({ 'meminfo.txt': squeezed }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.match(f.message, /meminfo\.txt/);
  assert.match(f.message, /MemAvailable/);
  assert.match(f.message, /no swap is configured/);
  assert.ok(f.evidence.every((e) => e.file === 'meminfo.txt'));
});
