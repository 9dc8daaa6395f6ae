/**
 * A strace file read as two segments (src/parsers/segments.ts) must give what one pass gives: the same
 * records other than calls, in the same order, the same first and last call and number of calls, the
 * same aggregates and capture record, coverage and diagnostics — whether the tail's counts were merged
 * or (when its assumptions about the cut did not hold) its lines were read again after the head's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter, type LineFlags } from '../../src/bundle/lines.js';
import { parseText } from '../../src/parsers/run.js';
import { parser } from '../../src/parsers/strace.js';
import { startHead, startTail, WARM_UP_BYTES } from '../../src/parsers/segments.js';
import type { Coverage, Diagnostic, TimelineRecord } from '../../src/common/types.js';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import { fixturesDir, sharedDir, skipWithoutShared } from '../helpers.js';

interface Line {
  text: string;
  flags: LineFlags | undefined;
}

function splitLines(content: string): Line[] {
  const lines: Line[] = [];
  const splitter = new LineSplitter((text, _n, flags) => lines.push({ text, flags: flags ? { ...flags } : undefined }));
  splitter.push(Buffer.from(content));
  splitter.end();
  return lines;
}

/** What analysis keeps of a file's records (the summarizing sink of src/timeline/build.ts). */
interface Kept {
  others: TimelineRecord[];
  calls: number;
  firstCall: TimelineRecord | undefined;
  lastCall: TimelineRecord | undefined;
  coverage: Coverage;
  diagnostics: Diagnostic[];
  merged?: string | undefined;
}

function keptOf(records: TimelineRecord[], extraCalls: number, coverage: Coverage, diagnostics: Diagnostic[]): Kept {
  const calls = records.filter((r) => r.kind === 'strace.call');
  return { others: records.filter((r) => r.kind !== 'strace.call'), calls: calls.length + extraCalls, firstCall: calls[0], lastCall: calls.at(-1), coverage, diagnostics };
}

function onePass(file: string, content: string): Kept {
  const r = parseText(parser, file, content);
  return keptOf(r.records, 0, r.coverage, r.diagnostics);
}

/** Read `lines` as a head of `cut` lines and a tail; `merged`: undefined when the tail was merged, else why not. */
/** The lines before the cut a tail warms up on: as many as fit WARM_UP_BYTES, as the timeline picks them. */
function warmUpLines(lines: Line[], cut: number): number {
  let bytes = 0;
  let k = cut;
  while (k > 0 && bytes + Buffer.byteLength(lines[k - 1]!.text) + 1 <= WARM_UP_BYTES) bytes += Buffer.byteLength(lines[--k]!.text) + 1;
  return cut - k;
}

function segmented(file: string, lines: Line[], cut: number, warmUp = warmUpLines(lines, cut)): Kept {
  const records: TimelineRecord[] = [];
  let extra = 0;
  const head = startHead(file, '', (r) => records.push(r), (kind, _clock, count) => {
    assert.equal(kind, 'strace.call');
    extra += count;
  });
  for (let k = 0; k < cut; k++) head.line(lines[k]!.text, k + 1, lines[k]!.flags);
  const tail = startTail(file, '', cut - warmUp <= 0);
  for (let k = Math.max(0, cut - warmUp); k < cut; k++) tail.warm(lines[k]!.text, k + 1 - cut);
  for (let k = cut; k < lines.length; k++) tail.line(lines[k]!.text, k + 1 - cut, lines[k]!.flags);
  // Through a structured clone, as between workers.
  const output = structuredClone(tail.end(0));
  assert.equal(output.lines, lines.length - cut);
  const why = head.absorb(output, cut);
  if (why !== undefined) for (let k = cut; k < lines.length; k++) head.line(lines[k]!.text, k + 1, lines[k]!.flags);
  const { coverage, diagnostics } = head.end();
  return { ...keptOf(records, extra, coverage, diagnostics), merged: why };
}

/** Cuts at every `step`-th line (and the first and last lines); returns how many were merged. */
function assertSameAtCuts(file: string, content: string, step: number): { cuts: number; merged: number; reasons: Set<string> } {
  const expected = onePass(file, content);
  const lines = splitLines(content);
  let cuts = 0;
  let merged = 0;
  const reasons = new Set<string>();
  const points = new Set<number>([1, lines.length - 1]);
  for (let c = step; c < lines.length; c += step) points.add(c);
  for (const cut of points) {
    if (cut < 1 || cut >= lines.length) continue;
    const got = segmented(file, lines, cut);
    const why = got.merged;
    delete got.merged;
    assert.deepStrictEqual(got, expected, `${file} cut after line ${cut} (${why === undefined ? 'merged' : `not merged: ${why}`})`);
    cuts++;
    if (why === undefined) merged++;
    else reasons.add(why.replace(/\d+/g, 'N'));
  }
  return { cuts, merged, reasons };
}

test('a generated -f -tt -T -y trace (threads, clones, calls in flight) gives the one-pass result at every cut, merged at most', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-seg-'));
  try {
    const file = join(dir, 'trace.txt');
    generateStraceTrace(file, { bytes: 400_000, seed: 7 });
    const content = readFileSync(file, 'utf8');
    const { cuts, merged, reasons } = assertSameAtCuts('trace.txt', content, 37);
    assert.ok(cuts > 50, `${cuts} cuts`);
    // Most cuts must merge: a split that always fell back would be no faster than one pass.
    assert.ok(merged / cuts > 0.6, `only ${merged} of ${cuts} cuts merged (${[...reasons].join('; ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('strace fixtures give the one-pass result at every cut', () => {
  const dir = join(fixturesDir, 'strace');
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isFile() || !name.endsWith('.txt')) continue;
    const content = readFileSync(path, 'utf8');
    total += assertSameAtCuts(name, content, 1).cuts;
  }
  assert.ok(total > 100, `${total} cuts`);
});

test('real strace captures (../shared) give the one-pass result at many cuts', { skip: skipWithoutShared }, () => {
  const files: string[] = [];
  const captures = join(sharedDir, 'captures', 'strace');
  for (const name of readdirSync(captures)) if (name.endsWith('.txt')) files.push(join(captures, name));
  const ff = join(captures, 'ff_o');
  if (existsSync(ff)) for (const name of readdirSync(ff)) files.push(join(ff, name));
  files.push(join(sharedDir, 'captures', 'popularity', 'strace-f.txt'));
  let merged = 0;
  for (const path of files) {
    if (!existsSync(path)) continue;
    const content = readFileSync(path, 'utf8');
    const lines = content.split('\n').length;
    merged += assertSameAtCuts(path.slice(sharedDir.length + 1), content, Math.max(1, Math.floor(lines / 60))).merged;
  }
  assert.ok(merged > 0);
});

/**
 * Traces where one check of the merge is what keeps the result right: the state the tail needs was
 * made before its warm-up (3 lines here), so the tail must not be merged; made inside it, it may.
 */
test('the tail is not merged when it needs state from before its warm-up, and is when the warm-up saw it', () => {
  const filler = (n: number): string[] => Array.from({ length: n }, (_, k) => `101 getpid() = ${101 + (k % 2)}`);
  const cases: Array<{ name: string; before: string[]; after: string[]; reason: RegExp }> = [
    // No -y: the fd's path is only in the head's table.
    { name: 'fd opened before', before: ['100 openat(AT_FDCWD, "/data/a.log", O_WRONLY|O_APPEND) = 5'], after: ['100 write(5, "abc", 3) = 3'], reason: /fd 5 of TID 100 was known before the cut/ },
    // A relative path needs the cwd set before the cut.
    { name: 'cwd set before', before: ['100 chdir("/srv/app") = 0'], after: ['100 openat(AT_FDCWD, "data.txt", O_RDONLY) = 6'], reason: /cwd of TID 100 was known before the cut/ },
    // A call in flight across the cut: its entry half is only in the head.
    { name: 'call in flight', before: ['100 read(3</var/log/x>, <unfinished ...>'], after: ['100 <... read resumed>"hello", 4096) = 5'], reason: /call in flight of TID 100/ },
    // Threads sharing one table in the head, each with a view of it in the tail: 100 reopens fd 7.
    {
      name: 'threads sharing a table',
      before: ['100 clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD) = 101'],
      after: ['101 openat(AT_FDCWD, "/a", O_RDONLY) = 7', '101 close(7) = 0', '100 openat(AT_FDCWD, "/b", O_RDONLY) = 7', '101 read(7, "x", 10) = 1'],
      reason: /used and changed the same fd/,
    },
  ];
  for (const c of cases) {
    const content = (gap: number): string => [...c.before, ...filler(gap), ...c.after, ''].join('\n');
    // The filler's TID is 101: in the threads case it is the clone's child, seen before the cut.
    for (const gap of [10, 1]) {
      const text = content(gap);
      const expected = onePass('t.txt', text);
      const lines = splitLines(text);
      const cut = lines.length - c.after.length;
      const got = segmented('t.txt', lines, cut, 3);
      const why = got.merged;
      delete got.merged;
      assert.deepStrictEqual(got, expected, `${c.name}, gap ${gap}`);
      if (gap === 10) assert.match(why ?? 'merged', c.reason, c.name);
      else assert.equal(why, undefined, `${c.name}: the warm-up saw the state, the tail should merge`);
    }
  }
});

test('a trace without TID prefixes (strace -p without -f, a program started by strace) merges, its lines given the head\'s task', () => {
  const body = (n: number): string[] => Array.from({ length: n }, (_, k) => `17:00:${String(10 + (k % 40)).padStart(2, '0')}.000001 write(3</var/log/app.log>, "line ${k}\\n", 7) = 7 <0.000010>`);
  const traces: Array<{ name: string; lines: string[] }> = [
    { name: 'attached with -p', lines: ['strace: Process 4242 attached', ...body(30), '17:00:59.000001 close(3</var/log/app.log>) = 0 <0.000004>', 'strace: Process 4242 detached'] },
    { name: 'started by strace', lines: ['17:00:00.000001 execve("/usr/bin/app", ["app"], 0x7ffd /* 20 vars */) = 0 <0.000200>', '17:00:00.000100 set_tid_address(0x7f00) = 4242 <0.000002>', ...body(30), '17:00:59.000001 exit_group(0) = ?', '17:00:59.000002 +++ exited with 0 +++'] },
  ];
  for (const t of traces) {
    const text = `${t.lines.join('\n')}\n`;
    const expected = onePass('p.txt', text);
    const lines = splitLines(text);
    for (const cut of [12, 20, lines.length - 2]) {
      const got = segmented('p.txt', lines, cut, 3);
      const why = got.merged;
      delete got.merged;
      assert.deepStrictEqual(got, expected, `${t.name}, cut ${cut}`);
      assert.equal(why, undefined, `${t.name}, cut ${cut}: not merged`);
    }
  }
});

test('a trace without TID prefixes and without -y is not merged when an fd or the cwd comes from before the warm-up', () => {
  const filler = (n: number): string[] => Array.from({ length: n }, () => 'getpid() = 4242');
  for (const [before, after, reason] of [
    ['openat(AT_FDCWD, "/data/a.log", O_WRONLY|O_APPEND) = 5', 'write(5, "abc", 3) = 3', /fd 5 of TID -1 was known before the cut/],
    ['chdir("/srv") = 0', 'openat(AT_FDCWD, "x.txt", O_RDONLY) = 6', /cwd of TID -1 was known before the cut/],
  ] as const) {
    for (const gap of [10, 1]) {
      const text = ['strace: Process 4242 attached', before, ...filler(gap), after, ''].join('\n');
      const expected = onePass('p.txt', text);
      const lines = splitLines(text);
      const got = segmented('p.txt', lines, lines.length - 1, 3);
      const why = got.merged;
      delete got.merged;
      assert.deepStrictEqual(got, expected, `${after}, gap ${gap}`);
      if (gap === 10) assert.match(why ?? 'merged', reason);
      else assert.equal(why, undefined, `${after}: the warm-up saw it, the tail should merge`);
    }
  }
});

test('malformed lines on either side of the cut (program output, CRLF, a cut call, non-ASCII bytes) give the one-pass books', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-seg-'));
  try {
    const file = join(dir, 'trace.txt');
    generateStraceTrace(file, { bytes: 120_000, seed: 5 });
    const lines = readFileSync(file, 'utf8').split('\n');
    // Damage every 97th line in turn: program output, a CRLF end, a call cut mid-way, non-ASCII characters.
    const damage = [(l: string): string => `hello from the program ${l.length}`, (l: string): string => `${l}\r`, (l: string): string => l.slice(0, Math.floor(l.length / 2)), (l: string): string => `${l}\u00ff\ufffd`];
    const damaged = lines.map((l, k) => (k % 97 === 50 && l !== '' ? damage[Math.floor(k / 97) % damage.length]!(l) : l)).join('\n');
    const expected = onePass('trace.txt', damaged);
    assert.ok(expected.coverage.unparsed > 0, 'the damage must show');
    assertSameAtCuts('trace.txt', damaged, 23);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
