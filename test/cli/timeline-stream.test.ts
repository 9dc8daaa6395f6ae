/**
 * `timeline` streams JSON and NDJSON (src/cli/timeline-out.ts): an analysis pass, then every file read
 * again and each record written as it is parsed. These tests hold the streamed bytes to those of the
 * timeline held whole, on the samples and the real captures, with --redact, through an archive whose
 * files are not stored in path order, and when analysis merges samples or cuts records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { writeTimeline, forFullTimeline, type TimelineFormat } from '../../src/cli/timeline-out.js';
import { Redactor } from '../../src/timeline/redact.js';
import type { TimelineOptions } from '../../src/timeline/build.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';

const samples = join(repoRoot, 'samples');

async function both(path: string, format: TimelineFormat, options: () => TimelineOptions = () => ({})): Promise<{ streamed: string; held: string; records: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-tlstream-'));
  try {
    const s = await writeTimeline(path, options(), format, join(dir, 's'), true);
    const h = await writeTimeline(path, options(), format, join(dir, 'h'), false);
    assert.equal(s.streamed, true);
    assert.equal(h.streamed, false);
    assert.equal(s.records, h.records, `${path}: record counts`);
    assert.deepEqual(s.mismatches, []);
    return { streamed: readFileSync(join(dir, 's'), 'utf8'), held: readFileSync(join(dir, 'h'), 'utf8'), records: s.records };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const sample of ['seed-case', 'tempfile-churn.tar.gz', 'logging-storm.tar.gz', 'quiet-baseline.tar.gz']) {
  test(`timeline of samples/${sample}: streamed JSON and NDJSON are byte for byte the held timeline`, async () => {
    for (const format of ['json', 'ndjson'] as const) {
      const { streamed, held, records } = await both(join(samples, sample), format);
      assert.ok(records > 50, `${sample}: ${records} records`);
      assert.equal(streamed, held, `${sample} ${format}`);
    }
  });
}

test('a tar.gz whose files are stored out of path order (tempfile-churn) is streamed in path order', async () => {
  const { streamed } = await both(join(samples, 'tempfile-churn.tar.gz'), 'ndjson');
  const files = streamed
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { source: { file: string } }).source.file);
  const order = [...new Set(files)];
  assert.deepEqual(order, [...order].sort());
  // The archive really is out of order, so the stream walked it more than once.
  const stored = (await listTar(join(samples, 'tempfile-churn.tar.gz'))).filter((p) => order.some((f) => p.endsWith(`/${f}`)));
  assert.notDeepEqual(stored, [...stored].sort());
});

async function listTar(file: string): Promise<string[]> {
  const paths: string[] = [];
  await tar.t({ file, onReadEntry: (e) => paths.push(e.path) });
  return paths;
}

test('--redact: the streamed timeline has the held one\'s pseudonyms', async () => {
  const { streamed, held } = await both(join(samples, 'quiet-baseline.tar.gz'), 'ndjson', () => ({ redactor: new Redactor() }));
  assert.equal(streamed, held);
  assert.match(streamed, /host-1/);
});

test('analysis merging a file\'s samples or cutting its records changes the header\'s words, not the records written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-tlstream-'));
  try {
    // Small analysis budgets: the iostat and top samples of seed-case merge, the ps rows are cut.
    const options = (): TimelineOptions => ({ seriesMaxRows: 4, maxRecords: 8 * 9 });
    const s = await writeTimeline(join(samples, 'seed-case'), options(), 'ndjson', join(dir, 's'), true);
    const h = await writeTimeline(join(samples, 'seed-case'), {}, 'ndjson', join(dir, 'h'), false);
    const [sHead, ...sRecords] = readFileSync(join(dir, 's'), 'utf8').split('\n');
    const [hHead, ...hRecords] = readFileSync(join(dir, 'h'), 'utf8').split('\n');
    assert.equal(s.records, h.records);
    const strip = (line: string): unknown => {
      const r = JSON.parse(line) as Record<string, unknown>;
      delete r.entities;
      return r;
    };
    assert.deepEqual(sRecords.filter(Boolean).map(strip), hRecords.filter(Boolean).map(strip));
    const codes = (JSON.parse(sHead!) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
    assert.ok(!codes.includes('analysis-downsampled'), codes.join());
    assert.ok(!codes.includes('analysis-truncated'), codes.join());
    assert.ok(codes.includes('annotation-partial'), codes.join());
    assert.ok(!(JSON.parse(hHead!) as { diagnostics: { code: string }[] }).diagnostics.some((d) => d.code === 'annotation-partial'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forFullTimeline: the merge note goes, the cut becomes a note on the annotation, the rest stays', () => {
  const out = forFullTimeline([
    { severity: 'info', code: 'analysis-downsampled', message: 'm', file: 'top.txt' },
    { severity: 'warning', code: 'analysis-truncated', message: 'only the first', file: 'ps.txt', line: 42 },
    { severity: 'warning', code: 'unparsed-line', message: 'x', file: 'a.txt', line: 3 },
  ]);
  assert.deepEqual(out.map((d) => d.code), ['annotation-partial', 'unparsed-line']);
  assert.equal(out[0]!.line, 42);
  assert.match(out[0]!.message, /every record of ps\.txt is in this timeline.*before line 42/);
  assert.match(out[0]!.hint ?? '', /--max-records/);
});

test('real captures: popularity and the strace captures stream to the held timeline', { skip: skipWithoutShared }, async () => {
  for (const capture of ['popularity', 'strace']) {
    const { streamed, held, records } = await both(join(sharedDir, 'captures', capture), 'json');
    assert.ok(records > 20_000, `${capture}: ${records}`);
    assert.equal(streamed, held, capture);
  }
});

test('a bundle with a manifest clock, a time of day past midnight and a file with no parser streams like it is held', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-tlstream-'));
  try {
    const top = (time: string, pid: number): string =>
      `top - ${time} up 1 day,  2:03,  1 user,  load average: 1.00, 0.50, 0.25\nTasks: 1 total,   1 running,   0 sleeping,   0 stopped,   0 zombie\n%Cpu(s):  5.0 us,  1.0 sy,  0.0 ni, 90.0 id,  4.0 wa,  0.0 hi,  0.0 si,  0.0 st\nMiB Mem :   7944.1 total,    100.0 free,   2000.0 used,   5844.1 buff/cache\nMiB Swap:      0.0 total,      0.0 free,      0.0 used.   5600.0 avail Mem\n\n    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n${String(pid).padStart(7)} root      20   0   10000   2000   1000 R  50.0   0.1   0:01.00 app\n\n`;
    writeFileSync(join(dir, 'top.txt'), top('23:59:58', 10) + top('23:59:59', 10) + top('00:00:01', 10));
    writeFileSync(join(dir, 'notes.txt'), 'the customer says it is slow since Tuesday\n');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '1.0', timezone: '+02:00', collected_at: '2026-11-26T23:59:50+02:00', files: [{ path: 'top.txt', tool: 'top', command: 'top -b -d 1 -n 3' }] }));
    const { streamed, held } = await both(dir, 'ndjson');
    assert.equal(streamed, held);
    const isos = streamed
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { time?: { iso?: string } }).time?.iso)
      .filter(Boolean);
    assert.ok(isos.includes('2026-11-26T22:00:01Z'), isos.join(' '));
    assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'notes.txt', 'top.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Redactor.record learns a name only a streamed record holds, and redacts it', () => {
  const redactor = new Redactor();
  redactor.learn([{ kind: 'host.info', source: { file: 'uname.txt', line: 1 }, hostname: 'db-prod-7' }]);
  const r = redactor.record({ kind: 'ps.process', source: { file: 'ps.txt', line: 9 }, user: 'alice', command: 'sudo -u alice ssh db-prod-7' });
  assert.equal(r.user, 'user-1');
  assert.equal(r.command, 'sudo -u user-1 ssh host-1');
});

test('the progress line names each file twice: read for analysis, then for its records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-tlstream-'));
  try {
    const labels = new Set<string>();
    await writeTimeline(join(samples, 'seed-case'), { onProgress: (file) => labels.add(file) }, 'ndjson', join(dir, 's'), true);
    assert.ok(labels.has('iostat-dx.txt') && labels.has('iostat-dx.txt (records)'), [...labels].join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--tool on a single file: the second pass forces the same parser as the first', async () => {
  const file = join(samples, 'seed-case', 'pidstat-d.txt');
  const { streamed, held, records } = await both(file, 'ndjson', () => ({ toolOverrides: new Map([['*', 'pidstat']]) }));
  assert.ok(records > 0);
  assert.equal(streamed, held);
  assert.equal((JSON.parse(streamed.split('\n')[0]!) as { files: { decided_by: string }[] }).files[0]!.decided_by, 'option');
});
