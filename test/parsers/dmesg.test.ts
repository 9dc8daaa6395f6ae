/**
 * The dmesg parser on one ring buffer recorded four ways (default, -T, -x, -r) and on the kernel's own
 * wording of the messages a slow-I/O case turns on. See docs/parsers/dmesg.md and
 * test/fixtures/dmesg/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser as dmesg, classifyKernelMessage } from '../../src/parsers/dmesg.js';
import { detector } from '../../src/sniff/detectors/dmesg.js';
import { validateRecord } from '../../src/timeline/schemas.js';
import { assertCoverageInvariant, fixture, parseFile, repoRoot } from '../helpers.js';

const work = mkdtempSync(join(tmpdir(), 'perftriage-dmesg-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let seq = 0;
function writeTemp(text: string): string {
  const path = join(work, `f${seq++}.txt`);
  writeFileSync(path, text);
  return path;
}

const RECORDED = ['recorded-dmesg.txt', 'recorded-dmesg-T.txt', 'recorded-dmesg-x.txt', 'recorded-dmesg-r.txt', 'recorded-dmesg-iso.txt'];

test('the five recorded forms: every line read, the same messages, valid records', () => {
  const results = RECORDED.map((name) => parseFile(dmesg, fixture('dmesg', name)));
  const lines = readFileSync(fixture('dmesg', 'recorded-dmesg.txt'), 'utf8').split('\n').filter((l) => l !== '');
  for (const r of results) {
    assertCoverageInvariant(r);
    assert.equal(r.coverage.unparsed, 0, r.file);
    assert.equal(r.coverage.data, lines.length, `${r.file}: every line fed a message`);
    for (const record of r.records) assert.deepEqual(validateRecord(record).errors, [], `${r.file}:${record.source.line}`);
  }
  // One message per prefixed line: the line without a prefix joined the one before it.
  const prefixed = lines.filter((l) => l.startsWith('[')).length;
  assert.ok(prefixed < lines.length, 'the capture has a continuation line');
  for (const r of results) assert.equal(r.records.length, prefixed, r.file);
  const messages = results.map((r) => r.records.map((x) => x.message));
  for (const m of messages.slice(1)) assert.deepEqual(m, messages[0]);
});

test('seconds since boot, local time, and levels from -x and -r agree', () => {
  const [plain, localTime, named, raw, iso] = RECORDED.map((name) => parseFile(dmesg, fixture('dmesg', name)).records);
  const firstLine = readFileSync(fixture('dmesg', 'recorded-dmesg.txt'), 'utf8').split('\n')[0]!;
  assert.deepEqual(plain![0]!.time, { clock: 'relative', rel: Number(/\[ *([\d.]+)\]/.exec(firstLine)![1]) });
  assert.equal(named![0]!.time!.rel, plain![0]!.time!.rel);
  const tLine = readFileSync(fixture('dmesg', 'recorded-dmesg-T.txt'), 'utf8').split('\n')[0]!;
  assert.match(tLine, /^\[Fri Nov 27 20:24:03 2026\]/);
  assert.deepEqual(localTime![0]!.time, { clock: 'local', iso: '2026-11-27T20:24:03', epoch: Date.UTC(2026, 10, 27, 20, 24, 3) / 1000 });
  // --time-format iso: an instant with its offset (`2026-11-27T20:24:03,000000+00:00`).
  assert.match(readFileSync(fixture('dmesg', 'recorded-dmesg-iso.txt'), 'utf8'), /^2026-11-27T20:24:03,000000\+00:00 Linux version/);
  assert.deepEqual(iso![0]!.time, { clock: 'utc', iso: '2026-11-27T20:24:03Z', epoch: Date.UTC(2026, 10, 27, 20, 24, 3) / 1000 });
  // -x names the level and facility; -r gives the number they come from: the same for every message.
  assert.deepEqual(raw!.map((r) => [r.level, r.facility]), named!.map((r) => [r.level, r.facility]));
  assert.ok(named!.some((r) => r.level === 'warn') && named!.every((r) => r.facility === 'kern'));
});

test('a message holding a newline: its second line, unprefixed, joins it', () => {
  const records = parseFile(dmesg, fixture('dmesg', 'recorded-dmesg-x.txt')).records;
  const amd = records.find((r) => r.source.line === 285)!;
  assert.equal(amd.message, 'amd_pstate: The CPPC feature is supported but currently disabled by the BIOS.\nPlease enable it if your BIOS has the CPPC option.');
  assert.equal(records.find((r) => r.source.line === 287)!.message, 'amd_pstate: the _CPC object is not present in SBIOS or ACPI disabled');
});

test('the messages of a slow-I/O case carry their facts', () => {
  const result = parseFile(dmesg, fixture('dmesg', 'synthetic-slow-io-events.txt'));
  assert.equal(result.coverage.unparsed, 0);
  const at = (line: number): Record<string, unknown> => {
    const r = result.records.find((x) => x.source.line === line)!;
    const { kind: _k, source: _s, time: _t, message: _m, ...facts } = r;
    return facts;
  };
  assert.deepEqual(at(1), { event: 'hung-task', comm: 'python', tid: 12280, blocked_s: 120 });
  assert.deepEqual(at(12), { event: 'hung-task', comm: 'jbd2/sda1-8', tid: 354, blocked_s: 120 });
  assert.deepEqual(at(13), { event: 'hung-task', comm: 'kworker/u16:2', tid: 8123, blocked_s: 241 });
  assert.deepEqual(at(14), { event: 'io-error', error: 'I/O', device: 'sdb', sector: 2048, op: 'WRITE' });
  assert.deepEqual(at(15), { event: 'io-error', error: 'Buffer I/O', device: 'sdb1', block: 0 });
  assert.deepEqual(at(16), { event: 'fs-error', filesystem: 'EXT4-fs', device: 'sdb1' });
  assert.deepEqual(at(17), { event: 'disk-error', device: 'sdb' });
  assert.deepEqual(at(19), { event: 'io-error', error: 'critical medium', device: 'sdb', sector: 4096, op: 'READ' });
  assert.deepEqual(at(21), { event: 'io-error', error: 'I/O', device: 'sdc', sector: 100 });
  assert.deepEqual(at(23), { event: 'fs-error', filesystem: 'XFS', device: 'dm-0' });
  assert.deepEqual(at(24), { event: 'fs-error', filesystem: 'BTRFS', device: 'sdd1' });
  assert.deepEqual(at(25), { event: 'disk-error', device: 'nvme0' });
  assert.deepEqual(at(26), { event: 'disk-error', device: 'sde' });
  assert.deepEqual(at(27), { event: 'oom-kill', pid: 4242, comm: 'java' });
  assert.deepEqual(at(28), { event: 'oom-kill', pid: 4343, comm: 'node', cgroup: true });
  assert.deepEqual(at(29), { event: 'soft-lockup', cpu: 3, stuck_s: 23, comm: 'kworker/3:1', tid: 1234 });
  assert.deepEqual(at(31), { event: 'hard-lockup', cpu: 2 });
  assert.deepEqual(at(32), { event: 'rcu-stall', rcu: 'rcu_preempt', self_detected: true });
  assert.deepEqual(at(33), { event: 'rcu-stall', rcu: 'rcu_sched', self_detected: false, cpus: [3, 5] });
  assert.deepEqual(at(34), { event: 'rcu-stall', rcu: 'rcu_sched', self_detected: false });
  // The lines around them say nothing of their own: the call trace, the sense key, a mount.
  for (const line of [2, 5, 7, 18, 30]) assert.deepEqual(at(line), {}, `line ${line}`);
  for (const r of result.records) assert.deepEqual(validateRecord(r).errors, [], `line ${r.source.line}`);
});

test('no fact from a message that only mentions the words', () => {
  assert.equal(classifyKernelMessage('EXT4-fs (sda1): mounted filesystem with ordered data mode'), undefined);
  assert.equal(classifyKernelMessage('task:python state:D stack:0 pid:12280'), undefined);
  assert.equal(classifyKernelMessage('systemd[1]: Started Out of memory: daemon.'), undefined);
  assert.equal(classifyKernelMessage('rcu: Hierarchical RCU implementation.'), undefined);
  assert.equal(classifyKernelMessage('NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.'), undefined);
});

test('lines without a dmesg prefix are unparsed, named; a file of them is not dmesg', () => {
  const text = '[  1.000000] first\nsome note pasted in\n[  2.000000] second\n';
  const r = parseFile(dmesg, writeTemp(text));
  assert.deepEqual([r.coverage.data, r.coverage.unparsed], [2, 1]);
  assert.equal(r.diagnostics.find((d) => d.code === 'unparsed-line')?.line, 2);
  assert.equal(detector.detect(['Linux 6.1.0 (host) \t11/26/26', '', 'Device r/s']), null);
  assert.equal(detector.detect(['[    0.000000] Linux version 6.1.0', '[    0.000000] Command line: ro'])?.tool, 'dmesg');
});

test('the model ties an error to its device, and a blocked thread to its thread and, by ps -efT, its process', async () => {
  const { buildTimeline } = await import('../../src/timeline/build.js');
  const { buildModel } = await import('../../src/model/build.js');
  const { annotateRecords } = await import('../../src/model/annotate.js');
  const dir = mkdtempSync(join(work, 'bundle-'));
  // The seed case's iostat (sda) and ps -efT (thread 514 of pid 12280), and two kernel messages about them:
  // the kernel names a blocked task by its own id, which is the thread's.
  for (const name of ['iostat-dx.txt', 'ps-efT.txt']) writeFileSync(join(dir, name), readFileSync(join(repoRoot, 'samples', 'seed-case', name)));
  const lines = readFileSync(fixture('dmesg', 'synthetic-slow-io-events.txt'), 'utf8').split('\n');
  writeFileSync(join(dir, 'dmesg.txt'), `${lines[0]!.replace('python:12280', 'python:514')}\n${lines[13]!.replace('dev sdb', 'dev sda')}\n`);
  const timeline = await buildTimeline(dir);
  annotateRecords(timeline.records, buildModel(timeline));
  const kernel = timeline.records.filter((r) => r.kind === 'dmesg.message');
  assert.deepEqual(kernel.map((r) => [r.event, r.entities]), [
    ['hung-task', { thread: 'thread:514', process: 'process:12280' }],
    ['io-error', { device: 'device:sda' }],
  ]);
});
