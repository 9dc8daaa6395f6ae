import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rule } from '../../src/rules/rules/disk-saturation.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith, withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: sda saturated in its 3 interval samples, with 12280 as the writer', async () => {
  const a = await analyzeWith(seed, [rule]);
  assert.equal(a.findings.length, 1);
  const f = a.findings[0]!;
  assert.equal(f.rule, 'disk-saturation');
  assert.equal(f.severity, 'error');
  assert.deepEqual(f.entities, { devices: ['sda'], pids: [12280] });
  assert.match(f.message, /sda was saturated in 3 of 3 interval samples/);
  assert.match(f.message, /%util up to 98%/);
  assert.match(f.message, /waited up to 18\.1 s/);
  // The worst sample first: iostat-dx.txt:13 has w_await 18118.31 ms.
  assert.deepEqual(f.evidence[0], { file: 'iostat-dx.txt', line: 13 });
  assert.ok(f.evidence.every((e) => e.file === 'iostat-dx.txt' || e.file === 'df.txt'));
});

test('popularity: vda is a parallel virtio disk at 4% %util with no wait: no finding', { skip: skipWithoutShared }, async () => {
  const a = await analyzeWith(popularity, [rule]);
  assert.deepEqual(a.findings, []);
  assert.equal(a.rules[0]?.status, 'ran');
});

const IOSTAT_HEAD = 'Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(4 CPU)\n\n';
const DEV_HEADER = 'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util\n';
function report(device: string, util: number, wAwaitMs: number, queue: number): string {
  const cols = [device.padEnd(12), '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '200.00', '51200.00', '0.00', '0.00', wAwaitMs.toFixed(2), '256.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', queue.toFixed(2), util.toFixed(2)];
  return `${DEV_HEADER}${cols.join(' ')}\n\n`;
}

test('nvme at 100% %util but short waits does not fire; long waits with a queue do', async () => {
  const busyButFine = IOSTAT_HEAD + report('nvme0n1', 1, 1, 0.1) + [1, 2, 3].map(() => report('nvme0n1', 100, 0.8, 0.9)).join('');
  await withBundle({ 'iostat.txt': busyButFine }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.deepEqual(a.findings, [], 'since-boot row excluded; 100% util on NVMe is not saturation');
  });
  const queued = IOSTAT_HEAD + report('nvme0n1', 1, 1, 0.1) + [1, 2, 3].map(() => report('nvme0n1', 100, 120, 30)).join('');
  await withBundle({ 'iostat.txt': queued }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0]!.message, /nvme0n1 serves requests in parallel, so %util \(100%\) is not the measure; requests waited up to 120\.0 ms with 30\.0 queued/);
  });
});

test('a one-sample burst on a serial disk does not fire; options can lower the bar', async () => {
  const burst = IOSTAT_HEAD + report('sdb', 5, 1, 0.1) + report('sdb', 99, 300, 8) + report('sdb', 10, 2, 0.2) + report('sdb', 12, 2, 0.2);
  await withBundle({ 'iostat.txt': burst }, async (dir) => {
    assert.deepEqual((await analyzeWith(dir, [rule])).findings, []);
    const lowered = await analyzeWith(dir, [rule], { rules: { 'disk-saturation': ['warning', { min_samples: 1, min_fraction: 0.3 }] } });
    assert.equal(lowered.findings.length, 1);
    assert.equal(lowered.findings[0]!.severity, 'warning');
  });
});

test('without iostat -x the rule is skipped and says what to collect', async () => {
  await withBundle({ 'df.txt': 'Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/sda1       30309212 8713640  21578552  29% /\n' }, async (dir) => {
    const a = await analyzeWith(dir, [rule]);
    assert.equal(a.rules[0]?.status, 'skipped');
    assert.deepEqual(a.rules[0]?.missing, [{ label: 'iostat -x', collect: 'iostat -dxt 1 30 > iostat.txt' }]);
  });
});

test('the fingerprint depends on the device only', async () => {
  const a = await analyzeWith(seed, [rule]);
  const b = await analyzeWith(seed, [rule], { rules: { 'disk-saturation': ['error', { util_pct: 95 }] } });
  assert.equal(a.findings[0]!.fingerprint, b.findings[0]!.fingerprint);
  assert.match(a.findings[0]!.fingerprint, /^[0-9a-f]{16}$/);
});
