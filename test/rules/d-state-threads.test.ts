import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/d-state-threads.js';
import { fixture, repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, bundleFiles, withBundle } from './helpers.js';
import { psThreads, top, vmstat } from './system-fixtures.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: jbd2/sda1-8 (pid 354) in D in both top snapshots, tied to the busy sda; python (D once) is not sustained', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.rule, 'd-state-threads');
  assert.equal(f.severity, 'warning');
  assert.equal(
    f.message,
    "354 ([jbd2/sda1-8]) was in uninterruptible sleep (D) in 2 of 2 snapshots (14:27:02–14:27:05) (a kernel thread); its name refers to sda1 on sda, and sda (%util up to 98%, requests waited up to 18.1 s) was busy.",
  );
  assert.deepEqual(f.entities, { pids: [354], devices: ['sda'] });
  assert.deepEqual(f.evidence, [
    { file: 'top.txt', line: 13 },
    { file: 'top.txt', line: 24 },
  ]);
  assert.match(f.recommendation, /wait for sda/);
  assert.ok(f.collect?.includes('ps -L -o pid,tid,stat,wchan:32,comm -p 354 > ps-threads.txt   (what each thread waits in)'));
  // With one snapshot enough, the app's own D row (14:27:05, top.txt:23) shows too, tied to sda by its files.
  const loose = await analyzeWith(seed, [rule], { rules: { 'd-state-threads': ['note', { min_snapshots: 1 }] } });
  const app = loose.findings.find((x) => x.entities.pids?.[0] === 12280);
  assert.ok(app);
  assert.match(app.message, /^12280 \(\/usr\/local\/bin\/python \/app\.py\) was in uninterruptible sleep \(D\) in 1 of 2 snapshots \(14:27:05\);.*its files are on sda/);
  assert.deepEqual(app.evidence, [{ file: 'top.txt', line: 23 }]);
});

test('popularity: no thread stays in D; only two capture tools, once each at 17:35:30 (of 11 snapshots)', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
  const probe = await analyzeWith(popularity, [rule], { rules: { 'd-state-threads': ['note', { min_snapshots: 1, min_fraction: 0 }] } });
  assert.deepEqual(probe.findings.map((f) => f.entities.pids?.[0]).sort(), [26371, 26373]);
  assert.ok(probe.findings.every((f) => /in 1 of 11 snapshots \(17:35:30\)/.test(f.message)));
  assert.ok(!probe.findings.some((f) => f.entities.pids?.includes(26246)), 'the app never shows D');
});

test('a quiet capture gives no finding', async () => {
  const files = {
    'ps-1.txt': psThreads([
      { pid: 4242, tid: 4242, stat: 'Sl', wchan: 'futex_wait_queue', comm: 'worker' },
      { pid: 4242, tid: 4250, stat: 'D', wchan: 'io_schedule', comm: 'worker' },
    ]),
    'ps-2.txt': psThreads([
      { pid: 4242, tid: 4242, stat: 'Sl', wchan: 'futex_wait_queue', comm: 'worker' },
      { pid: 4242, tid: 4250, stat: 'R', comm: 'worker' },
    ]),
    'ps-3.txt': psThreads([
      { pid: 4242, tid: 4242, stat: 'Sl', wchan: 'futex_wait_queue', comm: 'worker' },
      { pid: 4242, tid: 4250, stat: 'S', wchan: 'ep_poll', comm: 'worker' },
    ]),
  };
  await withBundle(files, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, [], 'D in 1 of 3 snapshots is a moment, not a stall');
    assert.equal(a.rules[0]?.status, 'ran');
  });
});

test('threads of top -H tied to their process by ps -eLf, with the wait channel from ps -eLo', async () => {
  const task = (id: number, state: string) => ({ id, state, command: 'worker' });
  const topH = top(
    [
      { time: '10:00:01', tasks: [task(4242, 'S'), task(4250, 'D'), task(4251, 'D'), task(4260, 'D')] },
      { time: '10:00:02', tasks: [task(4242, 'S'), task(4250, 'D'), task(4251, 'S'), task(4260, 'S')] },
      { time: '10:00:03', tasks: [task(4242, 'S'), task(4250, 'D'), task(4251, 'D'), task(4260, 'S')] },
    ],
    true,
  );
  const psELf =
    'UID          PID    PPID     LWP  C NLWP STIME TTY          TIME CMD\n' +
    [4242, 4250, 4251, 4260].map((tid) => `app         4242       1 ${String(tid).padStart(7)}  0    4 10:00 ?        00:00:01 /usr/bin/worker --jobs 4`).join('\n') +
    '\n';
  const psWchan = psThreads([
    { pid: 4242, tid: 4250, stat: 'D', wchan: 'io_schedule', comm: 'worker' },
    { pid: 4242, tid: 4251, stat: 'D', wchan: 'wait_on_page_bit_common', comm: 'worker' },
  ]);
  await withBundle({ 'top-H.txt': topH, 'ps-eLf.txt': psELf, 'ps-threads.txt': psWchan }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.equal(
      f.message,
      '2 threads of 4242 (/usr/bin/worker --jobs 4) stayed in uninterruptible sleep (D): thread 4250 in 4 of 4 snapshots (10:00:01–10:00:03), waiting in io_schedule and thread 4251 in 3 of 4 snapshots (10:00:01–10:00:03), waiting in wait_on_page_bit_common.',
    );
    assert.deepEqual(f.entities, { pids: [4242], tids: [4250, 4251] });
    // Two D rows per thread, most D snapshots first: 4250 (top-H.txt:9, :21), then 4251 (:10, :34).
    assert.deepEqual(f.evidence, [
      { file: 'top-H.txt', line: 9 },
      { file: 'top-H.txt', line: 21 },
      { file: 'top-H.txt', line: 10 },
      { file: 'top-H.txt', line: 34 },
    ]);
    assert.equal(f.title, 'Threads blocked in uninterruptible sleep: /usr/bin/worker --jobs 4');
    // Stricter: D in every snapshot leaves only 4250.
    const strict = await analyzeWith(dir, [rule], { rules: { 'd-state-threads': ['error', { min_fraction: 1 }] } });
    assert.deepEqual(strict.findings[0]!.entities, { pids: [4242], tids: [4250] });
    assert.equal(strict.findings[0]!.severity, 'error');
  });
});

test('the fingerprint names the command, not the pid or tids', async () => {
  const snap = (pid: number) => psThreads([{ pid, tid: pid + 1, stat: 'D', wchan: 'nfs_wait_bit_killable', comm: 'rsync' }]);
  const run = async (pid: number) => withBundle({ 'ps-1.txt': snap(pid), 'ps-2.txt': snap(pid) }, async (dir) => (await analyzeWith(dir, [rule])).findings[0]!);
  const a = await run(100);
  const b = await run(900);
  assert.match(a.message, /thread 101 in 2 of 2 snapshots, waiting in nfs_wait_bit_killable/);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notDeepEqual(a.entities, b.entities);
});

test("without rows that name tasks, vmstat's b sustained still fires, asking for the thread list", async () => {
  const file = vmstat([{ b: 0 }, { b: 2 }, { b: 3 }, { b: 1 }, { b: 0 }]);
  await withBundle({ 'vmstat.txt': file }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    const f = a.findings[0]!;
    assert.equal(f.message, "vmstat's b shows tasks in uninterruptible sleep (D) in 3 of 5 snapshots of vmstat.txt (samples 2–4), up to 3 at once, but no row of this capture names them.");
    assert.deepEqual(f.evidence[0], { file: 'vmstat.txt', line: 5 });
    assert.ok(f.collect?.[0]?.startsWith('ps -eLo pid,tid,stat,wchan:32,comm'));
    const higher = await analyzeWith(dir, [rule], { rules: { 'd-state-threads': ['warning', { min_blocked: 3 }] } });
    assert.deepEqual(higher.findings, []);
  });
});

test('without task states or blocked counts the rule is skipped and says what to collect', async () => {
  await withBundle({ 'df.txt': 'Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/sda1       30309212 8713640  21578552  29% /\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.equal(a.rules[0]?.missing?.[0]?.label, "task states (top, ps with a state column), blocked counts (vmstat) or the kernel's hung-task reports (dmesg)");
  });
});

test("the kernel's hung-task reports: joined to the threads the snapshots show in D, or reported on their own", async () => {
  const events = readFileSync(fixture('dmesg', 'synthetic-slow-io-events.txt'), 'utf8');
  // The seed case, whose top shows jbd2/sda1-8 (354) in D twice and python (12280) in D once, with the kernel's
  // reports of 354, 12280 and a kworker (8123) that no snapshot shows.
  await withBundle(bundleFiles(seed, { 'dmesg.txt': events }), async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    const byPid = (pid: number) => a.findings.find((f) => f.entities.pids?.[0] === pid);
    const jbd2 = byPid(354)!;
    assert.match(jbd2.message, /in 2 of 2 snapshots \(14:27:02–14:27:05\) \(a kernel thread\); the kernel reported jbd2\/sda1-8 \(task 354\) blocked for more than 120 s; its name refers to sda1 on sda/);
    assert.deepEqual(jbd2.evidence, [{ file: 'top.txt', line: 13 }, { file: 'top.txt', line: 24 }, { file: 'dmesg.txt', line: 12 }]);
    // python was in D in one snapshot only: not held by the snapshots, but the kernel saw it blocked for 120 s.
    const app = byPid(12280)!;
    assert.equal(app.message, 'The kernel reported python (task 12280) blocked for more than 120 s (1452.371412 s after boot): 12280 (/usr/local/bin/python /app.py) stayed in uninterruptible sleep (D) that long without a break; the snapshots of this capture do not show it staying in D (the report may be older than them).');
    assert.deepEqual(app.entities, { pids: [12280], tids: [12280] });
    assert.deepEqual(app.evidence, [{ file: 'dmesg.txt', line: 1 }]);
    const kworker = a.findings.find((f) => f.entities.tids?.[0] === 8123)!;
    assert.match(kworker.message, /^The kernel reported kworker\/u16:2 \(task 8123\) blocked for more than 241 s \(1572\.3719 s after boot\): task 8123 \(kworker\/u16:2\) .*; no snapshot of this capture shows it\.$/);
    assert.equal(a.findings.length, 3);
  });
  // dmesg alone is enough for the rule to run.
  await withBundle({ 'dmesg.txt': events }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'ran');
    assert.deepEqual(a.findings.map((f) => f.entities.tids).sort(), [[12280], [354], [8123]]);
  });
});
