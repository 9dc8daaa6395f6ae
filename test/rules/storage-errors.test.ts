import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rule, wholeDevice } from '../../src/rules/rules/storage-errors.js';
import type { Model } from '../../src/model/types.js';
import { fixture } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const events = readFileSync(fixture('dmesg', 'synthetic-slow-io-events.txt'), 'utf8');

test('one finding per failing device, a partition counting for its disk, with the lines that say so', async () => {
  const a = await withBundle({ 'dmesg.txt': events }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(a.findings.map((f) => f.entities.devices![0]).sort(), ['dm-0', 'nvme0', 'nvme0n1', 'sdb', 'sdc', 'sdd', 'sde']);
  const sdb = a.findings.find((f) => f.entities.devices![0] === 'sdb')!;
  assert.equal(sdb.severity, 'error');
  assert.match(sdb.message, /^The kernel logged 3 failed requests, 1 failed or timed-out command and 1 filesystem error for sdb \(2001\.123456–2001\.4 s after boot\): I\/O error \(WRITE\) on sdb at sector 2048, Buffer I\/O error on sdb1 at block 0, EXT4-fs error on sdb1, \[sdb\] tag#5 FAILED Result/);
  assert.match(sdb.message, /tasks blocked for more than 120 s: python \(task 12280\), jbd2\/sda1-8 \(task 354\) and kworker\/u16:2 \(task 8123\)\.$/);
  // The failed requests first, then the failed command, the filesystem error, the blocked tasks.
  assert.deepEqual(sdb.evidence.map((e) => e.line), [14, 15, 17, 16, 1, 12]);
  assert.deepEqual(sdb.entities, { devices: ['sdb'] });
  assert.match(sdb.recommendation, /smartctl -a \/dev\/sdb/);
  assert.match(sdb.recommendation, /read-only; check it \(fsck, xfs_repair\)/);
  assert.equal(sdb.when, undefined, 'seconds since boot are no clock time');
  // sdd1's BTRFS error counts for sdd; a disk with no filesystem error is not told to run fsck.
  assert.match(a.findings.find((f) => f.entities.devices![0] === 'sdd')!.message, /1 filesystem error for sdd .*BTRFS error on sdd1/);
  assert.doesNotMatch(a.findings.find((f) => f.entities.devices![0] === 'sde')!.recommendation, /fsck/);
});

test('min_errors: devices with fewer error messages are not reported', async () => {
  const a = await withBundle({ 'dmesg.txt': events }, (dir) => analyzeWith(dir, [rule], { rules: { 'storage-errors': ['error', { min_errors: 2 }] } }));
  assert.deepEqual(a.findings.map((f) => f.entities.devices![0]).sort(), ['dm-0', 'sdb']);
});

test('dmesg -T: the finding has its clock times', async () => {
  // The same messages with local times, as dmesg -T prints them.
  const withClock = events.replace(/^\[ *(\d+)\.\d+\]/gm, (_m, s: string) => `[Fri Nov 27 ${String(10 + Math.floor(Number(s) / 3600)).padStart(2, '0')}:${String(Math.floor((Number(s) % 3600) / 60)).padStart(2, '0')}:${String(Number(s) % 60).padStart(2, '0')} 2026]`);
  const a = await withBundle({ 'dmesg.txt': withClock }, (dir) => analyzeWith(dir, [rule]));
  const sdb = a.findings.find((f) => f.entities.devices![0] === 'sdb')!;
  assert.deepEqual(sdb.when, { first: '2026-11-27T10:33:21', last: '2026-11-27T10:33:21' });
  assert.match(sdb.message, /for sdb \(at 2026-11-27T10:33:21\)/);
});

test('a healthy boot log (recorded) gives no finding, though it mounts filesystems', async () => {
  const log = readFileSync(fixture('dmesg', 'recorded-dmesg-x.txt'), 'utf8');
  assert.match(log, /EXT4-fs \(vda\): mounted filesystem/);
  const a = await withBundle({ 'dmesg.txt': log }, (dir) => analyzeWith(dir, [rule]));
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules.find((r) => r.id === 'storage-errors')?.status, 'ran');
});

test('whole devices: partitions by the model, else by their name; an NVMe controller for its only namespace', () => {
  const model = { devices: [{ name: 'nvme1n1', partitions: ['nvme1n1p1'] }, { name: 'mpatha', partitions: ['mpatha1'] }] } as unknown as Model;
  assert.equal(wholeDevice('mpatha1', model), 'mpatha');
  assert.equal(wholeDevice('nvme1n1p1', model), 'nvme1n1');
  assert.equal(wholeDevice('nvme1', model), 'nvme1n1');
  assert.equal(wholeDevice('nvme0', model), 'nvme0');
  assert.equal(wholeDevice('sdb1', model), 'sdb');
  assert.equal(wholeDevice('xvda2', model), 'xvda');
  assert.equal(wholeDevice('mmcblk0p2', model), 'mmcblk0');
  assert.equal(wholeDevice('dm-3', model), 'dm-3');
});
