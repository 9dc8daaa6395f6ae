import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '../../src/parsers/strace.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/strace.js';
import { findArgsEnd, readPrefix, readReturn } from '../../src/parsers/strace/lexer.js';
import { decodeCString, parseFdRef, splitArgs } from '../../src/parsers/strace/values.js';
import type { TimelineRecord } from '../../src/common/types.js';
import { assertCleanParse, assertCoverageInvariant, assertRecordsValid, fixture, hasShared, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const CAPTURES = join(sharedDir, 'captures', 'strace');

function parse(path: string): ParseResult {
  const result = parseFile(parser, path);
  assertCleanParse(result);
  return result;
}

function calls(r: ParseResult, filter: (c: TimelineRecord) => boolean = () => true): TimelineRecord[] {
  return r.records.filter((x) => x.kind === 'strace.call' && filter(x));
}

function capture(r: ParseResult): TimelineRecord {
  const c = r.records.filter((x) => x.kind === 'strace.capture');
  assert.equal(c.length, 1);
  return c[0]!;
}

function atLine(r: ParseResult, line: number, kind = 'strace.call'): TimelineRecord {
  const found = r.records.find((x) => x.kind === kind && x.source.line === line);
  assert.ok(found, `no ${kind} at line ${line}`);
  return found;
}

function text(lines: string[], file = 'trace.txt'): ParseResult {
  return parseText(parser, file, `${lines.join('\n')}\n`);
}

// ---- unit: grammar pieces -------------------------------------------------------------------------

test('readPrefix: [pid N], TID column, -Y comm, -t/-tt/-ttt/-r, -n/-i', () => {
  assert.deepEqual(readPrefix('[pid 18521] rseq(0x1, 0x20) = 0'), { tid: 18521, style: 'bracket', body: 12 });
  assert.deepEqual(readPrefix('[pid  1905] select(1) = 0'), { tid: 1905, style: 'bracket', body: 12 });
  assert.deepEqual(readPrefix('18566 brk(NULL) = 0x1'), { tid: 18566, style: 'column', body: 6 });
  assert.deepEqual(readPrefix('123   brk(NULL) = 0x1'), { tid: 123, style: 'column', body: 6 });
  assert.deepEqual(readPrefix('19162<python3> gettid() = 19162'), { tid: 19162, style: 'column', comm: 'python3', body: 15 });
  assert.equal(readPrefix('18685 17:28:12 execve("/x") = 0').tsKind, 't');
  const tt = readPrefix('18707 17:28:13.249541 brk(NULL) = 0x1');
  assert.deepEqual([tt.tsKind, tt.tsText, tt.body], ['tt', '17:28:13.249541', 22]);
  const ttt = readPrefix('1795714094.381831 brk(NULL) = 0x1');
  assert.deepEqual([ttt.tid, ttt.tsKind, ttt.tsText], [undefined, 'ttt', '1795714094.381831']);
  const r = readPrefix('18742      0.000434 brk(NULL) = 0x1');
  assert.deepEqual([r.tid, r.tsKind, r.tsText], [18742, 'r', '0.000434']);
  const rNoPid = readPrefix('     0.000350 brk(NULL) = 0x1');
  assert.deepEqual([rNoPid.tsKind, rNoPid.tsText], ['r', '0.000350']);
  const ni = readPrefix('19081 [  59] [00007f8d1899bad7] execve("/x") = 0');
  assert.equal(ni.body, '19081 [  59] [00007f8d1899bad7] '.length);
  assert.deepEqual(readPrefix('write(1, "x", 1) = 1'), { body: 0 });
});

test('findArgsEnd: the ) that closes the arguments, not one inside a string or a wait4 macro', () => {
  const line = 'read(3, "{})            # clone(CLONE_VM|"..., 4096) = 883';
  assert.equal(line.slice(findArgsEnd(line, 5)), ') = 883');
  const w = 'wait4(18663, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 18663';
  assert.equal(w.slice(findArgsEnd(w, 6)), ') = 18663');
  const y = 'close(3</tmp/a(b.txt>)            = 0';
  assert.equal(y.slice(findArgsEnd(y, 6)), ')            = 0');
  assert.equal(findArgsEnd('write(1, "## fdgames\\n", 11## fdgames', 6), -1);
});

test('readReturn: numbers, hex, ?, errno, notes, -y fds, -T', () => {
  // ReturnInfo has every field (undefined when absent: one hidden class); compare what is present.
  const r = (s: string) => {
    const info = readReturn(s, s.indexOf(')'));
    return info && Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined));
  };
  assert.deepEqual(r(') = -1 ENOENT (No such file or directory)'), { retText: '-1', hex: false, ret: -1, errno: 'ENOENT', errnoText: 'No such file or directory' });
  assert.deepEqual(r(') = ? ERESTARTNOHAND (To be restarted if no handler)'), { retText: '?', hex: false, errno: 'ERESTARTNOHAND', errnoText: 'To be restarted if no handler' });
  assert.deepEqual(r(') = 0 (Timeout)'), { retText: '0', hex: false, ret: 0, note: 'Timeout' });
  assert.deepEqual(r(') = 0x8000 (flags O_RDONLY|O_LARGEFILE)'), { retText: '0x8000', hex: true, ret: 32768, note: 'flags O_RDONLY|O_LARGEFILE' });
  assert.deepEqual(r(') = -1 (errno 123)'), { retText: '-1', hex: false, ret: -1, errnoText: 'errno 123' });
  assert.deepEqual(r(') = 1 ([{fd=5, revents=POLLIN}]) <0.102196>'), { retText: '1', hex: false, ret: 1, note: '[{fd=5, revents=POLLIN}]', durationS: 0.102196 });
  assert.deepEqual(r(') = 0 <0.000273735>'), { retText: '0', hex: false, ret: 0, durationS: 0.000273735 });
  assert.deepEqual(r(') = -1 ENOSYS (Function not implemented) (INJECTED)'), { retText: '-1', hex: false, ret: -1, errno: 'ENOSYS', errnoText: 'Function not implemented', note: 'INJECTED' });
  const fd = r(') = 6</memfd:scratch>(deleted) <0.000010>');
  assert.deepEqual([fd?.ret, fd?.retFd, fd?.durationS], [6, { fd: 6, annotation: '/memfd:scratch', deleted: true }, 0.00001]);
  const big = readReturn(') = 0xffffffffffffffff', 0);
  assert.equal(big?.ret, undefined);
  assert.equal(big?.retText, '0xffffffffffffffff');
  assert.equal(r(') = banana'), undefined);
});

test('decodeCString: the 24 bytes of escapes.txt in every form strace printed them', () => {
  const expected = Buffer.from([0, 0x31, 0, 0x39, 0x1b, 0x5b, 0x31, 0x6d, 0x7f, 0xc3, 0xa9, 0x22, 0x5c, 0x0a, 0x09, 0x0d, 0x08, 0x0c, 0x0b, 0x07, 0x20, 0x65, 0x6e, 0x64]).toString('utf8');
  const lines = readFileSync(fixture('strace', 'escapes.txt'), 'utf8').split('\n').filter((l) => l.startsWith('write('));
  assert.equal(lines.length, 5);
  for (const line of lines.slice(0, 4)) {
    const d = decodeCString(line, line.indexOf('"'));
    assert.equal(d?.text, expected, line);
    assert.equal(d?.truncated, false);
  }
  const cut = decodeCString(lines[4]!, lines[4]!.indexOf('"'));
  assert.deepEqual([cut?.text, cut?.truncated], ['\u00001\u00009', true]);
  assert.equal(decodeCString('"unterminated'), undefined);
  assert.equal(decodeCString('"bad \\xZZ"'), undefined);
});

test('splitArgs and parseFdRef: -y/-yy annotations stay whole and decode', () => {
  assert.deepEqual(splitArgs('7<TCP:[127.0.0.1:53939]>, {sa_family=AF_INET, sin_port=htons(1)}, [16], SOCK_CLOEXEC'), [
    '7<TCP:[127.0.0.1:53939]>',
    '{sa_family=AF_INET, sin_port=htons(1)}',
    '[16]',
    'SOCK_CLOEXEC',
  ]);
  assert.deepEqual(splitArgs('9<TCP:[127.0.0.1:1->127.0.0.1:2]>, "a, b", 3</x, y>'), ['9<TCP:[127.0.0.1:1->127.0.0.1:2]>', '"a, b"', '3</x, y>']);
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(parseFdRef('1</dev/null<char 1:3>>'), { fd: 1, annotation: '/dev/null<char 1:3>', deleted: false });
  assert.deepEqual(parseFdRef('3</tmp/gone.txt>(deleted)'), { fd: 3, annotation: '/tmp/gone.txt', deleted: true });
  assert.deepEqual(parseFdRef('3</tmp/old.txt (deleted)>'), { fd: 3, annotation: '/tmp/old.txt', deleted: true }, 'strace < 5.19 form');
  assert.deepEqual(parseFdRef('AT_FDCWD</tmp/w>'), { fd: -100, annotation: '/tmp/w', deleted: false });
  assert.deepEqual(parseFdRef('3</tmp/we ird \\"q\\" \\\\ \\74lt\\76 \\303\\251.txt>'), { fd: 3, annotation: '/tmp/we ird "q" \\ <lt> é.txt', deleted: false });
  assert.equal(parseFdRef('NULL'), undefined);
});

// ---- fixtures (captures recorded for this project, copied) -----------------------------------------

test('attach_p_main_thread.txt: -p without -f traces only the main thread, the worker writes are invisible', () => {
  const r = parse(fixture('strace', 'attach_p_main_thread.txt'));
  const attach = r.records.find((x) => x.kind === 'strace.attach');
  assert.deepEqual([attach?.action, attach?.tid, attach?.pid, attach?.target], ['attached', 18273, 18273, true]);
  const c = calls(r);
  assert.deepEqual(c.map((x) => x.syscall), ['pselect6', 'write', 'munmap', 'exit_group']);
  assert.ok(c.every((x) => x.tid === 18273 && x.pid === 18273));
  assert.deepEqual([c[0]!.ret, c[0]!.ret_note], [0, 'Timeout']);
  assert.deepEqual([c[1]!.fd, c[1]!.bytes, c[1]!.path], [1, 10, undefined]);
  assert.match(c[1]!.path_unknown_reason as string, /standard stream/);
  assert.equal(c[3]!.ret, undefined);
  assert.equal(c[3]!.ret_text, undefined);
  const exit = r.records.find((x) => x.kind === 'strace.exit');
  assert.deepEqual([exit?.how, exit?.exit_code, exit?.tid], ['exited', 0, 18273]);
  const cap = capture(r);
  assert.equal(cap.followed_forks, false);
  assert.deepEqual(cap.attach_targets, [18273]);
  assert.equal(cap.file_write_calls, 0);
  assert.equal(cap.write_calls, 1);
  assert.equal(cap.pid_style, 'none');
  assert.deepEqual(cap.tasks, [{ origin: 'attach', calls: 4, tid: 18273, pid: 18273 }]);
  assert.match((cap.notes as string[])[0]!, /without -f: only the attached thread/);
});

test('attach_p_detach.txt: a detach message spliced mid-line, then " <detached ...>"', () => {
  const r = parse(fixture('strace', 'attach_p_detach.txt'));
  assert.deepEqual(r.coverage, { lines: 3, data: 3, skipped: 0, unparsed: 0 });
  const [call] = calls(r);
  assert.equal(call?.syscall, 'pselect6');
  assert.equal(call?.args, '0, NULL, NULL, NULL, {tv_sec=1, tv_nsec=712648650}, NULL');
  assert.deepEqual([call?.unfinished, call?.ret_note, call?.tid, call?.source.line], [true, 'detached', 18476, 2]);
  const attach = r.records.filter((x) => x.kind === 'strace.attach').map((x) => [x.action, x.tid, x.source.line]);
  assert.deepEqual(attach, [['attached', 18476, 1], ['detached', 18476, 2]]);
});

test('attach_p_o.txt and its stderr: -o keeps the attach message out of the trace; the TID stays unknown', () => {
  const r = parse(fixture('strace', 'attach_p_o.txt'));
  const c = calls(r);
  assert.equal(c.length, 4);
  assert.ok(c.every((x) => x.tid === undefined));
  assert.match((capture(r).notes as string[]).join(' '), /never printed its TID/);
  const e = parse(fixture('strace', 'attach_p_o.stderr.txt'));
  assert.deepEqual(e.records.filter((x) => x.kind === 'strace.attach').map((x) => [x.action, x.tid]), [['attached', 19192]]);
});

test('attach_p_sleep.txt: restart_syscall with its resuming note', () => {
  const r = parse(fixture('strace', 'attach_p_sleep.txt'));
  const c = calls(r);
  assert.deepEqual([c[0]!.syscall, c[0]!.args, c[0]!.ret], ['restart_syscall', '<... resuming interrupted read ...>', 0]);
  assert.deepEqual(c.slice(1, 3).map((x) => [x.syscall, x.fd]), [['close', 1], ['close', 2]]);
});

test('xx_hex_all.txt: -xx strings, TID column, thread exits', () => {
  const r = parse(fixture('strace', 'xx_hex_all.txt'));
  const c = calls(r);
  assert.equal(c.length, 6);
  const first = c[0]!;
  const args = first.args as string;
  const s = decodeCString(args, args.indexOf('"'));
  assert.deepEqual([s?.text, s?.truncated], ['pid=19121 base=/tmp/fcc486f8-f8a', true]);
  assert.deepEqual([first.tid, first.bytes], [19121, 57]);
  assert.deepEqual(c.filter((x) => x.tid === 19122 && x.fd === 3).map((x) => x.bytes), [51, 51, 51]);
  assert.deepEqual(r.records.filter((x) => x.kind === 'strace.exit').map((x) => x.tid), [19122, 19121]);
  assert.equal(capture(r).filter_hint, undefined, 'too few calls for a hint');
});

test('c.txt: -c summary table → strace.summary rows, no calls', () => {
  const r = parse(fixture('strace', 'c.txt'));
  const rows = r.records.filter((x) => x.kind === 'strace.summary');
  assert.equal(rows.length, 38);
  const first = rows[0]!;
  assert.deepEqual([first.syscall, first.time_pct, first.total_s, first.per_call_s, first.calls, first.errors], ['pselect6', 44.7, 0.007278, 0.007278, 1, 0]);
  const fstat = rows.find((x) => x.syscall === 'newfstatat');
  assert.deepEqual([fstat?.calls, fstat?.errors, fstat?.per_call_s], [269, 24, 0.000012]);
  const total = rows[rows.length - 1]!;
  assert.deepEqual([total.syscall, total.total, total.calls, total.errors, total.total_s], ['total', true, 806, 73, 0.016281]);
  assert.equal(rows.some((x) => x.syscall === 'unlinkat'), false, 'without -f the worker thread is not counted');
  assert.deepEqual(r.coverage, { lines: 41, data: 38, skipped: 3, unparsed: 0 });
  assert.equal(capture(r).filter_hint, '-c: summary table only, no individual calls');
});

test('Z_failed_only.txt: -Z, every call failed → filter hint', () => {
  const r = parse(fixture('strace', 'Z_failed_only.txt'));
  const c = calls(r);
  assert.ok(c.length > 20);
  assert.ok(c.every((x) => x.errno !== undefined || x.ret === undefined || (x.ret as number) < 0));
  const open = c.find((x) => x.syscall === 'openat');
  assert.deepEqual([open?.ret, open?.errno, open?.errno_text, open?.path], [-1, 'ENOENT', 'No such file or directory', '/usr/lib/locale/locale-archive']);
  assert.match(capture(r).filter_hint as string, /^-Z/);
});

test('ff_o/trace.18604: -ff file of the worker thread, TID from the file name, 10 files written', () => {
  const r = parseFile(parser, fixture('strace', 'ff_o', 'trace.18604'));
  assertCleanParse(r);
  const c = calls(r);
  assert.ok(c.every((x) => x.tid === 18604));
  const writes = c.filter((x) => x.syscall === 'write' && x.fd === 3);
  assert.equal(writes.length, 10);
  assert.deepEqual(writes.map((x) => String(x.path).replace(/^\/tmp\/3d579764-8293-4233-a85d-b76a5afdf794\//, '')), ['0.txt', '1.txt', '2.txt', '3.txt', '4.txt', '5.txt', '6.txt', '7.txt', '8.txt', '9.txt']);
  assert.ok(writes.every((x) => x.path_source === 'fd-table' && x.bytes === 51));
  const cap = capture(r);
  assert.equal(cap.pid_style, 'file-name');
  assert.equal(cap.followed_forks, false);
});

test('shell_pipeline_f.txt: unfinished/resumed per TID, pipes, dup2, vfork children, relative path with unknown cwd', () => {
  const r = parse(fixture('strace', 'shell_pipeline_f.txt'));
  const closeBad = atLine(r, 68);
  assert.deepEqual([closeBad.syscall, closeBad.args, closeBad.ret, closeBad.errno, closeBad.resumed_line, closeBad.tid], ['close', '-1', -1, 'EBADF', 72, 19254]);
  const wait = calls(r, (x) => x.syscall === 'wait4')[0]!;
  assert.equal(wait.args, '-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL');
  assert.equal(wait.ret, 19255);
  const clone = atLine(r, 58);
  assert.deepEqual([clone.syscall, clone.ret, clone.args], ['clone', 19256, 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7fb8488efa10']);
  // echo (19255) writes into the pipe through dup2(4, 1)
  const echo = atLine(r, 71);
  assert.deepEqual([echo.tid, echo.pid, echo.fd, echo.fd_kind, echo.bytes], [19255, 19255, 1, 'pipe', 6]);
  // tr (19256): stdin is the pipe, stdout the relative file pipe.tmp (cwd never shown)
  assert.deepEqual([atLine(r, 200).fd_kind, atLine(r, 200).bytes], ['pipe', 6]);
  const trOut = atLine(r, 204);
  assert.deepEqual([trOut.fd, trOut.path, trOut.path_relative, trOut.path_source, trOut.bytes], [1, 'pipe.tmp', true, 'fd-table', 6]);
  const tasks = capture(r).tasks as Array<Record<string, unknown>>;
  assert.deepEqual(tasks.map((t) => [t.tid, t.pid, t.origin]), [[19254, 19254, 'first'], [19255, 19255, 'clone'], [19256, 19256, 'clone'], [19257, 19257, 'clone'], [19258, 19258, 'clone']]);
  // cat (19257, vfork + execve) reads pipe.tmp through `dup2(11, 0)`-style redirection done before the exec
  assert.equal(atLine(r, 338).path, 'pipe.tmp');
  assert.equal(capture(r).followed_forks, true);
});

// ---- the shared captures (bigger ones) --------------------------------------------------------------

function captureFiles(): string[] {
  if (!hasShared) return [];
  const files = readdirSync(CAPTURES).filter((f) => f.endsWith('.txt')).map((f) => join(CAPTURES, f));
  files.push(...readdirSync(join(CAPTURES, 'ff_o')).map((f) => join(CAPTURES, 'ff_o', f)));
  files.push(join(sharedDir, 'captures', 'popularity', 'strace-f.txt'), join(sharedDir, 'captures', 'popularity', 'strace-main.txt'));
  return files;
}

test('every strace capture parses clean, and the detector claims it', { skip: skipWithoutShared }, () => {
  const files = captureFiles();
  assert.ok(files.length >= 30);
  for (const f of files) {
    const r = parse(f);
    assert.ok(r.records.length > 0, f);
    const head = readFileSync(f, 'utf8').split('\n').slice(0, 64);
    const sniff = detector.detect(head);
    assert.equal(sniff?.tool, 'strace', f);
    assert.ok(sniff.confidence >= 0.9, f);
  }
});

test('the detector does not claim other tools\' files', { skip: skipWithoutShared }, () => {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  let checked = 0;
  for (const f of [...walk(join(sharedDir, 'corpus')), ...walk(join(sharedDir, 'captures', 'popularity'))]) {
    if (f.includes('strace') || statSync(f).size > 5_000_000) continue;
    const head = readFileSync(f, 'utf8').split('\n').slice(0, 64);
    assert.equal(detector.detect(head), null, f);
    checked++;
  }
  assert.ok(checked > 50);
});

const WORKER_FILES = Array.from({ length: 50 }, (_, i) => `${i}.txt`);

/** mt_writer.py writes `f"line {i} of file {i}\n" * 3` into N.txt. */
function fileBytes(i: number): number {
  return 3 * `line ${i} of file ${i}\n`.length;
}

function workerWrites(r: ParseResult, base: string): TimelineRecord[] {
  return calls(r, (x) => x.syscall === 'write' && typeof x.path === 'string' && x.path.startsWith(`${base}/`));
}

function assertWorkerFiles(r: ParseResult, base: string, pid: number, tid: number): void {
  const writes = workerWrites(r, base);
  assert.deepEqual(writes.map((w) => (w.path as string).slice(base.length + 1)), WORKER_FILES);
  for (const w of writes) {
    const i = Number((w.path as string).slice(base.length + 1, -4));
    assert.deepEqual([w.pid, w.tid, w.bytes], [pid, tid, fileBytes(i)]);
    assert.ok(w.path_source === 'fd-table' || w.path_source === 'y-annotation');
  }
  const aggs = r.records.filter((x) => x.kind === 'strace.aggregate' && x.scope === 'path' && typeof x.path === 'string' && x.path.startsWith(`${base}/`));
  assert.equal(aggs.length, 50);
  for (const a of aggs) {
    const i = Number((a.path as string).slice(base.length + 1, -4));
    assert.deepEqual([a.pid, a.tid, a.written_bytes, a.read_bytes], [pid, tid, fileBytes(i), fileBytes(i)]);
  }
  const unlinks = calls(r, (x) => x.syscall === 'unlinkat' && typeof x.path === 'string' && x.path.startsWith(`${base}/`));
  assert.equal(unlinks.length, 50, 'unlinkat(dirfd, "N.txt") resolved through the dirfd');
  const cap = capture(r);
  assert.equal(cap.followed_forks, true);
  assert.equal(cap.file_write_calls, 50);
}

test('f_o.txt: -f -o, the worker thread 18567 of 18566 writes the 50 files', { skip: skipWithoutShared }, () => {
  const r = parse(join(CAPTURES, 'f_o.txt'));
  assertWorkerFiles(r, '/tmp/e3ba747b-32cb-472a-9ba6-30ee093979e3', 18566, 18567);
  assert.deepEqual(capture(r).tasks, [{ origin: 'first', calls: 808, tid: 18566, pid: 18566 }, { origin: 'clone', calls: 887, tid: 18567, pid: 18566 }]);
  assert.equal(capture(r).pid_style, 'column');
});

test('f_stderr.txt: -f to stderr, unprefixed lines, spliced "attached", worker 18521 of 18520', { skip: skipWithoutShared }, () => {
  const r = parse(join(CAPTURES, 'f_stderr.txt'));
  assertWorkerFiles(r, '/tmp/e8f8ae34-9d16-48b8-87f3-a1f6a548ba0c', 18520, 18521);
  const clone = atLine(r, 796);
  assert.equal(clone.syscall, 'clone3');
  assert.equal(clone.ret, 18521);
  assert.match(clone.args as string, /tls=0x7fb67452b6c0} => \{parent_tid=\[18521\]\}, 88$/);
  assert.deepEqual([clone.tid, clone.pid], [18520, 18520]);
  assert.equal(atLine(r, 1, 'strace.call').tid, 18520, 'TID learnt from set_tid_address, given to earlier lines');
  const attach = r.records.find((x) => x.kind === 'strace.attach');
  assert.deepEqual([attach?.tid, attach?.pid, attach?.follows_clone_of], [18521, 18520, 18520]);
  const last = calls(r).at(-1)!;
  assert.deepEqual([last.syscall, last.tid], ['exit_group', 18520], 'unprefixed lines after the worker exits are the main thread');
  assert.equal(capture(r).pid_style, 'bracket');
});

test('attach_f_p.txt: -f -p "attached with 2 threads" → the worker 18396 belongs to 18394', { skip: skipWithoutShared }, () => {
  const r = parse(join(CAPTURES, 'attach_f_p.txt'));
  assertWorkerFiles(r, '/tmp/c92e2a5f-631b-4af1-a278-4729b238c3b8', 18394, 18396);
  const attach = r.records.find((x) => x.kind === 'strace.attach');
  assert.deepEqual([attach?.threads, attach?.target], [2, true]);
  assert.deepEqual(capture(r).attach_targets, [18394]);
});

test('popularity strace-f.txt: -f -tt -T -y -p, the worker thread created during the capture writes the files', { skip: skipWithoutShared }, () => {
  const r = parse(join(sharedDir, 'captures', 'popularity', 'strace-f.txt'));
  const cap = capture(r);
  assert.deepEqual(cap.tasks, [{ origin: 'attach', calls: 39, tid: 26246, pid: 26246 }, { origin: 'clone', calls: 3354, tid: 26415, pid: 26246 }]);
  assert.deepEqual([cap.timestamps, cap.has_durations, cap.has_y_annotations, cap.y_style], ['tt', true, true, 'y']);
  assert.deepEqual(cap.first_time, { clock: 'time-of-day', iso: '17:35:25.955486' });
  const first = calls(r)[0]!;
  assert.deepEqual([first.syscall, first.duration_s, first.time], ['restart_syscall', 0.332775, { clock: 'time-of-day', iso: '17:35:25.955486' }]);
  const accept = calls(r, (x) => x.syscall === 'accept4')[0]!;
  assert.deepEqual([accept.fd, accept.fd_path, accept.fd_kind, accept.ret], [5, 'socket:[48162]', 'socket', 4]);
  const fileWrites = calls(r, (x) => x.syscall === 'write' && x.tid === 26415 && x.fd_kind === 'file');
  assert.ok(fileWrites.length > 400);
  assert.ok(fileWrites.every((w) => w.path_source === 'y-annotation' && w.pid === 26246));
  // the capture ends on SIGINT: the last detach messages and an unfinished call
  assert.equal(cap.unfinished_calls, 1);
});

test('procs_f_o.txt: fd games, chdir, fork/vfork/clone3 children, thread execve, kills, signals', { skip: skipWithoutShared }, () => {
  const r = parse(join(CAPTURES, 'procs_f_o.txt'));
  const base = '/tmp/b38963be-c8d4-4402-8b2e-355608dccd59';
  // dup, F_DUPFD_CLOEXEC, dup2, dup3, F_DUPFD: every copy writes into a.txt
  const aWrites = calls(r, (x) => x.path === `${base}/a.txt` && ['write', 'pwrite64', 'writev', 'pwritev2'].includes(x.syscall as string));
  assert.deepEqual(aWrites.map((w) => [w.syscall, w.fd]), [['write', 20], ['write', 4], ['pwrite64', 30], ['writev', 21], ['pwritev2', 3]]);
  // chdir + relative openat, rename while open
  assert.equal(calls(r, (x) => x.syscall === 'openat' && x.args === 'AT_FDCWD, "rel.txt", O_RDWR|O_CREAT|O_CLOEXEC, 0600')[0]?.path, `${base}/rel.txt`);
  const rename = calls(r, (x) => x.syscall === 'rename')[0]!;
  assert.deepEqual([rename.path, rename.path2], [`${base}/rel.txt`, `${base}/renamed.txt`]);
  // the file name with quotes, backslash, <>, tab, newline and é
  assert.ok(calls(r, (x) => x.path === `${base}/we ird "q" \\ <lt> >gt\t\né.txt` && x.syscall === 'write').length === 1);
  // copies: bytes from a.txt into copy.txt
  const copy = calls(r, (x) => x.syscall === 'copy_file_range')[0]!;
  assert.deepEqual([copy.path, copy.path2, copy.bytes], [`${base}/a.txt`, `${base}/copy.txt`, 64]);
  const sendfile = calls(r, (x) => x.syscall === 'sendfile')[0]!;
  assert.deepEqual([sendfile.path, sendfile.path2, sendfile.bytes], [`${base}/copy.txt`, `${base}/a.txt`, 32]);
  // fork child writes to the inherited fd
  const child = atLine(r, 1168);
  assert.deepEqual([child.tid, child.pid, child.path, child.path_source], [18663, 18663, `${base}/shared.log`, 'fd-table']);
  // vfork child runs before vfork returns; its dup2 does not change the parent's table
  assert.deepEqual([atLine(r, 1184).tid, atLine(r, 1184).pid], [18664, 18664]);
  assert.equal(atLine(r, 1181).ret, 18664);
  // errors, signals, unknown syscall
  const eintr = atLine(r, 1156);
  assert.deepEqual([eintr.ret, eintr.errno, eintr.errno_text], [undefined, 'ERESTARTNOHAND', 'To be restarted if no handler']);
  assert.deepEqual([atLine(r, 1152).syscall, atLine(r, 1152).errno], ['syscall_0x3e7', 'ENOSYS']);
  assert.deepEqual([atLine(r, 1158, 'strace.signal').signal, atLine(r, 1158, 'strace.signal').info], ['SIGALRM', '{si_signo=SIGALRM, si_code=SI_KERNEL}']);
  assert.deepEqual([atLine(r, 1494, 'strace.exit').how, atLine(r, 1494, 'strace.exit').signal], ['killed', 'SIGKILL']);
  assert.equal(atLine(r, 1504, 'strace.exit').signal, 'SIGSEGV');
  // the weird `<... clock_nanosleep resumed> <unfinished ...>) = ?` of the killed child
  const killed = calls(r, (x) => x.tid === 18666 && x.syscall === 'clock_nanosleep')[0]!;
  assert.deepEqual([killed.ret, killed.ret_text, killed.resumed_line], [undefined, undefined, 1492]);
  // thread 18669 of 18668 calls execve: superseded, the execve completes under 18668
  const sup = atLine(r, 1537, 'strace.exit');
  assert.deepEqual([sup.how, sup.superseded_by, sup.tid], ['superseded', 18669, 18668]);
  const exec = calls(r, (x) => x.syscall === 'execve' && x.resumed_line === 1538)[0]!;
  assert.deepEqual([exec.tid, exec.ret, exec.path, exec.source.line], [18668, 0, '/bin/true', 1535]);
  const tasks = capture(r).tasks as Array<Record<string, unknown>>;
  assert.deepEqual(tasks.find((t) => t.tid === 18669), { origin: 'clone', calls: 10, tid: 18669, pid: 18668 });
});

test('y.txt / yy.txt: annotations give paths, pipes, sockets, (deleted), /dev/null<char 1:3>', { skip: skipWithoutShared }, () => {
  const y = parse(join(CAPTURES, 'y.txt'));
  assert.equal(capture(y).y_style, 'y');
  const sock = calls(y, (x) => x.syscall === 'sendto')[0]!;
  assert.deepEqual([sock.fd_kind, sock.fd_path], ['socket', 'socket:[33716]']);
  const yy = parse(join(CAPTURES, 'yy.txt'));
  assert.equal(capture(yy).y_style, 'yy');
  const out = calls(yy, (x) => x.syscall === 'write' && x.fd === 1)[0]!;
  assert.deepEqual([out.fd_path, out.path, out.path_source], ['/dev/null<char 1:3>', '/dev/null', 'y-annotation']);
  const gone = calls(yy, (x) => x.syscall === 'write' && x.fd_deleted === true && x.fd_kind === 'file')[0]!;
  assert.match(gone.path as string, /\/gone\.txt$/);
  const memfd = calls(yy, (x) => x.syscall === 'write' && x.fd_kind === 'memfd')[0]!;
  assert.deepEqual([memfd.fd_path, memfd.fd_deleted, memfd.bytes], ['/memfd:scratch', true, 10]);
  const unix = calls(yy, (x) => x.syscall === 'sendto')[0]!;
  assert.equal(unix.fd_path, 'UNIX-STREAM:[33734->33735]');
});

test('timestamps: -t, -tt, -ttt (utc), -r (relative sums), -T durations', { skip: skipWithoutShared }, () => {
  const t = parse(join(CAPTURES, 't.txt'));
  assert.deepEqual(calls(t)[0]!.time, { clock: 'time-of-day', iso: '17:28:12' });
  const tt = parse(join(CAPTURES, 'tt.txt'));
  assert.deepEqual(calls(tt)[1]!.time, { clock: 'time-of-day', iso: '17:28:13.249893' });
  const ttt = parse(join(CAPTURES, 'ttt.txt'));
  assert.deepEqual(calls(ttt)[0]!.time, { clock: 'utc', epoch: 1795714094.381831, iso: '2026-11-26T17:28:14.381831Z' });
  assert.equal(capture(ttt).timestamps, 'ttt');
  const r = parse(join(CAPTURES, 'r.txt'));
  assert.deepEqual(calls(r).slice(0, 3).map((x) => x.time), [{ clock: 'relative', rel: 0 }, { clock: 'relative', rel: 0.000434 }, { clock: 'relative', rel: 0.000784 }]);
  const T = parse(join(CAPTURES, 'T.txt'));
  assert.deepEqual(calls(T).slice(0, 2).map((x) => x.duration_s), [0.000287, 0.000045]);
  assert.equal(capture(T).has_durations, true);
  const aggs = T.records.filter((x) => x.kind === 'strace.aggregate' && x.scope === 'syscall');
  assert.ok(aggs.every((a) => typeof a.time_s === 'number'));
});

test('C.txt: trace followed by its summary; e_read_write_dump.txt: hex dumps skipped; trace_file.txt: filter hint', { skip: skipWithoutShared }, () => {
  const c = parse(join(CAPTURES, 'C.txt'));
  assert.ok(calls(c).length > 900);
  const total = c.records.find((x) => x.kind === 'strace.summary' && x.total === true);
  assert.deepEqual([total?.calls, total?.errors], [1008, 94]);
  const dump = parse(join(CAPTURES, 'e_read_write_dump.txt'));
  assert.equal(capture(dump).hex_dump_lines, 535);
  const file = parse(join(CAPTURES, 'trace_file.txt'));
  assert.match(capture(file).filter_hint as string, /-e trace=file/);
  assert.equal(capture(file).write_calls, 0);
});

// ---- synthetic shapes not in the captures -------------------------------------------------------------

test('program output spliced into a call, -k frames, old `resumed> )` style, -Y comm', () => {
  const r = text([
    '18651 execve("/usr/bin/python3", ["python3"], 0x7ffd /* 3 vars */) = 0',
    'write(1, "## fdgames\\n", 11## fdgames',
    ')            = 11',
    ' > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x14) [0xf8011]',
    '19162<python3> gettid()                 = 19162',
    '19162<python3> select(1, [0], NULL, NULL, NULL <unfinished ...>',
    '19162<python3> <... select resumed> )   = 1 ([0])',
  ]);
  assertCleanParse(r);
  assert.deepEqual(r.coverage, { lines: 7, data: 6, skipped: 1, unparsed: 0 });
  const w = atLine(r, 2);
  assert.deepEqual([w.syscall, w.ret, w.args], ['write', 11, '1, "## fdgames\\n", 11## fdgames']);
  const sel = atLine(r, 6);
  assert.deepEqual([sel.args, sel.ret, sel.ret_note, sel.tid], ['1, [0], NULL, NULL, NULL', 1, '[0]', 19162]);
  assert.equal(capture(r).stack_frame_lines, 1);
});

test('a line of program output on its own is unparsed, with a reason', () => {
  const r = text(['brk(NULL) = 0x1', 'hello from the program', 'brk(NULL) = 0x2']);
  assertCoverageInvariant(r);
  assert.equal(r.coverage.unparsed, 1);
  assert.match(r.diagnostics[0]!.message, /not a strace line/);
});

// ---- malformed input ----------------------------------------------------------------------------------

function assertSurvives(r: ParseResult): void {
  assertCoverageInvariant(r);
  assertRecordsValid(r);
}

test('malformed: lines cut at random positions give diagnostics, never an exception', () => {
  const lines = readFileSync(fixture('strace', 'shell_pipeline_f.txt'), 'utf8').split('\n');
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const cut = lines.map((l, i) => (i % 3 === 0 && l.length > 4 ? l.slice(0, rand(l.length)) : l));
  const r = parseText(parser, 'cut.txt', cut.join('\n'));
  assertSurvives(r);
  assert.ok(r.coverage.unparsed > 0);
  assert.ok(r.diagnostics.every((d) => d.code !== 'parser-error'));
});

test('malformed: empty, binary, non-UTF-8, another tool\'s file, a 10 MB line, mixed files, CRLF', () => {
  assertSurvives(parseText(parser, 'empty.txt', ''));
  const bin = parseText(parser, 'bin.txt', Buffer.from([0, 1, 2, 255, 10, 0x7f, 0x45, 10]));
  assertSurvives(bin);
  assert.equal(bin.coverage.unparsed, 2);
  const latin = parseText(parser, 'l.txt', Buffer.concat([Buffer.from('openat(AT_FDCWD, "/tmp/caf'), Buffer.from([0xe9]), Buffer.from('", O_RDONLY) = 3\n')]));
  assertSurvives(latin);
  assert.equal(latin.coverage.data, 1);
  const ps = parseText(parser, 'ps.txt', 'UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 17:00 ? 00:00:01 /sbin/init\n');
  assertSurvives(ps);
  assert.equal(ps.coverage.unparsed, 2);
  const huge = `write(1, "${'a'.repeat(10 * 1024 * 1024)}", 10485760) = 10485760\n`;
  const started = Date.now();
  const h = parseText(parser, 'huge.txt', huge);
  assertSurvives(h);
  assert.ok(Date.now() - started < 5000);
  const mixed = `${readFileSync(fixture('strace', 'c.txt'), 'utf8')}${readFileSync(fixture('strace', 'xx_hex_all.txt'), 'utf8')}${readFileSync(fixture('strace', 'attach_p_detach.txt'), 'utf8')}`;
  const m = parseText(parser, 'mixed.txt', mixed);
  assertSurvives(m);
  const lf = readFileSync(fixture('strace', 'shell_pipeline_f.txt'), 'utf8');
  const a = parseText(parser, 's.txt', lf);
  const b = parseText(parser, 's.txt', lf.replace(/\n/g, '\r\n'));
  assert.deepEqual(b.records, a.records);
  assert.equal(b.coverage.unparsed, 0);
});

test('malformed: an unfinished call that never resumes, a resumed half without its start', () => {
  const r = text(['[pid 10] read(3,  <unfinished ...>', '[pid 11] <... write resumed>) = 5', '[pid 10] +++ exited with 0 +++']);
  assertCleanParse(r);
  const read = calls(r, (x) => x.syscall === 'read')[0]!;
  assert.deepEqual([read.unfinished, read.tid, read.args], [true, 10, '3,']);
  const write = calls(r, (x) => x.syscall === 'write')[0]!;
  assert.deepEqual([write.partial, write.ret, write.tid, write.bytes, write.fd], ['resumed-only', 5, 11, 5, undefined]);
  assert.equal(capture(r).unfinished_calls, 1);
});

// ---- aggregates that replace per-call records in analysis -------------------------------------------

const aggregates = (r: ParseResult, scope: string): TimelineRecord[] => r.records.filter((x) => x.kind === 'strace.aggregate' && x.scope === scope);

test('aggregates: a write on an fd opened before the trace is kept per (task, fd), one task aggregate per thread', () => {
  const r = parse(fixture('strace', 'attach_p_main_thread.txt'));
  const [fd] = aggregates(r, 'fd');
  // `write(1, "main done\n", 10) = 10` on line 3: stdout, never opened in the trace.
  assert.deepEqual([fd?.fd, fd?.tid, fd?.pid, fd?.write_calls, fd?.written_bytes, fd?.source.line], [1, 18273, 18273, 1, 10, 3]);
  const tasks = aggregates(r, 'task');
  assert.deepEqual(tasks.map((t) => [t.tid, t.pid, t.calls, t.written_bytes, t.source.line, t.last_line]), [[18273, 18273, 4, 10, 2, 5]]);
});

test('aggregates: per-path operation counters on the popularity trace equal a count of the raw lines', { skip: skipWithoutShared }, () => {
  const path = join(sharedDir, 'captures', 'popularity', 'strace-f.txt');
  const r = parse(path);
  const text = readFileSync(path, 'utf8');
  const paths = aggregates(r, 'path');
  const sum = (field: string): number => paths.reduce((n, a) => n + ((a[field] as number | undefined) ?? 0), 0);
  // O_CREAT openat calls that did not fail, as grep would count them: whole lines and `<unfinished ...>`
  // entry halves (their resumed halves print no flags).
  const creatOpens = text.split('\n').filter((l) => /openat\(.*O_CREAT/.test(l) && !/ = -1 /.test(l)).length;
  assert.ok(creatOpens > 400);
  assert.equal(sum('creates'), creatOpens);
  assert.equal(sum('mkdirs'), text.split('\n').filter((l) => /\bmkdir\(.*\) = 0/.test(l)).length);
  // Every write on a file path: the -y annotated fd names a regular file of the temp directory.
  const fileWrites = text.split('\n').filter((l) => /\bwrite\(\d+<\/tmp\//.test(l)).length;
  const tmpWrites = paths.filter((a) => String(a.path).startsWith('/tmp/')).reduce((n, a) => n + ((a.write_calls as number | undefined) ?? 0), 0);
  assert.equal(tmpWrites, fileWrites);
  // Each task aggregate counts that thread's calls; together they are every call.
  const tasks = aggregates(r, 'task');
  assert.deepEqual(tasks.map((t) => t.tid).sort(), [26246, 26415]);
  assert.equal(tasks.reduce((n, t) => n + (t.calls as number), 0), capture(r).calls);
});

test('a call record keeps its field order (fd, its annotation, path; a path call: path, then its dirfd), as parse --format json prints it', () => {
  const r = text([
    '[pid 41] 10:00:00.000001 openat(3</srv/data>, "log.txt", O_WRONLY|O_CREAT, 0644) = 4</srv/data/log.txt> <0.000010>',
    '[pid 41] 10:00:00.000002 write(4</srv/data/log.txt>(deleted), "abc", 3) = 3 <0.000004>',
    '[pid 41] 10:00:00.000003 sendfile(5<socket:[77]>, 4</srv/data/log.txt>, NULL, 3) = 3 <0.000004>',
    '[pid 41] 10:00:00.000004 read(9, "", 3) = 0 <0.000004>',
  ]);
  const keys = (line: number): string => Object.keys(atLine(r, line)).join(' ');
  assert.equal(keys(1), 'kind source time syscall args ret duration_s path path_source fd fd_path tid');
  assert.equal(keys(2), 'kind source time syscall args ret duration_s fd fd_path fd_deleted fd_kind path path_source bytes tid');
  assert.equal(keys(3), 'kind source time syscall args ret duration_s fd fd_path fd_kind path path_source fd2 path2 bytes tid');
  assert.equal(keys(4), 'kind source time syscall args ret duration_s fd path_unknown_reason bytes tid');
});
