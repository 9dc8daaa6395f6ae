/**
 * `--jobs N`: the files of a bundle are parsed in N worker threads. The output must not depend on it:
 * the same bytes parse the same way in a worker, and the timeline orders files by path, not by which
 * worker finished first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { repoRoot, sharedDir } from '../helpers.js';

const bundles = [
  join(repoRoot, 'samples', 'seed-case'),
  join(repoRoot, 'samples', 'logging-storm.tar.gz'),
  join(sharedDir, 'captures', 'strace'),
  join(sharedDir, 'captures', 'popularity'),
];

for (const bundle of bundles) {
  test(`--jobs 1 and --jobs 3 give byte-identical timelines and reports: ${bundle.slice(bundle.lastIndexOf('/') + 1)}`, { skip: existsSync(bundle) ? false : `${bundle} is absent` }, () => {
    const outputs = [1, 3].map((jobs) => {
      const dir = mkdtempSync(join(tmpdir(), 'perftriage-jobs-'));
      try {
        const timeline = runCli(['timeline', bundle, '--format', 'ndjson', '--jobs', String(jobs)]);
        assert.equal(timeline.code, 0, timeline.stderr);
        const report = runCli(['report', bundle, '--out-dir', dir, '--jobs', String(jobs)]);
        assert.equal(report.code, 0, report.stderr);
        return { timeline: timeline.stdout, md: readFileSync(join(dir, 'report.md'), 'utf8'), json: readFileSync(join(dir, 'report.json'), 'utf8') };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    assert.ok(outputs[0]!.timeline.split('\n').length > 50);
    assert.equal(outputs[1]!.timeline, outputs[0]!.timeline);
    assert.equal(outputs[1]!.md, outputs[0]!.md);
    assert.equal(outputs[1]!.json, outputs[0]!.json);
  });
}

test('--jobs must be a whole number from 1 to 256', () => {
  const r = runCli(['timeline', join(repoRoot, 'samples', 'seed-case'), '--jobs', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--jobs must be a whole number from 1 to 256 \(got 0\)/);
});

test('--worker-heap: 0 (no limit) or 32 MiB and more; the analysis is the same with or without a limit', () => {
  const bad = runCli(['timeline', join(repoRoot, 'samples', 'seed-case'), '--worker-heap', '5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--worker-heap must be 0 \(no limit\) or a whole number of MiB from 32 to 65536 \(got 5\)/);
  const bundle = join(repoRoot, 'samples', 'seed-case');
  const runs = ['0', '64'].map((mb) => runCli(['analyze', bundle, '--jobs', '2', '--worker-heap', mb, '--format', 'json']));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.ok(runs[0]!.stdout.length > 1000);
  assert.equal(runs[1]!.stdout, runs[0]!.stdout);
});

const samples = ['seed-case', 'tempfile-churn.tar.gz', 'logging-storm.tar.gz'].map((s) => join(repoRoot, 'samples', s));

test('report with several bundles: a folder per bundle, the same reports as one at a time, whatever --jobs', () => {
  const dirs = [1, 2].map(() => mkdtempSync(join(tmpdir(), 'perftriage-multi-')));
  try {
    const runs = [1, 2].map((jobs, k) => runCli(['report', ...samples, '--out-dir', dirs[k]!, '--jobs', String(jobs)]));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const alone = mkdtempSync(join(tmpdir(), 'perftriage-alone-'));
    try {
      assert.equal(runCli(['report', samples[1]!, '--out-dir', alone]).code, 0);
      for (const name of ['seed-case', 'tempfile-churn', 'logging-storm']) {
        for (const file of ['report.md', 'report.json', 'report.html']) {
          assert.equal(readFileSync(join(dirs[1]!, name, file), 'utf8'), readFileSync(join(dirs[0]!, name, file), 'utf8'), `${name}/${file}`);
        }
      }
      // The bundle's report in a multi-bundle run is the report it gets alone.
      assert.equal(readFileSync(join(dirs[1]!, 'tempfile-churn', 'report.md'), 'utf8'), readFileSync(join(alone, 'report.md'), 'utf8'));
      assert.match(readFileSync(join(dirs[1]!, 'logging-storm', 'report.md'), 'utf8'), /Sustained logging to app\.log/);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('report with several bundles and no --out-dir is a usage error', () => {
  const r = runCli(['report', ...samples.slice(0, 2)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /several bundles: give --out-dir/);
});

test('check with several bundles: the same SARIF whatever --jobs, results in the order of the paths', () => {
  const [one, two] = [1, 2].map((jobs) => runCli(['check', ...samples, '--format', 'sarif', '--fail-on', 'warning', '--jobs', String(jobs)]));
  assert.equal(one!.code, 1);
  assert.equal(two!.code, 1);
  assert.equal(two!.stdout, one!.stdout);
  const sarif = JSON.parse(one!.stdout) as { runs: { results: { locations?: { physicalLocation?: { artifactLocation?: { uri?: string } } }[] }[] }[] };
  const uris = sarif.runs.flatMap((r) => r.results.map((x) => x.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? ''));
  const firstOf = (needle: string): number => uris.findIndex((u) => u.includes(needle));
  assert.ok(firstOf('seed-case') >= 0 && firstOf('seed-case') < firstOf('tempfile-churn'), uris.slice(0, 5).join(' '));
});

test('--max-records: a usage error below 1000; a bundle over it is analysed up to its share, with a warning', () => {
  const bad = runCli(['analyze', join(repoRoot, 'samples', 'seed-case'), '--max-records', '10']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-records must be a whole number of at least 1000 \(got 10\)/);
  // tempfile-churn: 14 files, so a share of 1000 / 14 = 71 records each; its top and opensnoop hold more.
  const r = runCli(['analyze', join(repoRoot, 'samples', 'tempfile-churn.tar.gz'), '--max-records', '1000', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const analysis = JSON.parse(r.stdout) as { findings: { rule: string; title: string; message: string; evidence: { file: string; line: number }[] }[] };
  const partly = analysis.findings.filter((f) => f.rule === 'capture-quality' && / only partly analysed$/.test(f.title));
  assert.ok(partly.length > 0, analysis.findings.map((f) => f.title).join(' | '));
  assert.match(partly[0]!.message, /only the first \d+ records of \S+ are analysed; its \d+ records from line \d+ on are not/);
  assert.equal(partly[0]!.evidence.length, 1);
});

test('a parse worker that runs out of memory: its file is parsed again on the main thread, with the same records', async () => {
  const { buildTimeline } = await import('../../src/timeline/build.js');
  const { ParsePool } = await import('../../src/timeline/pool.js');
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-oom-'));
  try {
    const seed = join(repoRoot, 'samples', 'seed-case');
    // ~16 MB of iostat -x: hundreds of thousands of records, far more than a 16 MiB worker heap holds.
    const iostat = readFileSync(join(seed, 'iostat-dx.txt'), 'utf8');
    const body = iostat.slice(iostat.indexOf('\n\n') + 2);
    writeFileSync(join(dir, 'iostat.txt'), iostat + body.repeat(Math.ceil((16 << 20) / body.length)));
    writeFileSync(join(dir, 'df.txt'), readFileSync(join(seed, 'df.txt')));
    const pool = new ParsePool(2, { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 });
    try {
      const timeline = await buildTimeline(dir, { pool });
      assert.equal(timeline.diagnostics.find((d) => d.code === 'parse-failed'), undefined);
      const retried = timeline.diagnostics.filter((d) => d.code === 'parse-retried');
      assert.deepEqual(retried.map((d) => d.file), ['iostat.txt']);
      assert.match(retried[0]!.message, /iostat\.txt was parsed again on the main thread: its parse worker ran out of memory/);
      assert.deepEqual(timeline.skipped, []);
      assert.deepEqual(timeline.files.map((f) => [f.path, f.tool]), [['df.txt', 'df'], ['iostat.txt', 'iostat']]);
      // The same records as a parse without workers.
      const alone = await buildTimeline(dir, {});
      assert.equal(timeline.records.length, alone.records.length);
      assert.ok(timeline.records.length > 50_000, String(timeline.records.length));
      assert.deepEqual(timeline.records.at(-1), alone.records.at(-1));
      // An archive is read a second time from its start: the same, and no diagnostic of the first walk twice.
      const { c: createTar } = await import('tar');
      const archive = join(dir, 'bundle.tar.gz');
      await createTar({ gzip: true, file: archive, cwd: dir }, ['df.txt', 'iostat.txt']);
      const fromTar = await buildTimeline(archive, { pool });
      assert.deepEqual(fromTar.diagnostics.filter((d) => d.code === 'parse-retried').map((d) => d.file), ['iostat.txt']);
      assert.equal(fromTar.records.length, alone.records.length);
      const keys = fromTar.diagnostics.map((d) => `${d.code} ${d.file ?? ''} ${d.line ?? ''}`);
      assert.equal(new Set(keys).size, keys.length, keys.join(' | '));
    } finally {
      await pool.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retireIdle: idle workers stop (their heaps go) and a later file still gets one', async () => {
  const { ParsePool } = await import('../../src/timeline/pool.js');
  const { SERIES_MAX_ROWS } = await import('../../src/timeline/build.js');
  const pool = new ParsePool(2);
  const seed = join(repoRoot, 'samples', 'seed-case');
  const parse = async (name: string): Promise<string | undefined> => {
    const entry = { path: name };
    const file = { entry, forced: undefined, manifestTool: undefined, manifestCommand: undefined, summarize: true, recordBudget: Infinity, seriesBudget: undefined, seriesShare: SERIES_MAX_ROWS };
    const { outcome } = await pool.parse(file, (async function* () {
      yield readFileSync(join(seed, name));
    })());
    return (await outcome).sniff?.tool;
  };
  try {
    assert.deepEqual(await Promise.all([parse('df.txt'), parse('iostat-dx.txt')]), ['df', 'iostat']);
    assert.equal(pool.workers, 2);
    pool.retireIdle();
    assert.equal(pool.workers, 0);
    assert.equal(await parse('df.txt'), 'df');
  } finally {
    await pool.close();
  }
});

test('a folder file read by its worker from the disk: the same outcome as its chunks posted, progress up to its size', async () => {
  const { ParsePool } = await import('../../src/timeline/pool.js');
  const { SERIES_MAX_ROWS } = await import('../../src/timeline/build.js');
  const pool = new ParsePool(1);
  const path = join(repoRoot, 'test', 'fixtures', 'opensnoop', 'perftriage-bpftrace.txt');
  const bytes = readFileSync(path);
  const file = { entry: { path: 'perftriage-bpftrace.txt', size: bytes.length }, forced: undefined, manifestTool: undefined, manifestCommand: undefined, summarize: false, recordBudget: Infinity, seriesBudget: undefined, seriesShare: SERIES_MAX_ROWS };
  try {
    const progress: number[] = [];
    const fromDisk = await (await pool.parse(file, { path, start: 0, end: bytes.length }, (n) => progress.push(n))).outcome;
    const posted = await (await pool.parse(file, (async function* () {
      // Two chunks, cut mid-line: the parser sees one stream either way.
      yield bytes.subarray(0, 1000);
      yield bytes.subarray(1000);
    })())).outcome;
    assert.equal(fromDisk.sniff?.tool, 'opensnoop');
    assert.ok(fromDisk.records.length > 1000, String(fromDisk.records.length));
    assert.deepEqual(fromDisk, posted);
    assert.equal(progress.at(-1), bytes.length);
  } finally {
    await pool.close();
  }
});

test("a worker takes its next file as soon as it said 'free', before its last outcome has crossed over; retireIdle waits for that outcome", async () => {
  const { ParsePool } = await import('../../src/timeline/pool.js');
  const { SERIES_MAX_ROWS } = await import('../../src/timeline/build.js');
  const pool = new ParsePool(1);
  const seed = join(repoRoot, 'samples', 'seed-case');
  const fileOf = (name: string): Parameters<InstanceType<typeof ParsePool>['parse']>[0] => ({ entry: { path: name, size: readFileSync(join(seed, name)).length }, forced: undefined, manifestTool: undefined, manifestCommand: undefined, summarize: false, recordBudget: Infinity, seriesBudget: undefined, seriesShare: SERIES_MAX_ROWS });
  const rangeOf = (name: string): { path: string; start: number; end: number } => ({ path: join(seed, name), start: 0, end: readFileSync(join(seed, name)).length });
  try {
    const events: string[] = [];
    // One worker: the second file waits for it.
    const first = await pool.parse(fileOf('iostat-dx.txt'), rangeOf('iostat-dx.txt'));
    const firstDone = first.outcome.then((o) => {
      events.push('first outcome');
      return o;
    });
    const second = pool.parse(fileOf('df.txt'), rangeOf('df.txt')).then((started) => {
      events.push('second started');
      return started.outcome;
    });
    pool.retireIdle();
    const [a, b] = await Promise.all([firstDone, second]);
    assert.deepEqual(events, ['second started', 'first outcome']);
    assert.equal(a.sniff?.tool, 'iostat');
    assert.ok(a.records.length > 0);
    assert.equal(b.sniff?.tool, 'df');
    // Retiring: the worker stopped once it owed nothing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(pool.workers, 0);
  } finally {
    await pool.close();
  }
});

test('a timeline held in memory (from stdin) keeps at most its record budget: past a file\'s share a timeline-truncated warning names the file, the line and the way out, exit 0', async () => {
  const { timelineMaxRecords } = await import('../../src/timeline/build.js');
  // The default follows the heap limit: half of it at ~1 KiB a record, at least 100,000.
  assert.equal(timelineMaxRecords(4 * 1024 ** 3), 2 * 1024 ** 2);
  assert.equal(timelineMaxRecords(64 * 1024 ** 2), 100_000);
  // tempfile-churn: a thousand records shared by its files; its top and opensnoop hold more. Read from
  // stdin, the bundle cannot be read twice, so the timeline is held, not streamed.
  const archive = readFileSync(join(repoRoot, 'samples', 'tempfile-churn.tar.gz'));
  const r = runCli(['timeline', '-', '--max-records', '1000', '--format', 'ndjson'], archive);
  assert.equal(r.code, 0, r.stderr);
  const header = JSON.parse(r.stdout.split('\n')[0]!) as { files: { path: string; records: number }[]; diagnostics: { code: string; file?: string; line?: number; message: string; hint?: string }[] };
  const truncated = header.diagnostics.filter((d) => d.code === 'timeline-truncated');
  assert.ok(truncated.length > 0, JSON.stringify(header.diagnostics.map((d) => d.code)));
  const first = truncated[0]!;
  assert.match(first.message, /^only the first (\d+) records of \S+ are in this timeline; its \d+ records from line \d+ on are not, .*\(at most \1 records for this file\)/);
  assert.ok(first.file !== undefined && first.line !== undefined && first.line > 1);
  assert.match(first.hint ?? '', /perftriage parse .* --format ndjson/);
  // The file summary still counts every record; the lines after the header hold the kept ones.
  const kept = r.stdout.trim().split('\n').length - 1;
  const counted = header.files.reduce((n, f) => n + f.records, 0);
  assert.ok(kept < counted, `${kept} kept of ${counted}`);
  assert.ok(!header.diagnostics.some((d) => d.code === 'analysis-truncated'));
  // The same archive on disk is streamed: every record, whatever the budget (it then bounds the analysis
  // pass, whose model annotates the records: an annotation-partial warning says so).
  const streamed = runCli(['timeline', join(repoRoot, 'samples', 'tempfile-churn.tar.gz'), '--max-records', '1000', '--format', 'ndjson']);
  assert.equal(streamed.code, 0, streamed.stderr);
  const streamedHeader = JSON.parse(streamed.stdout.split('\n')[0]!) as typeof header;
  assert.equal(streamed.stdout.trim().split('\n').length - 1, counted);
  assert.ok(!streamedHeader.diagnostics.some((d) => d.code === 'timeline-truncated'));
  assert.ok(streamedHeader.diagnostics.some((d) => d.code === 'annotation-partial'));
});

test('worker heap: the analysis limit by default, none for a full timeline (its record budget bounds each worker), --worker-heap for both', async () => {
  const { workerHeapMbOf } = await import('../../src/timeline/build.js');
  const { WORKER_HEAP_MB } = await import('../../src/timeline/pool.js');
  assert.equal(workerHeapMbOf({ summarize: true }), WORKER_HEAP_MB);
  assert.equal(workerHeapMbOf({}), 0);
  assert.equal(workerHeapMbOf({ workerHeapMb: 64 }), 64);
  assert.equal(workerHeapMbOf({ workerHeapMb: 0, summarize: true }), 0);
});
