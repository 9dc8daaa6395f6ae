import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/temp-file-churn.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: thread 514 of 12280 churns /tmp/{uuid}/{n}.txt on sda; 7.1 GiB available says memory allows the fix', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.rule, 'temp-file-churn');
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.entities, { patterns: ['/tmp/{uuid}/{n}.txt'], pids: [12280], tids: [514], devices: ['sda'] });
  assert.match(f.message, /^Temporary files \/tmp\/\{uuid\}\/\{n\}\.txt on \/ \(sda\), from thread 514 of pid 12280 \(\/usr\/local\/bin\/python \/app\.py\): 6 files seen in 2 generated directories \(3 files per directory\)/);
  // filetop's W_Kb of TID 514 (joined to the pattern by base name) and R_Kb of the files read back.
  assert.match(f.message, /19\.0 MiB written and 24\.7 MiB read back/);
  assert.match(f.message, /creation and removal are not visible \(no strace -f of these threads\)/);
  assert.match(f.recommendation, /^Keep the data in memory .*this capture shows it does: 7\.1 GiB available \(top\) at its lowest \(top\.txt:15\) against about 9\.5 MiB per directory/);
  // The biggest write first: filetop.txt:6 is 669.txt, 2832 KiB.
  assert.deepEqual(f.evidence[0], { file: 'filetop.txt', line: 6 });
  assert.ok(f.evidence.some((e) => e.file === 'opensnoop.txt' && e.line === 2));
  assert.deepEqual(f.evidence[f.evidence.length - 1], { file: 'top.txt', line: 15 });
  assert.ok(f.collect?.some((c) => c.startsWith('strace -f -tt -T -y -e trace=mkdir,mkdirat,rmdir,unlink,unlinkat,openat,write,read -p 12280')));
});

test('popularity: the app churns /tmp/{uuid}/{n}.txt on vda (2 directories, up to 1000 files); /proc patterns of the monitoring tools do not fire', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.equal(a.findings.length, 1, 'only the temp files: /proc/{pid}/stat and friends are procfs');
  const f = a.findings[0]!;
  assert.deepEqual(f.entities.patterns, ['/tmp/{uuid}/{n}.txt']);
  assert.deepEqual(f.entities.pids, [26246]);
  assert.deepEqual(f.entities.devices, ['vda']);
  for (const tid of [26265, 26415]) assert.ok(f.entities.tids?.includes(tid), `worker ${tid}`);
  assert.match(f.message, /from threads 26265 and 26415 of pid 26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\)/);
  assert.match(f.message, /in 2 generated directories \(473 to 1000, median 736\.5 files per directory\)/);
  // strace-f.txt:58 is the worker's mkdir("/tmp/c470cb76-…"); its openat calls carry O_CREAT.
  assert.match(f.message, /while it traced these threads, strace saw 1 directory created \(mkdir\), 0 removed \(rmdir\) and 0 files unlinked; \d+ opens with O_CREAT created files/);
  assert.match(f.message, /a directory lived 4\.0 s from first to last access/);
  assert.ok(f.evidence.some((e) => e.file === 'strace-f.txt' && e.line === 58));
  assert.match(f.recommendation, /this capture shows it does: 23\.1 GiB available \(top\)/);
});

const UUIDS = ['0b6e1c52-9f0e-4c1b-8d7a-1f2e3d4c5b6a', '1c7f2d63-a01f-4d2c-9e8b-2a3f4e5d6c7b', '2d803e74-b12a-4e3d-af9c-3b4a5f6e7d8c'];

/** strace -f -tt -T -y of pid 7000, worker 7001: per directory, mkdir, N files written (size each), unlinked, rmdir. */
function churnTrace(files: number, size: number): string {
  const lines = ['strace: Process 7000 attached with 2 threads'];
  let t = 0;
  const at = (): string => {
    t += 1000;
    return `10:00:${String(Math.floor(t / 1e6)).padStart(2, '0')}.${String(t % 1e6).padStart(6, '0')}`;
  };
  for (const uuid of UUIDS) {
    const dir = `/var/tmp/${uuid}`;
    lines.push(`[pid  7001] ${at()} mkdir("${dir}", 0700) = 0 <0.000050>`);
    for (let n = 0; n < files; n++) {
      const p = `${dir}/${n}.csv`;
      lines.push(`[pid  7001] ${at()} openat(AT_FDCWD</srv>, "${p}", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3<${p}> <0.000100>`);
      lines.push(`[pid  7001] ${at()} write(3<${p}>, "a,b,c\\n"..., ${size}) = ${size} <0.001000>`);
      lines.push(`[pid  7001] ${at()} close(3<${p}>) = 0 <0.000010>`);
    }
    for (let n = 0; n < files; n++) lines.push(`[pid  7001] ${at()} unlinkat(AT_FDCWD</srv>, "${dir}/${n}.csv", 0) = 0 <0.000020>`);
    lines.push(`[pid  7001] ${at()} unlinkat(AT_FDCWD</srv>, "${dir}", AT_REMOVEDIR) = 0 <0.000030>`);
  }
  lines.push('strace: Process 7000 detached', 'strace: Process 7001 detached');
  return lines.join('\n') + '\n';
}

const PS = ['UID        PID  PPID   LWP  C NLWP STIME TTY          TIME CMD', 'svc       7000     1  7000  0    2 09:00 ?        00:00:01 /usr/bin/report-builder --daily', 'svc       7000     1  7001 30    2 09:00 ?        00:05:00 /usr/bin/report-builder --daily', ''].join('\n');

function vmstat(freeKiB: number): string {
  const row = (free: number): string => ` 1  0      0 ${free}   2108  10240    0    0     1     3   29   57  5  5 90  0  0`;
  return ['procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----', ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st', row(freeKiB + 500), row(freeKiB), ''].join('\n');
}

test('strace shows the whole life: mkdir, O_CREAT, unlink, rmdir; vmstat with little memory says the fix may not fit', async () => {
  // 3 directories × 8 files × 4 MiB = 32 MiB a directory; vmstat: 20000 + 2108 + 10240 KiB ≈ 31.6 MiB at most.
  await withBundle({ 'strace.txt': churnTrace(8, 4 * 1024 * 1024), 'ps-eLf.txt': PS, 'vmstat.txt': vmstat(20000) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.deepEqual(f.entities, { patterns: ['/var/tmp/{uuid}/{n}.csv'], pids: [7000], tids: [7001] });
    assert.match(f.message, /^Temporary files \/var\/tmp\/\{uuid\}\/\{n\}\.csv, from thread 7001 of pid 7000 \(\/usr\/bin\/report-builder --daily\): 24 files seen in 3 generated directories \(8 files per directory\); 96\.0 MiB written \(no reads of them seen\)/);
    assert.match(f.message, /while it traced these threads, strace saw 3 directories created \(mkdir\), 3 removed \(rmdir\) and 24 files unlinked; 24 opens with O_CREAT created files/);
    assert.match(f.recommendation, /this capture shows it may not: only 31\.\d MiB free \+ buffers \+ cache \(vmstat\) at its lowest \(vmstat\.txt:4\) against about 32\.0 MiB per directory/);
    // The mkdir of the first directory is cited (strace.txt:2), then its rmdir.
    assert.ok(f.evidence.some((e) => e.file === 'strace.txt' && e.line === 2));
    assert.equal(f.collect, undefined, 'strace already shows the life cycle and O_CREAT');
  });
  // The same trace with plenty of memory: the fix fits.
  await withBundle({ 'strace.txt': churnTrace(8, 4 * 1024 * 1024), 'ps-eLf.txt': PS, 'vmstat.txt': vmstat(4_000_000) }, async (dir) => {
    const f = (await analyzeWith(dir, [rule])).findings[0]!;
    assert.match(f.recommendation, /this capture shows it does: 3\.8 GiB free \+ buffers \+ cache \(vmstat\)/);
  });
  // No memory lines at all: the rule says it cannot tell and what to collect.
  await withBundle({ 'strace.txt': churnTrace(8, 1024), 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.match(a.findings[0]!.recommendation, /this capture cannot tell whether memory allows it \(no top or vmstat memory lines/);
    assert.deepEqual(a.rules[0]?.without?.map((w) => w.label), ['filetop', 'top or vmstat (memory)', 'df or findmnt']);
  });
});

/** findmnt -l: columns aligned under their titles, as findmnt prints them. */
function findmnt(rows: [string, string, string][]): string {
  const all: [string, string, string][] = [['TARGET', 'SOURCE', 'FSTYPE'], ...rows];
  const w0 = Math.max(...all.map((r) => r[0].length)) + 1;
  const w1 = Math.max(...all.map((r) => r[1].length)) + 1;
  const w2 = Math.max(...all.map((r) => r[2].length)) + 1;
  return all.map((r, i) => `${r[0].padEnd(w0)}${r[1].padEnd(w1)}${r[2].padEnd(w2)}${i === 0 ? 'OPTIONS' : 'rw'}`).join('\n') + '\n';
}

const OPENSNOOP_HEAD = 'PID    COMM               FD ERR PATH\n';
const row = (pid: number, comm: string, path: string): string => `${String(pid).padEnd(7)}${comm.padEnd(16)}${'3'.padStart(6)}   0 ${path}\n`;

test('quiet: procfs reads of a monitoring tool, versioned libraries and a read-only cache do not fire', async () => {
  let snoop = OPENSNOOP_HEAD;
  for (const pid of [1, 10, 200, 3000, 4242, 5000]) snoop += row(26372, 'top', `/proc/${pid}/stat`) + row(26372, 'top', `/proc/${pid}/statm`);
  for (const v of ['3.11', '3.9']) snoop += row(7000, 'python3', `/usr/lib/python${v}/os.py`);
  // Generated directories, but only read: a content-addressed cache, not churn.
  for (const h of ['a1b2c3d4e5f6', 'b2c3d4e5f6a7', 'c3d4e5f6a7b8']) for (const n of [1, 2, 3]) snoop += row(7000, 'python3', `/var/cache/app/${h}/${n}.bin`);
  const mounts = findmnt([['/', '/dev/vda', 'ext4'], ['/proc', 'proc', 'proc']]);
  await withBundle({ 'opensnoop.txt': snoop, 'findmnt.txt': mounts }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rules[0]?.status, 'ran');
  });
});

test('opensnoop -T -e: opens with O_CREAT count as creations (libbpf-tools layout)', async () => {
  let snoop = 'TIME     UID     PID    COMM              FD ERR FLAGS    PATH\n';
  for (const uuid of UUIDS) {
    for (const n of [0, 1, 2]) snoop += `10:00:01 0       7000   report-builder     3   0 01101    /var/tmp/${uuid}/${n}.csv\n`;
    for (const n of [0, 1, 2]) snoop += `10:00:02 0       7000   report-builder     3   0 00000    /var/tmp/${uuid}/${n}.csv\n`;
  }
  await withBundle({ 'opensnoop.txt': snoop, 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1, 'O_CREAT stands for the writes when no tool counts bytes');
    const f = a.findings[0]!;
    assert.match(f.message, /from pid 7000 \(\/usr\/bin\/report-builder --daily\): 9 files seen in 3 generated directories \(3 files per directory\); no tool counted their bytes; their creation and removal are not visible \(no strace -f of these threads\); 9 opens with O_CREAT created files/);
    assert.deepEqual(f.evidence[0], { file: 'opensnoop.txt', line: 2 }, 'the first O_CREAT open');
    assert.ok(!f.collect?.some((c) => c.startsWith('opensnoop')), 'opensnoop -e is there already');
    assert.ok(f.collect?.some((c) => c.startsWith('filetop -C 1 30')), 'no byte counts: filetop would give them');
  });
});

test('options: min_files and ignore_fstypes are read from the config', async () => {
  const raised = await analyzeWith(seed, [rule], { rules: { 'temp-file-churn': ['warning', { min_files: 10 }] } });
  assert.deepEqual(raised.findings, [], 'the seed sample shows only 6 files');
  const lowered = await analyzeWith(seed, [rule], { rules: { 'temp-file-churn': ['error', { min_directories: 1 }] } });
  assert.equal(lowered.findings[0]?.severity, 'error');
  // df without -T: the seed's / has no fstype; the rule only skips sources or fstypes listed.
  await withBundle({ 'strace.txt': churnTrace(6, 1024), 'ps-eLf.txt': PS, 'findmnt.txt': findmnt([['/', '/dev/vda', 'ext4'], ['/var/tmp', 'tmpfs', 'tmpfs']]) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0]!.message, /on \/var\/tmp \(tmpfs\)/);
    assert.match(a.findings[0]!.recommendation, /on tmpfs already, so the disk is spared/);
    const ignored = await analyzeWith(dir, [rule], { rules: { 'temp-file-churn': ['warning', { ignore_fstypes: ['proc', 'tmpfs'] }] } });
    assert.deepEqual(ignored.findings, []);
  });
});

test('without full paths (opensnoop, strace, lsof) the rule is skipped and says what to collect', async () => {
  await withBundle({ 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'full paths (opensnoop, strace -y or lsof)', collect: 'opensnoop -T -e -d 30 > opensnoop.txt' }]);
  });
});

test('the fingerprint is the pattern and the command, not the pid or the sizes', async () => {
  const ps2 = PS.replaceAll('7000', '8100').replaceAll('7001', '8101');
  const a = await withBundle({ 'strace.txt': churnTrace(6, 1024), 'ps-eLf.txt': PS }, (dir) => analyzeWith(dir, [rule]));
  const b = await withBundle({ 'strace.txt': churnTrace(7, 4096).replaceAll('7000', '8100').replaceAll('7001', '8101'), 'ps-eLf.txt': ps2 }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(a.findings.length, 1);
  assert.equal(b.findings.length, 1);
  assert.deepEqual(b.findings[0]!.entities.pids, [8100]);
  assert.equal(a.findings[0]!.fingerprint, b.findings[0]!.fingerprint);
});
