/**
 * `npm run bench`: strace parsing throughput and peak memory on a generated `-f -tt -T -y` trace,
 * next to the tools it should be compared with, all in one run on the same (page-cached) file:
 *
 *   cat > /dev/null            the cost of reading the bytes
 *   wc -l                      the classic line count
 *   node line count            fs.createReadStream + indexOf('\n') loop, nothing else (the floor for any
 *                              Node.js parser reading the file the same way)
 *   perftriage strace          the real driver: src/bundle/lines.ts LineSplitter → src/parsers/run.ts
 *                              startParse → the strace parser; records are counted and dropped
 *
 * Every measurement runs in a child process of its own, so its peak RSS is its own: for Node children
 * `process.resourceUsage().maxRSS`, for cat and wc `/usr/bin/time -f %M` (omitted when there is no
 * /usr/bin/time). Seconds are wall time measured by this process around the child (process start
 * included: ~0.05 s for Node).
 *
 * Environment: PERFTRIAGE_BENCH_MB (default 1024) size of the trace; PERFTRIAGE_BENCH_SEED (default
 * 0x5eed). The trace is written once to bench/data/ (gitignored) and reused. Results: a table on stdout
 * and bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, generateStraceTrace } from './gen-strace.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: this file runs as dist/bench/run.js. */
const root = resolve(here, '..', '..');
const MIB = 1024 * 1024;

interface Measurement {
  name: string;
  seconds: number;
  bytes: number;
  lines: number;
  mb_per_s: number;
  lines_per_s: number;
  peak_rss_mb: number | null;
  records?: number;
  note?: string;
}

interface ChildReport {
  lines: number;
  bytes: number;
  records?: number;
  maxRssKb: number;
}

// ---- children -----------------------------------------------------------------------------------------

async function childLineCount(file: string): Promise<ChildReport> {
  let lines = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    let i = buf.indexOf(10);
    while (i !== -1) {
      lines++;
      i = buf.indexOf(10, i + 1);
    }
  }
  return { lines, bytes, maxRssKb: process.resourceUsage().maxRSS };
}

async function childStrace(file: string): Promise<ChildReport> {
  const { LineSplitter } = await import('../src/bundle/lines.js');
  const { startParse } = await import('../src/parsers/run.js');
  const { parser } = await import('../src/parsers/strace.js');
  let records = 0;
  const session = startParse(parser, 'bench-trace.txt', '', () => {
    records++;
  });
  const splitter = new LineSplitter((text, lineNo, flags) => session.line(text, lineNo, flags));
  for await (const chunk of createReadStream(file)) splitter.push(chunk as Buffer);
  splitter.end();
  const { coverage } = session.end();
  if (coverage.unparsed > 0) process.stderr.write(`warning: ${coverage.unparsed} unparsed line(s) in the bench trace\n`);
  return { lines: splitter.linesEmitted, bytes: splitter.bytesSeen, records, maxRssKb: process.resourceUsage().maxRSS };
}

// ---- parent -------------------------------------------------------------------------------------------

function traceFile(mb: number, seed: number): string {
  const dir = join(root, 'bench', 'data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `strace-f-tt-T-y.${mb}MB.seed${seed.toString(16)}.v${GENERATOR_VERSION}.txt`);
  if (!existsSync(file)) {
    process.stdout.write(`generating ${file} (${mb} MiB)… `);
    const t0 = process.hrtime.bigint();
    const tmp = `${file}.partial`;
    const r = generateStraceTrace(tmp, { bytes: mb * MIB, seed });
    renameSync(tmp, file);
    process.stdout.write(`${r.lines} lines in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s\n`);
  }
  return file;
}

function timed<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

const hasGnuTime = existsSync('/usr/bin/time');

/** Run an external command on the file; stdout is returned, peak RSS read from /usr/bin/time. */
function external(cmd: string, args: string[], stdout: 'pipe' | 'ignore'): { stdout: string; seconds: number; rssKb: number | null } {
  const argv = hasGnuTime ? ['-f', '%M', cmd, ...args] : args;
  const bin = hasGnuTime ? '/usr/bin/time' : cmd;
  const { value, seconds } = timed(() => spawnSync(bin, argv, { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 16 * MIB }));
  if (value.status !== 0) throw new Error(`${cmd} failed: ${value.stderr}`);
  const rss = hasGnuTime ? Number(value.stderr.trim().split('\n').pop()) : NaN;
  return { stdout: value.stdout ?? '', seconds, rssKb: Number.isFinite(rss) ? rss : null };
}

function nodeChild(kind: 'linecount' | 'strace', file: string): { report: ChildReport; seconds: number } {
  const script = fileURLToPath(import.meta.url);
  const { value, seconds } = timed(() => spawnSync(process.execPath, [script, '--child', kind, file], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' }));
  if (value.status !== 0) throw new Error(`${kind} child failed (status ${value.status})`);
  return { report: JSON.parse(value.stdout.trim().split('\n').pop()!) as ChildReport, seconds };
}

function measurement(name: string, seconds: number, bytes: number, lines: number, rssKb: number | null, extra: Partial<Measurement> = {}): Measurement {
  return {
    name,
    seconds: Number(seconds.toFixed(3)),
    bytes,
    lines,
    mb_per_s: Number((bytes / MIB / seconds).toFixed(1)),
    lines_per_s: Math.round(lines / seconds),
    peak_rss_mb: rssKb === null ? null : Number((rssKb / 1024).toFixed(1)),
    ...extra,
  };
}

function table(rows: Measurement[]): string {
  const head = ['measurement', 'seconds', 'MB/s', 'lines/s', 'peak RSS MB', 'vs node line count'];
  const base = rows.find((r) => r.name === 'node line count');
  const body = rows.map((r) => [
    r.name,
    r.seconds.toFixed(2),
    r.mb_per_s.toFixed(1),
    r.lines_per_s.toLocaleString('en-US'),
    r.peak_rss_mb === null ? 'n/a' : r.peak_rss_mb.toFixed(1),
    base ? `${(r.seconds / base.seconds).toFixed(2)}×` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const report = argv[1] === 'strace' ? await childStrace(argv[2]!) : await childLineCount(argv[2]!);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const mb = Number(process.env.PERFTRIAGE_BENCH_MB ?? 1024);
  const seed = Number(process.env.PERFTRIAGE_BENCH_SEED ?? 0x5eed);
  if (!(mb > 0) || !Number.isInteger(seed)) throw new Error('PERFTRIAGE_BENCH_MB must be > 0 and PERFTRIAGE_BENCH_SEED an integer');
  const file = traceFile(mb, seed);
  const bytes = statSync(file).size;
  process.stdout.write(`trace: ${file} (${(bytes / MIB).toFixed(0)} MiB)\n`);

  // Warm the page cache so that every measurement reads from memory, as the first one would not.
  external('cat', [file], 'ignore');

  const rows: Measurement[] = [];
  const cat = external('cat', [file], 'ignore');
  const wc = external('wc', ['-l', file], 'pipe');
  const lines = Number(wc.stdout.trim().split(/\s+/)[0]);
  rows.push(measurement('cat > /dev/null', cat.seconds, bytes, lines, cat.rssKb));
  rows.push(measurement('wc -l', wc.seconds, bytes, lines, wc.rssKb));
  const count = nodeChild('linecount', file);
  rows.push(measurement('node line count', count.seconds, count.report.bytes, count.report.lines, count.report.maxRssKb));
  const strace = nodeChild('strace', file);
  rows.push(measurement('perftriage strace', strace.seconds, strace.report.bytes, strace.report.lines, strace.report.maxRssKb, { records: strace.report.records }));
  for (const r of rows) if (r.lines !== lines && r.name !== 'cat > /dev/null') r.note = `counted ${r.lines} lines, wc -l says ${lines}`;

  process.stdout.write(`\n${table(rows)}\n\n`);
  const parse = rows[rows.length - 1]!;
  const base = rows.find((r) => r.name === 'node line count')!;
  const summary = {
    strace_mb_per_s: parse.mb_per_s,
    strace_peak_rss_mb: parse.peak_rss_mb,
    strace_vs_node_line_count: Number((parse.seconds / base.seconds).toFixed(2)),
    records: parse.records,
  };
  process.stdout.write(`strace: ${summary.strace_mb_per_s} MB/s, peak RSS ${summary.strace_peak_rss_mb} MB, ${summary.strace_vs_node_line_count}× the node line count, ${parse.records} records\n`);
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    total_mem_mb: Math.round(totalmem() / MIB),
    trace: { file: file.slice(root.length + 1), bytes, lines, generator_version: GENERATOR_VERSION, seed },
    measurements: rows,
    summary,
  };
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write('written bench/results.json\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
