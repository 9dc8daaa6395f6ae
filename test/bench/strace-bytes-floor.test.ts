/**
 * The bench's byte-level floor (bench/strace-bytes-floor.ts) is a figure only if it does the work it
 * claims: on a generated `-f -tt -T -y` trace its totals must agree with the parser's own aggregates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import { straceBytesFloor } from '../../bench/strace-bytes-floor.js';
import { parser } from '../../src/parsers/strace.js';
import { parseText } from '../../src/parsers/run.js';

test('byte-level floor: its bytes written and read and its call count agree with the parser on a generated trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-floor-'));
  try {
    const file = join(dir, 'gen.txt');
    const generated = generateStraceTrace(file, { bytes: 1 << 20, seed: 7 });
    const floor = straceBytesFloor(file);
    const parsed = parseText(parser, 'gen.txt', readFileSync(file));
    // The floor reads complete one-line calls only; a call split into unfinished and resumed halves is skipped.
    const oneLineCalls = parsed.records.filter((r) => r.kind === 'strace.call' && r.unfinished !== true && r.resumed_line === undefined);
    // Bytes the parser tied to a path (through the -y annotation), by its read and write families.
    const bytesOf = (family: readonly string[]): number => oneLineCalls.filter((r) => family.includes(String(r.syscall)) && typeof r.path === 'string' && typeof r.bytes === 'number').reduce((s, r) => s + Number(r.bytes), 0);
    assert.equal(floor.lines, generated.lines);
    assert.ok(floor.writtenBytes > 1e6);
    assert.equal(floor.writtenBytes, bytesOf(['write', 'pwrite64', 'writev', 'sendto', 'sendmsg']));
    assert.equal(floor.readBytes, bytesOf(['read', 'pread64', 'readv', 'recvfrom', 'recvmsg']));
    assert.equal(floor.calls, oneLineCalls.length);
    assert.equal(floor.calls + floor.other, floor.lines);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
