/**
 * The raw lines behind the evidence: given the bundle and the `file:line` pairs a report cites, stream
 * the bundle once more and keep each cited line with `context` lines around it. Memory is bounded by what
 * is kept (the windows, each line capped at MAX_EXCERPT_CHARS), never by the size of a file: files that
 * are not cited are not read, and a cited file is only read up to its last wanted line.
 */
import type { SourceRef } from '../common/types.js';
import { openBundle } from '../bundle/bundle.js';
import { LineSplitter } from '../bundle/lines.js';
import type { LineStarts } from '../timeline/build.js';

/** A raw line longer than this is shown cut, with a marker: an strace write can be a megabyte. */
export const MAX_EXCERPT_CHARS = 400;
export const DEFAULT_CONTEXT_LINES = 2;
const EXCERPT_CHUNK_BYTES = 1024 * 1024;

export interface ExcerptLine {
  line: number;
  text: string;
  /** The text was cut at MAX_EXCERPT_CHARS. */
  cut: boolean;
}

/** Raw lines kept per file, by line number. */
export type Excerpts = Map<string, Map<number, ExcerptLine>>;

/** Line numbers to keep per file: each wanted line ± context. */
function windows(wanted: readonly SourceRef[], context: number): Map<string, Set<number>> {
  const byFile = new Map<string, Set<number>>();
  for (const ref of wanted) {
    if (!Number.isInteger(ref.line) || ref.line < 1) continue;
    let set = byFile.get(ref.file);
    if (!set) byFile.set(ref.file, (set = new Set()));
    for (let n = Math.max(1, ref.line - context); n <= ref.line + context; n++) set.add(n);
  }
  return byFile;
}

function keepLine(text: string, line: number): ExcerptLine {
  const cut = text.length > MAX_EXCERPT_CHARS;
  return { line, text: cut ? text.slice(0, MAX_EXCERPT_CHARS) : text, cut };
}

/**
 * Where to start reading a file for lines from `first` on: the nearest noted line start before it
 * (undefined: from the file's start).
 */
export function startFor(index: LineStarts | undefined, first: number): { line: number; offset: number } | undefined {
  if (!index || index.every < 1) return undefined;
  const k = Math.min(Math.floor((first - 1) / index.every), index.starts.length - 1);
  if (k < 1) return undefined;
  return { line: k * index.every + 1, offset: index.starts[k]! };
}

/**
 * The wanted lines (sorted) in runs that are each worth one read: a run ends where the next wanted line
 * is more than `every` lines on (jumping there beats reading through).
 */
export function wantedRuns(sorted: readonly number[], every: number): { first: number; last: number }[] {
  const runs: { first: number; last: number }[] = [];
  for (const n of sorted) {
    const run = runs[runs.length - 1];
    if (run && n - run.last <= every) run.last = n;
    else runs.push({ first: n, last: n });
  }
  return runs;
}

/**
 * Read lines of `source` (which starts at line `fromLine`) until `last`, keeping those `keep` holds.
 * Only the kept lines are decoded, and the first line past the last one (it ends the reading); past it
 * the rest is not read (a folder's file is closed; an archive's member is passed over).
 */
async function readWanted(source: AsyncIterable<Buffer>, fromLine: number, keep: ReadonlySet<number>, last: number, kept: Map<number, ExcerptLine>, rewrite?: (text: string) => string): Promise<void> {
  let done = false;
  const splitter = new LineSplitter(
    (text, lineNo) => {
      if (lineNo > last) done = true;
      else kept.set(lineNo, keepLine(rewrite ? rewrite(text) : text, lineNo));
    },
    (lineNo) => keep.has(lineNo) || lineNo > last,
  );
  if (fromLine > 1) splitter.resumeAt(fromLine);
  for await (const chunk of source) {
    splitter.push(chunk);
    if (done) break;
  }
  if (!done) splitter.end();
}

/**
 * Read the wanted lines (± context) from a bundle. A bundle read from stdin cannot be read twice: the
 * result is empty and the report says the raw lines are not available. `rewrite` (the redactor) is applied
 * to file names and lines, so excerpts agree with a redacted timeline.
 *
 * @param lineStarts where the lines of the bundle's files start (timeline lineStartsOf), by path in the
 *   bundle: a folder's file is then read in runs of wanted lines, each from the noted line start nearest
 *   before it, instead of from its start (the cited lines of the 1 GiB bundle's big sampled files sit
 *   past their millionth line, and some files are cited near their start and their end).
 */
export async function readExcerpts(bundlePath: string, wanted: readonly SourceRef[], context = DEFAULT_CONTEXT_LINES, rewrite?: (text: string) => string, lineStarts?: ReadonlyMap<string, LineStarts>): Promise<Excerpts> {
  const out: Excerpts = new Map();
  if (bundlePath === '-' || wanted.length === 0) return out;
  const byFile = windows(wanted, context);
  const bundle = await openBundle(bundlePath);
  await bundle.forEach(
    async (entry, stream, ranges) => {
      // With --redact the report cites redacted file names and must show redacted lines.
      const name = rewrite ? rewrite(entry.path) : entry.path;
      const keep = byFile.get(name);
      if (!keep) return;
      const kept = new Map<number, ExcerptLine>();
      out.set(name, kept);
      const sorted = [...keep].sort((a, b) => a - b);
      // Only a file read from disk as it is (a folder's, not gzip) can be read from an offset.
      const index = ranges && entry.size !== undefined ? lineStarts?.get(entry.path) : undefined;
      if (!index) return readWanted(stream as AsyncIterable<Buffer>, 1, keep, sorted[sorted.length - 1]!, kept, rewrite);
      for (const run of wantedRuns(sorted, index.every)) {
        const jump = startFor(index, run.first);
        await readWanted(ranges!.read(jump?.offset ?? 0, entry.size!), jump?.line ?? 1, keep, run.last, kept, rewrite);
      }
    },
    // Lines are only counted here (LineSplitter's wants): big reads halve the time on a 1 GiB bundle.
    { chunkBytes: EXCERPT_CHUNK_BYTES },
  );
  return out;
}
