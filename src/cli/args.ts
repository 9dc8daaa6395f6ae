/**
 * What every command shares: the Command shape, bundle and file arguments, `--tool` overrides and
 * `--redact`. Its own module so the command modules (report, check…) and the registry import it without
 * importing each other.
 */
import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import { parsers } from '../parsers/index.js';
import { ANALYSIS_MAX_RECORDS, SERIES_BUNDLE_ROWS, SERIES_MAX_ROWS, SERIES_MIN_ROWS, timelineMaxRecords, type TimelineOptions } from '../timeline/build.js';
import { WORKER_HEAP_MB } from '../timeline/pool.js';
import { Redactor } from '../timeline/redact.js';
import { UsageError, note, setBeforeOutput, writeOutput } from './output.js';
import { ProgressLine } from './progress.js';

export interface Command {
  name: string;
  describe: string;
  builder: (y: Argv) => Argv;
  run: (args: Record<string, unknown>) => Promise<number>;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The rule settings read when --config is not given, from the working directory, when it exists. */
export const DEFAULT_CONFIG = 'perftriage.config.json';

/** A bundle or file argument. yargs hands the conventional `-` (stdin) over as an empty string. */
export const pathArg = (v: unknown): string => (v === '' || v === undefined ? '-' : String(v));

/** `<paths..>` of report and check: each once (a bundle named twice would count its findings twice). */
export function bundlePaths(value: unknown): string[] {
  return [...new Set((Array.isArray(value) ? value : [value]).map(pathArg))];
}

/** `--tool FILE=NAME` (repeatable) → map; a bare `NAME` applies to a single-file bundle. */
export function parseToolOverrides(values: unknown): Map<string, string> {
  const map = new Map<string, string>();
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
  for (const v of list) {
    const text = String(v);
    const eq = text.lastIndexOf('=');
    const [file, tool] = eq > 0 ? [text.slice(0, eq), text.slice(eq + 1)] : ['*', text];
    if (!parsers.has(tool)) throw new UsageError(`--tool ${text}: unknown tool '${tool}' (known: ${[...parsers.keys()].sort().join(', ')})`);
    map.set(file, tool);
  }
  return map;
}

/** `--redact` / `--redact-map FILE`: pseudonyms for host, user and IP names in every output of the run. */
export const redactOptions = {
  redact: { type: 'boolean', default: false, describe: 'Replace host names, user names, IP addresses and home-directory names with consistent pseudonyms' },
  'redact-map': { type: 'string', describe: 'With --redact: write the pseudonym → real name mapping to this file (kept private; never in any other output)' },
} as const;

/** Options of every command that reads a bundle: --redact, --redact-map, --jobs, --worker-heap, --max-records. */
export const bundleReadOptions = {
  ...redactOptions,
  jobs: {
    type: 'number',
    describe: 'Worker threads that parse the files of a bundle (default: one per core; 1: no worker). Bundles under 32 MiB are parsed on the main thread unless --jobs is given',
  },
  'worker-heap': {
    type: 'number',
    describe: `Heap of each parse worker, MiB (default ${WORKER_HEAP_MB} for analysis, the streamed timeline's first pass included; a timeline held whole, CSV or from stdin, has workers without one, its record budget bounding what each holds; 0: no limit). A limit bounds each worker's memory whatever the file, at a small cost in time (on the bench's 1 GiB bundle ~5%, ~395 MB peak against ~400–420 MB without). A file whose worker runs out of it is parsed again on the main thread (not possible from stdin or a pipe, where no limit applies)`,
  },
  'max-records': {
    type: 'number',
    describe: `Analysis (report, check, analyze, model) keeps at most this many records of a bundle in memory, shared equally by its files; past a file's share an analysis-truncated warning names the line (default ${ANALYSIS_MAX_RECORDS.toLocaleString('en-US')}; strace calls do not count: their aggregates stand for them; sampled files, top, pidstat, iostat, filetop and opensnoop, merge their samples into buckets first, sharing ${SERIES_BUNDLE_ROWS.toLocaleString('en-US')} rows per bundle among its files of 1 MiB or more, ${SERIES_MIN_ROWS.toLocaleString('en-US')} to ${SERIES_MAX_ROWS.toLocaleString('en-US')} each${ownRowBudgets()}). The timeline command streams JSON and NDJSON of a bundle on disk (every record, in flat memory; this budget then bounds its analysis pass); CSV, and a bundle on stdin or a pipe, hold every record, at most this many (default: half the heap at ~1 KiB a record, ${timelineMaxRecords().toLocaleString('en-US')} here), past a file's share a timeline-truncated warning names the line`,
  },
} as const;

/** The progress line of this run, when stderr is a terminal and --quiet is not given. */
let progress: ProgressLine | undefined;

/** Erase the progress line before printing results or an error. */
export function endProgress(): void {
  progress?.done();
}

/** Timeline options of a command: --tool overrides, a redactor when --redact is given, progress on a TTY. */
export function timelineOptions(args: Record<string, unknown>): TimelineOptions {
  const options: TimelineOptions = { toolOverrides: parseToolOverrides(args.tool) };
  if (args.quiet !== true && process.stderr.isTTY === true) {
    const line = new ProgressLine((text) => process.stderr.write(text));
    progress = line;
    setBeforeOutput(() => line.done());
    options.onProgress = (file, bytes, size) => line.update(file, bytes, size);
  }
  if (args['redact-map'] !== undefined && args.redact !== true) throw new UsageError('--redact-map needs --redact');
  if (args.redact === true) options.redactor = new Redactor();
  if (args.jobs !== undefined) {
    const jobs = Number(args.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError(`--jobs must be a whole number from 1 to 256 (got ${String(args.jobs)})`);
    options.jobs = jobs;
    // Asked for: the pool is used whatever the bundle's size.
    options.poolMinBytes = 0;
  } else options.jobs = availableParallelism();
  if (args['worker-heap'] !== undefined) {
    const mb = Number(args['worker-heap']);
    if (!Number.isInteger(mb) || (mb !== 0 && (mb < 32 || mb > 65536))) throw new UsageError(`--worker-heap must be 0 (no limit) or a whole number of MiB from 32 to 65536 (got ${String(args['worker-heap'])})`);
    options.workerHeapMb = mb;
  }
  if (args['max-records'] !== undefined) {
    const max = Number(args['max-records']);
    if (!Number.isInteger(max) || max < 1000) throw new UsageError(`--max-records must be a whole number of at least 1000 (got ${String(args['max-records'])})`);
    options.maxRecords = max;
  }
  return options;
}

/** Write the redaction mapping where the user asked, and only there. */
export function writeRedactionMap(args: Record<string, unknown>, options: TimelineOptions): void {
  const file = str(args['redact-map']);
  if (!file || !options.redactor) return;
  writeOutput(`${JSON.stringify(options.redactor.map(), null, 1)}\n`, file);
  note(`wrote the redaction mapping to ${file}`);
}

export const toolOption = {
  type: 'string' as const,
  array: true,
  describe: 'Force the tool of a file instead of sniffing: FILE=NAME (path inside the bundle), or NAME for a single file',
};

/** `, iostat 16,000`: the tools whose parser sets its own row budget (ParserMeta.seriesMaxRows). */
function ownRowBudgets(): string {
  return [...parsers.values()]
    .filter((p) => p.meta.seriesMaxRows !== undefined)
    .map((p) => `, ${p.meta.tool} ${p.meta.seriesMaxRows!.toLocaleString('en-US')}`)
    .join('');
}
