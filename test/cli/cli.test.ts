import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { runCli } from './run-cli.js';
import { repoRoot } from '../helpers.js';
import { validate } from '../../src/timeline/schemas.js';

const seed = join(repoRoot, 'samples', 'seed-case');

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-cli-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--help lists every command with an example', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['sniff', 'parse', 'timeline', 'validate', 'schemas']) assert.match(r.stdout, new RegExp(`perftriage ${c}`));
  for (const c of ['sniff', 'parse', 'timeline', 'validate', 'schemas']) {
    const h = runCli([c, '--help']);
    assert.equal(h.code, 0, c);
    assert.match(h.stdout, /Examples:/, `${c} --help has examples`);
  }
});

test('no command, an unknown command or option: exit 2 with one line, no stack trace', () => {
  for (const args of [[], ['frobnicate'], ['timeline', seed, '--bogus']]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('a value outside an option\'s choices: exit 2 with the choices on one line', () => {
  // yargs writes this message on three lines; the CLI's errors are one (no escaped newline in it either).
  const r = runCli(['timeline', seed, '--format', 'xml']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'perftriage: Invalid values: Argument: format, Given: "xml", Choices: "json", "ndjson", "csv"\n');
});

test('a path that does not exist: exit 2, the message names it', () => {
  const r = runCli(['timeline', 'no/such/bundle']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no\/such\/bundle/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('timeline of the seed sample validates against the published schema', () => {
  const r = runCli(['timeline', seed]);
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout) as { files: { path: string; tool: string; coverage: { unparsed: number } }[]; skipped: { path: string; reason: string }[]; records: Record<string, unknown>[] };
  const v = validate('timeline', t);
  assert.ok(v.valid, v.errors.join('\n'));
  const tools = Object.fromEntries(t.files.map((f) => [f.path, f.tool]));
  assert.equal(tools['iostat-dx.txt'], 'iostat');
  assert.equal(tools['pidstat-d.txt'], 'pidstat');
  assert.equal(tools['top.txt'], 'top');
  assert.equal(tools['ps-efT.txt'], 'ps');
  assert.equal(tools['df.txt'], 'df');
  for (const f of t.files) assert.equal(f.coverage.unparsed, 0, f.path);
  // The saturated disk of the case study: sda at 98.4 %util with ~18 s write latency in the third report.
  const sda = t.records.filter((r) => r.kind === 'iostat.device' && r.device === 'sda');
  assert.equal(sda.length, 4);
  assert.equal(sda[2]!.util_pct, 98.4);
  assert.equal(sda[2]!.w_await_s, 18.11831);
  assert.equal((sda[0]!.time as { since_boot?: boolean }).since_boot, true);
  // pidstat rows of PID 12280 carry the banner's date with their time of day.
  const app = t.records.filter((r) => r.kind === 'pidstat.task' && r.pid === 12280 && !r.average);
  assert.equal(app.length, 4);
  assert.equal((app[0]!.time as { iso: string }).iso, '2018-12-14T14:39:15');
  assert.equal(app[0]!.write_bytes_per_s, 335716 * 1024);
  // Files this version cannot parse yet are listed with the reason, not dropped.
  const skipped = Object.fromEntries(t.skipped.map((s) => [s.path, s.reason]));
  assert.equal(tools['strace-p.txt'], 'strace');
  // strace -p without -f: the capture record says forks and threads were not followed.
  const capture = t.records.find((r) => r.kind === 'strace.capture' && (r.source as { file: string }).file === 'strace-p.txt');
  assert.equal(capture?.followed_forks, false);
  assert.equal(t.records.filter((r) => r.kind === 'strace.call' && (r.source as { file: string }).file === 'strace-p.txt' && r.syscall === 'write').length, 0);
  assert.equal(tools['filetop.txt'], 'filetop');
  assert.equal(tools['opensnoop.txt'], 'opensnoop');
  assert.deepEqual(skipped, {});
});

test('timeline output is byte-identical across runs, and csv/ndjson hold the same records', () => {
  const a = runCli(['timeline', seed]);
  const b = runCli(['timeline', seed]);
  assert.equal(a.stdout, b.stdout);
  const records = (JSON.parse(a.stdout) as { records: unknown[] }).records;
  const nd = runCli(['timeline', seed, '--format', 'ndjson']);
  assert.equal(nd.code, 0);
  const ndLines = nd.stdout.trimEnd().split('\n');
  assert.equal(ndLines.length, records.length + 1);
  for (const line of ndLines.slice(1)) assert.ok(validate('any-record', JSON.parse(line)).valid, line);
  assert.deepEqual(JSON.parse(ndLines[1]!), records[0]);
  const csv = runCli(['timeline', seed, '--format', 'csv']);
  assert.equal(csv.code, 0);
  const parsed = Papa.parse<Record<string, string>>(csv.stdout, { header: true, skipEmptyLines: true });
  assert.equal(parsed.data.length, records.length);
  assert.ok(parsed.meta.fields!.slice(0, 3).join(',') === 'kind,source.file,source.line');
  const sdaRow = parsed.data.find((row) => row.device === 'sda' && row['time.sample'] === '2');
  assert.equal(sdaRow?.util_pct, '98.4');
});

test('-o writes the file and says so on stderr', () => {
  withTmp((dir) => {
    const out = join(dir, 'sub', 'timeline.json');
    const r = runCli(['timeline', seed, '-o', out]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /wrote .*timeline\.json: \d+ records from \d+ file/);
    const v = runCli(['validate', out]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /valid timeline/);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { files: unknown[] };
    doc.files = [{ path: 1 }];
    writeFileSync(out, JSON.stringify(doc));
    const bad = runCli(['validate', out]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /not a valid timeline/);
    writeFileSync(out, '{ not json');
    assert.equal(runCli(['validate', out]).code, 2);
  });
});

test('parse: one file, its coverage, and a forced wrong tool gives diagnostics not a crash', () => {
  const r = runCli(['parse', join(seed, 'iostat-dx.txt')]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { tool: string; coverage: { lines: number; data: number; skipped: number; unparsed: number }; records: unknown[] };
  assert.equal(out.tool, 'iostat');
  assert.equal(out.coverage.lines, out.coverage.data + out.coverage.skipped + out.coverage.unparsed);
  assert.equal(out.coverage.lines, 18);
  assert.equal(out.coverage.unparsed, 0);
  assert.ok(validate('parse-output', out).valid);
  const wrong = runCli(['parse', join(seed, 'iostat-dx.txt'), '--tool', 'pidstat']);
  assert.equal(wrong.code, 0, wrong.stderr);
  const w = JSON.parse(wrong.stdout) as { coverage: { unparsed: number }; diagnostics: { file: string; line: number; hint?: string }[] };
  assert.ok(w.coverage.unparsed > 0);
  assert.ok(w.diagnostics.every((d) => d.file.endsWith('iostat-dx.txt')));
  assert.ok(w.diagnostics.some((d) => d.line === 3 && d.hint));
  const unknownTool = runCli(['parse', join(seed, 'iostat-dx.txt'), '--tool', 'nosuch']);
  assert.equal(unknownTool.code, 2);
});

test('parse from stdin, and a file nothing recognizes exits 2 naming the file', () => {
  const input = readFileSync(join(seed, 'df.txt'));
  const r = runCli(['parse', '-'], input);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { tool: string }).tool, 'df');
  withTmp((dir) => {
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'Dear support, the server is slow since Monday.\n');
    const j = runCli(['parse', junk]);
    assert.equal(j.code, 2);
    assert.match(j.stderr, /notes\.txt: no parser recognizes/);
    const bin = join(dir, 'core.bin');
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0, 10, 0]));
    const b = runCli(['parse', bin]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /binary/);
  });
});

test('a folder with nothing analyzable exits 2', () => {
  withTmp((dir) => {
    writeFileSync(join(dir, 'readme.txt'), 'nothing here\n');
    const r = runCli(['timeline', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing analyzable/);
  });
});

test('schemas lists and prints every published schema', () => {
  const r = runCli(['schemas']);
  assert.equal(r.code, 0);
  for (const name of ['timeline', 'parse-output', 'manifest', 'record', 'diagnostic', 'records/iostat', 'records/pidstat']) assert.match(r.stdout, new RegExp(`^${name} `, 'm'));
  const t = runCli(['schemas', 'timeline']);
  assert.equal((JSON.parse(t.stdout) as { $id: string }).$id, 'https://perftriage.dev/schemas/timeline.schema.json');
  assert.equal(runCli(['schemas', 'nope']).code, 2);
});

test('sniff names tool, variant, confidence and line count for every file', () => {
  const r = runCli(['sniff', seed, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { files: { path: string; tool: string | null; lines: number; confidence: number; variant: string | null }[] };
  const v = validate('sniff-output', out);
  assert.ok(v.valid, v.errors.join('\n'));
  const byPath = Object.fromEntries(out.files.map((f) => [f.path, f]));
  assert.equal(byPath['iostat-dx.txt']?.tool, 'iostat');
  assert.equal(byPath["iostat-dx.txt"]?.lines, 18);
  assert.match(byPath['iostat-dx.txt']?.variant ?? '', /-x/);
  assert.equal(byPath['strace-p.txt']?.tool, 'strace');
  assert.equal(byPath['filetop.txt']?.tool, 'filetop');
  withTmp((dir) => {
    const saved = join(dir, 'sniff.json');
    writeFileSync(saved, r.stdout);
    assert.match(runCli(['validate', saved]).stdout, /valid sniff-output/);
    assert.match(runCli(['validate', join(seed, 'manifest.json')]).stdout, /valid manifest/);
  });
  const text = runCli(['sniff', seed]);
  assert.match(text.stdout, /^iostat-dx\.txt {2}18 lines {2}iostat/m);
});
