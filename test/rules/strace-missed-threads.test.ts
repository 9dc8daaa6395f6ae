import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/strace-missed-threads.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: strace -p 12280 without -f traced the main thread while thread 514 wrote /tmp/{uuid}/{n}.txt', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.rule, 'strace-missed-threads');
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.entities, { pids: [12280], tids: [514], patterns: ['/tmp/{uuid}/{n}.txt'], devices: ['sda'] });
  assert.equal(
    f.message,
    'strace-p.txt was made without -f and traced only thread 12280 (7 calls: select and stat; no write), while another thread of pid 12280 (/usr/local/bin/python /app.py) did the I/O: 514 (wrote 19.0 MiB per filetop), into /tmp/{uuid}/{n}.txt.',
  );
  // The attach line, filetop's row of 514, and the ps -efT row that makes 514 a thread of 12280.
  assert.deepEqual(f.evidence, [
    { file: 'strace-p.txt', line: 1 },
    { file: 'filetop.txt', line: 6 },
    { file: 'ps-efT.txt', line: 9 },
  ]);
  assert.match(f.recommendation, /strace -f -tt -T -y -p 12280 -o strace-f\.txt/);
  assert.match(f.recommendation, /strace -tt -T -y -p 514 -o strace-514\.txt/);
  assert.deepEqual(f.collect, ['strace -f -tt -T -y -p 12280 -o strace-f.txt', 'strace -tt -T -y -p 514 -o strace-514.txt']);
});

test('popularity: strace-main.txt (no -f) missed the workers 26415, 26265 and 26460; strace-f.txt has 26415\'s writes', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.equal(a.findings.length, 1, 'strace-f.txt was made with -f and is not a finding of its own');
  const f = a.findings[0]!;
  assert.deepEqual(f.entities, { pids: [26246], tids: [26415, 26265, 26460], patterns: ['/tmp/{uuid}/{n}.txt'], devices: ['vda'] });
  assert.match(f.message, /^strace-main\.txt was made without -f and traced only thread 26246 \(34 calls: futex, poll and restart_syscall; no write\), while other threads of pid 26246 \(\/usr\/bin\/python3 \/srv\/app\/popularity_app\.py\) did the I\/O: /);
  assert.match(f.message, /26415 \(wrote 236 MiB per strace-f\.txt, 216 MiB per pidstat -dt, 91\.9 MiB per filetop\)/);
  assert.match(f.message, /26265 \(wrote 141 MiB per filetop; up to 100% CPU in top -H\)/);
  assert.match(f.message, /26460 \(wrote 4\.5 MiB per pidstat -dt\)/);
  assert.match(f.message, /strace-f\.txt, made with -f, does show the writes of 26415\.$/);
  assert.deepEqual(f.evidence.slice(0, 3), [
    { file: 'strace-main.txt', line: 1 },
    { file: 'strace-f.txt', line: 179 },
    { file: 'pidstat-dt.txt', line: 9 },
  ]);
  assert.ok(f.evidence.some((e) => e.file === 'top-H.txt' && e.line === 19), 'the top -H row with 26265 at 99.7%');
  assert.match(f.recommendation, /strace -f -tt -T -y -p 26246 -o strace-f\.txt/);
});

const HEAD = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n';
/** pidstat -dt -p 100: thread 101 writes `kb` kB/s, threads 100 and 102 write nothing. */
function pidstatDt(kb: number): string {
  let out = HEAD;
  for (let s = 1; s <= 3; s++) {
    out += `10:00:0${s - 1}      UID      TGID       TID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command\n`;
    const t = `10:00:0${s}`;
    out += `${t}        0       100         -      0.00 ${kb.toFixed(2).padStart(9)}      0.00       0  python3\n`;
    out += `${t}        0         -       100      0.00      0.00      0.00       0  |__python3\n`;
    out += `${t}        0         -       101      0.00 ${kb.toFixed(2).padStart(9)}      0.00       0  |__python3\n`;
    out += `${t}        0         -       102      0.00      0.00      0.00       0  |__python3\n\n`;
  }
  return out;
}

const STRACE_MAIN = [
  'strace: Process 100 attached',
  'poll([{fd=5, events=POLLIN}], 1, 500)   = 0 (Timeout)',
  'poll([{fd=5, events=POLLIN}], 1, 500)   = 0 (Timeout)',
  'strace: Process 100 detached',
  '',
].join('\n');

const STRACE_F = [
  'strace: Process 100 attached with 3 threads',
  '[pid   100] poll([{fd=5, events=POLLIN}], 1, 500) = 0 (Timeout)',
  '[pid   101] openat(AT_FDCWD, "/data/out/1.bin", O_WRONLY|O_CREAT, 0644) = 3',
  '[pid   101] write(3, "abc"..., 4194304) = 4194304',
  '[pid   101] close(3) = 0',
  '[pid   102] futex(0x55d0, FUTEX_WAIT_PRIVATE, 0, NULL) = 0',
  'strace: Process 100 detached',
  'strace: Process 101 detached',
  'strace: Process 102 detached',
  '',
].join('\n');

function topH(cpu102: number): string {
  const snapshot = (time: string, cpu: number): string =>
    [
      `top - ${time} up 22 min,  0 user,  load average: 0.16, 0.31, 0.19`,
      'Threads:   3 total,   1 running,   2 sleeping,   0 stopped,   0 zombie',
      '%Cpu(s): 50.0 us, 10.0 sy,  0.0 ni, 40.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st ',
      'MiB Mem :  24105.6 total,  23206.7 free,    455.3 used,    692.5 buff/cache     ',
      'MiB Swap:      0.0 total,      0.0 free,      0.0 used.  23650.3 avail Mem ',
      '',
      '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
      `  102 root      20   0  111052  32544  10888 R  ${cpu.toFixed(1).padStart(4)}   0.1   0:02.77 python3`,
      '  100 root      20   0  111052  32528  10888 S   0.3   0.1   0:02.92 python3',
      '',
    ].join('\n');
  return `${snapshot('10:00:01', cpu102)}\n${snapshot('10:00:04', cpu102)}\n`;
}

test('synthetic: strace -p 100 without -f while thread 101 writes 20 MiB/s: names 101 and the commands', async () => {
  await withBundle({ 'strace-main.txt': STRACE_MAIN, 'pidstat-dt.txt': pidstatDt(20480) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.deepEqual(f.entities, { pids: [100], tids: [101] });
    assert.equal(
      f.message,
      'strace-main.txt was made without -f and traced only thread 100 (2 calls: poll; no write), while another thread of pid 100 (python3) did the I/O: 101 (wrote 60.0 MiB per pidstat -dt).',
    );
    assert.deepEqual(f.evidence, [
      { file: 'strace-main.txt', line: 1 },
      { file: 'pidstat-dt.txt', line: 6 },
    ]);
    assert.deepEqual(f.collect, ['strace -f -tt -T -y -p 100 -o strace-f.txt', 'strace -tt -T -y -p 101 -o strace-101.txt']);

    const higher = await analyzeWith(dir, [rule], { rules: { 'strace-missed-threads': ['error', { min_written_bytes: 1024 * 1024 * 1024 }] } });
    assert.deepEqual(higher.findings, []);
  });
});

test('synthetic: a thread busy on CPU in top -H counts as missed unless count_cpu_busy is off', async () => {
  await withBundle({ 'strace-main.txt': STRACE_MAIN, 'pidstat-dt.txt': pidstatDt(0), 'top-H.txt': topH(97.5) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.deepEqual(a.findings[0]!.entities.tids, [102]);
    assert.match(a.findings[0]!.message, /while another thread of pid 100 \(python3\) did the work: 102 \(up to 98% CPU in top -H\)\.$/);
    assert.equal(a.findings[0]!.title, 'strace without -f missed the threads of pid 100 that worked');
    const off = await analyzeWith(dir, [rule], { rules: { 'strace-missed-threads': ['warning', { count_cpu_busy: false }] } });
    assert.deepEqual(off.findings, []);
  });
});

test('quiet: no other thread wrote or worked, or the capture was made with -f: no finding', async () => {
  await withBundle({ 'strace-main.txt': STRACE_MAIN, 'pidstat-dt.txt': pidstatDt(0), 'top-H.txt': topH(2.0) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'ran');
    assert.deepEqual(a.findings, []);
  });
  await withBundle({ 'strace-f.txt': STRACE_F, 'pidstat-dt.txt': pidstatDt(20480), 'top-H.txt': topH(97.5) }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, [], 'strace -f traced 100, 101 and 102');
  });
  const writerOnly = 'strace: Process 101 attached\nwrite(3, "abc"..., 4194304) = 4194304\nstrace: Process 101 detached\n';
  await withBundle({ 'strace-101.txt': writerOnly, 'pidstat-dt.txt': pidstatDt(20480) }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, [], 'strace -p 101 traced the one thread that wrote');
  });
  // The same trace of 101 is attributed to pid 100: with 102 busy on CPU, only 102 is named.
  await withBundle({ 'strace-101.txt': writerOnly, 'pidstat-dt.txt': pidstatDt(20480), 'top-H.txt': topH(97.5) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings.map((f) => [f.entities.pids, f.entities.tids]), [[[100], [102]]]);
    assert.match(a.findings[0]!.message, /^strace-101\.txt was made without -f and traced only thread 101 \(1 call: write; 1 write call, to no known file\)/);
  });
});

test('without strace the rule is skipped and says what to collect', async () => {
  await withBundle({ 'pidstat-dt.txt': pidstatDt(20480) }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'strace', collect: 'strace -f -tt -T -y -p PID -o strace-f.txt' }]);
  });
});

test('the fingerprint names the command, not the pid or the tids', async () => {
  const a = await withBundle({ 'strace-main.txt': STRACE_MAIN, 'pidstat-dt.txt': pidstatDt(20480) }, (dir) => analyzeWith(dir, [rule]));
  const other = STRACE_MAIN.replaceAll('100', '300');
  const moved = pidstatDt(40960).replaceAll('  100 ', '  300 ').replaceAll('  101 ', '  301 ');
  const b = await withBundle({ 'strace-main.txt': other, 'pidstat-dt.txt': moved }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(b.findings[0]!.entities.tids, [301]);
  assert.equal(a.findings[0]!.fingerprint, b.findings[0]!.fingerprint);
});
