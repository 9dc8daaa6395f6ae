/**
 * Path folding and grouping: one test per rule, the cases that must NOT fold, the grouping statistics,
 * and the real popularity capture (opensnoop of the app writing /tmp/<uuid1>/<n>.txt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldPath, foldSegment, groupPaths, matchBasename, indexByBasename, dirnameOf, basenameOf, spreadOf, type PathObservation, type PathOp } from '../../src/model/patterns.js';
import { sharedDir, skipWithoutShared } from '../helpers.js';

const fold = (p: string): string => foldPath(p).pattern;
const src = (line: number, file = 'opensnoop.txt') => ({ file, line });

// ---------------------------------------------------------------------------------------------------
// foldPath: the reference cases of the brief

test('the two temp-file paths of the brief fold to /tmp/{uuid}/{n}.txt, with their values in order', () => {
  assert.deepEqual(foldPath('/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/294.txt'), {
    pattern: '/tmp/{uuid}/{n}.txt',
    vars: ['bf482cd4-e9bf-11f1-81e7-02fc00000001', '294'],
  });
  assert.deepEqual(foldPath('/tmp/9046db9e-fe25-11e8-b13f-0242ac110002/650.txt'), {
    pattern: '/tmp/{uuid}/{n}.txt',
    vars: ['9046db9e-fe25-11e8-b13f-0242ac110002', '650'],
  });
});

test('{uuid}: any case, only as a whole 8-4-4-4-12 token', () => {
  assert.equal(fold('/x/BF482CD4-E9BF-11F1-81E7-02FC00000001'), '/x/{uuid}');
  assert.equal(fold('/x/Bf482cD4-e9bf-11F1-81e7-02fc00000001.lock'), '/x/{uuid}.lock');
  assert.equal(fold('/var/lib/kubelet/pods/0f8e2a4b-1c3d-4e5f-8a9b-0c1d2e3f4a5b/volumes'), '/var/lib/kubelet/pods/{uuid}/volumes');
  assert.equal(fold('/x/job-0f8e2a4b-1c3d-4e5f-8a9b-0c1d2e3f4a5b-out'), '/x/job-{uuid}-out');
  // One hex digit short in the last group: not a uuid; its long runs are still hex ids.
  assert.equal(fold('/x/bf482cd4-e9bf-11f1-81e7-02fc0000000'), '/x/{hex}-e9bf-11f1-81e7-{hex}');
  // Glued to letters: not a token boundary, so not a uuid.
  assert.equal(fold('/x/gbf482cd4-e9bf-11f1-81e7-02fc00000001'), '/x/gbf482cd4-e9bf-11f1-81e7-{hex}');
});

test('{hex}: runs of ≥ 8 hex digits with a digit and a letter (container ids, git shas)', () => {
  const id = '3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f';
  assert.deepEqual(foldPath(`/var/lib/docker/containers/${id}/${id}-json.log`), {
    pattern: '/var/lib/docker/containers/{hex}/{hex}-json.log',
    vars: [id, id],
  });
  assert.equal(fold('/srv/.git/objects/ab/cdef0123456789abcdef0123456789abcdef01'), '/srv/.git/objects/ab/{hex}');
  assert.equal(fold('/x/bf482cd4e9bf11f181e702fc00000001'), '/x/{hex}', 'a uuid without dashes');
  assert.equal(fold('/x/a1b2c3d'), '/x/a1b2c3d', '7 chars: too short');
  assert.equal(fold('/x/deadbeef'), '/x/deadbeef', 'no digit: could be a word');
  assert.equal(fold('/x/sha256-abcdef0123456789'), '/x/sha256-{hex}', '`sha256` has non-hex letters and stays');
  assert.equal(fold('/x/12345678'), '/x/{n}', 'all digits is a number, not a hex id');
});

test('{n}: a whole name, a whole stem before extensions, any length', () => {
  assert.equal(fold('/dev/pts/3'), '/dev/pts/{n}');
  assert.equal(fold('/x/0.txt'), '/x/{n}.txt');
  assert.equal(fold('/x/669.txt'), '/x/{n}.txt');
  assert.equal(fold('/x/0001.tar.gz'), '/x/{n}.tar.gz');
  assert.equal(fold('/x/1714567890.log'), '/x/{n}.log', 'an epoch time stamp is a number (not a plausible yyyymmdd)');
  assert.equal(fold('/proc/self/fd/12'), '/proc/self/fd/{n}');
});

test('{n}: embedded numbers of 3 digits or more', () => {
  assert.equal(fold('/var/log/app/log.2024'), '/var/log/app/log.{n}');
  assert.equal(fold('/var/crash/core.12345'), '/var/crash/core.{n}');
  assert.equal(fold('/data/part-00003.parquet'), '/data/part-{n}.parquet');
  assert.equal(fold('/run/app-1234.sock'), '/run/app-{n}.sock');
  assert.deepEqual(foldPath('/x/a-123_b-4567').vars, ['123', '4567']);
});

test('numbers that stay: short embedded ones, versions, shared-library suffixes, version tags', () => {
  for (const p of [
    '/usr/lib/python3.11/os.py',
    '/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so',
    '/etc/ld.so.cache',
    '/lib/x86_64-linux-gnu/libc.so.6',
    '/lib/x86_64-linux-gnu/libLLVM-14.so.1',
    '/lib/x86_64-linux-gnu/libclang-cpp.so.14',
    '/lib/x86_64-linux-gnu/libstdc++.so.6.0.30',
    '/usr/lib/x86_64-linux-gnu/libicuuc.so.72.1',
    '/usr/lib/libfoo.so.100',
    '/lib/x86_64-linux-gnu/../lib/glibc-hwcaps/x86-64-v4/libffi.so.8',
    '/usr/bin/clang-14',
    '/usr/lib/jvm/java-17-openjdk-amd64/lib/modules',
    '/usr/lib/jvm/java-1.8.0-openjdk/jre',
    '/lib/modules/6.1.0-18-amd64/modules.dep',
    '/usr/lib/locale/C.UTF-8/LC_CTYPE',
    '/sys/kernel/debug/tracing/events/syscalls/sys_enter_pread64/id',
    '/sys/block/zram0/stat',
    '/var/log/syslog.1',
    '/run/worker-3.sock',
    '/srv/app/10.0.0.1.conf',
  ]) {
    assert.deepEqual(foldPath(p), { pattern: p, vars: [] }, p);
  }
});

test('{date} and {time}: dashed, underscored and compact dates, with or without a time of day', () => {
  assert.equal(fold('/var/log/app-2024-05-01.log'), '/var/log/app-{date}.log');
  assert.equal(fold('/backup/2024_05_01/dump.sql'), '/backup/{date}/dump.sql');
  assert.equal(fold('/backup/20240501/dump.sql'), '/backup/{date}/dump.sql');
  assert.deepEqual(foldPath('/var/log/app-20240501T123000Z.log'), { pattern: '/var/log/app-{date}T{time}.log', vars: ['20240501', '123000Z'] });
  assert.equal(fold('/backup/2024-05-01T12:30:00/x'), '/backup/{date}T{time}/x');
  assert.equal(fold('/backup/2024_05_01_12-30-00'), '/backup/{date}_{time}');
  assert.equal(fold('/backup/20240501123000.tar'), '/backup/{date}{time}.tar');
  assert.equal(fold('/tmp/12:30:00.log'), '/tmp/{time}.log');
  // Not plausible dates: month 13, mixed separators, year 1800 → plain numbers.
  assert.equal(fold('/x/20241301.dat'), '/x/{n}.dat');
  assert.equal(fold('/x/2024-05_01'), '/x/{n}-05_01');
  assert.equal(fold('/x/18000501.dat'), '/x/{n}.dat');
});

test('{pid} and {tid} under /proc; /proc/self and other /proc numbers', () => {
  assert.deepEqual(foldPath('/proc/26246/stat'), { pattern: '/proc/{pid}/stat', vars: ['26246'] });
  assert.equal(fold('/proc/26246/task/26265/stat'), '/proc/{pid}/task/{tid}/stat');
  assert.equal(fold('/proc/self/task/26265/comm'), '/proc/self/task/{tid}/comm');
  assert.equal(fold('/proc/26246/fd/6'), '/proc/{pid}/fd/{n}');
  assert.equal(fold('/proc/self/status'), '/proc/self/status');
  assert.equal(fold('/proc/irq/30/smp_affinity'), '/proc/irq/{n}/smp_affinity');
  assert.equal(fold('/srv/proc/123/x'), '/srv/proc/{n}/x', 'only the real /proc names pids');
  assert.equal(fold('proc/123/x'), 'proc/{n}/x', 'a relative path is not /proc');
});

test('{rand}: temp-file names after a known prefix only', () => {
  assert.deepEqual(foldPath('/tmp/tmp.aZ3kQ9'), { pattern: '/tmp/tmp.{rand}', vars: ['aZ3kQ9'] });
  assert.equal(fold('/tmp/tmp.AbCdEfGhIj'), '/tmp/tmp.{rand}', 'mktemp(1): mixed case is random enough');
  assert.equal(fold('/tmp/tmpab12Xy9'), '/tmp/tmp{rand}');
  assert.equal(fold('/tmp/tmpk3j_9x2a/data.json'), '/tmp/tmp{rand}/data.json', 'Python tempfile.mkdtemp');
  assert.equal(fold('/tmp/tmpk3j9x2ab.py'), '/tmp/tmp{rand}.py');
  assert.equal(fold('/var/tmp/temp_a8Kd92/x'), '/var/tmp/temp_{rand}/x');
  assert.equal(fold('/srv/.tmp4f2a9b'), '/srv/.tmp{rand}');
  assert.equal(fold('/tmp/ccAbC123.s'), '/tmp/cc{rand}.s', 'gcc intermediate file');
  // Real words after the same prefixes stay.
  for (const p of ['/tmp/temperature', '/etc/tmpfiles.d/a.conf', '/usr/share/templates', '/tmp/tmp.backup', '/tmp/tmpfiles', '/x/ccache.o', '/x/.#notes.txt', '/x/tmp']) {
    assert.equal(fold(p), p, p);
  }
});

test('segments are folded independently; empty, . and .. segments and slashes are kept', () => {
  assert.equal(fold('/tmp//123/./../x/'), '/tmp//{n}/./../x/');
  assert.equal(fold(''), '');
  assert.equal(fold('/'), '/');
  assert.equal(fold('data/669.txt'), 'data/{n}.txt');
  assert.equal(foldSegment('669.txt'), '{n}.txt');
});

test('folding is idempotent: a pattern folds to itself', () => {
  for (const p of ['/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/294.txt', '/proc/1/task/2/stat', '/x/app-2024-05-01T12:30:00.log', '/tmp/tmp.aZ3kQ9', '/x/3f1c2d4e5a6b7c8d/core.12345']) {
    const once = fold(p);
    assert.equal(fold(once), once, p);
  }
});

test('no pathological slowness on long adversarial segments', () => {
  const long = '/x/' + '1-'.repeat(20000) + 'a' + '0123456789abcdef'.repeat(2000) + '-'.repeat(20000) + '2024-05-0';
  const t0 = performance.now();
  const r = foldPath(long);
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(r.pattern.startsWith('/x/1-1-'), 'single digits stay');
});

// ---------------------------------------------------------------------------------------------------
// groupPaths

const U1 = 'bf482cd4-e9bf-11f1-81e7-02fc00000001';
const U2 = 'c470cb76-e9bf-11f1-b792-02fc00000001';
const U3 = '9046db9e-fe25-11e8-b13f-0242ac110002';

function obs(path: string, op: PathOp, line: number, extra: Partial<PathObservation> = {}): PathObservation {
  return { path, op, source: src(line, extra.source?.file ?? 'strace-f.txt'), ...extra };
}

function temps(): PathObservation[] {
  return [
    obs(`/tmp/${U1}`, 'mkdir', 1, { time: 100, pid: 10, tid: 11 }),
    obs(`/tmp/${U1}/1.txt`, 'create', 2, { time: 101, pid: 10, tid: 11 }),
    obs(`/tmp/${U1}/1.txt`, 'write', 3, { time: 102, pid: 10, tid: 11, bytes: 1000 }),
    obs(`/tmp/${U1}/2.txt`, 'create', 4, { time: 103, pid: 10, tid: 11 }),
    obs(`/tmp/${U1}/2.txt`, 'write', 5, { time: 104, pid: 10, tid: 11, bytes: 500 }),
    obs(`/tmp/${U1}/3.txt`, 'open', 6, { time: 105, pid: 10, tid: 11 }),
    obs(`/tmp/${U1}/1.txt`, 'read', 7, { time: 106, pid: 10, tid: 11, bytes: 1000 }),
    obs(`/tmp/${U1}/1.txt`, 'unlink', 8, { time: 107, pid: 10, tid: 11 }),
    obs(`/tmp/${U1}`, 'rmdir', 9, { time: 110, pid: 10, tid: 11 }),
    obs(`/tmp/${U2}/1.txt`, 'create', 20, { time: 200, pid: 10, tid: 12 }),
    obs(`/tmp/${U2}/1.txt`, 'write', 21, { time: 203, pid: 10, tid: 12, bytes: 7 }),
    obs(`/tmp/${U3}/9.txt`, 'open', 30, { time: 300, pid: 20, tid: 20 }),
    obs(`/tmp/${U3}/9.txt`, 'open', 31, { time: 300, pid: 20, tid: 20, bytes: 99 }),
    obs('/etc/ld.so.cache', 'open', 40, { pid: 10 }),
    obs('/var/log/app-2024-05-01.log', 'write', 50, { bytes: 10 }),
    obs('/var/log/app-2024-05-02.log', 'write', 51, { bytes: 20 }),
  ];
}

test('groupPaths: files, directories, files per directory, ops, bytes, pids, tids per pattern', () => {
  const groups = groupPaths(temps());
  assert.deepEqual(groups.map((g) => [g.pattern, g.files]), [
    ['/tmp/{uuid}/{n}.txt', 5],
    ['/var/log/app-{date}.log', 2],
    ['/etc/ld.so.cache', 1],
    ['/tmp/{uuid}', 1],
  ]);
  const t = groups[0]!;
  assert.equal(t.directories, 3);
  assert.deepEqual(t.filesPerDirectory, { min: 1, median: 1, max: 3 });
  assert.equal(t.observations, 11);
  assert.deepEqual(t.ops, { open: 3, create: 3, read: 1, write: 3, unlink: 1, mkdir: 0, rmdir: 0, rename: 0 });
  assert.equal(t.bytesWritten, 1507);
  assert.equal(t.bytesRead, 1000, 'bytes of an open are ignored');
  assert.deepEqual(t.pids, [10, 20]);
  assert.deepEqual(t.tids, [11, 12, 20]);
  assert.equal(t.first, 101);
  assert.equal(t.last, 300);
  assert.deepEqual(t.examples, [`/tmp/${U3}/9.txt`, `/tmp/${U1}/1.txt`, `/tmp/${U1}/2.txt`]);
  const dir = groups.find((g) => g.pattern === '/tmp/{uuid}')!;
  assert.deepEqual(dir.ops, { open: 0, create: 0, read: 0, write: 0, unlink: 0, mkdir: 1, rmdir: 1, rename: 0 });
  assert.deepEqual(dir.directoryLifetime, { min: 10, median: 10, max: 10 }, 'the uuid directory lives in /tmp: mkdir at 100, rmdir at 110');
});

test('groupPaths: per-directory lifetime, widened by mkdir/rmdir of the directory itself', () => {
  const t = groupPaths(temps())[0]!;
  // U1: mkdir 100 … rmdir 110 → 10 s (its files alone span 101–107); U2: 200–203 → 3 s; U3: one instant → 0 s.
  assert.deepEqual(t.directoryLifetime, { min: 0, median: 3, max: 10 });
  const untimed = groupPaths([obs('/a/1.txt', 'open', 1), obs('/b/2.txt', 'open', 2)])[0]!;
  assert.equal(untimed.directoryLifetime, undefined);
  assert.equal(untimed.first, undefined);
  assert.equal(untimed.last, undefined);
  assert.deepEqual(untimed.filesPerDirectory, { min: 1, median: 1, max: 1 });
});

test('groupPaths: evidence is the first references in (file, line) order, deduplicated and capped', () => {
  const many: PathObservation[] = [];
  for (let i = 30; i >= 1; i--) many.push(obs(`/d/${i}.txt`, 'open', i, { source: src(i, i % 2 ? 'b.txt' : 'a.txt') }));
  many.push(obs('/d/1.txt', 'open', 2, { source: src(2, 'a.txt') }));
  const g = groupPaths(many)[0]!;
  assert.equal(g.files, 30);
  assert.deepEqual(g.evidence, [2, 4, 6, 8, 10, 12, 14, 16].map((l) => src(l, 'a.txt')));
  assert.deepEqual(g.examples, ['/d/1.txt', '/d/10.txt', '/d/11.txt'], 'string order, not numeric');
});

test('groupPaths: the result does not depend on input order', () => {
  const a = temps();
  const b = [...a].reverse();
  const c = [...a.slice(7), ...a.slice(0, 7)];
  assert.deepEqual(groupPaths(b), groupPaths(a));
  assert.deepEqual(groupPaths(c), groupPaths(a));
});

test('groupPaths: ties in file count sort by pattern; no observation gives no pattern', () => {
  const g = groupPaths([obs('/z', 'open', 1), obs('/a', 'open', 2), obs('/m', 'open', 3)]);
  assert.deepEqual(g.map((p) => p.pattern), ['/a', '/m', '/z']);
  assert.deepEqual(groupPaths([]), []);
});

test('groupPaths: one million observations in a few seconds', () => {
  const observations: PathObservation[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const dir = (0x10000000 + (i % 500)).toString(16);
    observations.push({ path: `/tmp/${dir}-e9bf-11f1-81e7-02fc00000001/${i % 2000}.txt`, op: i % 3 ? 'open' : 'write', bytes: 10, time: 1e9 + i / 1000, pid: 100 + (i % 4), source: { file: 'f', line: i + 1 } });
  }
  const t0 = performance.now();
  const [g] = groupPaths(observations);
  const ms = performance.now() - t0;
  assert.ok(ms < 15_000, `${ms} ms`);
  assert.equal(g?.pattern, '/tmp/{uuid}/{n}.txt');
  assert.equal(g?.files, 2000);
  assert.equal(g?.directories, 500);
  assert.equal(g?.observations, 1_000_000);
  assert.equal(g?.bytesWritten, 333_334 * 10);
});

test('spreadOf: odd and even counts; empty is undefined', () => {
  assert.deepEqual(spreadOf([5, 1, 3]), { min: 1, median: 3, max: 5 });
  assert.deepEqual(spreadOf([4, 1, 3, 10]), { min: 1, median: 3.5, max: 10 });
  assert.equal(spreadOf([]), undefined);
});

// ---------------------------------------------------------------------------------------------------
// Base names

test('matchBasename: every candidate whose base name is equal, in input order; none for a partial match', () => {
  const candidates = [
    { path: `/tmp/${U1}/669.txt`, pid: 10, time: 1 },
    { path: `/tmp/${U2}/669.txt`, pid: 10, time: 2 },
    { path: `/tmp/${U2}/1669.txt`, pid: 10 },
    { path: '/srv/669.txt.bak', pid: 11 },
  ];
  assert.deepEqual(matchBasename('669.txt', candidates), candidates.slice(0, 2));
  assert.deepEqual(matchBasename('69.txt', candidates), []);
  assert.deepEqual(matchBasename('669.txt', []), []);
  const index = indexByBasename([...candidates.map((c) => c.path), `/tmp/${U1}/669.txt`]);
  assert.deepEqual(index.get('669.txt'), [`/tmp/${U1}/669.txt`, `/tmp/${U2}/669.txt`]);
  assert.equal(dirnameOf('/a/b'), '/a');
  assert.equal(dirnameOf('/a'), '/');
  assert.equal(dirnameOf('a'), '');
  assert.equal(basenameOf('/a/b.txt'), 'b.txt');
});

// ---------------------------------------------------------------------------------------------------
// The real capture

/** opensnoop (libbpf-tools) rows: PID COMM FD ERR PATH; the path is the rest of the line. */
function opensnoopRows(file: string): { pid: number; err: number; path: string; line: number }[] {
  const rows: { pid: number; err: number; path: string; line: number }[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    const m = /^\s*(\d+)\s+\S+\s+-?\d+\s+(\d+)\s+(.*)$/.exec(text);
    if (m) rows.push({ pid: Number(m[1]), err: Number(m[2]), path: m[3]!, line: i + 1 });
  });
  return rows;
}

const opensnoopFile = join(sharedDir, 'captures', 'popularity', 'opensnoop.txt');

test('popularity opensnoop: the app\'s /tmp paths fold into /tmp/{uuid}/{n}.txt — 1425 files in 2 directories', { skip: skipWithoutShared }, () => {
  // Counted with: awk '$1==26246 && $5 ~ /^\/tmp\//' opensnoop.txt → 2133 rows, 2131 of them *.txt,
  // 1425 distinct files: 1000 in bf482cd4-…, 425 in c470cb76-…; the other 2 rows open the directory itself.
  const rows = opensnoopRows(opensnoopFile).filter((r) => r.pid === 26246 && r.path.startsWith('/tmp/'));
  assert.equal(rows.length, 2133);
  const groups = groupPaths(rows.map((r) => ({ path: r.path, op: 'open', pid: r.pid, source: { file: 'opensnoop.txt', line: r.line } })));
  const [dominant, ...rest] = groups;
  assert.equal(dominant?.pattern, '/tmp/{uuid}/{n}.txt');
  assert.equal(dominant.files, 1425);
  assert.equal(dominant.directories, 2);
  assert.deepEqual(dominant.filesPerDirectory, { min: 425, median: 712.5, max: 1000 });
  assert.equal(dominant.observations, 2131);
  assert.equal(dominant.ops.open, 2131);
  assert.deepEqual(dominant.pids, [26246]);
  assert.equal(dominant.first, undefined, 'this opensnoop has no time column');
  // First in string order (the file starts at 294.txt, but 0.txt, 1.txt, 10.txt are opened later).
  assert.deepEqual(dominant.examples, [
    '/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/0.txt',
    '/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/1.txt',
    '/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/10.txt',
  ]);
  assert.deepEqual(dominant.evidence[0], { file: 'opensnoop.txt', line: 2 });
  assert.equal(dominant.evidence.length, 8);
  assert.deepEqual(rest.map((g) => [g.pattern, g.files, g.observations]), [['/tmp/{uuid}', 1, 2]]);
});

test('popularity opensnoop: /proc/<pid>/stat folds into one pattern; nothing else in the file is folded', { skip: skipWithoutShared }, () => {
  const rows = opensnoopRows(opensnoopFile);
  const groups = groupPaths(rows.map((r) => ({ path: r.path, op: 'open', pid: r.pid, source: { file: 'opensnoop.txt', line: r.line } })));
  const stat = groups.find((g) => g.pattern === '/proc/{pid}/stat');
  // awk '$5 ~ /^\/proc\/[0-9]+\/stat$/' opensnoop.txt: 2165 rows, 101 distinct pids.
  assert.equal(stat?.files, 101);
  assert.equal(stat.observations, 2165);
  assert.equal(stat.directories, 101);
  // No false positive: libraries, locales, /sys files, tracing ids keep their names.
  const changed = rows.map((r) => r.path).filter((p) => fold(p) !== p && !/^\/tmp\/[0-9a-f-]{36}(\/\d+\.txt)?$/.test(p) && !/^\/proc\/\d+\//.test(p));
  assert.deepEqual([...new Set(changed)], []);
});
