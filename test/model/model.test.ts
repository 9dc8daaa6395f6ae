/**
 * The model on the two reference cases. The popularity capture is real (../shared); its ground truth
 * says what really happened. The seed sample is the case study rebuilt in samples/seed-case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import type { DeviceEntity } from '../../src/model/types.js';
import { buildIoBalance } from '../../src/model/io.js';
import { buildTimeline } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { annotateRecords } from '../../src/model/annotate.js';
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
  assert.ok(pattern, model.patterns.map((p) => p.pattern).join(', '));
  assert.equal(pattern.directories, 2);
  assert.equal(pattern.files, 6);
  assert.equal(pattern.mount, 'mount:/');
  assert.deepEqual(pattern.pids, [12280]);
  // filetop's 669.txt, 670.txt… are not among opensnoop's paths: they join by shape, as a guess.
  assert.deepEqual(pattern.tids, [514]);
  const join = model.links.find((l) => l.relation === 'basename-of' && l.from === 'thread:514' && l.to === pattern.id);
  assert.equal(join?.confidence, 'guess');
  assert.equal(join?.evidence[0]?.file, 'filetop.txt');
  // The exact name 651.txt is in both tools: that one joins the file itself.
  const exact = model.links.find((l) => l.relation === 'basename-of' && l.to === 'file:/tmp/9046db9e-fe25-11e8-b13f-0242ac110002/651.txt');
  assert.equal(exact?.confidence, 'likely');
});

test('seed case: sda is busy, so the dirty pages pile up behind it (not absorbed by the page cache)', async () => {
  const model = buildModel(await buildTimeline(seed));
  const balance = model.io_balance.find((b) => b.device === 'device:sda');
  assert.equal(balance?.device_busy, true);
  assert.equal(balance?.writeback_backlog, true);
  assert.equal(balance?.page_cache_absorbed, false);
  // 12280's files are on / → sda1 → sda: it is placed there by its files, not by default.
  assert.equal(balance?.by_process.find((p) => p.pid === 12280)?.placement, 'files');
  // loop0 has none of 12280's files, so 12280 is not set against it.
  assert.equal(model.io_balance.find((b) => b.device === 'device:loop0')?.by_process.some((p) => p.pid === 12280) ?? false, false);
});

test('seed case: the timeline records carry the model ids (filetop rows → thread, process, pattern)', async () => {
  const timeline = await buildTimeline(seed);
  const model = buildModel(timeline);
  const annotated = annotateRecords(timeline.records, model);
  assert.ok(annotated > 0);
  const filetopRows = timeline.records.filter((r) => r.kind === 'filetop.file');
  assert.ok(filetopRows.length > 0);
  // The case study's chain, made once: filetop's TID → process, base name → pattern → mount → device.
  for (const r of filetopRows) {
    const { file, ...rest } = r.entities as Record<string, string>;
    assert.deepEqual(rest, { thread: 'thread:514', process: 'process:12280', pattern: 'pattern:/tmp/{uuid}/{n}.txt', mount: 'mount:/', device: 'device:sda' });
    // Only 651.txt is a name opensnoop also saw; the others join by shape.
    assert.equal(file, r.file === '651.txt' ? 'file:/tmp/9046db9e-fe25-11e8-b13f-0242ac110002/651.txt' : undefined);
  }
  const sdaRow = timeline.records.find((r) => r.kind === 'iostat.device' && r.device === 'sda');
  assert.deepEqual(sdaRow?.entities, { device: 'device:sda' });
  const open = timeline.records.find((r) => r.kind === 'opensnoop.open' && String(r.path).endsWith('/651.txt'));
  assert.deepEqual(open?.entities, {
    process: 'process:12280',
    file: 'file:/tmp/9046db9e-fe25-11e8-b13f-0242ac110002/651.txt',
    pattern: 'pattern:/tmp/{uuid}/{n}.txt',
    mount: 'mount:/',
    device: 'device:sda',
  });
  const v = validate('timeline', timeline);
  assert.ok(v.valid, v.errors.slice(0, 5).join('\n'));
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

/** Paths of the app's temp files in the capture's opensnoop and strace outputs, by a plain regex (not the parsers). */
function tempPathsInCapture(): { files: Set<string>; dirs: Set<string> } {
  const files = new Set<string>();
  const re = /\/tmp\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/\d+\.txt/g;
  for (const name of ['opensnoop.txt', 'opensnoop-bt.txt', 'strace-f.txt', 'strace-main.txt']) {
    for (const m of readFileSync(join(popularity, name), 'utf8').matchAll(re)) files.add(m[0]);
  }
  return { files, dirs: new Set([...files].map((f) => f.slice(0, f.lastIndexOf('/')))) };
}

test('popularity without its groundtruth folder: every fact the captured files can show, each with evidence', { skip: skipWithoutShared }, async () => {
  const truth = JSON.parse(readFileSync(join(popularity, 'groundtruth', 'ground-truth.json'), 'utf8')) as {
    app: { pid: number; cmdline: string };
    worker_tids: number[];
    block_device: { name: string; mountpoint: string };
  };
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-pop-'));
  try {
    cpSync(popularity, dir, { recursive: true, filter: (src) => !src.includes(`${sep}groundtruth`) });
    const timeline = await buildTimeline(dir);
    assert.ok(!timeline.files.some((f) => f.path.startsWith('groundtruth/')));
    const model = buildModel(timeline);
    const app = model.processes.find((p) => p.pid === truth.app.pid);
    assert.equal(app?.command, truth.app.cmdline);
    assert.ok(app.evidence.length > 0);
    // Every worker TID of the ground truth is a thread of the app, each proved by some tool's lines.
    for (const tid of truth.worker_tids) {
      const link = model.links.find((l) => l.relation === 'thread-of' && l.from === `thread:${tid}`);
      assert.equal(link?.to, `process:${truth.app.pid}`, `worker ${tid}`);
      assert.ok(link.evidence.length > 0);
      assert.equal(model.threads.find((t) => t.tid === tid)?.is_main, false);
    }
    // 26415 is proved by strace -f too ("Process 26415 attached" after the main thread's clone3).
    assert.ok(model.links.find((l) => l.from === 'thread:26415' && l.relation === 'thread-of')?.via.includes('strace'));
    // The pattern, with the directory and file counts a regex over the raw opensnoop files gives.
    const expected = tempPathsInCapture();
    const pattern = model.patterns.find((p) => p.pattern === '/tmp/{uuid}/{n}.txt');
    assert.equal(pattern?.files, expected.files.size);
    assert.equal(pattern?.directories, expected.dirs.size);
    assert.deepEqual(pattern?.pids, [truth.app.pid]);
    for (const tid of pattern.tids) assert.ok(truth.worker_tids.includes(tid), `pattern tid ${tid} is a worker`);
    assert.equal(pattern.mount, `mount:${truth.block_device.mountpoint}`);
    // The mount and the device, and vda saw almost none of the app's writes.
    assert.equal(model.mounts.find((m) => m.target === '/')?.device, `device:${truth.block_device.name}`);
    const balance = model.io_balance.find((b) => b.device === `device:${truth.block_device.name}`);
    assert.equal(balance?.page_cache_absorbed, true);
    assert.equal(balance?.writeback_backlog, false);
    assert.equal(balance?.by_process[0]?.pid, truth.app.pid);
    assert.equal(balance?.by_process[0]?.placement, 'files');
    assert.ok(balance.evidence.some((e) => e.file === 'pidstat-d.txt'));
    assert.ok(balance.evidence.some((e) => e.file.startsWith('iostat')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('per-device balance: a process is set only against the devices its files are on', () => {
  const stats = (mean: number) => ({ samples: 2, mean, max: mean });
  const device = (name: string, over: Partial<DeviceEntity>): DeviceEntity => ({ id: `device:${name}`, name, partitions: [], parallel: false, evidence: [{ file: 'iostat.txt', line: 1 }], ...over });
  const sda = device('sda', { util_pct: stats(99), write_bytes_per_s: stats(20e6), w_await_s: stats(2) });
  const sdb = device('sdb', { util_pct: stats(1), write_bytes_per_s: stats(0) });
  const row = (pid: number, line: number, wr: number): TimelineRecord => ({
    kind: 'pidstat.task',
    source: { file: 'pidstat-d.txt', line },
    time: { clock: 'utc', iso: `2024-01-01T00:00:0${line}Z`, sample: line, interval_s: 1 },
    pid,
    write_bytes_per_s: wr,
  });
  const records = [row(10, 1, 200e6), row(20, 2, 50e6), row(30, 3, 5e6)];
  // pid 10 writes files on sdb, pid 20 on sda; pid 30 has no known file.
  const balances = buildIoBalance(records, [sda, sdb], new Map([[10, new Set(['device:sdb'])], [20, new Set(['device:sda'])]]));
  const onSda = balances.find((b) => b.device === 'device:sda')!;
  const onSdb = balances.find((b) => b.device === 'device:sdb')!;
  assert.deepEqual(onSda.by_process.map((p) => [p.pid, p.placement]), [[20, 'files'], [30, 'unknown']]);
  assert.deepEqual(onSdb.by_process.map((p) => [p.pid, p.placement]), [[10, 'files'], [30, 'unknown']]);
  assert.equal(onSdb.page_cache_absorbed, true, 'sdb idle while 10 dirties 200 MB/s');
  assert.equal(onSda.page_cache_absorbed, false);
  assert.equal(onSda.device_busy, true);
  assert.equal(onSda.writeback_backlog, false, 'sda writes 20 MB/s, its processes dirty 55 MB/s: not 5x');
});

test('a pid with two unrelated ps command lines, and a tid under two pids, are diagnostics (not silent picks)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-reuse-'));
  try {
    const header = 'UID          PID    PPID  C STIME TTY          TIME CMD\n';
    writeFileSync(join(dir, 'ps-ef-1.txt'), `${header}root      4242       1  0 10:00 ?        00:00:01 /usr/sbin/nginx -g daemon off;\n`);
    writeFileSync(join(dir, 'ps-ef-2.txt'), `${header}root      4242       1  0 10:05 ?        00:00:00 /usr/bin/python3 /srv/job.py\n`);
    const threads = 'UID          PID    SPID    PPID  C STIME TTY          TIME CMD\n';
    writeFileSync(join(dir, 'ps-efT-1.txt'), `${threads}root      5000    5001       1  0 10:00 ?        00:00:01 java -jar a.jar\n`);
    writeFileSync(join(dir, 'ps-efT-2.txt'), `${threads}root      6000    5001       1  0 10:05 ?        00:00:01 java -jar b.jar\n`);
    const model = buildModel(await buildTimeline(dir));
    const reused = model.diagnostics.find((d) => d.code === 'pid-reused');
    assert.match(reused?.message ?? '', /pid 4242 runs "\/usr\/sbin\/nginx -g daemon off;" in one ps snapshot and "\/usr\/bin\/python3 \/srv\/job.py"/);
    assert.deepEqual(reused?.evidence, [{ file: 'ps-ef-1.txt', line: 2 }, { file: 'ps-ef-2.txt', line: 2 }]);
    const twice = model.diagnostics.find((d) => d.code === 'thread-claimed-twice');
    assert.match(twice?.message ?? '', /thread 5001 is listed under processes 5000 and 6000/);
    assert.equal(model.links.find((l) => l.from === 'thread:5001')?.confidence, 'guess');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
