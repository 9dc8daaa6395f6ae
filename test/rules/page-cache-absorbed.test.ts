import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/page-cache-absorbed.js';
import { fixture, repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('popularity: 26246 dirtied 1.2 GiB of /tmp/{uuid}/{n}.txt while vda wrote nothing', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.rule, 'page-cache-absorbed');
  assert.equal(f.severity, 'note');
  assert.deepEqual(f.entities, { pids: [26246], tids: [26415, 26265, 26460], patterns: ['/tmp/{uuid}/{n}.txt'], devices: ['vda'] });
  assert.match(f.message, /^pid 26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\) dirtied 1\.2 GiB \(60\.4 MiB\/s on average\) in file pages on vda, by threads 26415, 26265 and 26460 into \/tmp\/\{uuid\}\/\{n\}\.txt/);
  assert.match(f.message, /vda wrote 0 B\/s on average over its iostat samples, %util at most 4\.0%/);
  // pidstat-d.txt:39 is the 518456.00 kB_ccwr/s burst when the first request's directory was removed.
  assert.match(f.message, /1008 MiB of dirty data was deleted or truncated before writeback \(pidstat kB_ccwr\/s, up to 506 MiB\/s at 17:35:26\)/);
  assert.match(f.message, /not disk time\.$/);
  assert.match(f.message, /buff\/cache up to 932 MiB of 23\.5 GiB/);
  assert.deepEqual(f.evidence.slice(0, 2), [
    { file: 'pidstat-d.txt', line: 39 },
    { file: 'pidstat-d.txt', line: 115 },
  ]);
  assert.match(f.recommendation, /^vda is not the bottleneck for these writes/);
  assert.match(f.recommendation, /keep it in memory instead of files \(see temp-file-churn\)/);
});

test('seed case: sda is busy (writeback backlog), so the page cache did not absorb anything: no finding', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.rules[0]?.status, 'ran');
  assert.deepEqual(a.findings, []);
});

const HEAD = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n';
function pidstatD(pid: number, kbWr: number, kbCc: readonly number[]): string {
  let out = HEAD;
  kbCc.forEach((cc, i) => {
    // pidstat's header carries the previous report's time: each report is a 1 s interval.
    out += `10:00:0${i}      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command\n`;
    out += `10:00:0${i + 1}        0 ${String(pid).padStart(9)}      0.00 ${kbWr.toFixed(2).padStart(9)} ${cc.toFixed(2).padStart(9)}       0  python3\n\n`;
  });
  return out;
}

const DEV_HEADER = 'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util\n';
function iostat(device: string, wkB: number, wAwaitMs: number, util: number): string {
  const row = (kb: number, wa: number, u: number): string =>
    [device.padEnd(12), '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '10.00', kb.toFixed(2), '0.00', '0.00', wa.toFixed(2), '64.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.10', u.toFixed(2)].join(' ');
  // The first report is since boot and never counts.
  return HEAD + [row(1, 1, 1), row(wkB, wAwaitMs, util), row(wkB, wAwaitMs, util), row(wkB, wAwaitMs, util)].map((r) => `${DEV_HEADER}${r}\n\n`).join('');
}

test('an idle virtio disk under 40 MiB/s of writes that are deleted: fires, with the cancelled bytes', async () => {
  await withBundle({ 'pidstat-d.txt': pidstatD(4242, 40960, [0, 0, 122880]), 'iostat.txt': iostat('vdb', 0, 0, 0.5) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.deepEqual(f.entities, { pids: [4242], devices: ['vdb'] });
    assert.match(f.message, /^pid 4242 \(python3\) dirtied 120 MiB \(40\.0 MiB\/s on average\) in file pages on vdb; vdb wrote 0 B\/s on average over its iostat samples, %util at most 0\.5%\. 120 MiB of dirty data was deleted or truncated before writeback \(pidstat kB_ccwr\/s, up to 120 MiB\/s at 10:00:03\)\./);
    // Line 10: the third report's row, with the 122880.00 kB_ccwr/s burst.
    assert.deepEqual(f.evidence[0], { file: 'pidstat-d.txt', line: 10 });

    const stricter = await analyzeWith(dir, [rule], { rules: { 'page-cache-absorbed': ['warning', { min_written_bytes: 512 * 1024 * 1024 }] } });
    assert.deepEqual(stricter.findings, []);
    const loud = await analyzeWith(dir, [rule], { rules: { 'page-cache-absorbed': 'warning' } });
    assert.equal(loud.findings[0]?.severity, 'warning');
  });
});

test('with /proc/meminfo: the dirty data still waiting in the cache, from the snapshot with the most', async () => {
  const meminfo = readFileSync(fixture('meminfo', 'recorded-loop-write-load.txt'), 'utf8');
  await withBundle({ 'pidstat-d.txt': pidstatD(4242, 40960, [0, 0, 122880]), 'iostat.txt': iostat('vdb', 0, 0, 0.5), 'meminfo.txt': meminfo }, async (dir) => {
    const f = (await analyzeWith(dir, [rule])).findings[0]!;
    // The recorded loop: Dirty peaked at 1537324 kB in its last snapshot (line 380 starts it).
    assert.match(f.message, /and memory \(Dirty up to 1\.5 GiB with 0 B in Writeback, per \/proc\/meminfo\), not disk time\.$/);
    assert.ok(f.evidence.some((e) => e.file === 'meminfo.txt' && e.line === 380));
  });
});

test('without cancelled bytes the message says the data was overwritten or still dirty', async () => {
  await withBundle({ 'pidstat-d.txt': pidstatD(4242, 40960, [0, 0, 0]), 'iostat.txt': iostat('vdb', 0, 0, 0.5) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.match(a.findings[0]!.message, /None of it shows as cancelled in pidstat \(kB_ccwr\/s 0\): it was overwritten in place, or was still dirty when the capture ended\./);
  });
});

test('quiet captures: a busy disk keeping up behind the writer, or a writer below 1 MiB/s, give no finding', async () => {
  // sdb at 99% util with 500 ms write latency: a writeback backlog, disk-saturation's case.
  await withBundle({ 'pidstat-d.txt': pidstatD(4242, 409600, [0, 0, 0]), 'iostat.txt': iostat('sdb', 40960, 500, 99) }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
  });
  await withBundle({ 'pidstat-d.txt': pidstatD(4242, 600, [0, 0, 0]), 'iostat.txt': iostat('vdb', 0, 0, 0.5) }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
  });
});

test('without iostat the rule is skipped and says what to collect', async () => {
  await withBundle({ 'pidstat-d.txt': pidstatD(4242, 40960, [0, 0, 0]) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'iostat -x', collect: 'iostat -dxt 1 30 > iostat.txt' }]);
  });
});

test('the fingerprint is the device, the command and the pattern, not the pid', async () => {
  const a = await withBundle({ 'pidstat-d.txt': pidstatD(4242, 40960, [0, 0, 0]), 'iostat.txt': iostat('vdb', 0, 0, 0.5) }, (dir) => analyzeWith(dir, [rule]));
  const b = await withBundle({ 'pidstat-d.txt': pidstatD(777, 81920, [0, 0, 0]), 'iostat.txt': iostat('vdb', 0, 0, 0.5) }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(a.findings[0]!.fingerprint, b.findings[0]!.fingerprint);
});
