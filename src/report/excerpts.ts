/**
 * The raw lines behind the evidence: given the bundle and the `file:line` pairs a report cites, stream
 * the bundle once more and keep each cited line with `context` lines around it. Memory is bounded by what
 * is kept (the windows, each line capped at MAX_EXCERPT_CHARS), never by the size of a file: files that
 * are not cited are not read, and a cited file is only read up to its last wanted line.
 */
import type { SourceRef } from '../common/types.js';
import { openBundle } from '../bundle/bundle.js';
import { LineSplitter } from '../bundle/lines.js';

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
 * Read the wanted lines (± context) from a bundle. A bundle read from stdin cannot be read twice: the
 * result is empty and the report says the raw lines are not available. `rewrite` (the redactor) is applied
 * to file names and lines, so excerpts agree with a redacted timeline.
 */
export async function readExcerpts(bundlePath: string, wanted: readonly SourceRef[], context = DEFAULT_CONTEXT_LINES, rewrite?: (text: string) => string): Promise<Excerpts> {
  const out: Excerpts = new Map();
  if (bundlePath === '-' || wanted.length === 0) return out;
  const byFile = windows(wanted, context);
  const bundle = await openBundle(bundlePath);
  await bundle.forEach(
    async (entry, stream) => {
      // With --redact the report cites redacted file names and must show redacted lines.
      const name = rewrite ? rewrite(entry.path) : entry.path;
      const keep = byFile.get(name);
      if (!keep) return;
      const last = Math.max(...keep);
      const kept = new Map<number, ExcerptLine>();
      out.set(name, kept);
      let done = false;
      const splitter = new LineSplitter(
        (text, lineNo) => {
          if (lineNo > last) done = true;
          else kept.set(lineNo, keepLine(rewrite ? rewrite(text) : text, lineNo));
        },
        // Only the kept lines are decoded, and the first line past the last one (it ends the reading).
        (lineNo) => keep.has(lineNo) || lineNo > last,
      );
      // Past the last wanted line the rest of the file is not read: the bundle skips it (a folder's file
      // is closed; an archive's member is passed over). A 538 MB trace cited near its start was read to
      // its end before.
      for await (const chunk of stream) {
        splitter.push(chunk as Buffer);
        if (done) break;
      }
      if (!done) splitter.end();
    },
    // Lines are only counted here (LineSplitter's wants): big reads halve the time on a 1 GiB bundle.
    { chunkBytes: EXCERPT_CHUNK_BYTES },
  );
  return out;
}
