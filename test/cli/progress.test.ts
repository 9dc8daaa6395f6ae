/** The progress line: silent for short work, then throttled lines with size, rate and ETA; erased when done. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressLine } from '../../src/cli/progress.js';
import { runCli } from './run-cli.js';
import { repoRoot } from '../helpers.js';
import { join } from 'node:path';

const MIB = 1024 * 1024;

test('nothing in the first two seconds; then at most four lines a second; done() erases what was drawn', () => {
  let t = 0;
  const out: string[] = [];
  const p = new ProgressLine((s) => out.push(s), { now: () => t });
  p.update('strace.txt', 10 * MIB, 100 * MIB);
  t = 1900;
  p.update('strace.txt', 40 * MIB, 100 * MIB);
  assert.deepEqual(out, []);
  p.done();
  assert.deepEqual(out, [], 'nothing drawn, nothing to erase');
  t = 2000;
  p.update('strace.txt', 50 * MIB, 100 * MIB);
  assert.deepEqual(out, ['\r\x1b[Kstrace.txt: 50 of 100 MiB (25 MiB/s, ETA 2 s)']);
  t = 2100;
  p.update('strace.txt', 52 * MIB, 100 * MIB);
  assert.equal(out.length, 1, 'throttled');
  p.done();
  assert.equal(out[1], '\r\x1b[K');
});

test('a file name with escape sequences is shown inert', () => {
  let t = 5000;
  const out: string[] = [];
  const p = new ProgressLine((s) => out.push(s), { now: () => t });
  t = 8000;
  p.update('evil\x1b]0;pwned\x07.txt', MIB, undefined);
  assert.equal(out[0], '\r\x1b[Kevil\\x1b]0;pwned\\x07.txt: 1 MiB', 'no rate before there is time behind it');
});

test('not a terminal (tests, pipes, CI): no progress output at all', () => {
  const r = runCli(['analyze', join(repoRoot, 'samples', 'seed-case')]);
  assert.equal(r.code, 0);
  assert.ok(!r.stderr.includes('\r'));
});
