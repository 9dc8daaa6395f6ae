/**
 * The strace parser's bounded-memory and fast-path machinery: path aggregates folded past a cap (totals
 * exact), fd tables of exited processes dropped, the generated bench trace parsed clean, and the
 * line-splitter's ASCII fast path giving the same lines and flags as the general path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '../../src/parsers/strace.js';
import { parseText } from '../../src/parsers/run.js';
import { MAX_PATH_AGGREGATES, PathAggregates } from '../../src/parsers/strace/aggregates.js';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import type { TimelineRecord } from '../../src/common/types.js';
import { assertCleanParse, assertCoverageInvariant, sharedDir, skipWithoutShared } from '../helpers.js';

test('PathAggregates: past the cap the smaller half is folded into the task bucket, totals stay exact', () => {
  const aggs = new PathAggregates<string>(8);
  const paths = aggs.of('t1');
  // 12 paths: path i gets i*100 bytes read in one call (at line i+1).
  for (let i = 0; i < 12; i++) aggs.add(paths, `/p${i}`, i + 1, undefined, undefined, i * 100, 0);
  assert.equal(aggs.folds, 1);
  // The fold ran when the 9th path arrived: of /p0../p7 the four smallest (/p0../p3) went to the bucket.
  assert.deepEqual([...paths.map.keys()], ['/p4', '/p5', '/p6', '/p7', '/p8', '/p9', '/p10', '/p11']);
  assert.equal(aggs.folded, 4);
  const other = paths.other!;
  assert.deepEqual([other.calls, other.read_bytes, other.first_line, other.last_line], [4, 0 + 100 + 200 + 300, 1, 4]);
  const total = [...paths.map.values()].reduce((s, a) => s + a.read_bytes, other.read_bytes);
  assert.equal(total, (11 * 12 / 2) * 100);
  // A folded path that comes back starts a new aggregate; the cached one is never handed out again.
  aggs.add(paths, '/p0', 13, undefined, undefined, 7, 0);
  assert.equal(paths.map.get('/p0')!.read_bytes, 7);
  assert.equal(paths.map.get('/p0')!.calls, 1);
});

test('strace: a trace with more distinct paths than the cap folds them, says so, and keeps every call counted', () => {
  const n = MAX_PATH_AGGREGATES + 1000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`openat(AT_FDCWD, "/data/f${i}", O_RDONLY) = 3`, `read(3, "x", 10) = ${i % 7}`, 'close(3) = 0');
  }
  lines.push('exit_group(0) = ?');
  const r = parseText(parser, 'many-paths.txt', `${lines.join('\n')}\n`);
  assertCleanParse(r);
  const pathAggs = r.records.filter((x) => x.kind === 'strace.aggregate' && x.scope === 'path');
  assert.ok(pathAggs.length <= MAX_PATH_AGGREGATES + 1, `${pathAggs.length} path aggregates held`);
  const bucket = pathAggs.filter((x) => x.path === undefined);
  assert.equal(bucket.length, 1, 'one other-paths bucket for the one task');
  // Every openat/read/close was attributed to a path: the path aggregates (bucket included) add up.
  const sum = (k: 'calls' | 'read_bytes'): number => pathAggs.reduce((s, a) => s + (a[k] as number), 0);
  assert.equal(sum('calls'), 3 * n);
  let expectedBytes = 0;
  for (let i = 0; i < n; i++) expectedBytes += i % 7;
  assert.equal(sum('read_bytes'), expectedBytes);
  const readAgg = r.records.find((x) => x.kind === 'strace.aggregate' && x.scope === 'syscall' && x.syscall === 'read')!;
  assert.equal(readAgg.read_bytes, expectedBytes);
  const d = r.diagnostics.find((x) => x.code === 'strace-paths-folded');
  assert.ok(d, 'a diagnostic says paths were folded');
  const cap = r.records.find((x) => x.kind === 'strace.capture')!;
  assert.ok((cap.notes as string[]).some((note) => note.includes('folded')));
});

test('strace: an exited process drops its fd table, its threads keep theirs while one lives', () => {
  const r = parseText(
    parser,
    'fork.txt',
    [
      '100 openat(AT_FDCWD, "/a", O_RDONLY) = 3',
      '100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 200',
      '200 read(3, "x", 1) = 1',
      '100 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0}, 88) = 101',
      '101 +++ exited with 0 +++',
      '100 read(3, "y", 1) = 1',
      '200 +++ exited with 0 +++',
      '200 read(3, "z", 1) = 1',
      '',
    ].join('\n'),
  );
  assertCoverageInvariant(r);
  const reads = r.records.filter((x: TimelineRecord) => x.kind === 'strace.call' && x.syscall === 'read');
  assert.deepEqual(reads.map((x) => [x.tid, x.path]), [[200, '/a'], [100, '/a'], [200, undefined]]);
  // The thread 101 exited, but its table is its process's: 100 still reads /a through it.
  assert.match(String(reads[2]!.path_unknown_reason), /not opened in the trace/);
});

test('strace: the generated bench trace (real line shapes) parses clean, every line data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-gen-'));
  try {
    const file = join(dir, 'gen.txt');
    const g = generateStraceTrace(file, { bytes: 2 << 20, seed: 42 });
    const r = parseText(parser, 'gen.txt', readFileSync(file));
    assertCleanParse(r);
    assert.equal(r.coverage.lines, g.lines);
    assert.equal(r.coverage.data, g.lines);
    const cap = r.records.find((x) => x.kind === 'strace.capture')!;
    assert.equal(cap.timestamps, 'tt');
    assert.equal(cap.has_durations, true);
    assert.equal(cap.pid_style, 'bracket');
    // Writes to the generated files are attributed through the -y annotations.
    const writes = r.records.filter((x) => x.kind === 'strace.call' && x.syscall === 'write' && typeof x.path === 'string' && x.path.startsWith('/tmp/c470cb76'));
    assert.ok(writes.length > 100);
    assert.ok(writes.every((w) => w.bytes === Number(String(w.args).split(', ').pop())));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * strace-log-merge's algorithm (strace/src/strace-log-merge): every line of each `-ff` file that starts
 * with a timestamp gets `PID` (left-justified to the longest PID) and a space in front, then all lines are
 * sorted, stably, by the timestamp's digits. The `-ff` files themselves are rebuilt from a real `-f -tt -o`
 * capture: a task's own file has no `<unfinished ...>` split, so each pair is joined at its entry time.
 */
function strace_log_merge(fOutput: string): string {
  const perTid = new Map<string, Array<{ key: string; text: string }>>();
  const open = new Map<string, { ts: string; head: string }>();
  for (const line of fOutput.split('\n')) {
    const m = /^(\d+) (\d\d:\d\d:\d\d\.\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, tid, ts, body] = m as unknown as [string, string, string, string];
    let lines = perTid.get(tid);
    if (!lines) perTid.set(tid, (lines = []));
    if (body.endsWith(' <unfinished ...>')) {
      open.set(tid, { ts, head: body.slice(0, -' <unfinished ...>'.length) });
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(body);
    const entry = open.get(tid);
    if (resumed && entry) {
      open.delete(tid);
      lines.push({ key: entry.ts.replace(/\D/g, ''), text: `${entry.ts} ${entry.head}${resumed[1]}` });
    } else lines.push({ key: ts.replace(/\D/g, ''), text: `${ts} ${body}` });
  }
  const width = Math.max(...[...perTid.keys()].map((t) => t.length));
  const all: Array<{ key: string; text: string }> = [];
  for (const [tid, lines] of perTid) for (const l of lines) all.push({ key: l.key, text: `${tid.padEnd(width)} ${l.text}` });
  all.sort((a, b) => (a.key.length - b.key.length) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return `${all.map((l) => l.text).join('\n')}\n`;
}

test('strace-log-merge output (PID column, time-sorted -ff files) gives the calls, tids and per-path bytes of the -f capture', { skip: skipWithoutShared }, () => {
  const f = readFileSync(join(sharedDir, 'captures', 'strace', 'tt.txt'), 'utf8');
  const merged = strace_log_merge(f);
  assert.match(merged, /^18707 17:28:13\.249541 execve\(/);
  const direct = parseText(parser, 'tt.txt', f);
  const m = parseText(parser, 'merged.txt', merged);
  assertCleanParse(m);
  const key = (x: TimelineRecord): string => `${String(x.tid)} ${String(x.syscall)} ${String(x.path)} ${String(x.bytes)}`;
  const callsOf = (r: typeof m): string[] => r.records.filter((x) => x.kind === 'strace.call').map(key).sort();
  assert.deepEqual(callsOf(m), callsOf(direct));
  const writes = (r: typeof m): string[] =>
    r.records
      .filter((x) => x.kind === 'strace.aggregate' && x.scope === 'path' && (x.written_bytes as number) > 0)
      .map((x) => `${String(x.pid)}/${String(x.tid)} ${String(x.path)} ${String(x.written_bytes)}`)
      .sort();
  assert.deepEqual(writes(m), writes(direct));
  // The worker thread's writes: tid 18708 of pid 18707, to the workload's files.
  assert.ok(writes(m).filter((w) => w.startsWith('18707/18708 /')).length >= 10);
  const cap = m.records.find((x) => x.kind === 'strace.capture')!;
  assert.equal(cap.pid_style, 'column');
  assert.equal(cap.timestamps, 'tt');
  assert.equal(cap.followed_forks, true);
});

/**
 * A `-c` table re-printed the way strace's call_summary_pers (src/count.c) prints `-U` columns: each
 * column as wide as its title or its widest value, numbers right-aligned, the syscall name left-aligned
 * (unpadded when last), errors blank when 0, dashes under each column, the total row after more dashes.
 */
function reprintSummary(defaultTable: string, columns: string[]): string {
  const rows = defaultTable
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const w = l.split(/\s+/);
      const errors = w.length === 6 ? w[4]! : '';
      // `longest` (max time of one call) is not in the default table: the total time stands in for it.
      return { '% time': w[0]!, seconds: w[1]!, 'usecs/call': w[2]!, calls: w[3]!, errors, syscall: w[w.length - 1]!, longest: w[1]! } as Record<string, string>;
    });
  const width = (c: string): number => Math.max(c === 'syscall' ? 16 : c === 'seconds' || c === 'usecs/call' ? 11 : c === 'calls' || c === 'errors' ? 9 : c.length, ...rows.map((r) => r[c]!.length + (c === 'syscall' ? 1 : 0)));
  const cell = (c: string, v: string, last: boolean): string => (c === 'syscall' ? (last ? v : v.padEnd(width(c))) : v.padStart(width(c)));
  const line = (r: Record<string, string>): string => columns.map((c, i) => cell(c, r[c]!, i === columns.length - 1)).join(' ');
  const dashes = columns.map((c) => '-'.repeat(width(c))).join(' ');
  const header = columns.map((c, i) => cell(c, c, i === columns.length - 1)).join(' ');
  const body = rows.filter((r) => r.syscall !== 'total').map(line);
  const total = rows.find((r) => r.syscall === 'total')!;
  return [header, dashes, ...body, dashes, line(total), ''].join('\n');
}

test('-c -U custom summary columns: rows cut at the divider, blank errors are 0, same values as the default table', { skip: skipWithoutShared }, () => {
  const c = readFileSync(join(sharedDir, 'captures', 'strace', 'c.txt'), 'utf8');
  const table = c.slice(c.indexOf('% time'));
  const def = parseText(parser, 'c.txt', c).records.filter((x) => x.kind === 'strace.summary');
  assert.ok(def.length > 10);
  const pick = (x: TimelineRecord): string => `${String(x.syscall)} ${String(x.calls)} ${String(x.errors)} ${String(x.per_call_s)} ${String(x.total_s)}`;
  const u = reprintSummary(table, ['syscall', 'calls', 'errors', 'usecs/call', 'seconds', 'longest']);
  assert.match(u, /^syscall +calls +errors +usecs\/call +seconds +longest\n/);
  // `longest` has no summary field yet: read and dropped.
  const r = parseText(parser, 'cU.txt', u);
  assertCleanParse(r);
  const custom = r.records.filter((x) => x.kind === 'strace.summary');
  assert.deepEqual(custom.map(pick), def.map(pick));
  assert.equal(custom.at(-1)!.total, true);
  // Names last (strace's default place) with the percentage first, errors in the middle.
  const r2 = parseText(parser, 'cU2.txt', reprintSummary(table, ['% time', 'errors', 'calls', 'syscall']));
  assertCleanParse(r2);
  const custom2 = r2.records.filter((x) => x.kind === 'strace.summary');
  assert.deepEqual(custom2.map((x) => [x.syscall, x.time_pct, x.errors, x.calls]), def.map((x) => [x.syscall, x.time_pct, x.errors, x.calls]));
  assert.equal(custom2[0]!.total_s, undefined);
  // Without a calls column the table is known (no unparsed line) but its rows are not emitted.
  const r3 = parseText(parser, 'cU3.txt', reprintSummary(table, ['syscall', 'errors']));
  assertCoverageInvariant(r3);
  assert.equal(r3.coverage.unparsed, 0);
  assert.ok(r3.diagnostics.some((d) => d.code === 'strace-summary-no-calls'));
});

test('SCM_RIGHTS: fds received by recvmsg enter the receiver table (named by -y), sendmsg changes nothing', () => {
  const r = parseText(
    parser,
    'scm.txt',
    [
      // Shapes of strace's own output (cmsg_data=[N] plain, [N<annotation>] with -y; SCM_CREDENTIALS first).
      '4688  socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0',
      '4688  sendmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="\\360", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[3]}], msg_controllen=24, msg_flags=0}, 0) = 1',
      '4688  recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="\\22\\3\\0\\0", iov_len=4}], msg_iovlen=1, msg_control=[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=4693, uid=1000, gid=1000}}, {cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[22]}], msg_controllen=56, msg_flags=MSG_CMSG_CLOEXEC}, MSG_CMSG_CLOEXEC) = 4',
      '4688  recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[9</var/log/app.log>, 10<UNIX-STREAM:[88,@"peer"]>]}], msg_controllen=24, msg_flags=0}, 0) = 1',
      '4688  write(9, "hello\\n", 6) = 6',
      '4688  read(22, "abc", 3) = 3',
      '4688  write(10, "x", 1) = 1',
      '4688  recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[11]}], msg_controllen=24, msg_flags=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)',
      '4688  write(11, "x", 1) = 1',
      '4688  execve("/bin/true", ["true"], 0x7ffd /* 3 vars */) = 0',
      '4688  read(22, "abc", 3) = 3',
      '4688  write(9, "x", 1) = 1',
      '',
    ].join('\n'),
  );
  assertCleanParse(r);
  const at = (line: number): TimelineRecord => r.records.find((x) => x.kind === 'strace.call' && x.source.line === line)!;
  assert.deepEqual([at(5).path, at(5).path_source, at(5).fd_kind], ['/var/log/app.log', 'fd-table', 'file']);
  assert.match(String(at(6).path_unknown_reason), /fd 22 is a copy of an fd whose target is unknown/);
  assert.equal(at(7).path, 'UNIX-STREAM:[88,@"peer"]');
  assert.equal(at(7).fd_kind, 'socket');
  // A failed recvmsg passed nothing.
  assert.match(String(at(9).path_unknown_reason), /fd 11 was not opened in the trace/);
  // MSG_CMSG_CLOEXEC: fd 22 is closed by execve, fd 9 is not.
  assert.match(String(at(11).path_unknown_reason), /fd 22 was not opened in the trace/);
  assert.equal(at(12).path, '/var/log/app.log');
});
