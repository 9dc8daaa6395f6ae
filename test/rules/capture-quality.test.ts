import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/capture-quality.js';
import type { Finding } from '../../src/rules/types.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

const byTitle = (findings: readonly Finding[]): string[] => findings.map((f) => f.title).sort();

// ---------------------------------------------------------------- a good capture, piece by piece

const DATE = 'Thu Nov 26 17:35:33 UTC 2026\n';
const BANNER = 'Linux 6.1.0 (host) \t11/26/26 \t_x86_64_\t(2 CPU)\n\n';
const DEV_HEADER = 'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util\n';
const DEV_ROW = 'vda             54.20   2520.36     8.42  13.45    1.07    46.50   11.49   3398.23    14.92  56.50    2.53   295.77    6.49   1795.36     0.04   0.60    0.16   276.60    0.81    0.04    0.09   1.15\n';
function iostatReport(time: string | undefined): string {
  return `${time ? `11/26/26 ${time}\n` : ''}${DEV_HEADER}${DEV_ROW}\n`;
}
const IOSTAT_T = BANNER + iostatReport('17:35:30') + iostatReport('17:35:31') + iostatReport('17:35:32');

const PS = [
  'UID        PID  PPID   LWP  C NLWP STIME TTY          TIME CMD',
  'app       4242     1  4242  3    2 17:00 ?        00:01:00 /usr/bin/java -jar /srv/app.jar',
  'app       4242     1  4250 40    2 17:00 ?        00:10:00 /usr/bin/java -jar /srv/app.jar',
  '',
].join('\n');

const FILETOP = ['17:35:31 loadavg: 0.50 0.40 0.30 2/200 4300', '', 'TID     COMM             READS  WRITES R_Kb    W_Kb    T FILE', '4250    java             0      40     0       8192    R 17.dat', ''].join('\n');

const STRACE_F = [
  'strace: Process 4242 attached with 2 threads',
  '[pid  4250] 17:35:31.000100 write(5</srv/data/17.dat>, "x"..., 4096) = 4096 <0.000020>',
  '[pid  4242] 17:35:31.000200 futex(0x7f00, FUTEX_WAIT_PRIVATE, 0, NULL) = 0 <0.000010>',
  'strace: Process 4242 detached',
  'strace: Process 4250 detached',
  '',
].join('\n');

const OPENSNOOP_T = ['TIME     PID    COMM              FD ERR PATH', '17:35:31 4242   java               5   0 /srv/data/17.dat', ''].join('\n');

const GOOD: Record<string, string> = { 'date.txt': DATE, 'iostat-t.txt': IOSTAT_T, 'ps-eLf.txt': PS, 'filetop.txt': FILETOP, 'strace-f.txt': STRACE_F, 'opensnoop.txt': OPENSNOOP_T };

test('a clean, good capture has no capture-quality finding', async () => {
  await withBundle(GOOD, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rules[0]?.status, 'ran');
    assert.equal(a.rules[0]?.severity, 'note');
  });
});

test('seed case: strace of one thread without times, iostat without -t, opensnoop without -T', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.ok(a.findings.every((f) => f.severity === 'note'));
  assert.deepEqual(byTitle(a.findings), [
    'iostat-dx.txt: samples without times',
    'opensnoop.txt: opens without times',
    'strace-p.txt: strace followed one thread',
    'strace-p.txt: strace without timestamps',
  ]);
  const follow = a.findings.find((f) => f.title === 'strace-p.txt: strace followed one thread')!;
  assert.equal(follow.message, 'strace-p.txt traced only thread 12280 (/usr/local/bin/python /app.py): strace attached with -p but without -f; the process\'s other thread 514 (known from other tools) is invisible in it.');
  assert.deepEqual(follow.entities, { pids: [12280], tids: [514] });
  assert.deepEqual(follow.evidence, [{ file: 'strace-p.txt', line: 1 }, { file: 'strace-p.txt', line: 9 }]);
  assert.deepEqual(follow.collect, ['strace -f -tt -T -y -p 12280 -o strace-p.txt']);
  const times = a.findings.find((f) => f.title === 'strace-p.txt: strace without timestamps')!;
  assert.match(times.message, /without -tt \(times\), -T \(durations\) and -y \(paths of fds\): its 7 calls/);
  const iostat = a.findings.find((f) => f.title.startsWith('iostat-dx.txt'))!;
  assert.deepEqual(iostat.evidence, [{ file: 'iostat-dx.txt', line: 4 }]);
  assert.deepEqual(iostat.collect, ['S_TIME_FORMAT=ISO iostat -dxt 1 30 > iostat-dx.txt']);
  const snoop = a.findings.find((f) => f.title.startsWith('opensnoop.txt'))!;
  assert.doesNotMatch(snoop.message, /opensnoop\.bt has no such option/, 'the seed header fits bcc as well as bpftrace');
  // One fingerprint per problem kind and file.
  assert.equal(new Set(a.findings.map((f) => f.fingerprint)).size, 4);
});

test('popularity: what the capture really lacks (strace-main without -f and times, opensnoop without -T, iostat without -t, unread ground truth)', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(byTitle(a.findings), [
    '18 files not recognized',
    'iostat-json.txt: samples without times',
    'iostat.txt: samples without times',
    'opensnoop-bt.txt: opens without times',
    'opensnoop.txt: opens without times',
    'strace-main.txt: strace followed one thread',
    'strace-main.txt: strace without timestamps',
  ]);
  const follow = a.findings.find((f) => f.title === 'strace-main.txt: strace followed one thread')!;
  assert.match(follow.message, /traced only thread 26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\).*other threads 26265, 26415 and 26460/);
  const bt = a.findings.find((f) => f.title.startsWith('opensnoop-bt.txt'))!;
  assert.match(bt.message, /the bpftrace opensnoop\.bt has no such option\): its 10727 opens/);
  const unread = a.findings.find((f) => f.title === '18 files not recognized')!;
  assert.match(unread.message, /^18 files were not read, because no parser recognizes them: groundtruth\/app-pid\.txt, groundtruth\/app-stdout\.log/);
  assert.ok(!unread.message.includes('README-capture.md'), 'Markdown is ignored by default');
  // strace-f.txt has -f -tt -T -y and filetop's TIDs are all in ps: no finding about them.
  assert.ok(a.findings.every((f) => !f.message.includes('strace-f.txt') && !f.title.includes('Threads')));
});

test('no thread mapping: filetop TIDs without ps; then with a ps that missed the thread', async () => {
  const { 'ps-eLf.txt': _ps, ...withoutPs } = GOOD;
  await withBundle({ ...withoutPs, 'strace-f.txt': STRACE_F.replaceAll('4250', '4251') }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    const f = a.findings.find((x) => x.title === 'Threads without their process');
    assert.ok(f, byTitle(a.findings).join(', '));
    assert.equal(f.message, 'filetop shows I/O by thread 4250 (java) that no tool maps to a process: the bundle has no thread listing (ps -efT or ps -eLf), and filetop prints thread ids only. Their I/O cannot be charged to a process or a command line.');
    assert.deepEqual(f.entities, { tids: [4250] });
    assert.deepEqual(f.evidence, [{ file: 'filetop.txt', line: 4 }]);
    assert.deepEqual(f.collect, ['ps -eLf > ps-eLf.txt   (during the filetop run)']);
  });
  const psWithout4250 = PS.split('\n').filter((l) => !l.includes(' 4250 ')).join('\n');
  await withBundle({ ...GOOD, 'ps-eLf.txt': psWithout4250, 'strace-f.txt': STRACE_F.replaceAll('4250', '4251') }, async (dir) => {
    const f = (await analyzeWith(dir, [rule])).findings.find((x) => x.title === 'Threads without their process')!;
    assert.match(f.message, /ps -efT\/-eLf ran, but not while these threads lived/);
    // Below the I/O threshold the thread is not worth a note.
    const quiet = await analyzeWith(dir, [rule], { rules: { 'capture-quality': ['note', { min_thread_io_bytes: 64 * 1024 * 1024 }] } });
    assert.ok(!quiet.findings.some((x) => x.title === 'Threads without their process'));
  });
});

test('since-boot only: iostat run once prints only its since-boot report', async () => {
  await withBundle({ ...GOOD, 'iostat-t.txt': BANNER + iostatReport('17:35:30') }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(byTitle(a.findings), ['iostat-t.txt: since-boot averages only']);
    const f = a.findings[0]!;
    assert.equal(f.message, "iostat-t.txt holds only iostat's first report, the averages since boot: no interval sample, so nothing in it describes the capture window (1 since-boot record).");
    assert.deepEqual(f.evidence, [{ file: 'iostat-t.txt', line: 5 }]);
    assert.deepEqual(f.collect, ['S_TIME_FORMAT=ISO iostat -dxt 1 30 > iostat-t.txt']);
  });
});

test('a file cut short: unparsed last line, with the parser hint as the command', async () => {
  const cut = IOSTAT_T + 'vda             54.20   2520.36     8.42  13.4';
  await withBundle({ ...GOOD, 'iostat-t.txt': cut }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    const f = a.findings.find((x) => x.title.startsWith('iostat-t.txt'))!;
    assert.equal(f.title, 'iostat-t.txt: cut short');
    assert.match(f.message, /^1 of 15 lines of iostat-t\.txt could not be read \(first at iostat-t\.txt:15: expected the device name then 22 values .*\); its last line is cut/);
    assert.deepEqual(f.evidence, [{ file: 'iostat-t.txt', line: 15 }]);
    assert.match(f.collect?.[0] ?? '', /iostat -t -x 1 > iostat\.txt/);
  });
});

test('tool failures: an empty file, an error instead of output, strace that could not attach; lost events', async () => {
  const denied = 'strace: attach: ptrace(PTRACE_SEIZE, 4242): Operation not permitted\n';
  const partly = 'strace: Process 4242 attached\nselect(0, NULL, NULL, NULL, {tv_sec=0, tv_usec=5}) = 0 (Timeout)\nstrace: attach: ptrace(PTRACE_SEIZE, 4250): Operation not permitted\n';
  const lost = OPENSNOOP_T + 'Possibly lost 12 samples\n';
  await withBundle({ ...GOOD, 'vmstat.txt': '', 'strace-denied.txt': denied, 'strace-partly.txt': partly, 'opensnoop.txt': lost }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    const titles = byTitle(a.findings);
    for (const t of ['vmstat.txt is empty', 'opensnoop.txt: events lost', 'strace-denied.txt: the tool could not run', 'strace-partly.txt: strace reported errors']) assert.ok(titles.includes(t), `${t} in ${titles.join(', ')}`);
    assert.ok(!titles.some((t) => t.endsWith('not recognized')), 'the error file is a failed tool, not an unknown file');
    const snoop = a.findings.find((f) => f.title === 'opensnoop.txt: events lost')!;
    assert.deepEqual(snoop.evidence, [{ file: 'opensnoop.txt', line: 3 }]);
    const denial = a.findings.find((f) => f.title === 'strace-denied.txt: the tool could not run')!;
    // The timeline quotes the first 60 characters of an unrecognized file.
    assert.equal(denial.message, 'strace-denied.txt holds an error message instead of output (it begins "strace: attach: ptrace(PTRACE_SEIZE, 4242): Operation not pe"): the tool did not run, so nothing it would have shown is in this bundle.');
    const partial = a.findings.find((f) => f.title === 'strace-partly.txt: strace reported errors')!;
    assert.match(partial.message, /^strace reported 1 error in strace-partly\.txt \(first: "attach: ptrace\(PTRACE_SEIZE, 4250\): Operation not permitted"\)/);
    assert.deepEqual(partial.evidence, [{ file: 'strace-partly.txt', line: 3 }]);
  });
});

test('clocks: UTC instants beside local times without a timezone', async () => {
  const { 'date.txt': _date, ...noDate } = GOOD;
  const ttt = STRACE_F.replace(/17:35:31\.000100/, '1795714531.000100').replace(/17:35:31\.000200/, '1795714531.000200');
  await withBundle({ ...noDate, 'strace-f.txt': ttt }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    const f = a.findings.find((x) => x.title === 'UTC and local times cannot be aligned');
    assert.ok(f, byTitle(a.findings).join(', '));
    assert.match(f.message, /^strace-f\.txt prints UTC instants while .*iostat-t\.txt.* local wall-clock times/);
    assert.deepEqual(f.collect, ['date -Ins > date.txt']);
  });
});

test('options: ignore_problems and ignore_unrecognized', async () => {
  await withBundle({ ...GOOD, 'notes.txt': 'collected by hand\n', 'extra/README': 'see ticket\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(byTitle(a.findings), ['1 file not recognized']);
    assert.deepEqual(a.findings[0]!.evidence, [{ file: 'notes.txt', line: 1 }]);
    const ignored = await analyzeWith(dir, [rule], { rules: { 'capture-quality': ['note', { ignore_unrecognized: ['notes.*', 'README*'] }] } });
    assert.deepEqual(ignored.findings, []);
    const off = await analyzeWith(dir, [rule], { rules: { 'capture-quality': ['warning', { ignore_problems: ['unrecognized-files'] }] } });
    assert.deepEqual(off.findings, []);
  });
  await assert.rejects(analyzeWith(seed, [rule], { rules: { 'capture-quality': ['note', { ignore_problems: ['no-such-kind'] }] } }), /capture-quality options/);
});

test('the rule needs no input: it runs (and stays quiet) on a bundle with one df file', async () => {
  await withBundle({ 'df.txt': 'Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/sda1       30309212 8713640  21578552  29% /\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'ran');
    assert.deepEqual(a.findings, []);
  });
});

test('fingerprints: one per problem kind and file, the same across runs and PIDs', async () => {
  const a = await analyzeWith(seed, [rule]);
  const b = await analyzeWith(seed, [rule]);
  assert.deepEqual(a.findings.map((f) => f.fingerprint), b.findings.map((f) => f.fingerprint));
  await withBundle({ 'strace-p.txt': 'strace: Process 999 attached\nselect(0, NULL, NULL, NULL, {tv_sec=0, tv_usec=5}) = 0 (Timeout)\n' }, async (dir) => {
    const other = await analyzeWith(dir, [rule]);
    const follow = (fs: readonly Finding[]): string | undefined => fs.find((f) => f.title.endsWith('strace followed one thread'))?.fingerprint;
    assert.ok(follow(other.findings));
    assert.equal(follow(other.findings), follow(a.findings), 'pid 999 or 12280: same problem, same file');
  });
});

test('a file the collector cut at its size cap, and a command that failed per the manifest, are named', async () => {
  const manifest = {
    version: '1.0.0',
    files: [
      { path: 'iostat.txt', command: 'iostat -dxt 1 30', started_at: '2024-01-02T10:00:00Z', ended_at: '2024-01-02T10:00:30Z', exit_status: 0, truncated: true },
      { path: 'pidstat.txt', command: 'pidstat -d 1 30', started_at: '2024-01-02T10:00:00Z', ended_at: '2024-01-02T10:00:01Z', exit_status: 1 },
    ],
  };
  const iostat = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n01/02/24 10:00:01\nDevice            r/s     w/s     rkB/s     wkB/s   rrqm/s   wrqm/s  %rrqm  %wrqm r_await w_await aqu-sz rareq-sz wareq-sz  svctm  %util\nsda              0.00    1.00      0.00      4.00     0.00     0.00   0.00   0.00    0.00    1.00   0.00     0.00     4.00   1.00   0.10\n';
  const pidstat = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n10:00:00      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command\n';
  await withBundle({ 'manifest.json': JSON.stringify(manifest), 'iostat.txt': iostat, 'pidstat.txt': pidstat }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    const cut = a.findings.find((f) => f.title === 'iostat.txt was cut short by the collector');
    assert.match(cut?.message ?? '', /cut iostat\.txt at its size limit/);
    assert.deepEqual(cut?.evidence, [{ file: 'iostat.txt', line: 5 }]);
    const failed = a.findings.find((f) => f.title === 'pidstat.txt holds no data');
    assert.match(failed?.message ?? '', /exited with status 1/);
  });
});
