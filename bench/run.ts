/**
 * `npm run bench` (issue #9): parsing throughput, end-to-end report time and peak memory, parallel
 * speed-up and jc, on generated captures, all in one run. Sections (env PERFTRIAGE_BENCH_SECTIONS, a
 * comma list; default all), run in this order:
 *
 *   strace      the strace parser on a standalone `strace -f -tt -T -y` trace (bench/gen-strace.ts)
 *               beside cat, wc -l and the node line count on the same file (the first benchmark, unchanged);
 *               then the trace as `report` reads it (timeline in analysis, 2 workers): in one pass, and
 *               split into a head and a tail read on both workers (src/parsers/segments.ts), by the fast
 *               reader (parsers/strace/fast.ts) and by the string reader; and the
 *               strace lexer alone (prefix, name, end of arguments, return part: no tracking), the
 *               floor under the parser; and a byte-level aggregate pass (bench/strace-bytes-floor.ts),
 *               the floor of a reader that makes no string per line
 *   baselines   per file of the bundle: `cat > /dev/null`, `wc -l`, node line count (createReadStream +
 *               indexOf loop) and node readline split (readline.createInterface, crlfDelay Infinity,
 *               counting lines: "a stream split into lines, nothing else")
 *   parsers     per file of the bundle, alone in a child: sniff the head, then LineSplitter → startParse →
 *               the tool's parser, as the timeline reads a file; records counted and dropped
 *   parallel    two strace traces of the same size (the bundle's and one of another seed) parsed one after
 *               the other, then at the same time in two children: the speed-up
 *   jc          when `jc` is on PATH: `jc -q --iostat|--pidstat|--top` on the bundle's files and on a
 *               ~100 MiB iostat file, beside `perftriage parse --format json` on the same file (both
 *               write JSON to /dev/null) and the parser alone (the parsers section's child); then, when
 *               ../shared is beside the checkout, every real pidstat, top and iostat capture there that jc
 *               reads (a few KiB each: start-up decides), median of 5 runs each, with `node -e 0` and
 *               jc's interpreter's `-c pass` as the two runtimes' floors
 *   report      end to end: `perftriage report <bundle> --format json --out-dir <tmp>` per bundle size,
 *               wall time and peak RSS
 *   timeline    `perftriage timeline <bundle> --format ndjson -o /dev/null` per bundle size: every record,
 *               streamed; wall time and peak RSS (which must not grow with the bundle)
 *
 * The bundle (bench/gen-bundle.ts: strace, top, opensnoop, pidstat, filetop, iostat) is generated once
 * per size and seed into bench/data/ (gitignored) and reused. baselines, parsers, parallel and jc use the
 * FIRST size of PERFTRIAGE_BENCH_BUNDLE_MB; report and timeline use every size.
 *
 * Every measurement runs in a child process of its own, on a page-cached file: its peak RSS is its own
 * (`process.resourceUsage().maxRSS` for the Node children of this script, `/usr/bin/time -f %M` for
 * commands; omitted when there is no /usr/bin/time). Seconds are wall time measured around the child
 * (process start included: ~0.05 s for Node). A child that fails or runs past the timeout is killed
 * (its process group) and recorded as failed with the reason; the bench goes on.
 *
 * Environment:
 *   PERFTRIAGE_BENCH_SECTIONS      strace,baselines,parsers,parallel,jc,report,timeline (default: all)
 *   PERFTRIAGE_BENCH_MB            size of the strace section's trace, MiB (default 1024)
 *   PERFTRIAGE_BENCH_BUNDLE_MB     bundle sizes, MiB, comma list (default "1024,4096")
 *   PERFTRIAGE_BENCH_JC_IOSTAT_MB  size of the jc comparison's iostat file, MiB (default 100)
 *   PERFTRIAGE_BENCH_TIMEOUT_S     per child (default 600)
 *   PERFTRIAGE_BENCH_REPORT_RUNS   report runs per bundle size (default 3): peak RSS moves by ~100 MB from run
 *                                  to run with V8's collection timing, so one run says little
 *   PERFTRIAGE_BENCH_SEED          generators' seed (default 0x5eed)
 * Results: one table per section on stdout, everything in bench/results.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, generateStraceTrace } from './gen-strace.js';
import { BUNDLE_GENERATOR_VERSION, BUNDLE_MIX, generateBundle, generateIostatFile, type BundleFile, type BundleTool } from './gen-bundle.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: this file runs as dist/bench/run.js. */
const root = resolve(here, '..', '..');
const dataDir = join(root, 'bench', 'data');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const MIB = 1024 * 1024;

const SECTIONS = ['strace', 'baselines', 'parsers', 'parallel', 'jc', 'report', 'timeline'] as const;
type Section = (typeof SECTIONS)[number];

// ---- children (`run.js --child KIND FILE`) ------------------------------------------------------------

interface ChildReport {
  lines: number;
  bytes: number;
  records?: number;
  unparsed?: number;
  tool?: string;
  variant?: string;
  maxRssKb: number;
}

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

/** The issue's floor: a stream split into lines, nothing else. */
async function childReadline(file: string): Promise<ChildReport> {
  let lines = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    void line;
    lines++;
  }
  return { lines, bytes: statSync(file).size, maxRssKb: process.resourceUsage().maxRSS };
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
  return { lines: splitter.linesEmitted, bytes: splitter.bytesSeen, records, unparsed: coverage.unparsed, maxRssKb: process.resourceUsage().maxRSS };
}

/**
 * The strace lexer alone on every line: prefix (TID, timestamp), the call's name, the end of its
 * arguments (quote- and annotation-aware) and its return part — no task, fd table, record or aggregate.
 * Not a parser: the floor under any parser built on this lexer, measured beside it in the same run.
 */
async function childStraceLexer(file: string): Promise<ChildReport> {
  const { LineSplitter } = await import('../src/bundle/lines.js');
  const lexer = await import('../src/parsers/strace/lexer.js');
  const prefix = lexer.newPrefixScratch();
  const ret = lexer.newReturnInfo();
  let calls = 0;
  const splitter = new LineSplitter((text) => {
    const body = lexer.readPrefixInto(text, prefix).body;
    const nameEnd = lexer.nameEnd(text, body);
    if (nameEnd === body || lexer.entryHalfEnd(text) !== undefined) return;
    const close = lexer.findArgsEnd(text, nameEnd + 1);
    if (close > 0 && lexer.readReturnInto(text, close, ret)) calls++;
  });
  for await (const chunk of createReadStream(file)) splitter.push(chunk as Buffer);
  splitter.end();
  return { lines: splitter.linesEmitted, bytes: splitter.bytesSeen, records: calls, maxRssKb: process.resourceUsage().maxRSS };
}

/** The byte-level floor (bench/strace-bytes-floor.ts): what a reader on bytes could reach, not a parser. */
async function childStraceBytes(file: string): Promise<ChildReport> {
  const { straceBytesFloor } = await import('./strace-bytes-floor.js');
  const r = straceBytesFloor(file);
  if (r.writtenBytes <= 0) throw new Error('the byte-level floor read no write');
  return { lines: r.lines, bytes: r.bytes, records: r.calls, maxRssKb: process.resourceUsage().maxRSS };
}

/**
 * Any capture file, as the timeline reads it (src/timeline/build.ts readFile): the first SNIFF_LINES
 * lines are held, sniffed, then fed with the rest to the winning tool's parser. Records counted, dropped.
 */
async function childParse(file: string): Promise<ChildReport> {
  const { LineSplitter } = await import('../src/bundle/lines.js');
  type Flags = import('../src/bundle/lines.js').LineFlags;
  const { startParse } = await import('../src/parsers/run.js');
  const { parserFor } = await import('../src/parsers/index.js');
  const { sniffLines } = await import('../src/sniff/sniff.js');
  const { SNIFF_LINES } = await import('../src/sniff/types.js');
  const { detectors } = await import('../src/sniff/detectors/index.js');
  let records = 0;
  let tool = '';
  let variant = '';
  let session: ReturnType<typeof startParse> | undefined;
  let head: { text: string; lineNo: number; flags: Flags }[] | undefined = [];
  const decide = (): void => {
    const sniffed = sniffLines(head!.map((h) => h.text), detectors);
    const module = sniffed.result ? parserFor(sniffed.result.tool) : undefined;
    if (!sniffed.result || !module) throw new Error(`no parser for ${file}: ${sniffed.reason ?? sniffed.result?.tool}`);
    tool = sniffed.result.tool;
    variant = sniffed.result.variant;
    session = startParse(module, basename(file), variant, () => {
      records++;
    });
    for (const h of head!) session.line(h.text, h.lineNo, h.flags);
    head = undefined;
  };
  const splitter = new LineSplitter((text, lineNo, flags) => {
    if (head) {
      head.push({ text, lineNo, flags });
      if (head.length >= SNIFF_LINES) decide();
      return;
    }
    session!.line(text, lineNo, flags);
  });
  for await (const chunk of createReadStream(file)) splitter.push(chunk as Buffer);
  splitter.end();
  if (head) decide();
  const { coverage } = session!.end();
  return { lines: splitter.linesEmitted, bytes: splitter.bytesSeen, records, unparsed: coverage.unparsed, tool, variant, maxRssKb: process.resourceUsage().maxRSS };
}

/**
 * The trace as `report` reads it: the timeline in analysis (aggregates, calls summarized) with two
 * workers, the file read as a head and a tail on both (src/parsers/segments.ts) or in one pass, by the
 * fast reader (parsers/strace/fast.ts) or the string reader.
 */
async function childAnalysis(file: string, split: boolean, stringReader: boolean): Promise<ChildReport> {
  const { buildTimeline } = await import('../src/timeline/build.js');
  const timeline = await buildTimeline(file, { summarize: true, jobs: 2, noFastStrace: stringReader, ...(split ? {} : { splitMinBytes: Infinity }) });
  const f = timeline.files[0]!;
  return { lines: f.coverage.lines, bytes: f.bytes, records: f.records, unparsed: f.coverage.unparsed, maxRssKb: process.resourceUsage().maxRSS };
}

const CHILDREN = {
  linecount: childLineCount,
  readline: childReadline,
  strace: childStrace,
  'strace-lexer': childStraceLexer,
  'strace-bytes': childStraceBytes,
  parse: childParse,
  analysis: (file: string) => childAnalysis(file, false, false),
  'analysis-string': (file: string) => childAnalysis(file, false, true),
  'analysis-split': (file: string) => childAnalysis(file, true, false),
  'analysis-split-string': (file: string) => childAnalysis(file, true, true),
} as const;
type ChildKind = keyof typeof CHILDREN;

// ---- running processes --------------------------------------------------------------------------------

const hasGnuTime = existsSync('/usr/bin/time');
let timeoutMs = 600_000;
/** Process groups of the children running now, killed if the bench itself is interrupted. */
const running = new Set<number>();
let tempSeq = 0;
const STDOUT_TAIL_CHARS = 1 << 20;

interface ProcResult {
  ok: boolean;
  /** Why it failed: exit status, signal, timeout, spawn error. */
  failure?: string;
  seconds: number;
  stdout: string;
  stderrTail: string;
  rssKb: number | null;
}

interface ProcOptions {
  stdinFile?: string;
  stdout: 'pipe' | 'ignore';
  /** Wrap in /usr/bin/time -f %M (peak RSS of the command) when it exists. */
  rss: boolean;
}

/** Run a command in its own process group; on timeout the group is killed and the result says so. */
function runProcess(cmd: string, args: readonly string[], options: ProcOptions): Promise<ProcResult> {
  const rssFile = options.rss && hasGnuTime ? join(tmpdir(), `perftriage-bench-${process.pid}-${tempSeq++}.time`) : undefined;
  const [bin, argv] = rssFile ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, [...args]];
  const stdinFd = options.stdinFile ? openSync(options.stdinFile, 'r') : undefined;
  const t0 = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    let stdout = '';
    let stderrTail = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(bin, argv, { stdio: [stdinFd ?? 'ignore', options.stdout, 'pipe'], detached: true });
    const finish = (failure: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      if (stdinFd !== undefined) closeSync(stdinFd);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let rssKb: number | null = null;
      if (rssFile && existsSync(rssFile)) {
        const rss = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        rssKb = Number.isFinite(rss) ? rss : null;
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ ok: failure === undefined, ...(failure ? { failure } : {}), seconds, stdout, stderrTail, rssKb });
    };
    if (child.pid !== undefined) running.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    // Only the tail is kept: children report on their last line, and a command measured with its
    // output piped (jc on a 100 MiB file) would exceed the longest string V8 allows.
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout = stdout.length + d.length > STDOUT_TAIL_CHARS ? (stdout + d).slice(-STDOUT_TAIL_CHARS) : stdout + d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-2000);
    });
    child.on('error', (err) => finish(`could not start ${cmd}: ${err.message}`));
    child.on('close', (status, signal) => {
      if (timedOut) finish(`timed out after ${timeoutMs / 1000} s (killed)`);
      else if (signal) finish(`killed by ${signal}`);
      else if (status !== 0) finish(`exit status ${status}${stderrTail.trim() ? `: ${lastLine(stderrTail)}` : ''}`);
      else finish(undefined);
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const lastLine = (text: string): string => text.trim().split('\n').pop()!.slice(0, 300);

interface NodeChildResult {
  report?: ChildReport;
  seconds: number;
  failure?: string;
}

async function nodeChild(kind: ChildKind, file: string): Promise<NodeChildResult> {
  const r = await runProcess(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, file], { stdout: 'pipe', rss: false });
  if (!r.ok) return { seconds: r.seconds, failure: r.failure! };
  try {
    return { report: JSON.parse(lastLine(r.stdout)) as ChildReport, seconds: r.seconds };
  } catch {
    return { seconds: r.seconds, failure: `child printed no report: ${lastLine(r.stdout || r.stderrTail)}` };
  }
}

// ---- rows and tables ----------------------------------------------------------------------------------

interface Row {
  name: string;
  file?: string;
  tool?: string;
  seconds?: number;
  bytes?: number;
  lines?: number;
  mb_per_s?: number;
  lines_per_s?: number;
  peak_rss_mb?: number | null;
  records?: number;
  unparsed?: number;
  note?: string;
  failed?: string;
}

function measured(name: string, seconds: number, bytes: number, lines: number, rssKb: number | null, extra: Partial<Row> = {}): Row {
  return {
    name,
    ...extra,
    seconds: Number(seconds.toFixed(3)),
    bytes,
    lines,
    mb_per_s: Number((bytes / MIB / seconds).toFixed(1)),
    lines_per_s: Math.round(lines / seconds),
    peak_rss_mb: rssKb === null ? null : Number((rssKb / 1024).toFixed(1)),
  };
}

const failedRow = (name: string, failure: string, extra: Partial<Row> = {}): Row => ({ name, ...extra, failed: failure });

/** A table row for a failed measurement: its name, blanks, and the reason in the last (note) column. */
const failedCells = (name: string, columns: number, reason: string): string[] => [name, ...Array<string>(columns - 2).fill(''), `FAILED: ${reason}`];

/** Columns right-aligned but the first and one titled `note` (free text, last). */
function table(head: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    head.map((h, i) => (i === 0 || h === 'note' ? (cells[i] ?? '').padEnd(widths[i]!) : (cells[i] ?? '').padStart(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}

const num = (x: number | undefined | null, digits = 2): string => (x === undefined || x === null ? 'n/a' : x.toFixed(digits));
const count = (x: number | undefined): string => (x === undefined ? '' : x.toLocaleString('en-US'));
/** The middle value (the lower of the two middle ones for an even count); sorts a copy. */
const medianOf = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && b > 0 ? Number((a / b).toFixed(2)) : undefined);

function print(title: string, text: string): void {
  process.stdout.write(`\n== ${title}\n${text}\n`);
}

// ---- inputs -------------------------------------------------------------------------------------------

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Refuse to write `bytes` more when the disk would be left with less than 1 GiB. */
function checkSpace(bytes: number): void {
  const free = freeBytes(dataDir);
  if (free < bytes + 1024 * MIB) throw new Error(`not enough disk space in bench/data: ${(bytes / MIB).toFixed(0)} MiB needed, ${(free / MIB).toFixed(0)} MiB free (keeping 1 GiB spare)`);
}

const seconds = (t0: bigint): string => (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1);

function traceFile(mb: number, seed: number): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `strace-f-tt-T-y.${mb}MB.seed${seed.toString(16)}.v${GENERATOR_VERSION}.txt`);
  if (!existsSync(file)) {
    checkSpace(mb * MIB);
    process.stdout.write(`generating ${relative(root, file)} (${mb} MiB)… `);
    const t0 = process.hrtime.bigint();
    const tmp = `${file}.partial`;
    const r = generateStraceTrace(tmp, { bytes: mb * MIB, seed });
    renameSync(tmp, file);
    process.stdout.write(`${r.lines} lines in ${seconds(t0)} s\n`);
  }
  return file;
}

interface Bundle {
  mb: number;
  dir: string;
  bytes: number;
  seconds: number;
  files: BundleFile[];
}

/** The bundle of `mb` MiB: generated once (into a .partial folder, renamed when complete), then reused. */
function bundleOf(mb: number, seed: number): Bundle {
  mkdirSync(dataDir, { recursive: true });
  const dir = join(dataDir, `bundle.${mb}MB.seed${seed.toString(16)}.v${BUNDLE_GENERATOR_VERSION}`);
  const info = `${dir}.json`;
  if (existsSync(dir) && existsSync(info)) return { ...(JSON.parse(readFileSync(info, 'utf8')) as Bundle), dir };
  checkSpace(mb * MIB);
  process.stdout.write(`generating ${relative(root, dir)}/ (${mb} MiB)… `);
  const t0 = process.hrtime.bigint();
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  const r = generateBundle(tmp, { bytes: mb * MIB, seed });
  renameSync(tmp, dir);
  const bundle: Bundle = { mb, dir, bytes: r.bytes, seconds: r.seconds, files: r.files };
  writeFileSync(info, `${JSON.stringify({ ...bundle, dir: basename(dir) }, null, 2)}\n`);
  process.stdout.write(`${r.files.reduce((s, f) => s + f.lines, 0)} lines, ${r.seconds} s of capture, in ${seconds(t0)} s\n`);
  return bundle;
}

function secondTrace(bytes: number, seed: number): string {
  const file = join(dataDir, `strace-f-tt-T-y.${bytes}B.seed${seed.toString(16)}.v${GENERATOR_VERSION}.txt`);
  if (!existsSync(file)) {
    checkSpace(bytes);
    const tmp = `${file}.partial`;
    generateStraceTrace(tmp, { bytes, seed });
    renameSync(tmp, file);
  }
  return file;
}

function jcIostatFile(mb: number, seed: number): string {
  const file = join(dataDir, `iostat-x-t.${mb}MB.seed${seed.toString(16)}.v${BUNDLE_GENERATOR_VERSION}.txt`);
  if (!existsSync(file)) {
    checkSpace(mb * MIB);
    const tmp = `${file}.partial`;
    generateIostatFile(tmp, { bytes: mb * MIB, seed });
    renameSync(tmp, file);
  }
  return file;
}

/** Read the whole file once so that every measurement reads from the page cache. */
async function warm(file: string): Promise<void> {
  await runProcess('cat', [file], { stdout: 'ignore', rss: false });
}

const fileOf = (b: Bundle, f: BundleFile): string => join(b.dir, f.name);

// ---- sections -----------------------------------------------------------------------------------------

interface StraceSection {
  trace: { file: string; bytes: number; lines: number; generator_version: number; seed: number };
  measurements: Row[];
  summary: Record<string, number | null | undefined>;
}

async function externalRow(name: string, cmd: string, args: string[], bytes: number, lines: number | undefined, extra: Partial<Row> = {}): Promise<{ row: Row; stdout: string }> {
  // `cat > /dev/null` and the commands measured on their own (jc) write to /dev/null: piping their
  // output into this process would measure the pipe. Only `wc -l`'s count is read back.
  const r = await runProcess(cmd, args, { stdout: lines === undefined ? 'pipe' : 'ignore', rss: true });
  if (!r.ok) return { row: failedRow(name, r.failure!, extra), stdout: '' };
  const counted = lines ?? Number(r.stdout.trim().split(/\s+/)[0]);
  return { row: measured(name, r.seconds, bytes, counted, r.rssKb, extra), stdout: r.stdout };
}

async function nodeRow(name: string, kind: ChildKind, file: string, extra: Partial<Row> = {}): Promise<Row> {
  const r = await nodeChild(kind, file);
  if (!r.report) return failedRow(name, r.failure!, extra);
  const rep = r.report;
  return measured(name, r.seconds, rep.bytes, rep.lines, rep.maxRssKb, {
    ...extra,
    ...(rep.records !== undefined ? { records: rep.records } : {}),
    ...(rep.unparsed !== undefined ? { unparsed: rep.unparsed } : {}),
    ...(rep.tool ? { tool: rep.tool } : {}),
  });
}

async function straceSection(mb: number, seed: number): Promise<StraceSection> {
  const file = traceFile(mb, seed);
  const bytes = statSync(file).size;
  await warm(file);
  const wc = await externalRow('wc -l', 'wc', ['-l', file], bytes, undefined);
  const lines = wc.row.lines ?? 0;
  const rows: Row[] = [(await externalRow('cat > /dev/null', 'cat', [file], bytes, lines)).row, wc.row];
  rows.push(await nodeRow('node line count', 'linecount', file));
  rows.push(await nodeRow('node readline split', 'readline', file));
  rows.push(await nodeRow('strace lexer alone (floor)', 'strace-lexer', file));
  rows.push(await nodeRow('byte-level aggregate pass (floor of a redesign)', 'strace-bytes', file));
  rows.push(await nodeRow('perftriage strace', 'strace', file));
  rows.push(await nodeRow('as report reads it, one pass (fast reader)', 'analysis', file));
  rows.push(await nodeRow('as report reads it, one pass (string reader)', 'analysis-string', file));
  rows.push(await nodeRow('as report reads it, split on 2 workers (fast reader)', 'analysis-split', file));
  rows.push(await nodeRow('as report reads it, split on 2 workers (string reader)', 'analysis-split-string', file));
  for (const r of rows) if (r.lines !== undefined && r.lines !== lines && r.name !== 'cat > /dev/null') r.note = `counted ${r.lines} lines, wc -l says ${lines}`;
  for (const r of rows) if (r.unparsed) r.note = `${r.unparsed} unparsed line(s)`;
  const base = rows.find((r) => r.name === 'node line count');
  const split = rows.find((r) => r.name === 'node readline split');
  print(
    `strace: ${relative(root, file)} (${(bytes / MIB).toFixed(0)} MiB)`,
    table(
      ['measurement', 'seconds', 'MB/s', 'lines/s', 'peak RSS MB', 'vs node line count', 'vs readline', 'note'],
      rows.map((r) => (r.failed ? failedCells(r.name, 8, r.failed) : [r.name, num(r.seconds), num(r.mb_per_s, 1), count(r.lines_per_s), num(r.peak_rss_mb, 1), `${num(ratio(r.seconds, base?.seconds))}×`, `${num(ratio(r.seconds, split?.seconds))}×`, r.note ?? ''])),
    ),
  );
  const parse = rows.find((r) => r.name === 'perftriage strace')!;
  const analysis = rows.find((r) => r.name === 'as report reads it, one pass (fast reader)');
  const stringAnalysis = rows.find((r) => r.name === 'as report reads it, one pass (string reader)');
  const splitRead = rows.find((r) => r.name === 'as report reads it, split on 2 workers (fast reader)');
  const splitString = rows.find((r) => r.name === 'as report reads it, split on 2 workers (string reader)');
  return {
    trace: { file: relative(root, file), bytes, lines, generator_version: GENERATOR_VERSION, seed },
    measurements: rows,
    summary: {
      strace_mb_per_s: parse.mb_per_s,
      strace_peak_rss_mb: parse.peak_rss_mb,
      strace_vs_node_line_count: ratio(parse.seconds, base?.seconds),
      strace_vs_node_readline: ratio(parse.seconds, split?.seconds),
      records: parse.records,
      strace_analysis_mb_per_s: analysis?.mb_per_s,
      strace_analysis_string_mb_per_s: stringAnalysis?.mb_per_s,
      strace_analysis_split_mb_per_s: splitRead?.mb_per_s,
      strace_analysis_split_peak_rss_mb: splitRead?.peak_rss_mb,
      strace_analysis_split_vs_node_line_count: ratio(splitRead?.seconds, base?.seconds),
      strace_analysis_split_string_mb_per_s: splitString?.mb_per_s,
      strace_lexer_mb_per_s: rows.find((r) => r.name === 'strace lexer alone (floor)')?.mb_per_s,
      strace_bytes_floor_mb_per_s: rows.find((r) => r.name === 'byte-level aggregate pass (floor of a redesign)')?.mb_per_s,
    },
  };
}

const BASELINES = [
  { name: 'cat > /dev/null', kind: 'cat' },
  { name: 'wc -l', kind: 'wc' },
  { name: 'node line count', kind: 'linecount' },
  { name: 'node readline split', kind: 'readline' },
] as const;

async function baselinesSection(bundle: Bundle): Promise<Row[]> {
  const rows: Row[] = [];
  for (const f of bundle.files) {
    const file = fileOf(bundle, f);
    await warm(file);
    for (const b of BASELINES) {
      const extra = { file: f.name, tool: f.tool };
      if (b.kind === 'cat') rows.push((await externalRow(b.name, 'cat', [file], f.bytes, f.lines, extra)).row);
      else if (b.kind === 'wc') rows.push((await externalRow(b.name, 'wc', ['-l', file], f.bytes, undefined, extra)).row);
      else rows.push(await nodeRow(b.name, b.kind, file, extra));
    }
  }
  const cell = (file: string, name: string): string => {
    const r = rows.find((x) => x.file === file && x.name === name);
    return !r ? '' : r.failed ? 'FAILED' : `${num(r.seconds)} s ${num(r.mb_per_s, 0)} MB/s`;
  };
  print(
    `baselines: ${relative(root, bundle.dir)}/`,
    table(['file', 'MiB', ...BASELINES.map((b) => b.name)], bundle.files.map((f) => [f.name, num(f.bytes / MIB, 1), ...BASELINES.map((b) => cell(f.name, b.name))])),
  );
  return rows;
}

async function parsersSection(bundle: Bundle, baselines: readonly Row[] | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  for (const f of bundle.files) {
    const file = fileOf(bundle, f);
    await warm(file);
    const row = await nodeRow(`perftriage ${f.tool}`, 'parse', file, { file: f.name });
    if (!row.failed && row.tool !== f.tool) row.note = `sniffed as ${row.tool}, generated as ${f.tool}`;
    if (!row.failed && row.unparsed) row.note = `${row.unparsed} unparsed line(s)`;
    rows.push(row);
  }
  const split = (file: string | undefined): Row | undefined => baselines?.find((b) => b.file === file && b.name === 'node readline split' && !b.failed);
  print(
    `parsers: each file of ${relative(root, bundle.dir)}/ alone (LineSplitter → startParse → parser)`,
    table(
      ['file', 'tool', 'MiB', 'seconds', 'MB/s', 'lines/s', 'records', 'unparsed', 'peak RSS MB', 'vs readline', 'note'],
      rows.map((r) =>
        r.failed
          ? failedCells(r.file ?? '', 11, r.failed)
          : [r.file ?? '', r.tool ?? '', num((r.bytes ?? 0) / MIB, 1), num(r.seconds), num(r.mb_per_s, 1), count(r.lines_per_s), count(r.records), String(r.unparsed ?? ''), num(r.peak_rss_mb, 1), split(r.file) ? `${num(ratio(r.seconds, split(r.file)!.seconds))}×` : '', r.note ?? ''],
      ),
    ),
  );
  return rows;
}

interface ParallelSection {
  files: string[];
  sequential_s?: number;
  parallel_s?: number;
  speedup?: number;
  children: Row[];
  failed?: string;
}

async function parallelSection(bundle: Bundle, seed: number): Promise<ParallelSection> {
  const strace = bundle.files.find((f) => f.tool === 'strace')!;
  const a = fileOf(bundle, strace);
  const b = secondTrace(strace.bytes, seed + 1);
  const files = [a, b];
  for (const f of files) await warm(f);
  const rowOf = (name: string, file: string, r: NodeChildResult): Row => (r.report ? measured(name, r.seconds, r.report.bytes, r.report.lines, r.report.maxRssKb, { file: relative(root, file), records: r.report.records ?? 0 }) : failedRow(name, r.failure!, { file: relative(root, file) }));
  const t0 = process.hrtime.bigint();
  const seqA = await nodeChild('parse', a);
  const seqB = await nodeChild('parse', b);
  const sequential = Number(process.hrtime.bigint() - t0) / 1e9;
  const t1 = process.hrtime.bigint();
  const [parA, parB] = await Promise.all([nodeChild('parse', a), nodeChild('parse', b)]);
  const parallel = Number(process.hrtime.bigint() - t1) / 1e9;
  const children = [rowOf('one after the other: 1st', a, seqA), rowOf('one after the other: 2nd', b, seqB), rowOf('at the same time: 1st', a, parA), rowOf('at the same time: 2nd', b, parB)];
  const failed = children.find((c) => c.failed)?.failed;
  const section: ParallelSection = { files: files.map((f) => relative(root, f)), children, ...(failed ? { failed } : { sequential_s: Number(sequential.toFixed(3)), parallel_s: Number(parallel.toFixed(3)), speedup: ratio(sequential, parallel) }) };
  print(
    `parallel: two strace traces of ${(strace.bytes / MIB).toFixed(0)} MiB, two children`,
    table(['run', 'seconds', 'MB/s', 'peak RSS MB', 'note'], [
      ...children.map((c) => (c.failed ? failedCells(c.name, 5, c.failed) : [c.name, num(c.seconds), num(c.mb_per_s, 1), num(c.peak_rss_mb, 1)])),
      ['both, one after the other', num(section.sequential_s), '', ''],
      ['both, at the same time', num(section.parallel_s), '', ''],
      ['speed-up', section.speedup === undefined ? 'n/a' : `${num(section.speedup)}×`, '', ''],
    ]),
  );
  return section;
}

interface JcPair {
  file: string;
  tool: string;
  bytes: number;
  jc: Row;
  /** `perftriage parse FILE --format json` to /dev/null: JSON out, like jc. */
  perftriage: Row;
  /** The parser alone (the parsers section's child): no output, records counted and dropped. */
  perftriage_parser: Row;
  /** jc seconds ÷ perftriage seconds (CLI with JSON output). */
  perftriage_speedup?: number;
  /** jc seconds ÷ parser-only seconds. */
  parser_speedup?: number;
}

interface JcSection {
  available: boolean;
  version?: string;
  note?: string;
  pairs: JcPair[];
  /** The real captures of ../shared that jc reads (small files: start-up decides). */
  real?: RealJcSection;
}

/** One real capture, each command run REAL_RUNS times in turn: medians. */
interface RealJcFile {
  file: string;
  tool: JcTool;
  bytes: number;
  jc_s: number | null;
  perftriage_s: number | null;
  /** jc ÷ perftriage: above 1 when perftriage is faster. */
  speedup?: number;
  failed?: string;
}

interface RealJcSection {
  note?: string;
  /** `node -e 0`: the start of any Node.js program on this machine, the floor under perftriage's. */
  node_start_s?: number;
  /** `python3 -c pass` with jc's interpreter: the same for jc. */
  python_start_s?: number;
  files: RealJcFile[];
}

const JC_TOOLS = ['pidstat', 'top', 'iostat'] as const;
type JcTool = (typeof JC_TOOLS)[number];
const REAL_RUNS = 5;
/** Where the real captures are: the shared corpus beside the checkout (absent: the part is skipped). */
const sharedDir = join(root, '..', 'shared');

function jcVersion(): string | undefined {
  const r = spawnSync('jc', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /jc version:\s*(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim().split('\n')[0];
}

async function jcSection(bundle: Bundle, iostatMb: number, seed: number): Promise<JcSection> {
  const version = jcVersion();
  if (!version) {
    const note = 'jc is not on PATH: jc rows skipped (Debian: apt-get install -y jc)';
    print('jc', note);
    return { available: false, note, pairs: [] };
  }
  const inputs: { file: string; tool: BundleTool }[] = (['iostat', 'pidstat', 'top'] as const).map((tool) => ({ file: fileOf(bundle, bundle.files.find((f) => f.tool === tool)!), tool }));
  inputs.push({ file: jcIostatFile(iostatMb, seed), tool: 'iostat' });
  const pairs: JcPair[] = [];
  for (const { file, tool } of inputs) {
    await warm(file);
    const bytes = statSync(file).size;
    const name = relative(root, file);
    const rowOf = async (label: string, cmd: string, args: string[], stdinFile?: string): Promise<Row> => {
      const r = await runProcess(cmd, args, { stdout: 'ignore', rss: true, ...(stdinFile ? { stdinFile } : {}) });
      return r.ok ? measured(label, r.seconds, bytes, 0, r.rssKb, { file: name, tool }) : failedRow(label, r.failure!, { file: name, tool });
    };
    const jc = await rowOf(`jc --${tool}`, 'jc', ['-q', `--${tool}`], file);
    const ours = await rowOf('perftriage parse --format json', process.execPath, [cli, 'parse', file, '--format', 'json', '--quiet']);
    for (const r of [jc, ours]) {
      delete r.lines;
      delete r.lines_per_s;
    }
    const parser = await nodeRow('perftriage parser only', 'parse', file, { file: name, tool });
    pairs.push({
      file: name,
      tool,
      bytes,
      jc,
      perftriage: ours,
      perftriage_parser: parser,
      ...(jc.failed || ours.failed ? {} : { perftriage_speedup: ratio(jc.seconds, ours.seconds) }),
      ...(jc.failed || parser.failed ? {} : { parser_speedup: ratio(jc.seconds, parser.seconds) }),
    });
  }
  const cell = (r: Row): string[] => (r.failed ? ['FAILED', ''] : [`${num(r.seconds)} s ${num(r.mb_per_s, 1)} MB/s`, num(r.peak_rss_mb, 0)]);
  const failures = (p: JcPair): string => [p.jc, p.perftriage, p.perftriage_parser].filter((r) => r.failed).map((r) => `${r.name}: ${r.failed}`).join('; ');
  const times = (x: number | undefined): string => (x === undefined ? 'n/a' : `${num(x)}×`);
  print(
    `jc ${version} vs perftriage parse --format json (both to /dev/null) and the parser alone`,
    table(
      ['file', 'MiB', 'jc', 'RSS MB', 'perftriage parse', 'RSS MB', 'parser only', 'RSS MB', 'jc ÷ parse', 'jc ÷ parser', 'note'],
      pairs.map((p) => [p.file, num(p.bytes / MIB, 1), ...cell(p.jc), ...cell(p.perftriage), ...cell(p.perftriage_parser), times(p.perftriage_speedup), times(p.parser_speedup), failures(p)]),
    ),
  );
  return { available: true, version, pairs, real: await realJcPart() };
}

/** The interpreter of the jc on PATH, from its `#!` line (python3 when it cannot be read). */
function jcInterpreter(): string {
  const which = spawnSync('sh', ['-c', 'command -v jc'], { encoding: 'utf8' });
  try {
    const first = readFileSync(which.stdout.trim(), 'utf8').split('\n', 1)[0] ?? '';
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (m) return m[1]!.endsWith('/env') && m[2] ? m[2] : m[1]!;
  } catch {
    // not a script: fall through
  }
  return 'python3';
}

/**
 * Issue #9 asks perftriage to be faster than jc "on every pidstat and top file jc can parse": beside the
 * bench's big files, the real ones. The shared corpus (jc's own fixtures, sysstat's test outputs) and the
 * popularity bundle hold pidstat, top and iostat files of a few KiB to 150 KiB, where a command's start-up
 * is most of its time; each is timed only if jc reads it (exit 0 and at least one object out).
 */
async function realJcPart(): Promise<RealJcSection> {
  if (!existsSync(sharedDir)) return { note: `${relative(root, sharedDir)} is absent: real captures skipped`, files: [] };
  const inputs: { file: string; tool: JcTool }[] = [];
  for (const tool of JC_TOOLS) {
    const dir = join(sharedDir, 'corpus', tool);
    if (existsSync(dir)) for (const name of readdirSync(dir).sort()) if (!name.endsWith('.json')) inputs.push({ file: join(dir, name), tool });
  }
  const popularity = join(sharedDir, 'captures', 'popularity');
  if (existsSync(popularity)) {
    for (const name of readdirSync(popularity).sort()) {
      // Which jc parser by the file's name; whether jc reads it (iostat-json.txt: no) is asked below.
      const tool = JC_TOOLS.find((t) => name.startsWith(t));
      if (tool && name.endsWith('.txt')) inputs.push({ file: join(popularity, name), tool });
    }
  }
  const startOf = async (cmd: string, args: string[]): Promise<number | undefined> => {
    const times: number[] = [];
    for (let k = 0; k < REAL_RUNS; k++) {
      const r = await runProcess(cmd, args, { stdout: 'ignore', rss: false });
      if (!r.ok) return undefined;
      times.push(r.seconds);
    }
    return medianOf(times);
  };
  const part: RealJcSection = { files: [] };
  const nodeStart = await startOf(process.execPath, ['-e', '0']);
  if (nodeStart !== undefined) part.node_start_s = Number(nodeStart.toFixed(3));
  // jc's own interpreter (its #! line: Debian's /usr/bin/python3), not whichever python3 is first on PATH.
  const python = jcInterpreter();
  const pythonStart = await startOf(python, ['-c', 'pass']);
  if (pythonStart !== undefined) part.python_start_s = Number(pythonStart.toFixed(3));
  for (const { file, tool } of inputs) {
    const readable = spawnSync('jc', ['-q', `--${tool}`], { input: readFileSync(file), maxBuffer: 64 * MIB });
    if (readable.status !== 0 || !readable.stdout.toString('utf8').startsWith('[{')) continue;
    const name = relative(root, file);
    const entry: RealJcFile = { file: name, tool, bytes: statSync(file).size, jc_s: null, perftriage_s: null };
    const jcTimes: number[] = [];
    const ourTimes: number[] = [];
    // In turn, so that a busy moment of the machine falls on both.
    for (let k = 0; k < REAL_RUNS && !entry.failed; k++) {
      const jc = await runProcess('jc', ['-q', `--${tool}`], { stdout: 'ignore', rss: false, stdinFile: file });
      const ours = await runProcess(process.execPath, [cli, 'parse', file, '--format', 'json', '--quiet'], { stdout: 'ignore', rss: false });
      if (!jc.ok || !ours.ok) entry.failed = jc.failure ?? ours.failure ?? 'failed';
      jcTimes.push(jc.seconds);
      ourTimes.push(ours.seconds);
    }
    if (!entry.failed) {
      entry.jc_s = Number(medianOf(jcTimes).toFixed(3));
      entry.perftriage_s = Number(medianOf(ourTimes).toFixed(3));
      entry.speedup = ratio(entry.jc_s, entry.perftriage_s);
    }
    part.files.push(entry);
  }
  const starts = [part.node_start_s !== undefined ? `node -e 0 takes ${num(part.node_start_s, 3)} s` : '', part.python_start_s !== undefined ? `${python} -c pass ${num(part.python_start_s, 3)} s` : ''].filter(Boolean).join(', ');
  print(
    `jc vs perftriage parse --format json on the real captures jc reads (median of ${REAL_RUNS} runs each, in turn)${starts ? `; ${starts}` : ''}`,
    table(
      ['file', 'tool', 'KiB', 'jc s', 'perftriage s', 'jc ÷ parse', 'note'],
      part.files.map((f) => [f.file, f.tool, num(f.bytes / 1024, 1), f.jc_s === null ? 'FAILED' : num(f.jc_s, 3), f.perftriage_s === null ? 'FAILED' : num(f.perftriage_s, 3), f.speedup === undefined ? 'n/a' : `${num(f.speedup)}×`, f.failed ?? '']),
    ),
  );
  return part;
}

/** The bundle of this size and seed, generated if need be and read once into the page cache; or why not. */
async function warmBundle(mb: number, seed: number): Promise<{ bundle: Bundle; lines: number; file: string } | { failed: string }> {
  let bundle: Bundle;
  try {
    bundle = bundleOf(mb, seed);
  } catch (err) {
    return { failed: err instanceof Error ? err.message : String(err) };
  }
  for (const f of bundle.files) await warm(fileOf(bundle, f));
  return { bundle, lines: bundle.files.reduce((s, f) => s + f.lines, 0), file: relative(root, bundle.dir) };
}

async function reportSection(sizes: readonly number[], seed: number, runs: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mb of sizes) {
    const name = `report ${mb} MiB bundle`;
    const ready = await warmBundle(mb, seed);
    if ('failed' in ready) {
      rows.push(failedRow(name, ready.failed));
      continue;
    }
    const { bundle, lines, file } = ready;
    const each: Row[] = [];
    for (let k = 1; k <= runs; k++) {
      const out = mkdtempSync(join(tmpdir(), 'perftriage-bench-report-'));
      try {
        const r = await runProcess(process.execPath, [cli, 'report', bundle.dir, '--format', 'json', '--out-dir', out, '--quiet'], { stdout: 'ignore', rss: true });
        const runName = runs > 1 ? `${name}, run ${k}` : name;
        each.push(r.ok ? measured(runName, r.seconds, bundle.bytes, lines, r.rssKb, { file }) : failedRow(runName, r.failure!, { file, bytes: bundle.bytes }));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
    rows.push(...each);
    if (runs > 1) rows.push(overRuns(name, each, bundle.bytes, lines, file));
  }
  print(
    'report: perftriage report <bundle> --format json --out-dir <tmp>',
    table(['bundle', 'seconds', 'MB/s', 'lines/s', 'peak RSS MB', 'note'], rows.map((r) => (r.failed ? failedCells(r.name, 6, r.failed) : [r.name, num(r.seconds), num(r.mb_per_s, 1), count(r.lines_per_s), num(r.peak_rss_mb, 1), r.note ?? '']))),
  );
  return rows;
}

/**
 * The full record stream: `timeline --format ndjson` of each bundle to /dev/null (one run each: its
 * time is mostly JSON out, its point is the peak, which must not grow with the bundle). The timeline
 * streams every record of a bundle on disk (src/cli/timeline-out.ts).
 */
async function timelineSection(sizes: readonly number[], seed: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mb of sizes) {
    const name = `timeline --format ndjson, ${mb} MiB bundle`;
    const ready = await warmBundle(mb, seed);
    if ('failed' in ready) {
      rows.push(failedRow(name, ready.failed));
      continue;
    }
    const { bundle, lines, file } = ready;
    const r = await runProcess(process.execPath, [cli, 'timeline', bundle.dir, '--format', 'ndjson', '-o', '/dev/null', '--quiet'], { stdout: 'ignore', rss: true });
    rows.push(r.ok ? measured(name, r.seconds, bundle.bytes, lines, r.rssKb, { file }) : failedRow(name, r.failure!, { file, bytes: bundle.bytes }));
  }
  print(
    'timeline: perftriage timeline <bundle> --format ndjson -o /dev/null (every record, streamed)',
    table(['bundle', 'seconds', 'MB/s', 'lines/s', 'peak RSS MB', 'note'], rows.map((r) => (r.failed ? failedCells(r.name, 6, r.failed) : [r.name, num(r.seconds), num(r.mb_per_s, 1), count(r.lines_per_s), num(r.peak_rss_mb, 1), r.note ?? '']))),
  );
  return rows;
}

/**
 * Several runs of one bundle as one row: the median time (the machine is shared: its load moves single
 * runs), the highest peak RSS (a memory bound must hold on every run), the ranges in the note.
 */
function overRuns(name: string, runs: readonly Row[], bytes: number, lines: number, file: string): Row {
  const ok = runs.filter((r) => !r.failed);
  if (ok.length < runs.length) return failedRow(name, `${runs.length - ok.length} of ${runs.length} runs failed`, { file, bytes });
  const seconds = ok.map((r) => r.seconds!).sort((a, b) => a - b);
  const median = medianOf(seconds);
  const rss = ok.map((r) => r.peak_rss_mb).filter((v): v is number => typeof v === 'number');
  const row = measured(name, median, bytes, lines, rss.length > 0 ? Math.max(...rss) * 1024 : null, { file });
  row.note = `median of ${ok.length} runs (${num(seconds[0]!)}–${num(seconds[seconds.length - 1]!)} s), highest peak${rss.length > 0 ? ` (${num(Math.min(...rss), 1)}–${num(Math.max(...rss), 1)} MB)` : ''}`;
  return row;
}

// ---- main ---------------------------------------------------------------------------------------------

function mbList(text: string, what: string): number[] {
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !(n > 0) || !Number.isInteger(n))) throw new Error(`${what} must be a comma list of whole MiB counts, got '${text}'`);
  return list;
}

function parseSections(text: string | undefined): Section[] {
  if (!text || text.trim() === '' || text.trim() === 'all') return [...SECTIONS];
  const asked = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')} in PERFTRIAGE_BENCH_SECTIONS (known: ${SECTIONS.join(', ')})`);
  return SECTIONS.filter((s) => asked.includes(s));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const kind = argv[1] as ChildKind;
    if (!(kind in CHILDREN)) throw new Error(`unknown child kind ${kind}`);
    // perftriage's parsers run as the CLI runs them (src/timeline/collector.ts); the baselines stay plain Node.
    if (kind !== 'linecount' && kind !== 'readline') (await import('../src/timeline/collector.js')).tuneCollector();
    process.stdout.write(`${JSON.stringify(await CHILDREN[kind](argv[2]!))}\n`);
    return;
  }
  const env = process.env;
  const sections = parseSections(env.PERFTRIAGE_BENCH_SECTIONS);
  const straceMb = Number(env.PERFTRIAGE_BENCH_MB ?? 1024);
  const seed = Number(env.PERFTRIAGE_BENCH_SEED ?? 0x5eed);
  const bundleMbs = mbList(env.PERFTRIAGE_BENCH_BUNDLE_MB ?? '1024,4096', 'PERFTRIAGE_BENCH_BUNDLE_MB');
  const jcIostatMb = mbList(env.PERFTRIAGE_BENCH_JC_IOSTAT_MB ?? '100', 'PERFTRIAGE_BENCH_JC_IOSTAT_MB')[0]!;
  const timeoutS = Number(env.PERFTRIAGE_BENCH_TIMEOUT_S ?? 600);
  const reportRuns = Number(env.PERFTRIAGE_BENCH_REPORT_RUNS ?? 3);
  if (!Number.isInteger(reportRuns) || reportRuns < 1) throw new Error('PERFTRIAGE_BENCH_REPORT_RUNS must be a whole number ≥ 1');
  if (!(straceMb > 0) || !Number.isInteger(seed) || !(timeoutS > 0)) throw new Error('PERFTRIAGE_BENCH_MB and PERFTRIAGE_BENCH_TIMEOUT_S must be > 0 and PERFTRIAGE_BENCH_SEED an integer');
  timeoutMs = timeoutS * 1000;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const pid of running) killGroup(pid);
      process.exit(130);
    });
  }

  const loadStart = loadavg();
  process.stdout.write(`perftriage bench: sections ${sections.join(', ')}; ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / MIB)} MiB, Node ${process.version}, load ${loadStart.map((l) => l.toFixed(2)).join(' ')}\n`);
  const results: Record<string, unknown> = {};
  const summary: Record<string, unknown> = {};
  const needsBundle = sections.some((s) => s === 'baselines' || s === 'parsers' || s === 'parallel' || s === 'jc');
  const bundle = needsBundle ? bundleOf(bundleMbs[0]!, seed) : undefined;

  if (sections.includes('strace')) {
    const s = await straceSection(straceMb, seed);
    results.strace = s;
    Object.assign(summary, s.summary);
  }
  let baselines: Row[] | undefined;
  if (bundle && sections.includes('baselines')) results.baselines = baselines = await baselinesSection(bundle);
  if (bundle && sections.includes('parsers')) {
    const rows = await parsersSection(bundle, baselines);
    results.parsers = rows;
    const strace = rows.find((r) => r.tool === 'strace' && !r.failed);
    const split = baselines?.find((b) => b.tool === 'strace' && b.name === 'node readline split' && !b.failed);
    summary.bundle_strace_mb_per_s = strace?.mb_per_s;
    summary.bundle_strace_vs_node_readline = ratio(strace?.seconds, split?.seconds);
    summary.parsers_unparsed = rows.reduce((s, r) => s + (r.unparsed ?? 0), 0);
  }
  if (bundle && sections.includes('parallel')) {
    const p = await parallelSection(bundle, seed);
    results.parallel = p;
    summary.parallel_speedup = p.speedup;
  }
  if (bundle && sections.includes('jc')) {
    const j = await jcSection(bundle, jcIostatMb, seed);
    results.jc = j;
    const big = j.pairs[j.pairs.length - 1];
    if (big) {
      summary.jc_iostat_speedup = big.perftriage_speedup;
      summary.jc_iostat_parser_speedup = big.parser_speedup;
    }
    const real = j.real?.files.filter((f) => f.speedup !== undefined) ?? [];
    if (real.length > 0) {
      summary.jc_real_files = real.length;
      summary.jc_real_files_perftriage_faster = real.filter((f) => f.speedup! > 1).length;
      summary.jc_real_files_lowest_speedup = Math.min(...real.map((f) => f.speedup!));
    }
  }
  if (sections.includes('report')) {
    const rows = await reportSection(bundleMbs, seed, reportRuns);
    results.report = rows;
    // The summary: one figure per size (the median time and the highest peak over the runs).
    const perSize = rows.filter((r) => !/, run \d+$/.test(r.name));
    for (const r of perSize) summary[`${r.name.replace(/ /g, '_')}_s`] = r.failed ? null : r.seconds;
    for (const r of perSize) summary[`${r.name.replace(/ /g, '_')}_peak_rss_mb`] = r.failed ? null : r.peak_rss_mb;
  }

  if (sections.includes('timeline')) {
    const rows = await timelineSection(bundleMbs, seed);
    results.timeline = rows;
    for (const r of rows) summary[`${r.name.replace(/^timeline --format ndjson, /, 'timeline_ndjson_').replace(/ /g, '_')}_s`] = r.failed ? null : r.seconds;
    for (const r of rows) summary[`${r.name.replace(/^timeline --format ndjson, /, 'timeline_ndjson_').replace(/ /g, '_')}_peak_rss_mb`] = r.failed ? null : r.peak_rss_mb;
  }

  const loadEnd = loadavg();
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, total_mem_mb: Math.round(totalmem() / MIB), node: process.version, kernel: release(), loadavg_start: loadStart.map((l) => Number(l.toFixed(2))), loadavg_end: loadEnd.map((l) => Number(l.toFixed(2))) },
    config: { sections, seed, strace_mb: straceMb, bundle_mb: bundleMbs, jc_iostat_mb: jcIostatMb, timeout_s: timeoutS, report_runs: reportRuns, bundle_mix: BUNDLE_MIX, bundle_generator_version: BUNDLE_GENERATOR_VERSION },
    ...(bundle ? { bundle: { ...bundle, dir: relative(root, bundle.dir) } } : {}),
    sections: results,
    summary,
  };
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`\nload average at the end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}; written bench/results.json\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
