/**
 * A strace file read by the fast reader (src/parsers/strace/fast.ts) as a head and a tail must give what
 * the fast reader gives in one pass (which test/parsers/strace-fast.test.ts holds to the string
 * reader's): the same records other than calls, in the same order, the same first and last call and
 * number of calls per clock, the same aggregates, capture record and coverage — whether the tail's
 * counts were merged or (its assumptions about the cut not holding) its lines were read again by the
 * head. Time objects shared between records in one pass must be shared after the merge too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StraceFastReader } from '../../src/parsers/strace/fast.js';
import { WARM_UP_BYTES } from '../../src/parsers/strace/segments.js';
import type { Coverage, Diagnostic, TimelineRecord } from '../../src/common/types.js';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import { fixturesDir, sharedDir, skipWithoutShared } from '../helpers.js';

/** A file's lines as byte ranges of its buffer (without the newline). */
interface Lines {
  buf: Buffer;
  starts: number[];
  ends: number[];
}

function linesOf(buf: Buffer): Lines {
  const starts: number[] = [];
  const ends: number[] = [];
  let s = 0;
  while (s < buf.length) {
    let e = buf.indexOf(10, s);
    if (e < 0) e = buf.length;
    starts.push(s);
    ends.push(e);
    s = e + 1;
  }
  return { buf, starts, ends };
}

interface Kept {
  others: TimelineRecord[];
  /** Calls per clock (the emitted ones and those the reader counted). */
  calls: Record<string, number>;
  firstCall: TimelineRecord | undefined;
  lastCall: TimelineRecord | undefined;
  coverage: Coverage;
  diagnostics: Diagnostic[];
  /** Records whose time object another record has too: [index, index of the first with it]. */
  sharedTimes: Array<[number, number]>;
  bailed: string | undefined;
  merged?: string | undefined;
}

function collector(): { emit: (r: TimelineRecord) => void; summarized: (kind: string, clock: string, count: number) => void; kept: (coverage: Coverage, diagnostics: Diagnostic[], bailed: string | undefined) => Kept } {
  const records: TimelineRecord[] = [];
  const calls: Record<string, number> = {};
  return {
    emit: (r) => records.push(r),
    summarized: (kind, clock, count) => {
      assert.equal(kind, 'strace.call');
      calls[clock] = (calls[clock] ?? 0) + count;
    },
    kept: (coverage, diagnostics, bailed) => {
      const callRecords = records.filter((r) => r.kind === 'strace.call');
      for (const r of callRecords) calls[r.time?.clock ?? 'none'] = (calls[r.time?.clock ?? 'none'] ?? 0) + 1;
      const firstWith = new Map<object, number>();
      const sharedTimes: Array<[number, number]> = [];
      records.forEach((r, k) => {
        for (const t of [r.time, r.first_time, r.last_time]) {
          if (typeof t !== 'object' || t === null) continue;
          const first = firstWith.get(t);
          if (first === undefined) firstWith.set(t, k);
          else if (first !== k) sharedTimes.push([k, first]);
        }
      });
      // JSON copies: the records are compared by value, the sharing by the list above.
      const copy = (r: TimelineRecord | undefined): TimelineRecord | undefined => (r === undefined ? undefined : (JSON.parse(JSON.stringify(r)) as TimelineRecord));
      return { others: records.filter((r) => r.kind !== 'strace.call').map((r) => copy(r)!), calls, firstCall: copy(callRecords[0]), lastCall: copy(callRecords.at(-1)), coverage, diagnostics, sharedTimes, bailed };
    },
  };
}

function feed(reader: StraceFastReader, lines: Lines, from: number, to: number, firstNo: number): void {
  for (let k = from; k < to; k++) reader.line(lines.buf, lines.starts[k]!, lines.ends[k]!, firstNo + k - from);
}

function onePass(file: string, lines: Lines): Kept {
  const c = collector();
  const reader = new StraceFastReader(file, c.emit, c.summarized);
  feed(reader, lines, 0, lines.starts.length, 1);
  const { coverage, diagnostics } = reader.end();
  return c.kept(coverage, diagnostics, reader.bailed);
}

/** The lines before the cut a tail warms up on: as many as fit WARM_UP_BYTES. */
function warmUpLines(lines: Lines, cut: number): number {
  let bytes = 0;
  let k = cut;
  while (k > 0 && bytes + lines.ends[k - 1]! - lines.starts[k - 1]! + 1 <= WARM_UP_BYTES) bytes += lines.ends[--k]! - lines.starts[k]! + 1;
  return cut - k;
}

function segmented(file: string, lines: Lines, cut: number, warmUp = warmUpLines(lines, cut)): Kept {
  const c = collector();
  const head = new StraceFastReader(file, c.emit, c.summarized);
  feed(head, lines, 0, cut, 1);
  const tail = new StraceFastReader(file, () => assert.fail('a tail emits nothing'), () => assert.fail('a tail counts nothing for the sink'), undefined, 'tail');
  const warm = Math.min(warmUp, cut);
  feed(tail, lines, cut - warm, cut, 1);
  tail.beginTail(warm);
  feed(tail, lines, cut, lines.starts.length, warm + 1);
  tail.end();
  // Through a structured clone, as between workers.
  const output = structuredClone(tail.exportTail());
  const why = head.absorbTail(output, cut);
  if (why !== undefined) feed(head, lines, cut, lines.starts.length, cut + 1);
  const { coverage, diagnostics } = head.end();
  return { ...c.kept(coverage, diagnostics, head.bailed), merged: why };
}

function assertSameAtCuts(file: string, buf: Buffer, step: number, warmUp?: number): { cuts: number; merged: number; reasons: Set<string> } {
  const lines = linesOf(buf);
  const expected = onePass(file, lines);
  let cuts = 0;
  let merged = 0;
  const reasons = new Set<string>();
  const n = lines.starts.length;
  const points = new Set<number>([1, n - 1]);
  for (let c = step; c < n; c += step) points.add(c);
  for (const cut of points) {
    if (cut < 1 || cut >= n) continue;
    const got = segmented(file, lines, cut, warmUp);
    const why = got.merged;
    delete got.merged;
    assert.deepStrictEqual(got, expected, `${file} cut after line ${cut} (${why === undefined ? 'merged' : `not merged: ${why}`})`);
    cuts++;
    if (why === undefined) merged++;
    else reasons.add(why.replace(/\d+/g, 'N'));
  }
  return { cuts, merged, reasons };
}

function withTrace<T>(bytes: number, seed: number, fn: (buf: Buffer) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-fastseg-'));
  try {
    const file = join(dir, 'trace.txt');
    generateStraceTrace(file, { bytes, seed });
    return fn(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const seed of [7, 0x5eed]) {
  test(`fast reader: a generated -f -tt -T -y trace (seed ${seed}) gives the one-pass result at every cut, merged at most`, () =>
    withTrace(400_000, seed, (buf) => {
      const expected = onePass('trace.txt', linesOf(buf));
      assert.equal(expected.bailed, undefined, 'the fast reader reads the generated trace');
      assert.ok(expected.others.some((r) => r.kind === 'strace.aggregate' && r.scope === 'path'));
      // The timeline's warm-up (2 MiB: here the whole head), and 20 lines: tasks, fds and cwds then
      // come from before it, and what the tail assumed of them is checked.
      for (const warmUp of [undefined, 20]) {
        const { cuts, merged, reasons } = assertSameAtCuts('trace.txt', buf, 41, warmUp);
        assert.ok(cuts > 50, `${cuts} cuts`);
        // Most cuts must merge: a split that always fell back would be no faster than one pass.
        assert.ok(merged / cuts > 0.8, `warm-up ${warmUp ?? 'default'}: only ${merged} of ${cuts} cuts merged (${[...reasons].join('; ')})`);
      }
    }));
}

test('fast reader: with a warm-up of a few lines most cuts fall back, and still give the one-pass result', () =>
  withTrace(60_000, 3, (buf) => {
    const { cuts, merged, reasons } = assertSameAtCuts('trace.txt', buf, 7, 3);
    assert.ok(cuts > 50);
    // The checks must catch what a 3-line warm-up misses (calls in flight, fds opened before it).
    assert.ok(reasons.size > 0 && merged < cuts, `${merged} of ${cuts} merged`);
  }));

test('fast reader: strace fixtures it reads give the one-pass result at every cut', () => {
  const dir = join(fixturesDir, 'strace');
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isFile() || !name.endsWith('.txt')) continue;
    const buf = readFileSync(path);
    if (onePass(name, linesOf(buf)).bailed !== undefined) continue;
    total += assertSameAtCuts(name, buf, 1).cuts;
  }
  assert.ok(total > 20, `${total} cuts`);
});

test('fast reader: real strace captures (../shared) it reads give the one-pass result at many cuts', { skip: skipWithoutShared }, () => {
  const files: string[] = [];
  const captures = join(sharedDir, 'captures', 'strace');
  for (const name of readdirSync(captures)) if (name.endsWith('.txt')) files.push(join(captures, name));
  files.push(join(sharedDir, 'captures', 'popularity', 'strace-f.txt'));
  let read = 0;
  for (const path of files) {
    if (!existsSync(path)) continue;
    const buf = readFileSync(path);
    const lines = linesOf(buf);
    if (onePass(path, lines).bailed !== undefined) continue;
    read++;
    assertSameAtCuts(path.slice(sharedDir.length + 1), buf, Math.max(1, Math.floor(lines.starts.length / 60)));
  }
  assert.ok(read > 0, 'no capture read by the fast reader');
});

/** Traces where one check is what keeps the result right: the state the tail needs was made before its 3-line warm-up. */
test('fast reader: the tail is not merged when it needs state from before its warm-up, and is when the warm-up saw it', () => {
  const filler = (n: number): string[] => Array.from({ length: n }, (_, k) => `[pid   101] 10:00:00.${String(100 + k).padStart(6, '0')} getpid() = ${101 + (k % 2)}`);
  const t = (us: number, tid: number, body: string): string => `[pid ${String(tid).padStart(5)}] 10:00:01.${String(us).padStart(6, '0')} ${body}`;
  const cases: Array<{ name: string; before: string[]; after: string[]; reason: RegExp }> = [
    { name: 'fd opened before', before: [t(1, 100, 'openat(AT_FDCWD, "/data/a.log", O_WRONLY|O_APPEND) = 5')], after: [t(2, 100, 'write(5, "abc", 3) = 3')], reason: /fd 5 of TID 100 was known before the cut/ },
    { name: 'cwd set before', before: [t(1, 100, 'chdir("/srv/app") = 0')], after: [t(2, 100, 'openat(AT_FDCWD, "data.txt", O_RDONLY) = 6')], reason: /cwd of TID 100 was known before the cut/ },
    { name: 'call in flight', before: [t(1, 100, 'read(3</var/log/x>, <unfinished ...>')], after: [t(2, 100, '<... read resumed>"hello", 4096) = 5')], reason: /call in flight of TID 100/ },
    {
      name: 'threads sharing a table',
      before: [t(1, 100, 'clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD) = 101')],
      after: [t(2, 101, 'openat(AT_FDCWD, "/a", O_RDONLY) = 7'), t(3, 101, 'close(7) = 0'), t(4, 100, 'openat(AT_FDCWD, "/b", O_RDONLY) = 7'), t(5, 101, 'read(7, "x", 10) = 1')],
      reason: /used and changed the same fd/,
    },
  ];
  for (const c of cases) {
    for (const gap of [10, 1]) {
      const buf = Buffer.from([...c.before, ...filler(gap), ...c.after, ''].join('\n'), 'latin1');
      const lines = linesOf(buf);
      const expected = onePass('t.txt', lines);
      assert.equal(expected.bailed, undefined, c.name);
      const got = segmented('t.txt', lines, lines.starts.length - c.after.length, 3);
      const why = got.merged;
      delete got.merged;
      assert.deepStrictEqual(got, expected, `${c.name}, gap ${gap}`);
      if (gap === 10) assert.match(why ?? 'merged', c.reason, c.name);
      else assert.equal(why, undefined, `${c.name}: the warm-up saw the state, the tail should merge`);
    }
  }
});
