/**
 * The parser driver: feeds a parser module the lines of one file and keeps the books, so that every
 * line ends as data, a known non-data line, or a diagnostic with `file:line` — whatever the parser does.
 * A parser that throws loses only the line it threw on (and says so), never the file or the run.
 */
import type { Readable } from 'node:stream';
import type { Coverage, Diagnostic, TimelineRecord } from '../common/types.js';
import { LineSplitter, type LineFlags } from '../bundle/lines.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule, RecordShape, RowShape } from './types.js';

export interface ParseResult {
  file: string;
  tool: string;
  variant: string;
  records: TimelineRecord[];
  diagnostics: Diagnostic[];
  coverage: Coverage;
}

export interface ParseSession {
  /** Feed one line (already split, CR removed). */
  line(text: string, lineNo: number, flags?: LineFlags): void;
  /** Finish: returns coverage and the diagnostics; records went to `onRecord`. */
  end(): { variant: string; diagnostics: Diagnostic[]; coverage: Coverage };
  /** Finish a segment of a file (parsers/segments.ts): its books as they are, for the head's session to take. */
  endBooks(): SessionBooks;
  /** Take a later segment's books, its lines numbered from `lineOffset` + 1 (before end()). */
  absorbBooks(books: SessionBooks, lineOffset: number): void;
}

/** A session's books before end() sums them up (plain data: it crosses between workers). */
export interface SessionBooks {
  coverage: Coverage;
  diagnostics: Diagnostic[];
  /** Diagnostics made per code, those over the cap included. */
  perCode: Array<[string, number]>;
  crlfLines: number;
  invalidUtf8Lines: number;
}

/** How many diagnostics of one code a file may produce before the rest are only counted. */
const MAX_DIAGNOSTICS_PER_CODE = 200;

export function startParse(
  module: ParserModule,
  file: string,
  variant: string,
  onRecord: (record: TimelineRecord, shape?: RecordShape) => void,
  /** Make the parser otherwise than `module.create` (a segment's reader: parsers/segments.ts). */
  create: (ctx: ParseContext) => LineParser = (ctx) => module.create(ctx),
  /** Rows given as numbers (ParseContext.emitRow); default: their records, to onRecord. */
  onRow: (head: TimelineRecord, values: readonly number[], shape: RowShape) => void = (head, values, shape) => onRecord(shape.build(head, values), shape),
): ParseSession {
  const diagnostics: Diagnostic[] = [];
  const perCode = new Map<string, number>();
  const coverage: Coverage = { lines: 0, data: 0, skipped: 0, unparsed: 0 };
  const deferred = new Set<number>();
  let currentVariant = variant;
  let crlfLines = 0;
  let invalidUtf8Lines = 0;

  const addDiagnostic = (d: Diagnostic): void => {
    const seen = (perCode.get(d.code) ?? 0) + 1;
    perCode.set(d.code, seen);
    if (seen <= MAX_DIAGNOSTICS_PER_CODE) diagnostics.push(d);
  };

  const unparsed = (lineNo: number, reason: string): void => {
    coverage.unparsed++;
    addDiagnostic({
      severity: 'warning',
      code: 'unparsed-line',
      message: reason,
      file,
      line: lineNo,
      hint: module.meta.recollect,
    });
  };

  const apply = (lineNo: number, outcome: LineOutcome): void => {
    if (outcome === 'data') coverage.data++;
    else if (outcome === 'skip') coverage.skipped++;
    else if (outcome === 'defer') deferred.add(lineNo);
    else unparsed(lineNo, outcome.unparsed);
  };

  const parser = create({
    file,
    get variant() {
      return currentVariant;
    },
    emit: onRecord,
    emitRow: onRow,
    diagnostic: (d) => addDiagnostic({ ...d, file }),
    settle: (lineNo, outcome) => {
      if (!deferred.delete(lineNo)) return; // settling twice or a line never deferred: ignore, books stay right
      apply(lineNo, outcome);
    },
    setVariant: (v) => {
      currentVariant = v;
    },
  });

  const finishParser = (): void => {
    try {
      parser.end();
    } catch (err) {
      addDiagnostic({ severity: 'error', code: 'parser-error', message: `parser failed at end of file: ${errorText(err)}`, file });
    }
    for (const lineNo of [...deferred].sort((a, b) => a - b)) unparsed(lineNo, 'line left undecided by the parser');
    deferred.clear();
  };

  return {
    endBooks() {
      finishParser();
      return { coverage, diagnostics, perCode: [...perCode], crlfLines, invalidUtf8Lines };
    },
    absorbBooks(books, lineOffset) {
      coverage.lines += books.coverage.lines;
      coverage.data += books.coverage.data;
      coverage.skipped += books.coverage.skipped;
      coverage.unparsed += books.coverage.unparsed;
      crlfLines += books.crlfLines;
      invalidUtf8Lines += books.invalidUtf8Lines;
      const listed = new Map<string, number>();
      for (const d of books.diagnostics) {
        listed.set(d.code, (listed.get(d.code) ?? 0) + 1);
        addDiagnostic(d.line === undefined ? d : { ...d, line: d.line + lineOffset });
      }
      // Those the segment made over its own cap: counted, as this session would have.
      for (const [code, count] of books.perCode) {
        const extra = count - (listed.get(code) ?? 0);
        if (extra > 0) perCode.set(code, (perCode.get(code) ?? 0) + extra);
      }
    },
    line(text, lineNo, flags) {
      coverage.lines++;
      if (flags?.crlf) crlfLines++;
      if (flags?.invalidUtf8) invalidUtf8Lines++;
      if (flags?.cutFromBytes) {
        addDiagnostic({
          severity: 'warning',
          code: 'line-cut',
          message: `line of ${flags.cutFromBytes} bytes is longer than perftriage reads; its middle was dropped`,
          file,
          line: lineNo,
        });
      }
      if (flags?.nul) {
        unparsed(lineNo, 'binary content (NUL bytes) in a text capture');
        return;
      }
      let outcome: LineOutcome;
      try {
        outcome = parser.line(text, lineNo);
      } catch (err) {
        outcome = { unparsed: `parser error on this line: ${errorText(err)}` };
      }
      apply(lineNo, outcome);
    },
    end() {
      finishParser();
      if (crlfLines > 0) {
        addDiagnostic({ severity: 'info', code: 'crlf', message: `${crlfLines} line(s) end in CRLF (the file went through Windows or a ticket system); read as LF`, file });
      }
      if (invalidUtf8Lines > 0) {
        addDiagnostic({ severity: 'warning', code: 'invalid-utf8', message: `${invalidUtf8Lines} line(s) hold bytes that are not UTF-8; they were read with U+FFFD in their place`, file });
      }
      for (const [code, count] of [...perCode].sort()) {
        if (count > MAX_DIAGNOSTICS_PER_CODE) {
          diagnostics.push({
            severity: 'info',
            code: 'diagnostics-capped',
            message: `${count - MAX_DIAGNOSTICS_PER_CODE} more '${code}' diagnostic(s) not listed`,
            file,
          });
        }
      }
      return { variant: currentVariant, diagnostics, coverage };
    },
  };
}

/** Parse a whole stream and collect every record (fine for one file; the timeline streams instead). */
export async function parseStream(module: ParserModule, file: string, variant: string, stream: Readable): Promise<ParseResult> {
  const records: TimelineRecord[] = [];
  const session = startParse(module, file, variant, (r) => records.push(r));
  const splitter = new LineSplitter((text, lineNo, flags) => session.line(text, lineNo, flags));
  for await (const chunk of stream) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  splitter.end();
  const { variant: finalVariant, diagnostics, coverage } = session.end();
  return { file, tool: module.meta.tool, variant: finalVariant, records, diagnostics, coverage };
}

/** Parse an in-memory text (tests, small inputs) exactly as a stream of it would be parsed. */
export function parseText(module: ParserModule, file: string, content: string | Buffer, variant = ''): ParseResult {
  const records: TimelineRecord[] = [];
  const session = startParse(module, file, variant, (r) => records.push(r));
  const splitter = new LineSplitter((text, lineNo, flags) => session.line(text, lineNo, flags));
  splitter.push(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  splitter.end();
  const { variant: finalVariant, diagnostics, coverage } = session.end();
  return { file, tool: module.meta.tool, variant: finalVariant, records, diagnostics, coverage };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
