/**
 * Byte stream → lines, synchronously per chunk (no await per line: the strace parser has to run at
 * hundreds of MB/s). Handles what bundles really contain: CRLF from ticket systems, bytes that are not
 * UTF-8, NUL bytes of binary files, lines of many megabytes (an strace write of a whole buffer), and
 * files that went through Windows: a UTF-8 byte order mark (Notepad) is dropped, and UTF-16 text
 * (Windows PowerShell's `>` writes UTF-16LE) is re-encoded as UTF-8, both told by the BOM at the start.
 */

import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

/**
 * Buffer's native latin1 decoder: what `toString('latin1', s, e)` ends up calling, without its encoding
 * lookup and argument checks (undocumented but present in every Node version this runs on).
 */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/** A line longer than this is cut: its head and tail are kept, the middle is dropped. */
export const MAX_LINE_BYTES = 1024 * 1024;
const KEPT_HEAD_BYTES = 64 * 1024;
const KEPT_TAIL_BYTES = 16 * 1024;
/** Put where the middle of an over-long line was dropped, so a reader sees the cut. */
export const CUT_MARKER = '…[perftriage: line cut]…';

export interface LineFlags {
  /** The line ended in `\r\n` (the `\r` is removed from the text). */
  crlf: boolean;
  /** Bytes that are not valid UTF-8 were replaced by U+FFFD. */
  invalidUtf8: boolean;
  /** The line held a NUL byte (binary content). */
  nul: boolean;
  /** Original length in bytes when the line was cut (over MAX_LINE_BYTES), else 0. */
  cutFromBytes: number;
}

export type LineSink = (text: string, lineNo: number, flags: LineFlags) => void;

const NO_FLAGS: LineFlags = Object.freeze({ crlf: false, invalidUtf8: false, nul: false, cutFromBytes: 0 }) as LineFlags;

/**
 * Push chunks in, get lines out through `sink`. Call `end()` after the last chunk: a final line without
 * a newline is still delivered (a file cut mid-line keeps its last partial line; the parser decides).
 */
export class LineSplitter {
  private lineNo = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** When the current line overflowed: the kept head, the rolling tail and the full length so far. */
  private overflowHead: Buffer | null = null;
  private overflowTail: Buffer = Buffer.alloc(0);
  private overflowTotal = 0;
  /** Bytes read from the stream (before any re-encoding). */
  bytesSeen = 0;
  /** The stream's text encoding, by the byte order mark at its start (decided with the first bytes). */
  encoding: TextEncodingFound = 'utf-8';
  /** The stream's first bytes while fewer than a BOM's length could still be one; undefined once decided. */
  private start: Buffer | undefined = Buffer.alloc(0);
  /** UTF-16 text: the decoder that turns it into UTF-8 chunks (it keeps a unit split across chunks). */
  private utf16: TextDecoder | undefined;
  /** indexLineStarts: every how many lines a line's start is noted (0: none). */
  private indexEvery = 0;
  /** Byte offset in the stream of the line being read (kept only while indexing). */
  private nextLineStart = 0;
  /**
   * With indexLineStarts(every): the byte offset in the stream of line 1, every + 1, 2·every + 1, … (the
   * k-th entry is line k·every + 1), for the lines read so far; undefined for UTF-16 text, whose lines
   * are split after re-encoding and have no byte offsets in the file.
   */
  lineStarts: number[] | undefined;

  /**
   * @param wants when given, only the lines it accepts (by number) are decoded and handed to `sink`; the
   * others are only counted: reading the report's excerpts back from a 1 GiB bundle decoded every line
   * up to the last one cited (~1.5 s), where counting newlines is native.
   */
  constructor(
    private readonly sink: LineSink,
    private readonly wants?: (lineNo: number) => boolean,
  ) {}

  /**
   * When set, the lines a reader can take as bytes go here instead of `sink`, undecoded: those of ASCII
   * without NUL or CR, up to MAX_LINE_BYTES (the others still go to `sink` as text). `buf[start, end)` is
   * the line; `buf` may be the chunk it was cut from (valid only during the call).
   */
  bytesSink: ((buf: Buffer, start: number, end: number, lineNo: number) => void) | undefined;

  get linesEmitted(): number {
    return this.lineNo;
  }

  /** Note the byte offset of every `every`-th line's start (lineStarts): where a later reader can start. */
  indexLineStarts(every: number): void {
    this.indexEvery = Math.max(1, Math.floor(every));
    this.lineStarts = [];
  }

  /**
   * The stream given to this splitter starts at line `lineNo` of a file (a reader that jumped to an
   * offset lineStarts gave): lines are numbered from there, and no byte order mark is looked for.
   */
  resumeAt(lineNo: number): void {
    this.lineNo = Math.max(0, Math.floor(lineNo) - 1);
    if (this.start !== undefined && this.start.length === 0) this.start = undefined;
  }

  push(chunk: Buffer): void {
    this.bytesSeen += chunk.length;
    let bytes = chunk;
    if (this.start !== undefined) {
      const head = this.start.length > 0 ? Buffer.concat([this.start, chunk]) : chunk;
      if (undecided(head)) {
        this.start = head;
        return;
      }
      this.start = undefined;
      bytes = this.dropBom(head);
      // The first line starts after the byte order mark.
      this.nextLineStart = head.length - bytes.length;
    }
    this.feed(bytes, this.bytesSeen - bytes.length);
  }

  /** Bytes of the stream (after its BOM), the first at offset `base`, to split; re-encoded first when the text is UTF-16. */
  private feed(bytes: Buffer, base: number): void {
    if (this.utf16 !== undefined) {
      this.indexEvery = 0;
      this.lineStarts = undefined;
      this.split(Buffer.from(this.utf16.decode(bytes, { stream: true }), 'utf8'), 0);
    } else this.split(bytes, base);
  }

  /** Read the byte order mark at the start of `head` (setting `encoding`) and return what follows it. */
  private dropBom(head: Buffer): Buffer {
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      this.encoding = 'utf-8 with BOM';
      return head.subarray(3);
    }
    const le = head[0] === 0xff && head[1] === 0xfe;
    if ((le || (head[0] === 0xfe && head[1] === 0xff)) && looksLikeUtf16(head, le)) {
      this.encoding = le ? 'utf-16le' : 'utf-16be';
      this.utf16 = new TextDecoder(this.encoding);
      return head.subarray(2);
    }
    return head;
  }

  /** `chunk`'s first byte is at offset `base` of the stream (used only while indexing line starts). */
  private split(chunk: Buffer, base: number): void {
    // ASCII fast path, decided once per chunk (isAscii and indexOf are native, SIMD): a chunk of ASCII
    // without NUL decodes as latin1 (the same text as UTF-8, cheaper), and its lines need no per-line
    // check for U+FFFD or NUL.
    const clean = isAscii(chunk) && chunk.indexOf(0) === -1;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        if (start < chunk.length) this.accumulate(chunk.subarray(start));
        return;
      }
      if (this.indexEvery !== 0) this.noteLineStart(base + nl + 1);
      if (this.pendingBytes === 0 && this.overflowHead === null) {
        if (clean) this.deliverClean(chunk, start, nl);
        else this.deliver(chunk, start, nl);
      } else {
        this.accumulate(chunk.subarray(start, nl));
        this.flushPending();
      }
      start = nl + 1;
    }
  }

  end(): void {
    if (this.start !== undefined) {
      // The stream ended before its encoding could be told (shorter than a BOM or the UTF-16 probe).
      const head = this.start;
      this.start = undefined;
      const bytes = this.dropBom(head);
      this.nextLineStart = head.length - bytes.length;
      this.feed(bytes, head.length - bytes.length);
    }
    if (this.utf16 !== undefined) {
      // A last UTF-16 unit cut in half decodes as U+FFFD, as a cut UTF-8 sequence does.
      const rest = this.utf16.decode();
      this.utf16 = undefined;
      if (rest.length > 0) this.split(Buffer.from(rest, 'utf8'), 0);
    }
    if (this.pendingBytes > 0 || this.overflowHead !== null) this.flushPending();
  }

  /** A line (number lineNo + 1, not yet delivered) ends before `next`: note its start when it is an indexed one. */
  private noteLineStart(next: number): void {
    if (this.lineNo % this.indexEvery === 0) this.lineStarts!.push(this.nextLineStart);
    this.nextLineStart = next;
  }

  private accumulate(part: Buffer): void {
    if (this.overflowHead !== null) {
      this.overflowTotal += part.length;
      this.overflowTail = keepLast(Buffer.concat([this.overflowTail, part]), KEPT_TAIL_BYTES);
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes > MAX_LINE_BYTES) {
      const all = Buffer.concat(this.pending);
      this.overflowHead = all.subarray(0, KEPT_HEAD_BYTES);
      this.overflowTail = keepLast(all, KEPT_TAIL_BYTES);
      this.overflowTotal = all.length;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  private flushPending(): void {
    if (this.overflowHead !== null) {
      const head = this.overflowHead;
      const tail = this.overflowTail;
      const total = this.overflowTotal;
      this.overflowHead = null;
      this.overflowTail = Buffer.alloc(0);
      this.overflowTotal = 0;
      const marker = Buffer.from(CUT_MARKER, 'utf8');
      const joined = Buffer.concat([head, marker, tail]);
      this.deliver(joined, 0, joined.length, total);
      return;
    }
    const joined = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.deliver(joined, 0, joined.length);
  }

  /** `deliver` for a line of a clean chunk (ASCII, no NUL): only CRLF and length can flag it. */
  private deliverClean(buf: Buffer, start: number, end: number): void {
    if (this.wants !== undefined && !this.wants(this.lineNo + 1)) {
      this.lineNo++;
      return;
    }
    const crlf = end > start && buf[end - 1] === 13;
    const stop = crlf ? end - 1 : end;
    if (stop - start > MAX_LINE_BYTES) {
      this.deliver(buf, start, end);
      return;
    }
    this.lineNo++;
    if (this.bytesSink !== undefined && !crlf) {
      this.bytesSink(buf, start, stop, this.lineNo);
      return;
    }
    this.sink((buf as Buffer & Latin1Slicer).latin1Slice(start, stop), this.lineNo, crlf ? flagsFor(buf, start, stop, true, 0) : NO_FLAGS);
  }

  private deliver(buf: Buffer, start: number, end: number, cutFromBytes = 0): void {
    if (this.wants !== undefined && !this.wants(this.lineNo + 1)) {
      this.lineNo++;
      return;
    }
    let stop = end;
    const crlf = stop > start && buf[stop - 1] === 13;
    if (crlf) stop--;
    if (cutFromBytes === 0 && stop - start > MAX_LINE_BYTES) {
      // A single chunk can hold a whole over-long line: cut it the same way as an accumulated one.
      const joined = Buffer.concat([
        buf.subarray(start, start + KEPT_HEAD_BYTES),
        Buffer.from(CUT_MARKER, 'utf8'),
        buf.subarray(stop - KEPT_TAIL_BYTES, stop),
      ]);
      this.lineNo++;
      this.sink(decode(joined, 0, joined.length), this.lineNo, flagsFor(joined, 0, joined.length, crlf, stop - start));
      return;
    }
    if (this.bytesSink !== undefined && cutFromBytes === 0 && !crlf && isCleanAscii(buf.subarray(start, stop))) {
      this.lineNo++;
      this.bytesSink(buf, start, stop, this.lineNo);
      return;
    }
    const text = decode(buf, start, stop);
    this.lineNo++;
    const needsFlags = crlf || cutFromBytes > 0 || hasSuspectBytes(text);
    this.sink(text, this.lineNo, needsFlags ? flagsFor(buf, start, stop, crlf, cutFromBytes, text) : NO_FLAGS);
  }
}

/** What a stream's byte order mark says (no BOM: UTF-8, which plain ASCII also is). */
export type TextEncodingFound = 'utf-8' | 'utf-8 with BOM' | 'utf-16le' | 'utf-16be';

/** Whether text in this encoding has two bytes a character (and no split point a reader could start at blind). */
export function isUtf16(encoding: TextEncodingFound): boolean {
  return encoding === 'utf-16le' || encoding === 'utf-16be';
}

/** Code units after a UTF-16 BOM looked at before calling a file UTF-16 (see looksLikeUtf16). */
const UTF16_PROBE_UNITS = 16;

/** Too few first bytes to tell the encoding yet: a BOM's start, or a UTF-16 BOM without its probe. */
function undecided(head: Buffer): boolean {
  if (head.length === 0) return true;
  if (head.length === 1) return head[0] === 0xef || head[0] === 0xff || head[0] === 0xfe;
  if (head.length === 2 && head[0] === 0xef && head[1] === 0xbb) return true;
  const utf16Bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  return utf16Bom && head.length < 2 + 2 * UTF16_PROBE_UNITS;
}

/**
 * FF FE (or FE FF) followed by text a tool printed: its first code units are nearly all ASCII (a header,
 * digits, spaces). Garbage that happens to start with those two bytes is left as bytes (NUL and
 * invalid UTF-8 flags then tell what it is).
 */
function looksLikeUtf16(head: Buffer, le: boolean): boolean {
  const units = Math.min(UTF16_PROBE_UNITS, (head.length - 2) >> 1);
  if (units === 0) return true;
  let ascii = 0;
  for (let k = 0; k < units; k++) {
    const lo = head[2 + 2 * k + (le ? 0 : 1)]!;
    const hi = head[2 + 2 * k + (le ? 1 : 0)]!;
    if (hi === 0 && lo !== 0 && lo < 0x80) ascii++;
  }
  return ascii * 4 >= units * 3;
}

function isCleanAscii(bytes: Buffer): boolean {
  return isAscii(bytes) && bytes.indexOf(0) === -1;
}

function decode(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end);
}

/** Cheap pre-check on the decoded text: only lines with U+FFFD or NUL need the byte-level look. */
function hasSuspectBytes(text: string): boolean {
  return text.includes('\uFFFD') || text.includes('\u0000');
}

function flagsFor(buf: Buffer, start: number, end: number, crlf: boolean, cutFromBytes: number, text?: string): LineFlags {
  const decoded = text ?? decode(buf, start, end);
  return {
    crlf,
    // U+FFFD can be a real character encoded in the file; only call it invalid when the bytes say so.
    invalidUtf8: decoded.includes('\uFFFD') && !Buffer.from(decoded, 'utf8').equals(buf.subarray(start, end)),
    nul: buf.subarray(start, end).includes(0),
    cutFromBytes,
  };
}

function keepLast(buf: Buffer, n: number): Buffer {
  return buf.length <= n ? buf : buf.subarray(buf.length - n);
}

/** Split a whole string (tests, small inputs) into lines with the same rules as the streaming splitter. */
export function splitLinesOf(content: string | Buffer): { text: string; lineNo: number; flags: LineFlags }[] {
  const out: { text: string; lineNo: number; flags: LineFlags }[] = [];
  const splitter = new LineSplitter((text, lineNo, flags) => out.push({ text, lineNo, flags }));
  splitter.push(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  splitter.end();
  return out;
}
