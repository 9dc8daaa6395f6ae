import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/io-heavy-process.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: pid 12280 explains all of sda\'s writes, through thread 514 and /tmp/{uuid}/{n}.txt', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.findings.length, 1, 'jbd2 (4 KiB once) is far below the rate');
  const f = a.findings[0]!;
  assert.equal(f.rule, 'io-heavy-process');
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.entities, { pids: [12280], tids: [514], patterns: ['/tmp/{uuid}/{n}.txt'], devices: ['sda'] });
  assert.match(f.message, /^pid 12280 \(\/usr\/local\/bin\/python \/app\.py\) wrote 1\.2 GiB in pidstat -d's samples, 319 MiB\/s on average and up to 330 MiB\/s at 14:39:17/);
  assert.match(f.message, /more than sda wrote \(30\.5 MiB\/s on average\): it explains all of sda's writes, and dirty pages piled up behind the disk/);
  assert.match(f.message, /Writing thread: 514 \(filetop 19\.0 MiB\)/);
  assert.match(f.message, /It wrote to \/tmp\/\{uuid\}\/\{n\}\.txt/);
  // The peak pidstat row (338088.00 kB_wr/s), filetop's row of 514, then sda's busiest iostat sample.
  assert.deepEqual(f.evidence, [
    { file: 'pidstat-d.txt', line: 11 },
    { file: 'filetop.txt', line: 6 },
    { file: 'iostat-dx.txt', line: 13 },
  ]);
  assert.deepEqual(f.when, { first: '2018-12-14T14:39:15', last: '2018-12-14T14:39:18' });
});

test('popularity: pid 26246 and its workers 26415, 26265, 26460 write /tmp/{uuid}/{n}.txt on vda', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.equal(a.findings.length, 1, 'the capture tools write far less than 1 MiB/s');
  const f = a.findings[0]!;
  assert.deepEqual(f.entities, { pids: [26246], tids: [26415, 26265, 26460], patterns: ['/tmp/{uuid}/{n}.txt'], devices: ['vda'] });
  assert.match(f.message, /^pid 26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\) wrote 1\.2 GiB in pidstat -d's samples, 60\.4 MiB\/s on average and up to 76\.1 MiB\/s at 17:35:37/);
  assert.match(f.message, /100% of what processes wrote to files on vda; vda itself wrote 0 B\/s on average, so the page cache took these writes \(see page-cache-absorbed\)/);
  assert.match(f.message, /26415 \(strace-f\.txt 236 MiB, pidstat -dt 216 MiB, filetop 91\.9 MiB\), 26265 \(filetop 141 MiB\) and 26460 \(pidstat -dt 4\.5 MiB\)/);
  assert.match(f.recommendation, /dirties the page cache much faster than vda writes/);
  // pidstat-d.txt:115 is the app's 77940.00 kB_wr/s peak; pidstat-dt.txt:9 the worker 26415's peak.
  assert.deepEqual(f.evidence.slice(0, 3), [
    { file: 'pidstat-d.txt', line: 115 },
    { file: 'strace-f.txt', line: 179 },
    { file: 'pidstat-dt.txt', line: 9 },
  ]);
  assert.ok(f.evidence.some((e) => e.file === 'filetop.txt'));
});

const PIDSTAT_HEAD = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n';
function pidstatD(rows: readonly [pid: number, kbWr: number, command: string][], samples = 3): string {
  let out = PIDSTAT_HEAD;
  for (let s = 1; s <= samples; s++) {
    // pidstat's header carries the previous report's time: each report is a 1 s interval.
    out += `10:00:0${s - 1}      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command\n`;
    for (const [pid, kb, cmd] of rows) out += `10:00:0${s}        0 ${String(pid).padStart(9)}      0.00 ${kb.toFixed(2).padStart(9)}      0.00       0  ${cmd}\n`;
    out += '\n';
  }
  return out;
}

const IOSTAT_HEAD = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n';
const DEV_HEADER = 'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util\n';
function iostat(device: string, wkB: number, util: number): string {
  const row = (kb: number, u: number): string =>
    [device.padEnd(12), '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '100.00', kb.toFixed(2), '0.00', '0.00', '1.00', '64.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.10', u.toFixed(2)].join(' ');
  // The first report is since boot and never counts.
  return IOSTAT_HEAD + [row(1, 1), row(wkB, util), row(wkB, util), row(wkB, util)].map((r) => `${DEV_HEADER}${r}\n\n`).join('');
}

test('a quiet capture (a few KiB/s of writes) gives no finding', async () => {
  await withBundle({ 'pidstat-d.txt': pidstatD([[100, 12, 'python3'], [200, 4, 'rsyslogd']]), 'iostat.txt': iostat('vdb', 16, 0.5) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'ran');
    assert.deepEqual(a.findings, []);
  });
});

test('two writers on one device: min_share decides who is named', async () => {
  const files = { 'pidstat-d.txt': pidstatD([[100, 10240, 'python3'], [200, 6144, 'tar']]), 'iostat.txt': iostat('vdb', 16384, 30) };
  await withBundle(files, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    // The engine orders findings by fingerprint, not by size.
    assert.deepEqual(a.findings.map((f) => f.entities.pids![0]).sort(), [100, 200]);
    assert.match(a.findings.find((f) => f.entities.pids?.[0] === 100)!.message, /^pid 100 \(python3\) wrote 30\.0 MiB in pidstat -d's samples, 10\.0 MiB\/s on average and up to 10\.0 MiB\/s at 10:00:01: 63% of vdb's writes \(16\.0 MiB\/s on average\)\. No tool here tells its threads apart/);
    assert.deepEqual(a.findings[0]!.entities.devices, ['vdb']);
    assert.match(a.findings.find((f) => f.entities.pids?.[0] === 200)!.message, /38% of vdb's writes/);
    assert.ok(a.findings[0]!.collect?.some((c) => c.startsWith('pidstat -dt -p ')));

    const strict = await analyzeWith(dir, [rule], { rules: { 'io-heavy-process': ['error', { min_share: 0.5 }] } });
    assert.deepEqual(strict.findings.map((f) => [f.entities.pids, f.severity]), [[[100], 'error']]);
    const fast = await analyzeWith(dir, [rule], { rules: { 'io-heavy-process': ['warning', { min_rate_bytes_per_s: 64 * 1024 * 1024 }] } });
    assert.deepEqual(fast.findings, []);
  });
});

test('pidstat -d and pidstat -dt over the same seconds are counted once; the thread is named from -dt', async () => {
  const dt = [
    PIDSTAT_HEAD.trimEnd(),
    '',
    '10:00:01      UID      TGID       TID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command',
    '10:00:02        0       100         -      0.00  10240.00      0.00       0  python3',
    '10:00:02        0         -       101      0.00  10240.00      0.00       0  |__python3',
    '',
    '10:00:02      UID      TGID       TID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command',
    '10:00:03        0       100         -      0.00  10240.00      0.00       0  python3',
    '10:00:03        0         -       101      0.00  10240.00      0.00       0  |__python3',
    '',
  ].join('\n');
  await withBundle({ 'pidstat-d.txt': pidstatD([[100, 10240, 'python3']]), 'pidstat-dt.txt': dt, 'iostat.txt': iostat('vdb', 10240, 30) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0]!.message, /^pid 100 \(python3\) wrote 30\.0 MiB in pidstat -d's samples, 10\.0 MiB\/s on average/, 'not 50 MiB: the -dt rows repeat seconds 2 and 3');
    assert.match(a.findings[0]!.message, /Writing thread: 101 \(pidstat -dt 20\.0 MiB\)\./);
    assert.deepEqual(a.findings[0]!.entities.tids, [101]);
  });
});

test('without iostat the writer is still named, and the finding says the device is unknown', async () => {
  await withBundle({ 'pidstat-d.txt': pidstatD([[100, 10240, 'python3']]) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0]!.message, /100% of what all processes wrote; without iostat, which device took it is not known/);
    assert.equal(a.findings[0]!.entities.devices, undefined);
    assert.ok(a.rules[0]?.without?.some((w) => w.label === 'iostat -x'));
  });
});

test('without pidstat -d the rule is skipped and says what to collect', async () => {
  await withBundle({ 'iostat.txt': iostat('vdb', 16384, 30) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'pidstat -d', collect: 'pidstat -d 1 30 > pidstat-d.txt' }]);
  });
});

test('the fingerprint depends on command, pattern and device, not on the pid', async () => {
  const one = await withBundle({ 'pidstat-d.txt': pidstatD([[100, 10240, 'python3']]), 'iostat.txt': iostat('vdb', 10240, 30) }, (dir) => analyzeWith(dir, [rule]));
  const other = await withBundle({ 'pidstat-d.txt': pidstatD([[4242, 20480, 'python3']]), 'iostat.txt': iostat('vdb', 20480, 30) }, (dir) => analyzeWith(dir, [rule]));
  const elsewhere = await withBundle({ 'pidstat-d.txt': pidstatD([[100, 10240, 'python3']]), 'iostat.txt': iostat('vdc', 10240, 30) }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(one.findings[0]!.fingerprint, other.findings[0]!.fingerprint);
  assert.notEqual(one.findings[0]!.fingerprint, elsewhere.findings[0]!.fingerprint);
});
