import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/excessive-logging.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

/** libbpf-tools filetop: one interval per second; `rows` are [tid, comm, writes, W_Kb, file]. */
function filetop(intervals: [number, string, number, number, string][][]): string {
  return intervals
    .map((rows, i) => {
      const head = `10:00:0${i + 1} loadavg: 0.50 0.40 0.30 2/200 4300\n\nTID     COMM             READS  WRITES R_Kb    W_Kb    T FILE\n`;
      return head + rows.map(([tid, comm, writes, kb, file]) => `${String(tid).padEnd(8)}${comm.padEnd(17)}${'0'.padEnd(7)}${String(writes).padEnd(7)}${'0'.padEnd(8)}${String(kb).padEnd(8)}R ${file}\n`).join('');
    })
    .join('\n');
}

const PS = [
  'UID        PID  PPID   LWP  C NLWP STIME TTY          TIME CMD',
  'app       4242     1  4242  3    2 09:00 ?        00:01:00 /usr/bin/java -jar /srv/app.jar',
  'app       4242     1  4250 40    2 09:00 ?        00:10:00 /usr/bin/java -jar /srv/app.jar',
  '',
].join('\n');

/** strace -f -tt -T -y: `n` writes of 180 bytes per second to fd 3 (the log), over `seconds` seconds. */
function straceLog(seconds: number, perSecond: number, fdText = '3</var/log/app/app.log>'): string {
  const lines = ['strace: Process 4242 attached with 2 threads'];
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < perSecond; k++) {
      const us = String(Math.floor((k * 1e6) / perSecond)).padStart(6, '0');
      lines.push(`[pid  4250] 10:00:0${s}.${us} write(${fdText}, "2026-01-01 DEBUG request handled in 3 ms ..."..., 180) = 180 <0.000020>`);
    }
  }
  lines.push('[pid  4250] 10:00:04.500000 futex(0x7f00, FUTEX_WAIT_PRIVATE, 0, NULL) = 0 <0.000010>');
  lines.push('strace: Process 4242 detached');
  lines.push('strace: Process 4250 detached');
  return lines.join('\n') + '\n';
}

test('filetop: thread 4250 of pid 4242 writes app.log in every interval: fires with the rate and the rows', async () => {
  const rows = (w: number): [number, string, number, number, string][] => [
    [4250, 'java', w, Math.round((w * 200) / 1024), 'app.log'],
    [4250, 'java', 1, 4, 'data.bin'],
  ];
  await withBundle({ 'filetop.txt': filetop([rows(900), rows(1100), rows(1000)]), 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.equal(f.severity, 'warning');
    assert.deepEqual(f.entities, { paths: ['app.log'], pids: [4242], tids: [4250] });
    assert.match(f.message, /^Thread 4250 of pid 4242 \(\/usr\/bin\/java -jar \/srv\/app\.jar\) appends to the log app\.log without pause: filetop: 3000 writes \(1000 a second, /);
    assert.match(f.message, /in 3 of 3 filetop intervals \(10:00:01–10:00:03\)/);
    // The busiest interval first (1100 writes: the second interval's first row, line 10).
    assert.deepEqual(f.evidence[0], { file: 'filetop.txt', line: 10 });
    assert.match(f.recommendation, /Lower the log level of \/usr\/bin\/java -jar \/srv\/app\.jar .*at run time if the application allows it.*then restart it/);
    assert.ok(f.collect?.[0]?.startsWith('strace -f -tt -T -y -e trace=write,writev,pwrite64 -p 4242'));
  });
});

test('strace -y: writes to 3</var/log/app/app.log> every second fire; the same process and file from filetop merge into one finding', async () => {
  await withBundle({ 'strace.txt': straceLog(4, 200), 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.deepEqual(f.entities, { paths: ['/var/log/app/app.log'], pids: [4242], tids: [4250] });
    assert.match(f.message, /appends to the log \/var\/log\/app\/app\.log without pause: strace: 800 writes \(\d+ a second, .*about 180 B each\) in 4 of 5 seconds of the strace/);
    assert.equal(f.collect, undefined, 'a timed strace is there already');
    assert.deepEqual(f.evidence[0], { file: 'strace.txt', line: 2 });
  });
  const rows: [number, string, number, number, string][] = [[4250, 'java', 800, 140, 'app.log']];
  await withBundle({ 'strace.txt': straceLog(4, 200), 'filetop.txt': filetop([rows, rows]), 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1, 'one finding for pid 4242 and app.log');
    assert.match(a.findings[0]!.message, /filetop: 1600 writes .*; strace: 800 writes/);
  });
});

test('strace without -y: lsof names fd 3 as the log', async () => {
  const lsof = ['COMMAND  PID USER   FD   TYPE DEVICE SIZE/OFF   NODE NAME', 'java    4242  app    3w   REG  254,0   123456 400001 /var/log/app/app.log', ''].join('\n');
  await withBundle({ 'strace.txt': straceLog(4, 100, '3'), 'lsof.txt': lsof, 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.deepEqual(a.findings[0]!.entities.paths, ['/var/log/app/app.log']);
  });
});

test('quiet: a few log lines a second, a one-interval burst, or busy writes to a data file do not fire', async () => {
  const quiet: [number, string, number, number, string][] = [[4250, 'java', 3, 1, 'app.log']];
  const data: [number, string, number, number, string][] = [[4250, 'java', 5000, 40000, 'data.bin']];
  const burst: [number, string, number, number, string][] = [[4250, 'java', 5000, 900, 'app.log']];
  await withBundle({ 'filetop.txt': filetop([[...quiet, ...data], [...quiet, ...data], [...quiet, ...data]]), 'ps-eLf.txt': PS }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, [], '3 small writes a second to app.log is normal; data.bin is not a log');
  });
  await withBundle({ 'filetop.txt': filetop([data, burst, data, data]), 'ps-eLf.txt': PS }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, [], 'a burst in 1 of 4 intervals is not sustained');
    const lowered = await analyzeWith(dir, [rule], { rules: { 'excessive-logging': ['warning', { min_samples: 1, min_fraction: 0.25 }] } });
    assert.equal(lowered.findings.length, 1, 'options can accept a single interval');
  });
});

test('options: extra_log_patterns makes other files logs; thresholds can be raised', async () => {
  const rows: [number, string, number, number, string][] = [[4250, 'java', 400, 80, 'trace.out']];
  await withBundle({ 'filetop.txt': filetop([rows, rows, rows]), 'ps-eLf.txt': PS }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
    const a = await analyzeWith(dir, [rule], { rules: { 'excessive-logging': ['note', { extra_log_patterns: ['\\.out$'] }] } });
    assert.equal(a.findings.length, 1);
    assert.equal(a.findings[0]!.severity, 'note');
    const b = await analyzeWith(dir, [rule], { rules: { 'excessive-logging': ['warning', { extra_log_patterns: ['\\.out$'], min_writes_per_s: 1000 }] } });
    assert.deepEqual(b.findings, []);
  });
});

test('the fingerprint is the command and the folded path, not the pid', async () => {
  const rows = (tid: number): [number, string, number, number, string][] => [[tid, 'java', 500, 100, 'app.log']];
  const ps2 = PS.replaceAll('4242', '5252').replaceAll('4250', '5260');
  const a = await withBundle({ 'filetop.txt': filetop([rows(4250), rows(4250)]), 'ps-eLf.txt': PS }, (dir) => analyzeWith(dir, [rule]));
  const b = await withBundle({ 'filetop.txt': filetop([rows(5260), rows(5260)]), 'ps-eLf.txt': ps2 }, (dir) => analyzeWith(dir, [rule]));
  assert.equal(a.findings.length, 1);
  assert.equal(a.findings[0]!.fingerprint, b.findings[0]!.fingerprint);
});

test('seed case: no log file is written: no finding', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
});

test('popularity: the app writes its stdout (/tmp/popularity-app.out) once per request, no log: no finding', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(a.findings, []);
});

test('without filetop or strace the rule is skipped and says what to collect', async () => {
  await withBundle({ 'ps-eLf.txt': PS }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'filetop or a timed strace -y', collect: 'filetop -C 1 30 > filetop.txt' }]);
  });
});
