/** Streamed JSON is byte for byte what JSON.stringify writes; a parse bigger than one string still prints. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonPieces, ndjsonPieces } from '../../src/cli/stream-out.js';
import { repoRoot } from '../helpers.js';
import { cliPath } from './run-cli.js';

const records = [
  { kind: 'a.b', source: { file: 'f', line: 1 }, nested: { list: [1, 2, { x: 'y\nz' }], empty: [], obj: {} }, s: 'quote " and \\ and \u2028' },
  { kind: 'a.c', source: { file: 'f', line: 2 }, arr: [] },
  { kind: 'a.d', source: { file: 'f', line: 3 } },
];

test('jsonPieces equals JSON.stringify for indents 1 and 2, with and without records', () => {
  for (const indent of [1, 2]) {
    for (const recs of [records, [], [records[0]]]) {
      const doc = { file: 'x.txt', tool: 't', records: recs, diagnostics: [{ message: 'm' }], coverage: { lines: 3 } };
      assert.equal([...jsonPieces(doc, 'records', indent)].join(''), `${JSON.stringify(doc, null, indent)}\n`);
    }
  }
});

test('ndjsonPieces: a header line, then one line per item', () => {
  assert.equal([...ndjsonPieces({ h: 1 }, records)].join(''), [{ h: 1 }, ...records].map((r) => JSON.stringify(r)).join('\n') + '\n');
});

test('the pieces never hold the whole document: 2 million records stream without one giant string', () => {
  const many = { file: 'big', records: Array.from({ length: 2_000_000 }, (_, i) => ({ kind: 'x.y', source: { file: 'big', line: i + 1 }, v: i })) };
  let longest = 0;
  let total = 0;
  for (const piece of jsonPieces(many, 'records', 2)) {
    longest = Math.max(longest, piece.length);
    total += piece.length;
  }
  assert.ok(longest < 1000, `longest piece ${longest}`);
  assert.ok(total > 100_000_000, `total ${total}`);
});

/** Run the CLI with its stdout read up to `keepBytes`, then closed (as `| head -c N` does). */
function runIntoClosedPipe(args: string[], keepBytes: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; got: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let got = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= keepBytes) child.stdout.destroy();
    });
    child.on('close', (code, signal) => resolve({ code, signal, got, stderr }));
  });
}

test('a reader that closes the pipe early (| head) ends the command quietly: exit 0, no stack trace', async () => {
  // 16 MB of NDJSON for the tempfile-churn sample and 310 KB of JSON for the bpftrace opensnoop capture:
  // more than a pipe holds (64 KiB), so a write fails with EPIPE once the reader has gone.
  for (const args of [
    ['timeline', 'samples/tempfile-churn.tar.gz', '--format', 'ndjson'],
    ['parse', 'test/fixtures/opensnoop/perftriage-bpftrace.txt', '--format', 'json'],
  ]) {
    const r = await runIntoClosedPipe(args, 100);
    assert.ok(r.got >= 100, `${args.join(' ')}: some output came first`);
    assert.equal(r.stderr, '', `${args.join(' ')}: nothing on stderr`);
    assert.deepEqual([r.code, r.signal], [0, null], args.join(' '));
  }
});

test('output that cannot be written (a full disk) is one line on stderr and exit code 2', { skip: existsSync('/dev/full') ? false : 'no /dev/full' }, () => {
  const out = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [cliPath, 'report', 'samples/seed-case', '--format', 'md'], { cwd: repoRoot, stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^perftriage: cannot write the output: ENOSPC/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    closeSync(out);
  }
});

test('an output path that cannot be made or written is one line naming it and exit code 2, never a hang or a stack trace', { skip: existsSync('/proc/self') ? false : 'needs Linux /proc' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-out-'));
  try {
    writeFileSync(join(dir, 'a-file'), 'x');
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
    const cases: Array<{ args: string[]; says: RegExp }> = [
      // Node 20's mkdirSync(recursive) spins forever here: /proc exists, mkdir under it says ENOENT.
      { args: ['report', 'samples/seed-case', '--out-dir', '/proc/perftriage-test/out'], says: /^perftriage: cannot create the folder \/proc\/perftriage-test for .*ENOENT/ },
      { args: ['report', 'samples/seed-case', '--out-dir', join(dir, 'a-file', 'out')], says: /^perftriage: cannot write .*a-file is not a folder$/ },
      { args: ['report', 'samples/seed-case', '--out-dir', join(dir, 'dangling', 'out')], says: /dangling is a link to nothing$/ },
      // Streamed output (parse, timeline): the open fails before any write.
      { args: ['parse', 'samples/seed-case/top.txt', '--format', 'json', '-o', '/proc/perftriage-test.json'], says: /^perftriage: cannot write \/proc\/perftriage-test\.json: ENOENT/ },
      { args: ['timeline', 'samples/seed-case', '--format', 'ndjson', '-o', '/proc/perftriage-test.json'], says: /^perftriage: cannot write \/proc\/perftriage-test\.json: ENOENT/ },
      { args: ['report', 'samples/seed-case', '--format', 'md', '-o', dir], says: /^perftriage: cannot write .*EISDIR/ },
      // Opened, then a write fails (a full disk): the stream's error is one line too.
      { args: ['parse', 'test/fixtures/opensnoop/perftriage-bpftrace.txt', '--format', 'json', '-o', '/dev/full'], says: /^perftriage: cannot write \/dev\/full: ENOSPC/ },
    ];
    for (const { args, says } of cases) {
      const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: exit code (signal ${String(r.signal)})`);
      assert.match(r.stderr.trim(), says, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    // And a missing chain of folders is still made.
    const r = spawnSync(process.execPath, [cliPath, 'parse', 'samples/seed-case/top.txt', '--format', 'json', '-o', join(dir, 'x', 'y', 't.json')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'x', 'y', 't.json'), 'utf8')).tool, 'top');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
