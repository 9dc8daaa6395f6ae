/**
 * docs/fleet.md, run for real. The CLI writes one timeline NDJSON and one report JSON per sample bundle into a
 * temporary `fleet/` folder, exactly as the page's shell loop does; DuckDB (`@duckdb/node-api`, a dev dependency)
 * then runs the SQL of the page's fenced blocks, read from the page itself so page and test cannot drift.
 *
 * The expected figures do not come from perftriage: they are recomputed here from the raw pidstat files of the
 * samples (kB_wr/s × 1024 × the report's length), and the findings are counted from the report JSON in plain
 * JavaScript. The result tables printed in the page must equal what the queries return.
 *
 * When the DuckDB package cannot load (no prebuilt binary for the platform), the tests skip with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import type { DuckDBConnection } from '@duckdb/node-api';
import { repoRoot } from '../helpers.js';
import { cliPath } from './run-cli.js';

type DuckDB = typeof import('@duckdb/node-api');
type Row = Record<string, unknown>;

let loadError = '';
const duckdb: DuckDB | undefined = await import('@duckdb/node-api').catch((e: unknown) => {
  loadError = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  return undefined;
});
const skip = duckdb ? false : `@duckdb/node-api cannot be loaded here (${loadError}): docs/fleet.md is not checked`;

const SAMPLES = [
  { bundle: 'seed-case', path: 'samples/seed-case' },
  { bundle: 'tempfile-churn', path: 'samples/tempfile-churn.tar.gz' },
  { bundle: 'logging-storm', path: 'samples/logging-storm.tar.gz' },
  { bundle: 'quiet-baseline', path: 'samples/quiet-baseline.tar.gz' },
] as const;
const RECORDED = new Set(['tempfile-churn', 'logging-storm', 'quiet-baseline']);
/** io-heavy-process never names a process below this average write rate: "no big writer" means under it. */
const BIG_WRITER_BYTES_PER_S = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// The page: its SQL blocks and its printed result tables
// ---------------------------------------------------------------------------------------------------

const docPath = join(repoRoot, 'docs', 'fleet.md');
const doc = readFileSync(docPath, 'utf8');

function docSql(name: string): string {
  const m = new RegExp('```sql name=' + name + '\\n([\\s\\S]*?)\\n```').exec(doc);
  assert.ok(m?.[1], `docs/fleet.md has no \`\`\`sql name=${name} block`);
  return m[1];
}

function docResult(name: string): string {
  const m = new RegExp(`<!-- result:${name} -->\\n([\\s\\S]*?)\\n<!-- /result -->`).exec(doc);
  assert.ok(m?.[1], `docs/fleet.md has no result table for ${name}`);
  return m[1];
}

/** A result as the page prints it: a Markdown table, numbers right-aligned, `*_mib` with one decimal. */
function markdownTable(rows: Row[], columns: readonly string[]): string {
  const cell = (name: string, v: unknown): string => (v === null || v === undefined ? '' : name.endsWith('_mib') ? Number(v).toFixed(1) : String(v));
  const numeric = (name: string): boolean => rows.some((r) => typeof r[name] === 'number' || typeof r[name] === 'bigint');
  return [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map((c) => (numeric(c) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => cell(c, r[c])).join(' | ')} |`),
  ].join('\n');
}

function assertDocTable(name: string, rows: Row[], columns: readonly string[]): void {
  const actual = markdownTable(rows, columns);
  assert.equal(docResult(name), actual, `docs/fleet.md's table for ${name} is out of date; the query now returns:\n${actual}\n`);
}

// ---------------------------------------------------------------------------------------------------
// The fleet folder: the page's shell loop, run once for all tests
// ---------------------------------------------------------------------------------------------------

const execFileAsync = promisify(execFile);

async function runAll(jobs: (() => Promise<unknown>)[], width: number): Promise<void> {
  const queue = [...jobs];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  };
  await Promise.all(Array.from({ length: width }, worker));
}

let fleetDir: Promise<string> | undefined;
const scratch = mkdtempSync(join(tmpdir(), 'perftriage-fleet-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** `<scratch>/fleet/<bundle>.ndjson` and `<bundle>.report.json` for every sample; resolves to `<scratch>`. */
function fleet(): Promise<string> {
  fleetDir ??= (async () => {
    const out = join(scratch, 'fleet');
    mkdirSync(out);
    const cli = (args: string[]) => () => execFileAsync(process.execPath, [cliPath, ...args, '--quiet'], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    const jobs = SAMPLES.flatMap((s) => [
      cli(['timeline', join(repoRoot, s.path), '--format', 'ndjson', '-o', join(out, `${s.bundle}.ndjson`)]),
      cli(['report', join(repoRoot, s.path), '--format', 'json', '-o', join(out, `${s.bundle}.report.json`)]),
    ]);
    await runAll(jobs, 2); // the CI runner has 2 cores
    return scratch;
  })();
  return fleetDir;
}

let sharedConnection: Promise<DuckDBConnection> | undefined;

/** One in-memory DuckDB for all tests, its file paths resolved from the folder that holds fleet/ (as the page's are). */
function connect(): Promise<DuckDBConnection> {
  sharedConnection ??= (async () => {
    assert.ok(duckdb);
    const dir = await fleet();
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`SET file_search_path = '${dir.replaceAll("'", "''")}'`);
    process.on('exit', () => {
      c.closeSync();
      instance.closeSync();
    });
    return c;
  })();
  return sharedConnection;
}

async function query(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

// ---------------------------------------------------------------------------------------------------
// The expected figures, from the raw pidstat files (independent of perftriage's parsers)
// ---------------------------------------------------------------------------------------------------

interface RawWriter {
  bundle: string;
  pid: number;
  /** The least command name (as SQL min() picks it) over the measured reports, and over all reports. */
  comm: string;
  commAll: string;
  /** Σ kB_wr/s × 1024 × seconds, over the reports whose length the file shows. */
  written: number;
  cancelled: number;
  reports: number;
  /** kB_wr/s × 1024 of the report whose length the file does not show (the first of `pidstat -h`). */
  unmeasuredRate: number;
}

const secondsOfDay = (hms: string): number => {
  const [h, m, s] = hms.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
};

/**
 * Per-process writes of one pidstat file, 24-hour clock, multi-line or `-h` layout (what the samples hold).
 * A report's length: row time − header time (multi-line), or − the previous report's time (`-h`).
 */
function rawPidstatWriters(bundle: string, text: string, commandInterval: number): RawWriter[] {
  const byPid = new Map<number, RawWriter>();
  let cols: string[] = [];
  let hFormat = false;
  let average = false;
  let headerTime: number | undefined;
  let previousReportTime: number | undefined;
  let interval: number | undefined;
  let firstRowOfReport = false;
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (tokens.includes('kB_wr/s')) {
      hFormat = tokens[0] === '#';
      average = tokens[0] === 'Average:';
      cols = hFormat ? tokens.slice(1) : ['Time', ...tokens.slice(1)];
      headerTime = hFormat || average ? undefined : secondsOfDay(tokens[0] ?? '');
      firstRowOfReport = true;
      continue;
    }
    if (cols.length === 0 || average || tokens.length < cols.length || !/^\d\d:\d\d:\d\d$/.test(tokens[0] ?? '')) continue;
    const rowTime = secondsOfDay(tokens[0] ?? '');
    if (firstRowOfReport) {
      const since = hFormat ? previousReportTime : headerTime;
      // The first report of -h has no start time: its length is the command's interval (as the timeline
      // gives it from the manifest); without one it stays unmeasured.
      interval = since === undefined ? (hFormat && Number.isFinite(commandInterval) ? commandInterval : undefined) : (rowTime - since + 86400) % 86400;
      previousReportTime = rowTime;
      firstRowOfReport = false;
    }
    const at = (name: string): string | undefined => (cols.indexOf(name) >= 0 ? tokens[cols.indexOf(name)] : undefined);
    if (at('TID') !== undefined && at('TID') !== '-') continue; // a -t thread row
    const pid = Number(at('TGID') ?? at('PID'));
    const rate = Number(at('kB_wr/s')) * 1024;
    const cancelledRate = Number(at('kB_ccwr/s') ?? 0) * 1024;
    const comm = tokens.slice(cols.indexOf('Command')).join(' ');
    const w = byPid.get(pid) ?? { bundle, pid, comm: '', commAll: comm, written: 0, cancelled: 0, reports: 0, unmeasuredRate: 0 };
    if (comm < w.commAll) w.commAll = comm;
    if (interval === undefined) w.unmeasuredRate += rate;
    else if (interval > 0) {
      if (w.reports === 0 || comm < w.comm) w.comm = comm;
      w.written += rate * interval;
      w.cancelled += cancelledRate * interval;
      w.reports++;
    }
    byPid.set(pid, w);
  }
  return [...byPid.values()];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

interface RawSample {
  writers: RawWriter[];
  /** The interval argument of pidstat's command line in the manifest (`pidstat … 1 15` → 1). */
  commandInterval: number;
}

let raw: Promise<Map<string, RawSample>> | undefined;

/** Every pidstat file of every sample, unpacked with the tar library, read with the raw reader above. */
function rawSamples(): Promise<Map<string, RawSample>> {
  raw ??= readRawSamples();
  return raw;
}

async function readRawSamples(): Promise<Map<string, RawSample>> {
  const result = new Map<string, RawSample>();
  for (const s of SAMPLES) {
    let dir = join(repoRoot, s.path);
    if (s.path.endsWith('.tar.gz')) {
      dir = join(scratch, 'raw', s.bundle);
      mkdirSync(dir, { recursive: true });
      await tar.x({ file: join(repoRoot, s.path), cwd: dir, filter: (p) => /(^|\/)(pidstat[^/]*\.txt|manifest\.json)$/.test(p) });
    }
    const files = filesUnder(dir);
    const pidstatFiles = files.filter((f) => /^pidstat.*\.txt$/.test(basename(f)));
    assert.equal(pidstatFiles.length, 1, `${s.bundle}: one pidstat file expected, found ${pidstatFiles.length}`);
    const manifestFile = files.find((f) => basename(f) === 'manifest.json');
    assert.ok(manifestFile, `${s.bundle}: manifest.json`);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: { tool: string; command: string }[] };
    const command = manifest.files.find((f) => f.tool === 'pidstat')?.command ?? '';
    const numbers = command.split(/\s+/).filter((t) => /^\d+$/.test(t)).map(Number);
    result.set(s.bundle, { writers: rawPidstatWriters(s.bundle, readFileSync(pidstatFiles[0]!, 'utf8'), numbers[0] ?? NaN), commandInterval: numbers[0] ?? NaN });
  }
  return result;
}

/** The ranking the page's query must return, from the raw files: bytes desc, then bundle, then pid; rank() ties. */
function rawRanking(samples: Map<string, RawSample>, bytes: (w: RawWriter) => number): (RawWriter & { rank: number; bytes: number })[] {
  const all = [...samples.values()].flatMap((s) => s.writers.map((w) => ({ ...w, bytes: Math.round(bytes(w)) }))).filter((w) => w.reports > 0 || w.bytes > 0);
  all.sort((a, b) => b.bytes - a.bytes || (a.bundle < b.bundle ? -1 : a.bundle > b.bundle ? 1 : 0) || a.pid - b.pid);
  return all.map((w) => ({ ...w, rank: all.findIndex((x) => x.bytes === w.bytes) + 1 }));
}

const near = (actual: unknown, expected: number, what: string): void =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 1, `${what}: ${String(actual)} bytes, expected ${expected} (±1 for rounding)`);

// ---------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------

test('every NDJSON line but the first is a record: one header line per bundle, named like its file', { skip }, async () => {
  const connection = await connect();
  const rows = await query(
    connection,
    `SELECT parse_filename(filename, true) AS file, count(*) AS lines, count(*) FILTER (WHERE kind IS NULL) AS headers,
            any_value(bundle.name) FILTER (WHERE kind IS NULL) AS bundle_name
     FROM read_ndjson('fleet/*.ndjson', filename = true, columns = {kind: 'VARCHAR', bundle: 'STRUCT(name VARCHAR)'})
     GROUP BY ALL ORDER BY file`,
  );
  const dir = await fleet();
  assert.deepEqual(rows.map((r) => r.file), SAMPLES.map((s) => s.bundle).sort());
  for (const r of rows) {
    const text = readFileSync(join(dir, 'fleet', `${String(r.file)}.ndjson`), 'utf8');
    assert.equal(r.lines, text.split('\n').filter(Boolean).length, `${String(r.file)}: DuckDB read every line`);
    assert.equal(r.headers, 1, `${String(r.file)}: one line without kind`);
    assert.equal((JSON.parse(text.slice(0, text.indexOf('\n'))) as { kind?: string }).kind, undefined, 'the line without kind is the first');
    assert.equal(r.bundle_name, r.file, 'the header names the bundle as the file does');
  }
  // What the page says about leaving the schema to DuckDB: one MAP column, no `kind`.
  const described = await query(connection, `DESCRIBE SELECT * FROM read_ndjson('fleet/tempfile-churn.ndjson')`);
  assert.deepEqual(described.map((r) => [r.column_name, r.column_type]), [['json', 'MAP(VARCHAR, JSON)']]);
});

test('rank-writers: the page query ranks processes by bytes written, as the raw pidstat files say', { skip }, async () => {
  const [connection, samples] = await Promise.all([connect(), rawSamples()]);
  const rows = await query(connection, docSql('rank-writers'));
  const expected = rawRanking(samples, (w) => w.written).slice(0, 10);

  assert.equal(rows.length, 10);
  rows.forEach((row, i) => {
    const want = expected[i]!;
    const what = `row ${i + 1} (${want.bundle} ${want.pid})`;
    assert.deepEqual([row.rank, row.bundle, row.pid, row.comm, row.reports], [want.rank, want.bundle, want.pid, want.comm, want.reports], what);
    near(row.written_bytes, want.written, `${what} written_bytes`);
    near(row.cancelled_bytes, want.cancelled, `${what} cancelled_bytes`);
  });

  // Ground truth (samples/README.md).
  const at = (bundle: string, pid: number): Row => {
    const row = rows.find((r) => r.bundle === bundle && r.pid === pid);
    assert.ok(row, `${bundle} ${pid} is in the top 10`);
    return row;
  };
  assert.deepEqual([rows[0]?.bundle, rows[0]?.pid], ['seed-case', 12280], 'the case study app (reconstructed bundle) writes the most');
  const firstRecorded = rows.find((r) => RECORDED.has(String(r.bundle)));
  assert.deepEqual([firstRecorded?.bundle, firstRecorded?.pid, firstRecorded?.rank], ['tempfile-churn', 20482, 2], 'top writer of the recorded bundles: tempfiles_app.py');
  const tempfile = samples.get('tempfile-churn')!.writers.find((w) => w.pid === 20482)!;
  near(at('tempfile-churn', 20482).written_bytes, tempfile.written, 'tempfile-churn 20482');
  // Most of it was deleted before writeback (the first second's files were written before the app began deleting).
  assert.ok(Number(at('tempfile-churn', 20482).cancelled_bytes) > 0.85 * Number(at('tempfile-churn', 20482).written_bytes), 'most of it deleted before writeback');
  // The page says the bundle's own report gives the same figure (its io-heavy-process finding).
  const report = JSON.parse(readFileSync(join(await fleet(), 'fleet', 'tempfile-churn.report.json'), 'utf8')) as { findings: { rule: string; message: string }[] };
  const mib = `${Math.round(Number(at('tempfile-churn', 20482).written_bytes) / 1048576)} MiB`;
  assert.match(report.findings.find((f) => f.rule === 'io-heavy-process')?.message ?? '', new RegExp(`pid 20482 .* wrote ${mib}`));
  const logstorm = at('logging-storm', 21117);
  assert.equal(logstorm.rank, rawRanking(samples, (w) => w.written).find((w) => w.bundle === 'logging-storm' && w.pid === 21117)?.rank);
  assert.equal(logstorm.rank, 3);
  assert.equal(rows.find((r) => r.bundle === 'logging-storm')?.pid, 21117, 'logstorm_app.py is the top writer of its bundle');
  const rate = Number(logstorm.written_bytes) / Number(logstorm.reports);
  assert.ok(rate > 300 * 1024 && rate < 350 * 1024, `~320 KiB/s of appends (${Math.round(rate / 1024)} KiB/s)`);

  // The quiet baseline: no big writer, every one of its processes below the workloads.
  const quiet = samples.get('quiet-baseline')!.writers;
  for (const w of quiet) assert.ok(w.reports === 0 || w.written / w.reports < BIG_WRITER_BYTES_PER_S, `quiet-baseline ${w.pid} (${w.comm}) wrote ${w.written} B in ${w.reports} s`);
  const quietRows = rows.filter((r) => r.bundle === 'quiet-baseline');
  assert.ok(quietRows.length > 0 && quietRows.every((r) => Number(r.rank) > 3), 'quiet-baseline ranks below the three workloads');

  assertDocTable('rank-writers', rows, ['rank', 'bundle', 'pid', 'comm', 'written_bytes', 'cancelled_bytes', 'written_mib', 'reports']);
});

test('rank-writers-first-report: the first pidstat -h report counts for the interval of the command line', { skip }, async () => {
  const [connection, samples] = await Promise.all([connect(), rawSamples()]);
  const rows = await query(connection, docSql('rank-writers-first-report'));
  const withFirst = (w: RawWriter): number => w.written + w.unmeasuredRate * samples.get(w.bundle)!.commandInterval;
  const expected = rawRanking(samples, withFirst).slice(0, 10);
  assert.equal(samples.get('tempfile-churn')?.commandInterval, 1, 'pidstat … 1 15');
  rows.forEach((row, i) => {
    const want = expected[i]!;
    assert.deepEqual([row.rank, row.bundle, row.pid, row.comm], [want.rank, want.bundle, want.pid, want.commAll], `row ${i + 1}`);
    near(row.written_bytes, withFirst(want), `row ${i + 1} (${want.bundle} ${want.pid})`);
  });
  const tempfile = rows.find((r) => r.bundle === 'tempfile-churn' && r.pid === 20482);
  assert.equal(tempfile?.written_bytes, 746605138, 'the figure the page quotes');
  assert.equal(tempfile?.reports, 10);
  assert.deepEqual(rows.slice(0, 3).map((r) => r.pid), [12280, 20482, 21117], 'the order of the workloads does not change');
});

test('findings-by-rule: report JSON loads with read_json_auto; the counts are those of the reports', { skip }, async () => {
  const connection = await connect();
  const rows = await query(connection, docSql('findings-by-rule'));
  const dir = await fleet();
  const counts = new Map<string, { findings: number; bundles: Set<string> }>();
  for (const s of SAMPLES) {
    const report = JSON.parse(readFileSync(join(dir, 'fleet', `${s.bundle}.report.json`), 'utf8')) as { bundle: { name: string }; findings: { rule: string; severity: string }[] };
    assert.equal(report.bundle.name, s.bundle);
    for (const f of report.findings) {
      const key = `${f.rule}\t${f.severity}`;
      const c = counts.get(key) ?? { findings: 0, bundles: new Set<string>() };
      c.findings++;
      c.bundles.add(report.bundle.name);
      counts.set(key, c);
    }
  }
  const expected = [...counts.entries()]
    .map(([key, c]) => {
      const [rule, severity] = key.split('\t');
      return { rule, severity, findings: c.findings, bundles: [...c.bundles].sort().join(', ') };
    })
    .sort((a, b) => b.findings - a.findings || (a.rule! < b.rule! ? -1 : a.rule! > b.rule! ? 1 : 0) || (a.severity! < b.severity! ? -1 : 1));
  assert.deepEqual(rows, expected);
  const bundlesOf = (rule: string): unknown => rows.find((r) => r.rule === rule)?.bundles;
  assert.equal(bundlesOf('excessive-logging'), 'logging-storm');
  assert.equal(bundlesOf('page-cache-absorbed'), 'tempfile-churn');
  assert.ok(!rows.some((r) => r.severity !== 'note' && String(r.bundles).includes('quiet-baseline')), 'the quiet baseline raises notes only');
  assertDocTable('findings-by-rule', rows, ['rule', 'severity', 'findings', 'bundles']);
});

test('the ClickHouse block asks the same question: same filters, same source fields', { skip: false }, () => {
  const clickhouse = docSql('rank-writers-clickhouse');
  for (const needle of ["kind = 'pidstat.task'", 'NOT is_thread', 'write_bytes_per_s IS NOT NULL', 'time.interval_s > 0', 'since_boot', 'write_bytes_per_s * time.interval_s', "file('fleet/*.ndjson', JSONEachRow"]) {
    assert.ok(clickhouse.includes(needle), `the ClickHouse query has ${needle}`);
  }
});
