/**
 * The fast analysis reader of strace (src/parsers/strace/fast.ts) must give what the string reader
 * gives: the same analysis timeline, byte for byte, whether it reads a file to its end or gives it up
 * (the file is then read again by the string reader). Held on generated `-f -tt -T -y` traces (the
 * bench's shapes), on traces with a line it does not read put in their middle, and on every real
 * capture and fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import { buildTimeline } from '../../src/timeline/build.js';
import { StraceFastReader } from '../../src/parsers/strace/fast.js';
import { LineSplitter } from '../../src/bundle/lines.js';

const SHARED = join(process.cwd(), '..', 'shared', 'captures');

/** Both readings of a bundle for analysis, as JSON. */
async function bothReadings(path: string, jobs = 1): Promise<{ string: string; fast: string }> {
  const options = { summarize: true, jobs, splitMinBytes: Infinity };
  const slow = await buildTimeline(path, { ...options, noFastStrace: true });
  const fast = await buildTimeline(path, options);
  return { string: JSON.stringify(slow), fast: JSON.stringify(fast) };
}

/** Why the fast reader gives `file` up (undefined: it reads it to its end). */
function fastVerdict(file: string): string | undefined {
  const reader = new StraceFastReader(file, () => {}, () => {});
  const splitter = new LineSplitter((_text, lineNo) => reader.giveUp('not plain ASCII', lineNo));
  splitter.bytesSink = (buf, start, end, lineNo) => reader.line(buf, start, end, lineNo);
  splitter.push(readFileSync(file));
  splitter.end();
  reader.end();
  return reader.bailed;
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-fast-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * A generated trace (`bytes`, `seed`) written to `file` with `inserted` put after its first half of lines.
 * Returns the generated lines and where the inserted ones start (0-based).
 */
function traceWithLinesInMiddle(file: string, bytes: number, seed: number, inserted: readonly string[], encoding: BufferEncoding = 'latin1'): { lines: string[]; middle: number } {
  const generated = `${file}.gen`;
  generateStraceTrace(generated, { bytes, seed });
  const lines = readFileSync(generated, 'latin1').split('\n');
  rmSync(generated);
  const middle = lines.length >> 1;
  writeFileSync(file, Buffer.from([...lines.slice(0, middle), ...inserted, ...lines.slice(middle)].join('\n'), encoding));
  return { lines, middle };
}

for (const seed of [1, 0x5eed, 977]) {
  test(`fast strace reader: a generated -f -tt -T -y trace (seed ${seed}) is read to its end, and its analysis is the string reader's`, () =>
    withDir(async (dir) => {
      const file = join(dir, 'strace-f-tt-T-y.txt');
      generateStraceTrace(file, { bytes: 3 << 20, seed });
      assert.equal(fastVerdict(file), undefined);
      const { string, fast } = await bothReadings(file);
      assert.equal(fast, string);
      const timeline = JSON.parse(fast) as { records: Array<Record<string, unknown>> };
      // Real content, not two empty readings: paths with bytes written, tasks, the capture facts.
      const written = timeline.records.filter((r) => r.kind === 'strace.aggregate' && r.scope === 'path' && Number(r.written_bytes) > 0);
      assert.ok(written.length > 100);
      const capture = timeline.records.find((r) => r.kind === 'strace.capture')!;
      assert.equal(capture.timestamps, 'tt');
      assert.equal(capture.y_style, 'y');
      assert.ok(Number(capture.calls) > 10000);
    }));
}

test('fast strace reader: read on a pool worker (a folder bundle), the analysis is the string reader\'s', () =>
  withDir(async (dir) => {
    generateStraceTrace(join(dir, 'strace.txt'), { bytes: 2 << 20, seed: 31 });
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    const options = { summarize: true, jobs: 2, poolMinBytes: 0, splitMinBytes: Infinity };
    const slow = await buildTimeline(dir, { ...options, noFastStrace: true });
    const fast = await buildTimeline(dir, options);
    assert.equal(JSON.stringify(fast), JSON.stringify(slow));
  }));

/** Lines the fast reader leaves to the string reader, each put in the middle of a generated trace. */
const UNREAD_LINES: Array<[string, string]> = [
  ['a -ttt timestamp among -tt ones', '[pid 26246] 1764174930.100000 getpid() = 26246 <0.000002>'],
  ['an fd annotation ending in (deleted)', '[pid 26246] 17:35:30.100000 memfd_create("buf", MFD_CLOEXEC) = 9</memfd:buf (deleted)> <0.000004>'],
  ['a line without the timestamp the others have', '[pid 26246] getpid() = 26246 <0.000002>'],
  ['an -r timestamp', '[pid 26246]      0.000123 getpid() = 26246 <0.000002>'],
  ['a line cut by a strace message this reader does not read', '[pid 26246] 17:35:30.100000 clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0}strace: Process 9999 suspended'],
  ['non-ASCII bytes', '[pid 26246] 17:35:30.100000 openat(AT_FDCWD</tmp>, "/tmp/caf\u00e9", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000004>'],
  ['a CRLF line', '[pid 26246] 17:35:30.100000 getpid() = 26246 <0.000002>\r'],
];

for (const [what, line] of UNREAD_LINES) {
  test(`fast strace reader: a trace with ${what} in its middle is given up and read again, with the string reader's result`, () =>
    withDir(async (dir) => {
      const file = join(dir, 'strace.txt');
      const { lines, middle } = traceWithLinesInMiddle(file, 1 << 20, 5, [line], line.includes('\u00e9') ? 'utf8' : 'latin1');
      const why = fastVerdict(file);
      assert.ok(why !== undefined && why.startsWith(`line ${middle + 1}:`), `given up at the inserted line, not: ${why}`);
      const { string, fast } = await bothReadings(file);
      assert.equal(fast, string);
      // Nothing was lost to the retry: every line is accounted for once.
      const files = (JSON.parse(fast) as { files: Array<{ coverage: { lines: number } }> }).files;
      assert.equal(files[0]!.coverage.lines, lines.length + (lines[lines.length - 1] === '' ? 0 : 1));
    }));
}

test('fast strace reader: a clone3 line cut by "strace: Process N attached" and continued on the next line (the case study\'s shape) is read to its end, as the string reader reads it', () =>
  withDir(async (dir) => {
    // The shape of ../shared/captures/popularity/strace-f.txt lines 9-12, with a TID the trace does not use.
    const cut = [
      '[pid 26246] 17:35:30.100000 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7ffaf416e990, parent_tid=0x7ffaf416e990, exit_signal=0, stack=0x7ffaf396e000, stack_size=0x7fff80, tls=0x7ffaf416e6c0}strace: Process 27001 attached',
      ' <unfinished ...>',
      '[pid 27001] 17:35:30.100050 openat(AT_FDCWD</tmp>, "/tmp/cut-child.txt", O_WRONLY|O_CREAT, 0666) = 90</tmp/cut-child.txt> <0.000010>',
      '[pid 26246] 17:35:30.100060 <... clone3 resumed> => {parent_tid=[27001]}, 88) = 27001 <0.000163>',
      '[pid 27001] 17:35:30.100070 write(90</tmp/cut-child.txt>, "abc", 3) = 3 <0.000004>',
      '[pid 27001] 17:35:30.100080 +++ exited with 0 +++',
    ];
    const file = join(dir, 'strace.txt');
    traceWithLinesInMiddle(file, 1 << 20, 41, cut);
    assert.equal(fastVerdict(file), undefined);
    const { string, fast } = await bothReadings(dir);
    assert.equal(fast, string);
    const timeline = JSON.parse(fast) as { records: Array<Record<string, unknown>>; files: Array<{ coverage: { lines: number; data: number; unparsed: number } }> };
    // The child is the thread the clone made: its write is its process's, and the attach record says so.
    const attach = timeline.records.find((r) => r.kind === 'strace.attach' && r.tid === 27001)!;
    assert.equal(attach.follows_clone_of, 26246);
    const child = timeline.records.find((r) => r.kind === 'strace.aggregate' && r.scope === 'path' && r.path === '/tmp/cut-child.txt')!;
    assert.deepEqual([child.tid, child.pid, child.written_bytes], [27001, 26246, 3]);
    assert.equal(timeline.files[0]!.coverage.unparsed, 0);
  }));

test('fast strace reader: a -ff file (no prefix, the TID in its name) is read to its end, as the string reader reads it', () =>
  withDir(async (dir) => {
    generateStraceTrace(join(dir, 'gen.txt'), { bytes: 1 << 20, seed: 43 });
    // One task's lines as `strace -ff -o trace` writes them: its own file, trace.TID, without prefixes.
    const own = readFileSync(join(dir, 'gen.txt'), 'latin1').split('\n').filter((line) => line.startsWith('[pid 26246] ')).map((line) => line.slice(12));
    rmSync(join(dir, 'gen.txt'));
    assert.ok(own.length > 1000);
    const file = join(dir, 'trace.26246');
    writeFileSync(file, own.join('\n') + '\n', 'latin1');
    assert.equal(fastVerdict(file), undefined);
    const { string, fast } = await bothReadings(dir);
    assert.equal(fast, string);
    const records = (JSON.parse(fast) as { records: Array<Record<string, unknown>> }).records;
    const capture = records.find((r) => r.kind === 'strace.capture')!;
    assert.equal(capture.pid_style, 'file-name');
    // A call per line but the resumed halves (after the 16 characters of the -tt stamp).
    assert.equal(capture.calls, own.filter((line) => !line.startsWith('<...', 16) && !line.startsWith('+++', 16)).length);
    assert.ok(records.filter((r) => r.kind === 'strace.aggregate' && r.scope === 'path').every((r) => r.tid === 26246));
  }));

test('fast strace reader: a detached call, a thread\'s execve (pid changed, superseded) and signals end a trace as the string reader ends it', () =>
  withDir(async (dir) => {
    const file = join(dir, 'strace.txt');
    generateStraceTrace(file, { bytes: 256 << 10, seed: 13 });
    const before = fastStraceCapture(await bothReadings(dir));
    appendFileSync(file, [
      '[pid 26246] 17:59:59.000001 poll([{fd=5, events=POLLIN}], 1, 500 <detached ...>',
      '[pid 27002] 17:59:59.000002 execve("/bin/true", ["true"], 0x7ffd28a91628 /* 3 vars */ <pid changed to 26417 ...>',
      '[pid 26417] 17:59:59.000003 +++ superseded by execve in pid 27002 +++',
      '[pid 26417] 17:59:59.000004 <... execve resumed>) = 0 <0.000300>',
      '[pid 26417] 17:59:59.000005 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
      '',
    ].join('\n'));
    assert.equal(fastVerdict(file), undefined);
    const readings = await bothReadings(dir);
    assert.equal(readings.fast, readings.string);
    const after = fastStraceCapture(readings);
    // The detached poll and the thread's execve seen from the thread never completed; the resumed execve did.
    assert.equal(Number(after.unfinished_calls) - Number(before.unfinished_calls), 2);
    assert.equal(Number(after.calls) - Number(before.calls), 3);
    assert.equal(Number(after.signals) - Number(before.signals), 1);
    const records = (JSON.parse(readings.fast) as { records: Array<Record<string, unknown>> }).records;
    const superseded = records.find((r) => r.kind === 'strace.exit' && r.how === 'superseded')!;
    assert.deepEqual([superseded.tid, superseded.superseded_by], [26417, 27002]);
  }));

/** The capture record of a reading (the fast reader's, which the test checks equal to the string reader's). */
function fastStraceCapture(readings: { fast: string }): Record<string, unknown> {
  return (JSON.parse(readings.fast) as { records: Array<Record<string, unknown>> }).records.find((r) => r.kind === 'strace.capture')!;
}

test('fast strace reader: escapes in -y annotations (a non-ASCII name, a quote) are decoded as the string reader decodes them', () =>
  withDir(async (dir) => {
    const file = join(dir, 'strace.txt');
    // strace -y prints a name's non-ASCII bytes and quotes escaped: the line itself stays ASCII.
    const escaped = [
      '[pid 26246] 17:35:30.100000 openat(AT_FDCWD</tmp>, "/tmp/caf\\303\\251 \\"q\\".txt", O_WRONLY|O_CREAT, 0666) = 91</tmp/caf\\303\\251 \\"q\\".txt> <0.000010>',
      '[pid 26246] 17:35:30.100010 write(91</tmp/caf\\303\\251 \\"q\\".txt>, "abc", 3) = 3 <0.000004>',
      '[pid 26246] 17:35:30.100020 write(91, "de", 2) = 2 <0.000004>',
      '[pid 26246] 17:35:30.100030 dup2(91</tmp/caf\\303\\251 \\"q\\".txt>, 92) = 92</tmp/caf\\303\\251 \\"q\\".txt> <0.000004>',
      '[pid 26246] 17:35:30.100040 write(92, "f", 1) = 1 <0.000004>',
      '[pid 26246] 17:35:30.100050 close(91</tmp/caf\\303\\251 \\"q\\".txt>) = 0 <0.000004>',
    ];
    traceWithLinesInMiddle(file, 512 << 10, 17, escaped);
    assert.equal(fastVerdict(file), undefined);
    const { string, fast } = await bothReadings(dir);
    assert.equal(fast, string);
    const records = (JSON.parse(fast) as { records: Array<Record<string, unknown>> }).records;
    const cafe = records.find((r) => r.kind === 'strace.aggregate' && r.scope === 'path' && r.path === '/tmp/caf\u00e9 "q".txt')!;
    assert.deepEqual([cafe.tid, cafe.written_bytes, cafe.opens], [26246, 6, 1]);
  }));

test('fast strace reader: -yy annotations (a device after the path, a connected socket) are read as the string reader reads them', () =>
  withDir(async (dir) => {
    const file = join(dir, 'strace.txt');
    const yy = [
      '[pid 26246] 17:35:30.100000 openat(AT_FDCWD</tmp>, "/dev/null", O_WRONLY) = 93</dev/null<char 1:3>> <0.000004>',
      '[pid 26246] 17:35:30.100010 write(93</dev/null<char 1:3>>, "abc", 3) = 3 <0.000004>',
      '[pid 26246] 17:35:30.100020 write(1</dev/pts/0<char 136:0>>, "hi\\n", 3) = 3 <0.000004>',
      '[pid 26246] 17:35:30.100030 accept4(5<TCP:[127.0.0.1:8080]>, NULL, NULL, SOCK_CLOEXEC) = 94<TCP:[127.0.0.1:8080->127.0.0.1:41234]> <0.000010>',
      '[pid 26246] 17:35:30.100040 write(94<TCP:[127.0.0.1:8080->127.0.0.1:41234]>, "HTTP/1.1 200 OK", 15) = 15 <0.000004>',
      '[pid 26246] 17:35:30.100050 dup2(93</dev/null<char 1:3>>, 2) = 2</dev/null<char 1:3>> <0.000004>',
      '[pid 26246] 17:35:30.100060 write(2, "e", 1) = 1 <0.000004>',
      '[pid 26246] 17:35:30.100070 close(94<TCP:[127.0.0.1:8080->127.0.0.1:41234]>) = 0 <0.000004>',
    ];
    traceWithLinesInMiddle(file, 512 << 10, 19, yy);
    assert.equal(fastVerdict(file), undefined);
    const { string, fast } = await bothReadings(dir);
    assert.equal(fast, string);
    const records = (JSON.parse(fast) as { records: Array<Record<string, unknown>> }).records;
    const byPath = (path: string): Record<string, unknown> | undefined => records.find((r) => r.kind === 'strace.aggregate' && r.scope === 'path' && r.path === path && r.tid === 26246);
    // The device suffix is not part of the path; the socket's arrow is.
    assert.equal(byPath('/dev/null')?.written_bytes, 4);
    assert.equal(byPath('/dev/pts/0')?.written_bytes, 3);
    assert.equal(byPath('TCP:[127.0.0.1:8080->127.0.0.1:41234]')?.written_bytes, 15);
    assert.equal(records.find((r) => r.kind === 'strace.capture')!.y_style, 'yy');
  }));

test('fast strace reader: a trace whose last call never returned ends it as the string reader does', () =>
  withDir(async (dir) => {
    const file = join(dir, 'strace.txt');
    generateStraceTrace(file, { bytes: 256 << 10, seed: 11 });
    appendFileSync(file, '[pid 26246] 17:59:59.000001 read(6</tmp/last.txt>, <unfinished ...>\n');
    assert.equal(fastVerdict(file), undefined);
    const { string, fast } = await bothReadings(file);
    assert.equal(fast, string);
    assert.match(fast, /"ret_note":"the trace ends before the call returned"/);
  }));

/**
 * A generated trace rewritten as `strace -f -o FILE` writes it (a TID column, `%-5d ` as strace prints
 * it, instead of `[pid N] `), its timestamps rewritten to `stamps`, with lines of the kinds the string
 * reader's tests hold (signals, dup, fcntl, pipes, socket pairs, renames, copies, a memfd, close_range)
 * put among the calls of the task 26246.
 */
function columnTrace(from: string, stamps: Stamps): string {
  const extra = [
    '26246 17:35:30.100000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
    '26246 17:35:30.100001 --- stopped by SIGSTOP ---',
    '26246 17:35:30.100002 dup(6</tmp/dup-source.txt>) = 42</tmp/dup-source.txt> <0.000004>',
    '26246 17:35:30.100003 write(42</tmp/dup-source.txt>, "abc", 3) = 3 <0.000004>',
    '26246 17:35:30.100004 fcntl(42</tmp/dup-source.txt>, F_DUPFD_CLOEXEC, 50) = 50</tmp/dup-source.txt> <0.000004>',
    '26246 17:35:30.100005 fcntl(50</tmp/dup-source.txt>, F_SETFD, 0) = 0 <0.000004>',
    '26246 17:35:30.100006 dup2(50</tmp/dup-source.txt>, 51) = 51</tmp/dup-source.txt> <0.000004>',
    '26246 17:35:30.100007 write(51</tmp/dup-source.txt>, "abcdef", 6) = 6 <0.000004>',
    '26246 17:35:30.100008 close(42</tmp/dup-source.txt>) = 0 <0.000004>',
    '26246 17:35:30.100009 pipe2([60<pipe:[4711]>, 61<pipe:[4711]>], O_CLOEXEC) = 0 <0.000004>',
    '26246 17:35:30.100010 write(61, "xy", 2) = 2 <0.000004>',
    '26246 17:35:30.100011 socketpair(AF_UNIX, SOCK_STREAM, 0, [62<UNIX-STREAM:[90001]>, 63<UNIX-STREAM:[90002]>]) = 0 <0.000004>',
    '26246 17:35:30.100012 write(63, "hello", 5) = 5 <0.000004>',
    '26246 17:35:30.100013 pipe([64, 65]) = 0 <0.000004>',
    '26246 17:35:30.100014 read(64, "z", 1) = 1 <0.000004>',
    '26246 17:35:30.100015 rename("/tmp/app.log", "/tmp/app.log.1") = 0 <0.000004>',
    '26246 17:35:30.100016 renameat2(AT_FDCWD</tmp>, "tmpfile.part", AT_FDCWD</tmp>, "tmpfile", RENAME_NOREPLACE) = 0 <0.000004>',
    '26246 17:35:30.100017 sendfile(6</tmp/out.bin>, 7</tmp/in.bin>, NULL, 4096) = 4096 <0.000004>',
    '26246 17:35:30.100018 copy_file_range(7</tmp/in.bin>, NULL, 6</tmp/out.bin>, NULL, 100, 0) = 100 <0.000004>',
    '26246 17:35:30.100019 symlink("/tmp/app.log", "/tmp/current.log") = 0 <0.000004>',
    '26246 17:35:30.100020 memfd_create("scratch", MFD_CLOEXEC) = 66 <0.000004>',
    '26246 17:35:30.100021 write(66, "q", 1) = 1 <0.000004>',
    '26246 17:35:30.100022 close_range(66, 66, CLOSE_RANGE_CLOEXEC) = 0 <0.000004>',
    '26246 17:35:30.100023 close_range(60, 63, 0) = 0 <0.000004>',
    '26246 17:35:30.100024 write(61, "after", 5) = 5 <0.000004>',
  ];
  const lines = readFileSync(from, 'latin1').split('\n').map((line) => line.replace(/^\[pid +(\d+)\] /, (_m, tid: string) => `${tid.padEnd(5)} `));
  const middle = lines.length >> 1;
  const all = [...lines.slice(0, middle), ...extra, ...lines.slice(middle)];
  return all.map((line) => line.replace(/^(\d+ +)(\d\d):(\d\d):(\d\d)(\.\d{6}) /, (_m, tid: string, h: string, m: string, sec: string, frac: string) => tid + restamp(stamps, Number(h), Number(m), Number(sec), frac))).join('\n');
}

/** The timestamp forms a -f -o trace is rewritten to: `tt` as generated, none, `-t` (seconds), `-ttt` (epoch). */
type Stamps = 'tt' | 'none' | 't' | 'ttt';

/** 2026-11-26 00:00:00 UTC, the day of the generated traces, in seconds since the epoch. */
const TRACE_DAY_EPOCH = Date.UTC(2026, 10, 26) / 1000;

function restamp(stamps: Stamps, h: number, m: number, s: number, frac: string): string {
  const clock = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (stamps === 'none') return '';
  if (stamps === 't') return `${clock} `;
  if (stamps === 'ttt') return `${TRACE_DAY_EPOCH + h * 3600 + m * 60 + s}${frac} `;
  return `${clock}${frac} `;
}

for (const stamps of ['tt', 'none', 't', 'ttt'] as const) {
  test(`fast strace reader: a -f -o trace (TID column, ${stamps === 'none' ? 'no timestamps' : `-${stamps}`}) with signals, dup, fcntl, pipes, socket pairs, renames and copies is read to its end, and its analysis is the string reader's`, () =>
    withDir(async (dir) => {
      generateStraceTrace(join(dir, 'gen.txt'), { bytes: 2 << 20, seed: 23 });
      const file = join(dir, 'strace-f-o.txt');
      writeFileSync(file, columnTrace(join(dir, 'gen.txt'), stamps), 'latin1');
      rmSync(join(dir, 'gen.txt'));
      assert.equal(fastVerdict(file), undefined);
      const { string, fast } = await bothReadings(dir);
      assert.equal(fast, string);
      const records = (JSON.parse(fast) as { records: Array<Record<string, unknown>> }).records;
      const capture = records.find((r) => r.kind === 'strace.capture')!;
      assert.equal(capture.pid_style, 'column');
      assert.equal(capture.timestamps, stamps);
      assert.equal(capture.signals, 2);
      const signals = records.filter((r) => r.kind === 'strace.signal');
      assert.deepEqual(signals.map((r) => [r.signal, r.tid, r.stopped ?? false]), [['SIGCHLD', 26246, false], ['SIGSTOP', 26246, true]]);
      assert.equal(signals.some((r) => 'time' in r), stamps !== 'none');
      if (stamps === 'ttt') assert.deepEqual(signals[0]!.time, { clock: 'utc', epoch: TRACE_DAY_EPOCH + 17 * 3600 + 35 * 60 + 30.1, iso: '2026-11-26T17:35:30.100000Z' });
      if (stamps === 't') assert.deepEqual(signals[0]!.time, { clock: 'time-of-day', iso: '17:35:30' });
      // The copies are followed: the writes through fd 42 and fd 51 land on the path dup named.
      const dupPath = records.find((r) => r.kind === 'strace.aggregate' && r.scope === 'path' && r.path === '/tmp/dup-source.txt')!;
      assert.equal(dupPath.written_bytes, 9);
      // Writes without an annotation go to what pipe2 and socketpair put in the table.
      const byPath = (path: string): Record<string, unknown> | undefined => records.find((r) => r.kind === 'strace.aggregate' && r.scope === 'path' && r.path === path && r.tid === 26246);
      // close_range closed fd 61: the later write's 5 bytes are not the pipe's.
      assert.equal(byPath('pipe:[4711]')?.written_bytes, 2);
      assert.equal(byPath('UNIX-STREAM:[90002]')?.written_bytes, 5);
      // Two-path and two-fd calls: both paths aggregated, a copy's bytes read from one and written to the other.
      assert.equal(byPath('/tmp/app.log')?.renames, 1);
      assert.equal(byPath('/tmp/app.log.1')?.calls, 1);
      assert.equal(byPath('/tmp/tmpfile.part')?.renames, 1);
      assert.equal(byPath('/tmp/tmpfile')?.calls, 1);
      assert.deepEqual([byPath('/tmp/out.bin')?.written_bytes, byPath('/tmp/in.bin')?.read_bytes], [4196, 4196]);
      assert.equal(byPath('/tmp/current.log')?.calls, 1);
      assert.equal(byPath('/memfd:scratch')?.written_bytes, 1);
    }));
}

/** Every strace capture and fixture: read to its end or given up, the result is the string reader's. */
function straceFiles(): string[] {
  const dirs = [join(process.cwd(), 'test', 'fixtures', 'strace'), join(process.cwd(), 'test', 'fixtures', 'strace', 'ff_o'), join(SHARED, 'strace'), join(SHARED, 'strace', 'ff_o')];
  const files = dirs.filter((d) => existsSync(d)).flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.txt') || /^trace\.\d+$/.test(n)).map((n) => join(d, n)));
  for (const n of ['strace-f.txt', 'strace-main.txt']) if (existsSync(join(SHARED, 'popularity', n))) files.push(join(SHARED, 'popularity', n));
  return files;
}

test('fast strace reader: every strace capture and fixture gives the string reader\'s analysis', () =>
  withDir(async (dir) => {
    const files = straceFiles();
    assert.ok(files.length >= 10);
    for (const [k, source] of files.entries()) {
      // One file per bundle folder: the reader reads it again from the folder when it gives it up.
      const bundle = join(dir, String(k));
      mkdirSync(bundle);
      copyFileSync(source, join(bundle, basename(source)));
      const { string, fast } = await bothReadings(bundle);
      assert.equal(fast, string, source);
    }
  }));
