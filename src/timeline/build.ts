/**
 * Bundle → timeline. For each file: read its first lines, decide the tool (an explicit override, the
 * manifest, or sniffing), stream the rest through that tool's parser, and keep the books (coverage,
 * diagnostics). Then put every record on the bundle's clock. The output is deterministic: files sorted
 * by path, records in file order, no wall-clock time or absolute local path.
 */
import { getHeapStatistics } from 'node:v8';
import type { Coverage, Diagnostic, RecordTime, TimelineRecord } from '../common/types.js';
import { parseIsoInstant } from '../common/time.js';
import type { Redactor } from './redact.js';
import { isUtf16, LineSplitter, type LineFlags, type TextEncodingFound } from '../bundle/lines.js';
import { openBundle, type BundleEntry, type BundleLimits, type OpenedBundle, type RangeReader } from '../bundle/bundle.js';
import { sniffLines } from '../sniff/sniff.js';
import { SNIFF_LINES, type SniffResult } from '../sniff/types.js';
import { detectors } from '../sniff/detectors/index.js';
import { parserFor, parsers } from '../parsers/index.js';
import { Downsampler } from './downsample.js';
import { startParse } from '../parsers/run.js';
import type { RecordShape, RowShape } from '../parsers/types.js';
import { type AnyTailOutput, isFastTail, startFastTail, startHead, startTail, WARM_UP_BYTES } from '../parsers/segments.js';
import { StraceFastReader } from '../parsers/strace/fast.js';
import { bundleClockOf, clockFacts, joinClockFacts, manifestClock, resolveFileClock, sameResolution, type BundleClock, type ClockFacts, type ClockHints, type ClockNote } from './clock.js';
import { ParsePool, type PoolFile, SPLIT_WORKER_YOUNG_MB, WORKER_HEAP_MB, WORKER_YOUNG_MB, workerHeapLimits, WorkerStopped } from './pool.js';

export const TIMELINE_SCHEMA_ID = 'https://perftriage.dev/schemas/timeline.schema.json';
export const TIMELINE_VERSION = '1.0.0';

export type DecidedBy = 'option' | 'manifest' | 'sniff';

export interface FileSummary {
  path: string;
  tool: string;
  variant: string;
  confidence: number;
  decided_by: DecidedBy;
  evidence: string;
  bytes: number;
  coverage: Coverage;
  records: number;
  /** First and last record time (ISO), with the clock they are on. */
  time_span?: { first: string; last: string; clock: string };
  /** From the manifest: how the command that wrote the file ended, and whether the collector cut it. */
  exit_status?: number;
  truncated?: boolean;
}

export interface SkippedFile {
  path: string;
  reason: string;
  bytes: number;
  lines: number;
}

export interface Timeline {
  schema: string;
  version: string;
  bundle: { name: string; kind: string };
  files: FileSummary[];
  skipped: SkippedFile[];
  clock: BundleClock;
  diagnostics: Diagnostic[];
  records: TimelineRecord[];
}

export interface TimelineOptions {
  /** `--tool FILE=NAME`: forced tool per bundle path (or the only file, under the key `*`). */
  toolOverrides?: ReadonlyMap<string, string>;
  limits?: Partial<BundleLimits>;
  /** `--redact`: replace host, user and IP names with pseudonyms (src/timeline/redact.ts). */
  redactor?: Redactor;
  /** Called as a file's bytes are read (the CLI draws a progress line from it). */
  onProgress?: (file: string, bytesRead: number, size: number | undefined) => void;
  /**
   * For analysis (model, rules, report): drop the per-event records that a parser's aggregates carry
   * (its meta.summarizedKinds), keeping the first and the last of each file for the time span. Memory
   * then grows with tasks and paths, not with calls.
   */
  summarize?: boolean;
  /**
   * Worker threads that parse the files (pool.ts); 1 (the default) parses on the main thread. The pool
   * is used only for bundles of two or more files holding at least `poolMinBytes` (default 32 MiB): a
   * worker costs ~0.1 s to start, more than small bundles take to parse.
   */
  jobs?: number;
  poolMinBytes?: number;
  /**
   * With `summarize`: strace files of a folder bundle from this size on (default SPLIT_MIN_BYTES) are
   * read as a head and a tail on two workers and merged (src/parsers/segments.ts); Infinity: never.
   * The pool is then used even for one file.
   */
  splitMinBytes?: number;
  /**
   * Old-generation heap of each worker, MiB (default WORKER_HEAP_MB; 0: no limit): less memory, more
   * time spent collecting (pool.ts, workerHeapLimits). Only for bundles that can be read twice.
   */
  workerHeapMb?: number;
  /** A pool shared by several bundles of one run (check, report): used for every file, left open. */
  pool?: ParsePool;
  /**
   * With `summarize` (analysis): most records kept over the whole bundle, shared equally by its files
   * (an equal share, not first come first served, so the result does not depend on which worker is
   * faster). Past a file's share its records are counted, not kept, and an `analysis-truncated`
   * warning says from which line. Sampled files merge their samples first (SERIES_MAX_ROWS,
   * src/timeline/downsample.ts), so in practice the budget cuts only files of other tools (lsof, ps) and
   * rows that never repeat. With both, `report` peaks at ~1.2 GB on the bench's 1 GiB and 4 GiB bundles
   * alike (docs/bench.md).
   *
   * Without `summarize` (the timeline command, which holds every record to write one document) the
   * default is timelineMaxRecords(), and past a file's share a `timeline-truncated` warning says from
   * which line: a clear message instead of running out of memory.
   */
  maxRecords?: number;
  /** Rows a sampled file keeps before its samples merge (default SERIES_MAX_ROWS); tests set small ones, per tool. */
  seriesMaxRows?: SeriesBudget;
  /**
   * With `summarize`: read strace files with the string reader only, never the fast reader
   * (parsers/strace/fast.ts); the tests that hold the two to the same output set it.
   */
  noFastStrace?: boolean;
  /**
   * Resolve each file's times as it arrives when the manifest alone sets the clock (resolveEarly; the
   * default), or every file's at the end; the tests that hold the two to the same timeline set false.
   */
  resolveEarly?: boolean;
}

export const ANALYSIS_MAX_RECORDS = 2_000_000;

/**
 * Heap a full timeline takes per record, with what writing it out costs: `timeline --format ndjson` on the
 * bench's 64 MiB bundle, 626,197 records, peaked at 700 MB (~1.1 KiB a record). The 1 GiB bundle's ~10
 * million records ran the 4 GiB heap out after 65 s, with V8's native stack trace.
 */
const TIMELINE_RECORD_BYTES = 1024;

/** Share of the heap limit a full timeline's records may take. */
const TIMELINE_HEAP_SHARE = 0.5;

/**
 * The records a full timeline keeps by default (the timeline command; `--max-records` overrides): half
 * the heap V8 allows this process at ~1 KiB a record, at least 100,000. ~2.1 million with Node's 4 GiB
 * default on a machine of 16 GiB or more; less on smaller machines, whose default heap is smaller.
 */
export function timelineMaxRecords(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.max(100_000, Math.floor((heapLimitBytes * TIMELINE_HEAP_SHARE) / TIMELINE_RECORD_BYTES));
}

/**
 * Most rows a sampled file (top, pidstat, iostat, filetop…) keeps for analysis before its samples are
 * merged into buckets (src/timeline/downsample.ts), within its share of maxRecords. 50 000 rows is a
 * minute of `top -H` on 1 000 threads at full resolution, or 250 buckets of a 200-task top: enough for
 * every rule and chart, and about 50 MB live.
 */
export const SERIES_MAX_ROWS = 50_000;

/**
 * Rows of sampled series one bundle keeps for analysis, shared equally by its files of at least
 * SERIES_SHARE_MIN_BYTES (sniffing comes later, in the workers, so every big file counts), each share
 * within [SERIES_MIN_ROWS, SERIES_MAX_ROWS]. Memory then grows with neither the bundle's size nor its
 * number of sampled files: a bundle of one long top file keeps 50 000 rows of it, the bench's bundle of
 * six large files 25 000 rows of each (with the rest of session 6, its peak went from ~530 to ~415 MB:
 * docs/bench.md), twenty
 * top files (one per host) 16 000 rows each. A file under its share is never merged, so short captures
 * keep every sample.
 */
export const SERIES_BUNDLE_ROWS = 150_000;
export const SERIES_MIN_ROWS = 16_000;
export const SERIES_SHARE_MIN_BYTES = 1024 * 1024;

/** The rows each sampled file of a bundle with these file sizes keeps (see SERIES_BUNDLE_ROWS); unknown sizes count as big. */
export function seriesShare(sizes: readonly (number | undefined)[]): number {
  const big = sizes.filter((size) => size === undefined || size >= SERIES_SHARE_MIN_BYTES).length;
  return Math.max(SERIES_MIN_ROWS, Math.min(SERIES_MAX_ROWS, Math.floor(SERIES_BUNDLE_ROWS / Math.max(1, big))));
}

/** Rows per sampled file: one number for every tool, or per tool (the others get SERIES_MAX_ROWS). */
export type SeriesBudget = number | Readonly<Record<string, number>>;

const POOL_MIN_BYTES = 32 * 1024 * 1024;

/** What reading one bundle file produced, before clocks are resolved. */
export interface FileOutcome {
  path: string;
  bytes: number;
  lines: number;
  sniff?: SniffResult;
  decidedBy?: DecidedBy;
  skippedReason?: string;
  coverage?: Coverage;
  records: TimelineRecord[];
  /** Records the parser emitted, those dropped by `summarize` included. */
  recordCount: number;
  /** Records dropped by `summarize`, per clock of their time ('none': no time). */
  summarizedClocks?: Map<string, number>;
  /** Records past the analysis budget: the line of the first, and how many. */
  overBudget?: { line: number; count: number };
  diagnostics: Diagnostic[];
  /** A file read as a head and a tail (planSplit): 'merged', or why the tail's lines were read again. */
  split?: string;
  /** Where some of its lines start (LineStarts), for reading cited lines back later; not for UTF-16 text. */
  lineStarts?: LineStarts;
  /** Its times already resolved, on the main thread as it arrived (resolveEarly); never crosses threads. */
  resolved?: ResolvedEarly;
}

/** What assembleTimeline would work out for one file, worked out as soon as the file is read. */
interface ResolvedEarly {
  /** The clock its times were resolved with (one the manifest alone sets: manifestClock). */
  clock: BundleClock;
  /** Its records' ClockFacts, taken before the resolution. */
  facts: ClockFacts;
  notes: ClockNote[];
  sinceBoot: number;
  span: FileSummary['time_span'];
}

/**
 * Resolve a file's times as soon as it is read, when the manifest alone sets the clock: the main thread
 * does it while the workers parse the other files, instead of after the last one (~0.2 s of the 1 GiB
 * report's serial end). The same work assembleTimeline does, on the same records in the same order.
 */
function resolveEarly(o: FileOutcome, clock: BundleClock, hints: TimelineHints): FileOutcome {
  const facts = clockFacts(o.records);
  const notes = resolveFileClock(o.path, o.records, clock, hints.fileStart?.get(o.path), o.summarizedClocks);
  o.resolved = { clock, facts, notes, sinceBoot: sinceBootCount(o.records), span: timeSpan(o.records) };
  return o;
}

function sinceBootCount(records: readonly TimelineRecord[]): number {
  let n = 0;
  for (const r of records) if (r.time?.since_boot) n++;
  return n;
}

/**
 * Byte offsets of some lines of a file as it was read: `starts[k]` is where line k·every + 1 begins.
 * The report reads a cited line back from the nearest one before it instead of the file's start: on the
 * 1 GiB bundle the cited lines of the big sampled files sit past their millionth line.
 */
export interface LineStarts {
  every: number;
  starts: number[];
}

/**
 * Lines between two noted line starts: ~250 numbers for a 2-million-line top file, and at most ~8,000
 * lines (~1 MB) read before a cited one. The excerpts of the 1 GiB bundle: ~185 ms read from each file's
 * start, ~35 ms from the noted starts (report/excerpts.ts), the same lines.
 */
export const LINE_STARTS_EVERY = 1 << 13;

/** Each timeline's files' LineStarts, by path (not part of the timeline's JSON). */
const lineStartsByTimeline = new WeakMap<Timeline, ReadonlyMap<string, LineStarts>>();

/** Where the lines of a timeline's files start, as far as they were noted (see LineStarts). */
export function lineStartsOf(timeline: Timeline): ReadonlyMap<string, LineStarts> | undefined {
  return lineStartsByTimeline.get(timeline);
}

interface Decision {
  tool?: string;
  variant: string;
  confidence: number;
  evidence: string;
  decidedBy?: DecidedBy;
  reason?: string;
}

function decideTool(path: string, head: readonly string[], forced: string | undefined, manifestTool: string | undefined): Decision {
  const sniffed = sniffLines(head, detectors);
  const sameTool = (tool: string): SniffResult | undefined => sniffed.candidates.find((c) => c.tool === tool);
  for (const [tool, by] of [
    [forced, 'option'],
    [manifestTool, 'manifest'],
  ] as const) {
    if (!tool) continue;
    if (!parserFor(tool)) return { variant: '', confidence: 0, evidence: '', reason: `the ${by === 'option' ? '--tool option' : 'manifest'} names tool '${tool}', which perftriage has no parser for (known: ${[...parsers.keys()].sort().join(', ')})` };
    const agreeing = sameTool(tool);
    return {
      tool,
      variant: agreeing?.variant ?? '',
      confidence: 1,
      evidence: by === 'option' ? `forced with --tool ${path}=${tool}` : `named by manifest.json`,
      decidedBy: by,
    };
  }
  if (!sniffed.result) return { variant: '', confidence: 0, evidence: '', reason: sniffed.reason ?? 'not recognized' };
  const { tool, variant, confidence, evidence } = sniffed.result;
  if (!parserFor(tool)) return { variant, confidence, evidence, reason: `looks like ${tool} output, which this version does not parse yet` };
  return { tool, variant, confidence, evidence, decidedBy: 'sniff' };
}

/**
 * Read one file: buffer its first lines for sniffing, then stream the rest through the chosen parser
 * (or only count lines when no parser claims it). Memory: the head plus the parser's own state.
 */
/** How one file is read: what decides its tool, and where its records go. */
export interface ReadOptions {
  /** `--tool`: the parser to use whatever the content says. */
  forced?: string | undefined;
  /** The tool and the exact command manifest.json gives for the file. */
  manifestTool?: string | undefined;
  manifestCommand?: string | undefined;
  onBytes?: (bytesSoFar: number) => void;
  /** Drop the records the parser's aggregates stand for (TimelineOptions.summarize). */
  summarize?: boolean;
  /** Records are handed here as they are parsed instead of being kept in the outcome (`parse`). */
  onRecord?: (record: TimelineRecord, outcome: FileOutcome) => void;
  /** Most records kept for analysis (see TimelineOptions.maxRecords); the rest are counted, not kept. */
  recordBudget?: number;
  /** Rows of a sampled file kept before its samples merge into buckets; default: the parser's (ParserMeta.seriesMaxRows, else SERIES_MAX_ROWS). */
  seriesBudget?: SeriesBudget | undefined;
  /** The file's share of its bundle's series rows (seriesShare), under the parser's own budget; default SERIES_MAX_ROWS. */
  seriesShare?: number;
  /**
   * The stream is the head of a strace file split in two (planSplit): once it ends, `tail()` gives the
   * tail segment's output to merge, or undefined; when it cannot be merged, `rest()` gives the bytes
   * after the cut, read after the head's in one pass.
   */
  headOf?: HeadOf;
  /**
   * The file's bytes again from its start (a folder bundle's file): lets analysis read a strace file
   * with the fast reader (parsers/strace/fast.ts), which gives up on shapes it does not read, after
   * which the file is read again with the string reader.
   */
  reread?: () => AsyncIterable<Buffer>;
  /** Read strace with the string reader only (the tests that hold the fast reader to it). */
  noFastStrace?: boolean;
}

export interface HeadOf {
  tail(): Promise<AnyTailOutput | undefined>;
  rest(): AsyncIterable<Buffer>;
  /** The fast reader reads the head (and its tail), as the plan said (SplitPlan.fast). */
  fast?: boolean;
}

export async function readFile(entry: BundleEntry, stream: AsyncIterable<Buffer>, options: ReadOptions = {}): Promise<FileOutcome> {
  const { forced, manifestTool, manifestCommand, onBytes, summarize = false, onRecord, recordBudget = Infinity, seriesBudget, seriesShare: share = SERIES_MAX_ROWS } = options;
  const outcome: FileOutcome = { path: entry.path, bytes: 0, lines: 0, records: [], recordCount: 0, diagnostics: [] };
  let lastDropped: TimelineRecord | undefined;
  /** Where lastDropped stood among the kept records: it goes back there, in file order. */
  let lastDroppedAt = 0;
  let downsampler: Downsampler | undefined;
  const head: { text: string; lineNo: number; flags: LineFlags }[] = [];
  let session: Pick<ReturnType<typeof startParse>, 'line' | 'end'> | undefined;
  let headSession: ReturnType<typeof startHead> | undefined;
  /** The fast strace reader, when it reads this file (it then takes the lines instead of a session). */
  let fast: StraceFastReader | undefined;
  let decided = false;

  const decide = (): void => {
    decided = true;
    const decision = decideTool(entry.path, head.map((h) => h.text), forced, manifestTool);
    if (decision.tool) {
      const module = parserFor(decision.tool)!;
      // The exact command line tells flags the output cannot show (iostat -y, vmstat -S M): parsers read them from the variant.
      const variant = manifestCommand ? [decision.variant, `command: ${manifestCommand}`].filter(Boolean).join('; ') : decision.variant;
      outcome.sniff = { tool: decision.tool, variant, confidence: decision.confidence, evidence: decision.evidence };
      outcome.decidedBy = decision.decidedBy;
      const toolRows = Math.min(module.meta.seriesMaxRows ?? SERIES_MAX_ROWS, share);
      const rowBudget = Math.min(recordBudget, seriesBudget === undefined ? toolRows : typeof seriesBudget === 'number' ? seriesBudget : (seriesBudget[decision.tool] ?? toolRows));
      // planWidth compares the characters read with the file's size: UTF-16 text has two bytes a character.
      const expectedChars = entry.size !== undefined && isUtf16(splitter.encoding) ? entry.size / 2 : entry.size;
      if (summarize && module.meta.series && !onRecord) downsampler = new Downsampler(module.meta.series, rowBudget, { expectedChars });
      const keep = onRecord ? (r: TimelineRecord): void => onRecord(r, outcome) : downsampler ? downsampledSink(downsampler, outcome) : budgeted(outcome, recordBudget);
      const sink = summarize && module.meta.summarizedKinds ? summarizingSink(outcome, new Set(module.meta.summarizedKinds), (r) => {
        lastDropped = r;
        lastDroppedAt = outcome.records.length;
      }, recordBudget) : (r: TimelineRecord, shape?: RecordShape): void => {
        outcome.recordCount++;
        keep(r, shape);
      };
      // Analysis of strace: the reader keeps its calls but the first and the last from the sink, counting them
      // (startHead); the head of a split file also takes its tail's counts.
      if (decision.tool === 'strace' && summarize && module.meta.summarizedKinds && (!options.headOf || options.headOf.fast) && options.reread && !options.noFastStrace && head.every((h) => isPlainAsciiLine(h.text, h.flags))) {
        const reader = new StraceFastReader(entry.path, sink, (_kind, clock, count) => countSummarized(outcome, clock, count));
        fast = reader;
        for (const h of head) {
          const bytes = Buffer.from(h.text, 'latin1');
          reader.line(bytes, 0, bytes.length, h.lineNo);
        }
        splitter.bytesSink = (buf, start, end, lineNo) => {
          outcome.lines = lineNo;
          reader.line(buf, start, end, lineNo);
        };
      } else if (decision.tool === 'strace' && summarize && module.meta.summarizedKinds) {
        const head = startHead(entry.path, variant, sink, (_kind, clock, count) => countSummarized(outcome, clock, count));
        session = head;
        if (options.headOf) headSession = head;
      } else {
        // A table row given as numbers (ParseContext.emitRow) goes to the downsampler as numbers: merged
        // into its series' row, its record is never made. Everywhere else it is made (startParse's default).
        const downsampling = downsampler;
        const rows = downsampling && !module.meta.summarizedKinds
          ? (head: TimelineRecord, values: readonly number[], shape: RowShape): void => {
              outcome.recordCount++;
              downsampling.addRow(head, values, shape, outcome.lines);
            }
          : undefined;
        session = startParse(module, entry.path, variant, sink, undefined, rows);
      }
      if (session) {
        for (const h of head) {
          downsampler?.noteLine(h.text.length + 1);
          session.line(h.text, h.lineNo, h.flags);
        }
      }
    } else {
      outcome.skippedReason = decision.reason;
    }
    head.length = 0;
  };

  let readFailed = false;
  const splitter = new LineSplitter((text, lineNo, flags) => {
    outcome.lines = lineNo;
    if (!decided) {
      head.push({ text, lineNo, flags });
      if (head.length >= SNIFF_LINES) decide();
      return;
    }
    if (fast) {
      fast.giveUp('a line that is not plain ASCII (or holds a CR or a NUL, or is very long)', lineNo);
      return;
    }
    downsampler?.noteLine(text.length + 1);
    session?.line(text, lineNo, flags);
  });
  splitter.indexLineStarts(LINE_STARTS_EVERY);
  try {
    for await (const chunk of stream) {
      // Once the fast reader gave the file up the rest is only drained (stopping the bundle's stream
      // would be reported as a read error), then the file is read again from its start.
      if (fast?.bailed !== undefined) continue;
      splitter.push(chunk);
      onBytes?.(splitter.bytesSeen);
    }
  } catch (err) {
    readFailed = true;
    outcome.diagnostics.push({
      severity: 'error',
      code: 'read-error',
      message: `reading stopped after line ${splitter.linesEmitted}: ${err instanceof Error ? err.message : String(err)}`,
      file: entry.path,
    });
  }
  let tailBytes = 0;
  let tailLines = 0;
  // A head whose reading stopped ends there, as the file would in one pass. A head the fast reader gave
  // up is read again whole (below), without its tail.
  if (options.headOf && !readFailed && fast?.bailed === undefined) {
    if (!decided) decide();
    const reader = headSession ?? fast;
    const output = reader ? await options.headOf.tail() : undefined;
    const why = output ? absorbTail(output, fast, headSession, splitter.linesEmitted) : reader ? 'the tail was not read' : 'not a strace file';
    outcome.split = why ?? 'merged';
    if (output && why === undefined) {
      tailBytes = output.bytes;
      tailLines = output.lines;
    } else {
      // The tail's counts cannot stand in for its lines: read them after the head's, in one pass.
      for await (const chunk of options.headOf.rest()) {
        splitter.push(chunk);
        onBytes?.(splitter.bytesSeen);
      }
    }
  }
  if (fast?.bailed === undefined) splitter.end();
  if (!decided) decide();
  if (fast) {
    const { diagnostics, coverage } = fast.end();
    // Given up: the string reader reads the whole file again, with a fresh outcome.
    if (fast.bailed !== undefined && !readFailed) return readFile(entry, options.reread!(), { ...options, reread: undefined, noFastStrace: true, headOf: undefined });
    outcome.coverage = coverage;
    outcome.diagnostics.push(...diagnostics);
  }
  outcome.bytes = splitter.bytesSeen + tailBytes;
  outcome.lines += tailLines;
  if (splitter.lineStarts && splitter.lineStarts.length > 1) outcome.lineStarts = { every: LINE_STARTS_EVERY, starts: splitter.lineStarts };
  if (session) {
    const { variant, diagnostics, coverage } = session.end();
    if (outcome.sniff) outcome.sniff.variant = manifestCommand && !variant.includes('command: ') ? [variant, `command: ${manifestCommand}`].filter(Boolean).join('; ') : variant;
    outcome.coverage = coverage;
    outcome.diagnostics.push(...diagnostics);
  }
  const encoding = encodingNote(splitter.encoding);
  if (encoding) outcome.diagnostics.push({ severity: 'info', code: 'text-encoding', message: encoding, file: entry.path, line: 1 });
  if (downsampler) finishDownsampling(downsampler, outcome, entry.path);
  // The last summarized record closes the file's time span (the first one is kept in place). It goes back
  // where it was, before the records that came after it (strace's aggregates, printed at the end): they
  // share its time object as their last_time, and resolving theirs first would take it off the
  // time-of-day clock before its own turn (the clock notes then counted one record less).
  if (lastDropped && !outcome.overBudget) outcome.records.splice(lastDroppedAt, 0, lastDropped);
  if (outcome.overBudget) outcome.diagnostics.push(truncatedDiagnostic(entry.path, outcome.records.length, outcome.overBudget, downsampler?.budget ?? recordBudget, downsampler !== undefined, summarize));
  return outcome;
}

/** A head line the fast strace reader can take as bytes: ASCII, no NUL, CR or cut. */
function isPlainAsciiLine(text: string, flags: LineFlags): boolean {
  return !flags.crlf && !flags.nul && !flags.invalidUtf8 && flags.cutFromBytes === 0 && /^[\x01-\x7f]*$/.test(text);
}

function downsampledSink(downsampler: Downsampler, outcome: FileOutcome): (r: TimelineRecord, shape?: RecordShape) => void {
  return (r, shape) => downsampler.add(r, outcome.lines, shape);
}

/** The file's records after merging, and a note of how far its samples were merged. */
function finishDownsampling(downsampler: Downsampler, outcome: FileOutcome, path: string): void {
  const { records, width, samples, overBudget, merged, events } = downsampler.finish();
  outcome.records = records;
  if (overBudget) outcome.overBudget = overBudget;
  if (!merged) return;
  const how = events
    ? `identical events (same task, path and result) are counted into one record${width > 1 ? ` per ${width} seconds` : ''}`
    : `they are analysed in buckets of ${width} consecutive samples (rates and gauges averaged, peaks and task states kept per bucket)`;
  outcome.diagnostics.push({
    severity: 'info',
    code: 'analysis-downsampled',
    message: `${path} has ${events ? `${outcome.recordCount} events` : `${samples} samples`}, more than the ${downsampler.budget.toLocaleString('en-US')} rows analysis keeps of it (its share of the bundle's series rows): ${how}. parse and timeline still give every one.`,
    file: path,
  });
}

/** Keep records up to `budget`; past it count them (and the line of the first one not kept). */
function budgeted(outcome: FileOutcome, budget: number): (r: TimelineRecord) => void {
  return (r) => {
    if (outcome.records.length < budget) outcome.records.push(r);
    else if (outcome.overBudget) outcome.overBudget.count++;
    // The input line being read, not the record's own: records that sum a file up (strace's
    // aggregates) come at its end and point back at earlier lines.
    else outcome.overBudget = { line: Math.max(1, outcome.lines), count: 1 };
  };
}

/** Why a file's records past `kept` are not in the analysis (summarize) or the timeline: its line and the way out. */
function truncatedDiagnostic(path: string, kept: number, over: { line: number; count: number }, budget: number, merged: boolean, analysis: boolean): Diagnostic {
  const { line, count } = over;
  if (analysis) {
    return {
      severity: 'warning',
      code: 'analysis-truncated',
      message:
        `only the first ${kept} records of ${path} are analysed; its ${count} records from line ${line} on are not, ` +
        `so that analysis stays within memory (at most ${budget} records for this file${merged ? ', its samples merged as far as they repeat' : ''}). The file is parsed to its end all the same (coverage).`,
      file: path,
      line,
      hint: 'analyse a shorter window: cut the capture to the incident (e.g. sed -n of the lines of that time), or collect with a longer interval',
    };
  }
  return {
    severity: 'warning',
    code: 'timeline-truncated',
    message:
      `only the first ${kept} records of ${path} are in this timeline; its ${count} records from line ${line} on are not, ` +
      `so that the timeline, held whole in memory to be written, stays within it (at most ${budget} records for this file). The file is parsed to its end all the same (coverage).`,
    file: path,
    line,
    hint: `every record, streamed in flat memory: give the bundle as a folder or an archive on disk (timeline then streams --format json and ndjson), or one file to perftriage parse ${JSON.stringify(path)} --format ndjson; a larger share: --max-records`,
  };
}

/** strace files from this size on are read as two segments in analysis (folder bundles: planSplit). */
export const SPLIT_MIN_BYTES = 32 * 1024 * 1024;

/**
 * ... and only when they hold this share of the bundle's bytes. In analysis the strace parser reads
 * about twice the bytes per second the sampled files' parsers and their merging do (bench, session 7:
 * the 1 GiB bundle's 538 MB trace ~10 s of a core, its 536 MB of samplers ~20 s), so below ~2/3 of the
 * bytes the other files keep the second core busy anyway, and splitting only costs memory (~30 MB).
 */
export const SPLIT_MIN_SHARE = 2 / 3;

/** Where a big strace file is cut in two (parsers/segments.ts), and the variant its head sniffed. */
export interface SplitPlan {
  /** First byte of the tail (a line start near the middle). */
  cut: number;
  /** First byte of the tail's warm-up (a line start WARM_UP_BYTES or less before the cut). */
  warmStart: number;
  variant: string;
  /** The fast strace reader reads both parts (its head tells it reads the file); else the string reader. */
  fast: boolean;
}

export async function readAll(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** What the info diagnostic says of a file that is not plain UTF-8 (undefined: it is). */
function encodingNote(encoding: TextEncodingFound): string | undefined {
  if (encoding === 'utf-8') return undefined;
  if (encoding === 'utf-8 with BOM') return 'the file starts with a UTF-8 byte order mark (saved on Windows, by Notepad or a ticket tool): the mark was dropped';
  return `${encoding === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE'} text (by its byte order mark; Windows PowerShell's > writes UTF-16): read as UTF-8, line numbers unchanged`;
}

/**
 * How to read a file in analysis as a head and a tail on two cores: only a strace file (by the same
 * decision readFile makes) of SPLIT_MIN_BYTES or more, with a line end in the MiB after its middle; both
 * parts by the fast reader when it takes the file's first 256 KiB, else by the string reader.
 * Depends on the file alone, never on --jobs: the merged result is the same whichever core reads what.
 */
export async function planSplit(
  entry: BundleEntry,
  ranges: RangeReader,
  file: Pick<PoolFile, 'summarize' | 'forced' | 'manifestTool' | 'manifestCommand' | 'noFastStrace'>,
  bundle: { bytes: number; minBytes?: number | undefined },
): Promise<SplitPlan | undefined> {
  if (!file.summarize || !worthSplitting(entry.size, bundle.bytes, bundle.minBytes ?? SPLIT_MIN_BYTES)) return undefined;
  return planCut(entry, ranges, file);
}

/** Whether a bundle's file is big enough, and enough of the bundle, to be worth reading on two workers. */
export function worthSplitting(size: number | undefined, bundleBytes: number, minBytes: number): boolean {
  return size !== undefined && size >= minBytes && size >= SPLIT_MIN_SHARE * bundleBytes;
}

async function planCut(entry: BundleEntry, ranges: RangeReader, file: Pick<PoolFile, 'forced' | 'manifestTool' | 'manifestCommand' | 'noFastStrace'>): Promise<SplitPlan | undefined> {
  const size = entry.size ?? 0;
  const lines: string[] = [];
  const splitter = new LineSplitter((text) => {
    if (lines.length < SNIFF_LINES) lines.push(text);
  });
  const head = await readAll(ranges.read(0, Math.min(size, 256 * 1024)));
  splitter.push(head);
  splitter.end();
  const decision = decideTool(entry.path, lines, file.forced, file.manifestTool);
  if (decision.tool !== 'strace') return undefined;
  const fast = !file.noFastStrace && fastReaderTakes(entry.path, head);
  // A tail read from the middle of UTF-16 text would start without its byte order mark.
  if (isUtf16(splitter.encoding)) return undefined;
  const variant = file.manifestCommand ? [decision.variant, `command: ${file.manifestCommand}`].filter(Boolean).join('; ') : decision.variant;
  const mid = Math.floor(size / 2);
  const after = await readAll(ranges.read(mid, Math.min(size, mid + 1024 * 1024)));
  const nl = after.indexOf(10);
  if (nl < 0 || mid + nl + 1 >= size) return undefined;
  const cut = mid + nl + 1;
  const from = Math.max(0, cut - WARM_UP_BYTES);
  const before = await readAll(ranges.read(from, cut));
  // The warm-up starts at a line start: the region's first line end (none: a line longer than it, no warm-up).
  const first = from === 0 ? 0 : before.indexOf(10) + 1;
  return { cut, warmStart: first === 0 && from > 0 ? cut : from + first, variant, fast };
}

/** Whether the fast strace reader reads every whole line of `head` (the first bytes of a file). */
function fastReaderTakes(path: string, head: Buffer): boolean {
  const reader = new StraceFastReader(path, () => {}, () => {});
  const lastNewline = head.lastIndexOf(10);
  const splitter = new LineSplitter((_text, lineNo) => reader.giveUp('not plain ASCII', lineNo));
  splitter.bytesSink = (buf, start, end, lineNo) => reader.line(buf, start, end, lineNo);
  splitter.push(head.subarray(0, lastNewline + 1));
  splitter.end();
  return reader.bailed === undefined;
}

/** Read a split file's tail (the bytes before the cut only warm its reader up): its output for the head. */
export async function readTail(path: string, variant: string, warm: Uint8Array, stream: AsyncIterable<Buffer>, fromStart: boolean, onBytes?: (bytesSoFar: number) => void, fast = false): Promise<AnyTailOutput> {
  if (fast) return readFastTail(path, warm, stream, onBytes);
  const tail = startTail(path, variant, fromStart);
  const warmLines: string[] = [];
  const warmSplitter = new LineSplitter((text) => warmLines.push(text));
  warmSplitter.push(Buffer.from(warm.buffer, warm.byteOffset, warm.byteLength));
  warmSplitter.end();
  warmLines.forEach((text, k) => tail.warm(text, k + 1 - warmLines.length));
  const splitter = new LineSplitter((text, lineNo, flags) => tail.line(text, lineNo, flags));
  for await (const chunk of stream) {
    splitter.push(chunk);
    onBytes?.(splitter.bytesSeen);
  }
  splitter.end();
  return tail.end(splitter.bytesSeen);
}

/** A split file's tail read by the fast reader: lines as bytes (one it cannot take as plain ASCII makes the tail unmergeable). */
async function readFastTail(path: string, warm: Uint8Array, stream: AsyncIterable<Buffer>, onBytes?: (bytesSoFar: number) => void): Promise<AnyTailOutput> {
  const tail = startFastTail(path);
  const warmSplitter = new LineSplitter((_text, lineNo) => tail.giveUp('a line that is not plain ASCII before the cut', lineNo));
  warmSplitter.bytesSink = (buf, start, end) => tail.warm(buf, start, end);
  warmSplitter.push(Buffer.from(warm.buffer, warm.byteOffset, warm.byteLength));
  warmSplitter.end();
  tail.cut();
  const splitter = new LineSplitter((_text, lineNo) => tail.giveUp('a line that is not plain ASCII (or holds a CR or a NUL, or is very long)', lineNo));
  splitter.bytesSink = (buf, start, end, lineNo) => tail.line(buf, start, end, lineNo);
  for await (const chunk of stream) {
    splitter.push(chunk);
    onBytes?.(splitter.bytesSeen);
  }
  splitter.end();
  return tail.end(splitter.bytesSeen);
}

/** A split file read on this thread: the tail first, then the head, which merges it (or reads it again). */
export async function readSplit(entry: BundleEntry, ranges: RangeReader, plan: SplitPlan, options: ReadOptions): Promise<FileOutcome> {
  const size = entry.size ?? 0;
  // Progress: the tail's bytes first, then the head's on top of them (capped: a head that reads the
  // tail again counts it twice).
  const onBytes = options.onBytes;
  const output = await readTail(entry.path, plan.variant, await readAll(ranges.read(plan.warmStart, plan.cut)), ranges.read(plan.cut, size), plan.warmStart === 0, onBytes, plan.fast);
  const tailBytes = size - plan.cut;
  const headOptions: ReadOptions = { ...options, headOf: { tail: async () => output, rest: () => ranges.read(plan.cut, size), fast: plan.fast }, reread: () => ranges.read(0, size) };
  if (onBytes) headOptions.onBytes = (bytes) => onBytes(Math.min(size, tailBytes + bytes));
  return readFile(entry, ranges.read(0, plan.cut), headOptions);
}

/**
 * A split file's tail output taken by the head's reader (the one of `fast` and `head` that read the head):
 * undefined when merged, else why not. A tail read by the other reader (the head's first lines were not
 * the fast reader's) cannot be merged.
 */
function absorbTail(output: AnyTailOutput, fast: StraceFastReader | undefined, head: ReturnType<typeof startHead> | undefined, headLines: number): string | undefined {
  if (isFastTail(output)) return fast ? fast.absorbTail(output.fast, headLines) : 'the tail was read by the other reader';
  return head ? head.absorb(output, headLines) : 'the tail was read by the other reader';
}

/** Records of a summarized kind a split file's tail made and the sink never saw: counted as dropped ones. */
function countSummarized(outcome: FileOutcome, clock: string, count: number): void {
  outcome.recordCount += count;
  const clocks = (outcome.summarizedClocks ??= new Map());
  clocks.set(clock, (clocks.get(clock) ?? 0) + count);
}

/** A record sink that keeps the first record of the summarized kinds and hands the others to `dropped`. */
function summarizingSink(outcome: FileOutcome, kinds: ReadonlySet<string>, dropped: (r: TimelineRecord) => void, budget: number): (r: TimelineRecord) => void {
  const keep = budgeted(outcome, budget);
  let keptFirst = false;
  let last: TimelineRecord | undefined;
  const clocks = (outcome.summarizedClocks = new Map());
  return (r) => {
    outcome.recordCount++;
    if (!kinds.has(r.kind)) keep(r);
    else if (!keptFirst) {
      keptFirst = true;
      keep(r);
    } else {
      // Counted when the next one replaces it: the last one is kept (readFile pushes it at the end).
      if (last) {
        const clock = last.time?.clock ?? 'none';
        clocks.set(clock, (clocks.get(clock) ?? 0) + 1);
      }
      last = r;
      dropped(r);
    }
  };
}

function timeSpan(records: readonly TimelineRecord[]): FileSummary['time_span'] {
  let first: RecordTime | undefined;
  let last: RecordTime | undefined;
  const consider = (t: RecordTime | undefined): void => {
    if (!t?.iso || (t.clock !== 'utc' && t.clock !== 'local' && t.clock !== 'time-of-day')) return;
    // Earliest and latest, not first and last in file order: aggregates, printed at the end of a
    // file, start (time) and end (last_time) anywhere in it.
    if (!first || t.iso < first.iso!) first = t;
    if (!last || t.iso >= last.iso!) last = t;
  };
  // The records of one sample share a time object: considering the object just considered again changes
  // nothing (`first` is at or below it, `last` is it or above it), so such runs are skipped.
  let prev: unknown;
  for (const r of records) {
    const t = r.time;
    if (t !== prev) {
      consider(t);
      prev = t;
    }
    const lt = r.last_time;
    if (lt && typeof lt === 'object' && lt !== prev) {
      consider(lt as RecordTime);
      prev = lt;
    }
  }
  if (!first || !last) return undefined;
  const [f, l] = [first as RecordTime, last as RecordTime];
  return { first: f.iso!, last: l.iso!, clock: l.clock };
}

/**
 * A file whose output prints no time (opensnoop without -T, lsof, ps) still ran at a known time when the
 * collector wrote it down: its manifest window becomes the file's time span, clock `manifest`, so the
 * model can still say "these opens happened between X and Y". Never invented when the manifest is silent.
 */
function manifestWindow(file: string, recordCount: number, window: FileWindow | undefined, notes: ClockNote[]): FileSummary['time_span'] {
  if (!window || recordCount === 0) return undefined;
  const start = parseIsoInstant(window.started_at);
  if (!start) return undefined;
  const end = window.ended_at ? parseIsoInstant(window.ended_at) : undefined;
  const last = end && end.epoch >= start.epoch ? end : start;
  notes.push({ file, note: `${recordCount} record(s) print no time of their own; the manifest puts the command between ${start.iso} and ${last === start ? '(no end given)' : last.iso}` });
  return { first: start.iso, last: last.iso, clock: 'manifest' };
}

/** Assemble the timeline from per-file outcomes (already in path order). Pure: same outcomes → same timeline. */
export function assembleTimeline(name: string, kind: string, outcomes: readonly FileOutcome[], bundleDiagnostics: readonly Diagnostic[], hints: TimelineHints): Timeline {
  const allRecords = outcomes.flatMap((o) => o.records);
  const clock = bundleClockOf(joinClockFacts(outcomes.map((o) => o.resolved?.facts ?? clockFacts(o.records))), hints);
  const notes: ClockNote[] = [...clock.notes];
  for (const o of outcomes) {
    if (!o.resolved) notes.push(...resolveFileClock(o.path, o.records, clock, hints.fileStart?.get(o.path), o.summarizedClocks));
    else if (sameResolution(o.resolved.clock, clock)) notes.push(...o.resolved.notes);
    // manifestClock promises this cannot happen; were it to, the report would be wrong, not slow.
    else throw new Error(`${o.path}: resolved on a clock (${o.resolved.clock.date}, ${o.resolved.clock.utc_offset_min}) other than the bundle's (${clock.date}, ${clock.utc_offset_min})`);
  }
  clock.notes = notes;
  for (const o of outcomes) {
    const sinceBoot = o.resolved?.sinceBoot ?? sinceBootCount(o.records);
    if (sinceBoot > 0) notes.push({ file: o.path, note: `${sinceBoot} record(s) are averages since boot (the first report or snapshot), not interval samples` });
  }

  const files: FileSummary[] = [];
  const skipped: SkippedFile[] = [];
  for (const o of outcomes) {
    if (o.sniff && o.coverage) {
      const summary: FileSummary = {
        path: o.path,
        tool: o.sniff.tool,
        variant: o.sniff.variant,
        confidence: o.sniff.confidence,
        decided_by: o.decidedBy ?? 'sniff',
        evidence: o.sniff.evidence,
        bytes: o.bytes,
        coverage: o.coverage,
        records: o.recordCount,
      };
      const span = (o.resolved ? o.resolved.span : timeSpan(o.records)) ?? manifestWindow(o.path, o.recordCount, hints.fileWindow?.get(o.path), notes);
      if (span) summary.time_span = span;
      const end = hints.fileEnd?.get(o.path);
      if (end?.exit_status !== undefined) summary.exit_status = end.exit_status;
      if (end?.truncated !== undefined) summary.truncated = end.truncated;
      files.push(summary);
    } else {
      skipped.push({ path: o.path, reason: o.skippedReason ?? 'not parsed', bytes: o.bytes, lines: o.lines });
    }
  }
  return {
    schema: TIMELINE_SCHEMA_ID,
    version: TIMELINE_VERSION,
    bundle: { name, kind },
    files,
    skipped,
    clock,
    diagnostics: [...bundleDiagnostics, ...outcomes.flatMap((o) => o.diagnostics)],
    records: allRecords,
  };
}

interface FileWindow {
  started_at: string;
  ended_at?: string;
}

/** What the manifest says of how a file's command ended. */
interface FileEnd {
  exit_status?: number;
  truncated?: boolean;
}

/** What the manifest tells the clock: the bundle's zone and date, and each file's run window. */
type TimelineHints = ClockHints & { fileWindow?: ReadonlyMap<string, FileWindow>; fileEnd?: ReadonlyMap<string, FileEnd> };

export async function manifestHints(bundle: OpenedBundle): Promise<{ tools: Map<string, string>; commands: Map<string, string>; hints: TimelineHints; diagnostics: Diagnostic[] }> {
  const tools = new Map<string, string>();
  const commands = new Map<string, string>();
  const fileStart = new Map<string, string>();
  const fileWindow = new Map<string, FileWindow>();
  const fileEnd = new Map<string, FileEnd>();
  const diagnostics: Diagnostic[] = [];
  // The bundle stage already reported a manifest that failed its structural check; only a manifest
  // that passed it is validated against the full schema here.
  const raw = bundle.manifest === undefined ? undefined : bundle.manifestRaw;
  if (raw === undefined) return { tools, commands, hints: {}, diagnostics };
  // The schemas (and ajv) load here, on the main thread only: the parse workers import this module too.
  const { validate } = await import('./schemas.js');
  const v = validate('manifest', raw);
  if (!v.valid) {
    diagnostics.push({ severity: 'warning', code: 'manifest-invalid', message: `manifest.json does not match its schema and is ignored: ${v.errors.slice(0, 3).join('; ')}`, file: 'manifest.json' });
    return { tools, commands, hints: {}, diagnostics };
  }
  const m = raw as { timezone?: string; collected_at?: string; files?: { path: string; tool?: string; command?: string; started_at?: string; ended_at?: string; exit_status?: number; truncated?: boolean }[] };
  for (const f of m.files ?? []) {
    if (f.tool) tools.set(f.path, f.tool);
    if (f.command) commands.set(f.path, f.command);
    if (f.started_at) fileStart.set(f.path, f.started_at);
    if (f.started_at) fileWindow.set(f.path, f.ended_at ? { started_at: f.started_at, ended_at: f.ended_at } : { started_at: f.started_at });
    const end: FileEnd = {};
    if (f.exit_status !== undefined) end.exit_status = f.exit_status;
    if (f.truncated !== undefined) end.truncated = f.truncated;
    if (Object.keys(end).length > 0) fileEnd.set(f.path, end);
  }
  const hints: TimelineHints = { fileStart, fileWindow, fileEnd };
  if (m.timezone) hints.timezone = m.timezone;
  if (m.collected_at) hints.collectedAt = m.collected_at;
  return { tools, commands, hints, diagnostics };
}

function bundleBytesOf(bundle: OpenedBundle): number {
  return bundle.entries.reduce((n, e) => n + (e.size ?? 0), 0);
}

function usePool(bundle: OpenedBundle, options: TimelineOptions): boolean {
  if ((options.jobs ?? 1) <= 1) return false;
  // A big strace file may be read on two workers (planSplit), even alone in its bundle.
  if (options.summarize && bundle.entries.some((e) => worthSplitting(e.size, bundleBytesOf(bundle), options.splitMinBytes ?? SPLIT_MIN_BYTES))) return true;
  if (bundle.entries.length < 2) return false;
  const bytes = bundle.entries.reduce((n, e) => n + (e.size ?? 0), 0);
  return bytes >= (options.poolMinBytes ?? POOL_MIN_BYTES);
}

/**
 * The heap limit of a bundle's parse workers, MiB (0: none): `--worker-heap`, else WORKER_HEAP_MB in
 * analysis, none for a full timeline. A full timeline's worker holds its file's share of the records
 * (timelineMaxRecords) until it posts them: under the analysis limit it ran out and the file was parsed
 * again on the main thread (five of the 1 GiB bench bundle's six: 40.8 s against 27.4 s). The share
 * already bounds what it holds.
 */
export function workerHeapMbOf(options: Pick<TimelineOptions, 'workerHeapMb' | 'summarize'>): number {
  return options.workerHeapMb ?? (options.summarize ? WORKER_HEAP_MB : 0);
}

/** A file whose worker failed: what is known of it, and why nothing was parsed. */
function failedOutcome(entry: BundleEntry, err: unknown): FileOutcome {
  return {
    path: entry.path,
    bytes: entry.size ?? 0,
    lines: 0,
    skippedReason: 'its parser stopped (see diagnostics)',
    records: [],
    recordCount: 0,
    diagnostics: [{ severity: 'error', code: 'parse-failed', message: `${entry.path} could not be parsed: ${err instanceof Error ? err.message : String(err)}`, file: entry.path }],
  };
}

/**
 * Parse `retry`'s files (path → why their worker stopped) again, on the main thread, walking the bundle a
 * second time. What that walk says of the other files (an archive's skipped entries, caps) was said by
 * the first one: only diagnostics about the files read again are kept.
 */
async function readAgain(bundle: OpenedBundle, retry: ReadonlyMap<string, string>, read: (entry: BundleEntry, stream: AsyncIterable<Buffer>) => Promise<FileOutcome>, outcomes: FileOutcome[]): Promise<void> {
  const before = bundle.diagnostics.length;
  await bundle.forEach(async (entry, stream) => {
    const why = retry.get(entry.path);
    if (why === undefined) return;
    const outcome = await read(entry, stream);
    outcome.diagnostics.push({ severity: 'info', code: 'parse-retried', message: `${entry.path} was parsed again on the main thread: its parse worker ran out of memory (${why})`, file: entry.path });
    outcomes.push(outcome);
  });
  const added = bundle.diagnostics.splice(before);
  bundle.diagnostics.push(...added.filter((d) => d.file !== undefined && retry.has(d.file)));
}

/** Open a bundle (folder, archive, file or `-`), read every file, and build its timeline. */
export async function buildTimeline(path: string, options: TimelineOptions = {}): Promise<Timeline> {
  const bundle = await openBundle(path, options.limits);
  const outcomes: FileOutcome[] = [];
  const single = bundle.entries.length === 1;
  // A file whose worker runs out of its heap is parsed again on the main thread: only possible when the
  // bundle can be read twice, so only then are the workers' heaps limited.
  // Made at the first file that needs it: a bundle that is one strace file read on two workers gets
  // workers with a smaller young generation (SPLIT_WORKER_YOUNG_MB says why).
  let ownPool: ParsePool | undefined;
  const wantPool = !options.pool && usePool(bundle, options);
  const poolFor = (plan: SplitPlan | undefined): ParsePool | undefined => {
    if (options.pool || !wantPool) return options.pool;
    ownPool ??= new ParsePool(options.jobs!, bundle.rereadable ? workerHeapLimits(workerHeapMbOf(options), single && plan ? SPLIT_WORKER_YOUNG_MB : WORKER_YOUNG_MB) : undefined);
    return ownPool;
  };
  // Several files: the workers start now (their settings do not depend on a split plan) and load their
  // modules while this thread reads the manifest and plans (~0.15 s of a report's start on 2 cores).
  if (wantPool && !single) poolFor(undefined)?.start(Math.min(options.jobs!, bundle.entries.length));
  const { tools, commands, hints, diagnostics } = await manifestHints(bundle);
  const early = options.resolveEarly === false ? undefined : manifestClock(hints);
  const arrived = (o: FileOutcome): FileOutcome => (early ? resolveEarly(o, early, hints) : o);
  const pooled: Promise<FileOutcome | undefined>[] = [];
  const retry = new Map<string, string>();
  const recordBudget = Math.floor((options.maxRecords ?? (options.summarize ? ANALYSIS_MAX_RECORDS : timelineMaxRecords())) / Math.max(1, bundle.entries.length));
  const share = seriesShare(bundle.entries.map((e) => e.size));
  const bundleBytes = bundleBytesOf(bundle);
  const fileOptions = (entry: BundleEntry): PoolFile => {
    const forced = options.toolOverrides?.get(entry.path) ?? (single ? options.toolOverrides?.get('*') : undefined);
    return { entry, forced, manifestTool: tools.get(entry.path), manifestCommand: commands.get(entry.path), summarize: options.summarize === true, recordBudget, seriesBudget: options.seriesMaxRows, seriesShare: share, noFastStrace: options.noFastStrace === true };
  };
  const onBytesOf = (entry: BundleEntry): ReadOptions => (options.onProgress ? { onBytes: (bytes: number): void => options.onProgress!(entry.path, bytes, entry.size) } : {});
  try {
    await bundle.forEach(
      async (entry, stream, ranges) => {
        const file = fileOptions(entry);
        const plan = ranges ? await planSplit(entry, ranges, file, { bytes: bundleBytes, minBytes: options.splitMinBytes }) : undefined;
        const pool = poolFor(plan);
        if (!pool || (plan && pool.jobs < 2)) {
          const reread = ranges && entry.size !== undefined ? { reread: () => ranges.read(0, entry.size!) } : {};
          outcomes.push(arrived(plan ? await readSplit(entry, ranges!, plan, { ...file, ...onBytesOf(entry) }) : await readFile(entry, stream, { ...file, ...onBytesOf(entry), ...reread })));
          return;
        }
        const { outcome } = plan
          ? await pool.parseSplit(file, { variant: plan.variant, path: ranges!.localPath, size: entry.size ?? 0, cut: plan.cut, warmStart: plan.warmStart, fast: plan.fast }, onBytesOf(entry).onBytes)
          : await pool.parse(file, ranges && entry.size !== undefined ? { path: ranges.localPath, start: 0, end: entry.size } : stream, onBytesOf(entry).onBytes);
        pooled.push(
          outcome.then(arrived, (err: unknown) => {
            if (err instanceof WorkerStopped && err.outOfMemory && bundle.rereadable) {
              retry.set(entry.path, err.message);
              return undefined;
            }
            return failedOutcome(entry, err);
          }),
        );
      },
      { concurrency: options.pool ? options.pool.jobs : wantPool ? options.jobs! : 1 },
    );
    ownPool?.retireIdle();
    for (const o of await Promise.all(pooled)) if (o) outcomes.push(o);
  } finally {
    await ownPool?.close();
  }
  if (retry.size > 0) await readAgain(bundle, retry, (entry, stream) => readFile(entry, stream, { ...fileOptions(entry), ...onBytesOf(entry) }), outcomes);
  outcomes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const timeline = assembleTimeline(bundle.name.replace(/\.(tar\.gz|tgz|tar|zip)$/i, ''), bundle.kind, outcomes, [...bundle.diagnostics, ...diagnostics], hints);
  const result = options.redactor ? options.redactor.timeline(timeline) : timeline;
  // Keyed by the paths in the bundle (as read back), whatever the redactor calls them.
  lineStartsByTimeline.set(result, new Map(outcomes.flatMap((o) => (o.lineStarts ? [[o.path, o.lineStarts] as const] : []))));
  return result;
}
