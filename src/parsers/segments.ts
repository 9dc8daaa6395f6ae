/**
 * Parse one big strace file as two segments, each on its own core (parsers/strace/segments.ts says how
 * the tail's counts are merged and when they cannot be). The caller cuts the file at a line boundary,
 * feeds the head's lines to a `HeadParse` and the tail's (with WARM_UP_BYTES of lines before the cut) to a
 * `TailParse`, then hands the tail's output to the head:
 *
 *     head.absorb(tailOutput) === undefined  → the tail's counts are in; head.end()
 *     otherwise (the reason)                 → feed the tail's lines to head.line(), then head.end()
 *
 * The fast reader's tail (`startFastTail`, lines as bytes) hands a FastTailOutput to the head's
 * StraceFastReader.absorbTail in the same way; the timeline (build.ts readFile) holds that reader itself.
 *
 * Only for analysis (summarized records): a tail's call records are counted, not kept, so the head
 * emits only the last one and tells `summarized` how many it stands for. `parse`/`timeline` still read
 * a file in one pass, every record in order.
 */
import type { Coverage, Diagnostic, TimelineRecord } from '../common/types.js';
import type { LineFlags } from '../bundle/lines.js';
import { type SessionBooks, startParse } from './run.js';
import { parser as straceParser, StraceReader, type TailResult } from './strace.js';
import { StraceFastReader } from './strace/fast.js';
import type { FastTailResult } from './strace/segments.js';

export { WARM_UP_BYTES } from './strace/segments.js';

/** What a tail segment hands to the head (plain data: posted between workers). */
export interface TailOutput {
  tail: TailResult;
  books: SessionBooks;
  /** Lines and bytes after the cut. */
  lines: number;
  bytes: number;
}

/** What a tail read by the fast reader hands to the head's fast reader (StraceFastReader.absorbTail). */
export interface FastTailOutput {
  fast: FastTailResult;
  /** Lines and bytes after the cut. */
  lines: number;
  bytes: number;
}

/** Either reader's tail output. */
export type AnyTailOutput = TailOutput | FastTailOutput;

export function isFastTail(output: AnyTailOutput): output is FastTailOutput {
  return 'fast' in output;
}

/**
 * A tail read by the fast reader, line by line as bytes (a line it cannot take as plain ASCII is given
 * to `giveUp`): the warm-up's lines, then `cut()`, then the tail's own. Numbering is the reader's
 * business: warm-up lines from 1, the tail's on from them.
 */
export interface FastTailParse {
  warm(buf: Uint8Array, start: number, end: number): void;
  cut(): void;
  line(buf: Uint8Array, start: number, end: number, lineNo: number): void;
  giveUp(why: string, lineNo: number): void;
  end(bytes: number): FastTailOutput;
}

export function startFastTail(file: string): FastTailParse {
  const reader = new StraceFastReader(file, () => {}, () => {}, undefined, 'tail');
  let warmLines = 0;
  let lines = 0;
  let cut = false;
  const beginTail = (): void => {
    if (cut) return;
    cut = true;
    reader.beginTail(warmLines);
  };
  return {
    warm(buf, start, end) {
      reader.line(buf, start, end, ++warmLines);
    },
    cut: beginTail,
    line(buf, start, end, lineNo) {
      beginTail();
      lines = Math.max(lines, lineNo);
      reader.line(buf, start, end, warmLines + lineNo);
    },
    giveUp(why, lineNo) {
      beginTail();
      lines = Math.max(lines, lineNo);
      reader.giveUp(why, warmLines + lineNo);
    },
    end(bytes) {
      beginTail();
      reader.end();
      return { fast: reader.exportTail(), lines, bytes };
    },
  };
}

export interface TailParse {
  /** A line before the cut: read for the state only (numbered ≤ 0, the cut's last line 0). */
  warm(text: string, lineNo: number): void;
  /** A line after the cut, numbered from 1. */
  line(text: string, lineNo: number, flags?: LineFlags): void;
  /** @param bytes the bytes after the cut (for the head's books). */
  end(bytes: number): TailOutput;
}

/** @param fromStart the warm-up lines begin at the file's first line (a small file, or a cut near its start). */
export function startTail(file: string, variant: string, fromStart: boolean): TailParse {
  let reader: StraceReader | undefined;
  let cut = false;
  let lines = 0;
  const session = startParse(straceParser, file, variant, () => {}, (ctx) => (reader = new StraceReader(ctx, { fromStart })));
  return {
    warm(text, lineNo) {
      try {
        reader!.line(text, lineNo);
      } catch {
        // A line the reader cannot take counts in the head, which reads it too; here it only warms up.
      }
    },
    line(text, lineNo, flags) {
      if (!cut) {
        cut = true;
        reader!.beginTail();
      }
      lines++;
      session.line(text, lineNo, flags);
    },
    end(bytes) {
      const books = session.endBooks();
      return { tail: reader!.exportTail(), books, lines, bytes };
    },
  };
}

export interface HeadParse {
  line(text: string, lineNo: number, flags?: LineFlags): void;
  /**
   * Take the tail's counts, its lines following the head's `headLines` lines; undefined when taken,
   * else why not (then feed the tail's lines to line(), numbered on from headLines + 1).
   */
  absorb(output: TailOutput, headLines: number): string | undefined;
  end(): { variant: string; diagnostics: Diagnostic[]; coverage: Coverage };
}

/**
 * The reader of a strace file in analysis, whole or the head of a split one: `onRecord` gets every record
 * but the calls, of which only the first and the last (the sink keeps the first and the time span's end).
 * @param summarized told of records of a summarized kind that were made but not emitted (the calls in
 *   between, the tail's calls but its last), so that the caller's counts stay those of a one-pass parse.
 */
export function startHead(file: string, variant: string, onRecord: (r: TimelineRecord) => void, summarized: (kind: string, clock: string, count: number) => void): HeadParse {
  let reader: StraceReader | undefined;
  const session = startParse(straceParser, file, variant, onRecord, (ctx) => (reader = new StraceReader(ctx)));
  reader!.summarizeCallsTo(summarized);
  return {
    line: (text, lineNo, flags) => session.line(text, lineNo, flags),
    absorb(output, headLines) {
      const why = reader!.absorbTail(output.tail, headLines, summarized);
      if (why === undefined) session.absorbBooks(output.books, headLines);
      return why;
    },
    end: () => session.end(),
  };
}
