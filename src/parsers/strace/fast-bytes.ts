/**
 * Byte-level scanning of strace text for the fast analysis reader (fast.ts): the same grammar as the
 * string lexer (lexer.ts, values.ts), read from a byte array (ASCII only: the reader takes no other
 * line) so that no string is made per line. Each function states the string function it mirrors; a
 * result that the mirror would not give is a bug, and test/parsers/strace-fast.test.ts compares the two
 * readers' output on every capture.
 */
import { hexValue } from './values.js';

export const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const LT = 60;
const GT = 62;

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether buf[s, e) equals the ASCII text `t`. */
export function bytesEqual(buf: Uint8Array, s: number, e: number, t: string): boolean {
  if (e - s !== t.length) return false;
  for (let k = 0; k < t.length; k++) if (buf[s + k] !== t.charCodeAt(k)) return false;
  return true;
}

/** Whether buf[at, ...) starts with `t` (within `end`). */
export function startsWithAt(buf: Uint8Array, at: number, end: number, t: string): boolean {
  if (at + t.length > end) return false;
  for (let k = 0; k < t.length; k++) if (buf[at + k] !== t.charCodeAt(k)) return false;
  return true;
}

/** Whether `t` occurs in buf[s, e). */
export function includesBytes(buf: Uint8Array, s: number, e: number, t: string): boolean {
  const first = t.charCodeAt(0);
  const last = e - t.length;
  for (let i = s; i <= last; i++) {
    if (buf[i] === first && startsWithAt(buf, i, e, t)) return true;
  }
  return false;
}

/** ASCII bytes as a string (the reader takes only ASCII lines, so latin1 is UTF-8 here). */
export function ascii(buf: Uint8Array, s: number, e: number): string {
  return Buffer.prototype.latin1Slice.call(buf, s, e) as string;
}

/** values.ts skipString: the index after the literal whose `"` is at i (or `end` when not closed). */
export function skipStringBytes(buf: Uint8Array, i: number, end: number): number {
  let k = i + 1;
  while (k < end) {
    const c = buf[k]!;
    if (c === QUOTE) return k + 1;
    if (c === BACKSLASH) k += 2;
    else k++;
  }
  return end;
}

/** values.ts isAnnotationStart: the `<` at i opens a -y annotation (after an fd number or AT_FDCWD). */
export function isAnnotationStartBytes(buf: Uint8Array, i: number, lo: number): boolean {
  if (i <= lo) return false;
  const p = buf[i - 1]!;
  if (isDigit(p)) return buf[i + 1] !== LT;
  return p === 68 && i - 8 >= lo && startsWithAt(buf, i - 8, i, 'AT_FDCWD');
}

/** values.ts skipAnnotationScan: the index after the annotation whose `<` is at i. */
export function skipAnnotationBytes(buf: Uint8Array, i: number, end: number): number {
  let angle = 0;
  let square = 0;
  let k = i;
  while (k < end) {
    const c = buf[k]!;
    if (c === BACKSLASH) {
      k += 2;
      continue;
    }
    if (c === 91) square++;
    else if (c === 93 && square > 0) square--;
    else if (square === 0) {
      if (c === LT) angle++;
      else if (c === GT && --angle === 0) return k + 1;
    }
    k++;
  }
  return end;
}

/** lexer.ts nameEnd: end of a syscall name `[a-z_][a-z0-9_]*` at i (i when there is none). */
export function nameEndBytes(buf: Uint8Array, i: number, end: number): number {
  const first = buf[i]!;
  if (!((first >= 97 && first <= 122) || first === 95) || i >= end) return i;
  let k = i + 1;
  while (k < end) {
    const c = buf[k]!;
    if ((c >= 97 && c <= 122) || c === 95 || isDigit(c)) k++;
    else break;
  }
  return k;
}

/**
 * The -y/-yy markers of lexer.ts's `yMarkers` for one `<` at i of an argument text starting at lo:
 * 2 for a -yy form, 1 for a -y annotation, 0 otherwise.
 */
export function yMarkerAt(buf: Uint8Array, i: number, lo: number, end: number): number {
  const c = buf[i + 1];
  if (c === 84 /* T */) {
    if (startsWithAt(buf, i + 1, end, 'TCP:[') || startsWithAt(buf, i + 1, end, 'TCPv6:[')) return 2;
  } else if (c === 85 /* U */) {
    if (startsWithAt(buf, i + 1, end, 'UDP:[') || startsWithAt(buf, i + 1, end, 'UDPv6:[') || startsWithAt(buf, i + 1, end, 'UNIX-STREAM:[') || startsWithAt(buf, i + 1, end, 'UNIX-DGRAM:[')) return 2;
  } else if (c === 78 /* N */) {
    if (startsWithAt(buf, i + 1, end, 'NETLINK:[')) return 2;
  } else if (c === 99 /* c */) {
    if (startsWithAt(buf, i + 1, end, 'char ') && i + 6 < end && isDigit(buf[i + 6]!)) return 2;
  } else if (c === 98 /* b */) {
    if (startsWithAt(buf, i + 1, end, 'block ') && i + 7 < end && isDigit(buf[i + 7]!)) return 2;
  }
  if (i > lo) {
    const p = buf[i - 1]!;
    const next = c === undefined || i + 1 >= end ? NaN : c;
    if ((isDigit(p) && (next === 47 || (next >= 97 && next <= 122))) || (p === 68 && i - 8 >= lo && startsWithAt(buf, i - 8, i, 'AT_FDCWD'))) return 1;
  }
  return 0;
}

/**
 * What the last findArgsEndBytes or scanArgsBytes saw in the arguments: the largest -y marker among
 * their `<` (lexer.ts yMarkers; -1 when they hold no `<`), whether a `strace: ` message sits in them
 * outside string literals (where the string reader splits the line: splicedMessageAt), and whether they
 * hold an annotation this reader does not take (an escape, a quote or a nested `<` inside it).
 */
export const argScan = { yMark: -1, spliced: false, odd: false };

/** A `strace: ` ending at the `: ` whose colon is at i. */
function messageAt(buf: Uint8Array, i: number, lo: number, end: number): boolean {
  return i + 1 < end && buf[i + 1] === SPACE && i - 6 >= lo && startsWithAt(buf, i - 6, i, 'strace');
}

/**
 * lexer.ts findArgsEnd on buf[from, end) (from: just after the call's `(`; lo: where the text the
 * string lexer sees starts): the `)` closing the arguments, followed by spaces and `= `; -1 when none.
 * Sets argScan for the arguments (up to the `)` returned).
 */
export function findArgsEndBytes(buf: Uint8Array, lo: number, from: number, end: number): number {
  return scanArgs(buf, lo, from, end, true);
}

/** argScan of the argument text buf[from, end) (an entry half, whose end is not a `)`). */
export function scanArgsBytes(buf: Uint8Array, lo: number, from: number, end: number): void {
  scanArgs(buf, lo, from, end, false);
}

/**
 * The plain annotations the last argument scan walked, by the index of their `<`: the index after their
 * `>`, and whether they are plain (plainOrEscaped). readFdRefBytes then takes an fd's annotation from here
 * instead of walking it twice more. Keyed by the buffer object: positions of another buffer never match.
 */
const MAX_SCANNED_ANNOTATIONS = 16;
const scanned = { buf: undefined as Uint8Array | undefined, count: 0, at: new Int32Array(MAX_SCANNED_ANNOTATIONS), after: new Int32Array(MAX_SCANNED_ANNOTATIONS), plain: new Uint8Array(MAX_SCANNED_ANNOTATIONS), escaped: new Uint8Array(MAX_SCANNED_ANNOTATIONS) };

function rememberAnnotation(buf: Uint8Array, at: number, close: number, escaped: boolean, nested: boolean): void {
  const n = scanned.count;
  if (n === MAX_SCANNED_ANNOTATIONS) return;
  scanned.at[n] = at;
  scanned.after[n] = close + 1;
  scanned.plain[n] = endsWithDeleted(buf, at + 1, close) ? 0 : 1;
  scanned.escaped[n] = (escaped ? ANN_ESCAPED : 0) | (nested ? ANN_NESTED : 0);
  scanned.count = n + 1;
}

/** Flags of an annotation's text (plainOrEscaped): it holds escapes; it holds a `<…>` of -yy (a device). */
export const ANN_ESCAPED = 1;
export const ANN_NESTED = 2;

/** The index after the scanned annotation whose `<` is at `at` in `buf` (-1: not scanned); its plainness in scannedPlain. */
function scannedAnnotationEnd(buf: Uint8Array, at: number): number {
  if (scanned.buf !== buf) return -1;
  for (let k = 0; k < scanned.count; k++) {
    if (scanned.at[k] === at) {
      scannedPlain = scanned.plain[k] === 1;
      scannedFlags = scanned.escaped[k]!;
      return scanned.after[k]!;
    }
  }
  return -1;
}

let scannedPlain = false;
let scannedFlags = 0;

function endsWithDeleted(buf: Uint8Array, s: number, e: number): boolean {
  return e > s && buf[e - 1] === 41 && e - s >= 10 && startsWithAt(buf, e - 10, e, ' (deleted)');
}

/**
 * Which bytes each loop of scanArgs stops at, as bits: in the arguments (a quote, `<`, `(`, `)`, `:`),
 * in a string literal (a quote, a backslash, `<`), in an annotation (a backslash, `[`, `]`, a quote, `:`,
 * `<`, `>`). One table load per byte instead of a chain of compares: most bytes are none of these.
 */
const IN_ARGS = 1;
const IN_STRING = 2;
const IN_ANNOTATION = 4;
const STOPS = ((): Uint8Array => {
  const t = new Uint8Array(256);
  for (const c of [QUOTE, LT, 40, 41, 58]) t[c]! |= IN_ARGS;
  for (const c of [QUOTE, BACKSLASH, LT]) t[c]! |= IN_STRING;
  for (const c of [BACKSLASH, 91, 93, QUOTE, 58, LT, GT]) t[c]! |= IN_ANNOTATION;
  return t;
})();

function scanArgs(buf: Uint8Array, lo: number, from: number, end: number, findClose: boolean): number {
  scanned.buf = buf;
  scanned.count = 0;
  let depth = 1;
  let lastCandidate = -1;
  let markAtCandidate = -1;
  let mark = -1;
  let spliced = false;
  let odd = false;
  let i = from;
  while (i < end) {
    const c = buf[i]!;
    if ((STOPS[c]! & IN_ARGS) === 0) {
      i++;
      continue;
    }
    if (c === QUOTE) {
      let k = i + 1;
      while (k < end) {
        const d = buf[k]!;
        if ((STOPS[d]! & IN_STRING) === 0) {
          k++;
          continue;
        }
        if (d === QUOTE) break;
        if (d === BACKSLASH) k += 2;
        else {
          if (d === LT && mark < 2) mark = Math.max(mark, yMarkerAt(buf, k, from, end));
          k++;
        }
      }
      i = k < end ? k + 1 : end;
      continue;
    }
    if (c === LT) {
      if (mark < 2) mark = Math.max(mark, yMarkerAt(buf, i, from, end));
      if (isAnnotationStartBytes(buf, i, lo)) {
        // A plain annotation: to its first `>` outside `[...]`.
        let k = i + 1;
        let square = 0;
        let angle = 1;
        let escaped = false;
        let nested = false;
        while (k < end) {
          const d = buf[k]!;
          if ((STOPS[d]! & IN_ANNOTATION) === 0) {
            k++;
            continue;
          }
          if (d === BACKSLASH) {
            // An escape (`\303`, `\74`, `\"`, `\\`): skipped as skipAnnotationBytes skips it; the text is decoded where it is used.
            escaped = true;
            k += 2;
            continue;
          }
          if (d === 91) square++;
          else if (d === 93 && square > 0) square--;
          else if (d === QUOTE) odd = true;
          else if (d === 58 && messageAt(buf, k, lo, end)) spliced = true;
          else if (d === LT) {
            // -yy: `/dev/null<char 1:3>` (a device inside the annotation); strace.ts yMarkers sees every `<`.
            if (mark < 2) mark = Math.max(mark, yMarkerAt(buf, k, from, end));
            if (square === 0) {
              angle++;
              nested = true;
            }
          } else if (d === GT && square === 0 && --angle === 0) break;
          k++;
        }
        if (k < end) rememberAnnotation(buf, i, k, escaped, nested);
        i = k < end ? k + 1 : end;
        continue;
      }
    } else if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (findClose && followedByEquals(buf, i + 1, end)) {
        if (depth === 0) {
          argScan.yMark = mark;
          argScan.spliced = spliced;
          argScan.odd = odd;
          return i;
        }
        lastCandidate = i;
        markAtCandidate = mark;
      }
    } else if (c === 58 && messageAt(buf, i, lo, end)) spliced = true;
    i++;
  }
  argScan.yMark = findClose ? markAtCandidate : mark;
  argScan.spliced = spliced;
  argScan.odd = odd;
  return lastCandidate;
}

/** lexer.ts indexOfStraceColon on buf[from, e): where a `strace: ` starts, or -1. */
function indexOfStraceColonBytes(buf: Uint8Array, from: number, e: number): number {
  for (let k = from + 6; k + 1 < e; k++) {
    if (buf[k] === 58 && buf[k + 1] === SPACE && startsWithAt(buf, k - 6, e, 'strace')) return k - 6;
  }
  return -1;
}

/** lexer.ts splicedMessageAt on the line buf[s, e): where a `strace: ` outside any string literal starts, or -1. */
export function splicedMessageAtBytes(buf: Uint8Array, s: number, e: number): number {
  let from = s;
  for (;;) {
    const at = indexOfStraceColonBytes(buf, from, e);
    if (at <= from) return at;
    let i = from;
    let inside = false;
    while (i < at) {
      if (buf[i] === QUOTE) {
        i = skipStringBytes(buf, i, e);
        if (i > at) {
          inside = true;
          break;
        }
        continue;
      }
      i++;
    }
    if (!inside) return at;
    from = i;
  }
}

/** strace.ts isContinuation on buf[s, e): the rest of a call line a strace message cut. */
export function isContinuationBytes(buf: Uint8Array, s: number, e: number): boolean {
  const c = buf[s];
  return c === 41 || c === 44 || startsWithAt(buf, s, e, ' =>') || startsWithAt(buf, s, e, ' <unfinished ...>') || startsWithAt(buf, s, e, ' <detached ...>');
}

/** Whether buf[from, end) (a return part, an exit line's end) holds a `strace: ` message. */
export function hasMessage(buf: Uint8Array, lo: number, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (buf[i] === 58 && messageAt(buf, i, lo, end)) return true;
  return false;
}

function followedByEquals(buf: Uint8Array, i: number, end: number): boolean {
  let j = i;
  while (j < end && buf[j] === SPACE) j++;
  if (j === i || j >= end || buf[j] !== 61) return false;
  return j + 1 >= end || buf[j + 1] === SPACE;
}

/** The return part of a call read from bytes: what the reader's counts need (the record's text fields come from the string lexer). */
export interface ByteReturn {
  /** The return value when it is a number that fits a double exactly. */
  ret: number | undefined;
  /** Where the errno name is (-1: none) and where it ends. */
  errnoStart: number;
  errnoEnd: number;
  durationS: number | undefined;
  /** The returned fd's annotation [start, end) inside its `<…>` (start -1: none), and `(deleted)` after it. */
  annStart: number;
  annEnd: number;
  annDeleted: boolean;
  /** The returned fd's annotation holds escapes (ByteFdRef.escaped), a -yy `<…>` (ByteFdRef.nested). */
  annEscaped: boolean;
  annNested: boolean;
}

export function newByteReturn(): ByteReturn {
  return { ret: undefined, errnoStart: -1, errnoEnd: -1, durationS: undefined, annStart: -1, annEnd: -1, annDeleted: false, annEscaped: false, annNested: false };
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** lexer.ts decimalAt on bytes: the value of `D+.D+`, -1 when not that, -2 when too long for this reader. */
function decimalBytes(buf: Uint8Array, start: number, end: number): number {
  let dot = -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const c = buf[k]!;
    if (c === 46 && dot < 0) dot = k;
    else if (isDigit(c)) v = v * 10 + (c - 48);
    else return -1;
  }
  if (dot <= start || dot === end - 1) return -1;
  const fracDigits = end - dot - 1;
  if (end - start - 1 > 15 || fracDigits >= POW10.length) return -2;
  return v / POW10[fracDigits]!;
}

/** Trimmed by String.prototype.trim among ASCII bytes. */
function isWhite(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13);
}

/**
 * lexer.ts readReturnInto on bytes, from the `)` at close to end. Returns 1 when read, 0 when the string
 * lexer would find no readable return (the line is unparsed), -1 when this reader does not read it the
 * same way (a long duration, a hex value, an odd annotation): the caller gives the file up.
 */
export function readReturnBytes(buf: Uint8Array, close: number, end: number, out: ByteReturn): number {
  let i = close + 1;
  while (i < end && buf[i] === SPACE) i++;
  if (i >= end || buf[i] !== 61) return 0;
  i++;
  while (i < end && buf[i] === SPACE) i++;
  let e = end;
  while (e > i && buf[e - 1] === SPACE) e--;
  out.ret = undefined;
  out.errnoStart = -1;
  out.errnoEnd = -1;
  out.durationS = undefined;
  out.annStart = -1;
  out.annEnd = -1;
  out.annDeleted = false;
  out.annEscaped = false;
  out.annNested = false;
  if (e > i && buf[e - 1] === GT) {
    let lt = e - 2;
    while (lt > i && buf[lt] !== LT) lt--;
    if (lt > i) {
      const seconds = decimalBytes(buf, lt + 1, e - 1);
      if (seconds === -2) return -1;
      if (seconds >= 0) {
        out.durationS = seconds;
        e = lt;
        while (e > i && buf[e - 1] === SPACE) e--;
      }
    }
  }
  let k = i;
  let firstLt = -1;
  let annClose = -1;
  while (k < e) {
    const c = buf[k]!;
    if (c === SPACE) break;
    if (c === LT) {
      if (firstLt < 0) firstLt = k;
      if (isAnnotationStartBytes(buf, k, 0)) {
        annClose = skipAnnotationBytes(buf, k, e);
        k = annClose;
        if (startsWithAt(buf, k, e, '(deleted)')) {
          out.annDeleted = true;
          k += 9;
        }
        break;
      }
    }
    k++;
  }
  if (k === i) return 0;
  const valueEnd = firstLt > i ? firstLt : k;
  if (!(valueEnd - i === 1 && buf[i] === 63 /* ? */)) {
    let p = i;
    let neg = false;
    if (buf[p] === 45) {
      neg = true;
      p++;
    }
    if (valueEnd - i > 20) return 0;
    if (buf[p] === 48 && buf[p + 1] === 120 && p + 1 < valueEnd) {
      // Hex (mmap, brk): values.ts parseInteger.
      if (valueEnd - p - 2 < 1) return 0;
      for (let q = p + 2; q < valueEnd; q++) if (hexValue(buf[q]!) < 0) return 0;
      const v = Number.parseInt(ascii(buf, p + 2, valueEnd), 16);
      if (Number.isSafeInteger(v)) out.ret = neg ? -v : v;
    } else {
      if (p === valueEnd) return 0;
      let v = 0;
      for (let q = p; q < valueEnd; q++) {
        const c = buf[q]!;
        if (c < 48 || c > 57) return 0;
        v = v * 10 + (c - 48);
      }
      if (Number.isSafeInteger(v)) out.ret = neg ? -v : v;
    }
    if (firstLt > i) {
      // A value token with `<`: parseFdRefAt reads its annotation (a plain one only, here).
      if (annClose < 0 || buf[annClose - 1] !== GT || firstLt !== valueEnd) return -1;
      out.annStart = firstLt + 1;
      out.annEnd = annClose - 1;
      const flags = plainOrEscaped(buf, out.annStart, out.annEnd);
      if (flags < 0) return -1;
      out.annEscaped = (flags & ANN_ESCAPED) !== 0;
      out.annNested = (flags & ANN_NESTED) !== 0;
    }
  }
  let s = k;
  while (s < e && isWhite(buf[s]!)) s++;
  if (s >= e) return 1;
  if (buf[s] === 69 /* E */) {
    let sp = s;
    while (sp < e && buf[sp] !== SPACE) sp++;
    out.errnoStart = s;
    out.errnoEnd = sp;
  }
  return 1;
}

/**
 * Whether an annotation's text buf[s, e) (its end found by skipAnnotationBytes) is one this reader takes:
 * -1 not (a raw `"` inside, or ` (deleted)` inside the brackets, as strace < 5.19 printed it), otherwise
 * its flags: ANN_ESCAPED (escapes, skipped as skipAnnotationBytes skips them, decoded where the text is
 * used), ANN_NESTED (a `<…>` outside `[…]`: -yy's device).
 */
function plainOrEscaped(buf: Uint8Array, s: number, e: number): number {
  let flags = 0;
  let square = 0;
  for (let k = s; k < e; k++) {
    const c = buf[k]!;
    if (c === BACKSLASH) {
      flags |= ANN_ESCAPED;
      k++;
    } else if (c === 91) square++;
    else if (c === 93 && square > 0) square--;
    else if (c === QUOTE) return -1;
    else if (c === LT && square === 0) flags |= ANN_NESTED;
  }
  return endsWithDeleted(buf, s, e) ? -1 : flags;
}

/** Where the arguments' top-level commas are, scanned lazily (values.ts ArgList on bytes). */
export class ByteArgs {
  buf: Uint8Array = new Uint8Array(0);
  /** Start of the text the string lexer would see (the line, or a joined resumed call). */
  lo = 0;
  start = 0;
  end = 0;
  private commas: number[] = [];
  private ncommas = 0;
  private scanPos = 0;
  private depth = 0;
  private scanDone = false;
  /** Bounds of the last argument asked for (trimmed). */
  itemStart = 0;
  itemEnd = 0;

  reset(buf: Uint8Array, lo: number, start: number, end: number): void {
    this.buf = buf;
    this.lo = lo;
    this.start = start;
    this.end = end;
    this.ncommas = 0;
    this.scanPos = start;
    this.depth = 0;
    this.scanDone = false;
  }

  /**
   * Argument i as an fd reference into `out` (ArgList.fdRef): 1 read, 0 none, -1 an annotation this
   * reader does not take. Argument 0 is read straight from the start when a `,` or the end follows it.
   */
  fdRef(i: number, out: ByteFdRef): number {
    if (i === 0 && this.ncommas === 0 && this.scanPos === this.start) {
      const r = readFdRefBytes(this.buf, this.start, this.end, out);
      if (r === 1) {
        const after = fdRefEnd;
        if (after < this.end && this.buf[after] === 44) {
          this.commas[this.ncommas++] = after;
          this.scanPos = after + 1;
          return 1;
        }
        if (after === this.end) return 1;
      } else if (r < 0) return r;
    }
    if (!this.bounds(i)) return 0;
    return readFdRefBytes(this.buf, this.itemStart, this.itemEnd, out);
  }

  /** Set itemStart/itemEnd to argument i (trimmed); false when there is none. */
  bounds(i: number): boolean {
    while (this.ncommas < i && !this.scanDone) this.scanToComma();
    if (this.ncommas < i) return false;
    let s = i === 0 ? this.start : this.commas[i - 1]! + 1;
    let e: number;
    if (this.ncommas > i) e = this.commas[i]!;
    else {
      this.scanToComma();
      e = this.ncommas > i ? this.commas[i]! : this.end;
    }
    const buf = this.buf;
    if (i === 0 && this.ncommas === 0 && this.scanDone) {
      let blank = true;
      for (let k = this.start; k < this.end; k++) if (!isWhite(buf[k]!)) blank = false;
      if (blank) return false;
    }
    while (s < e && isWhite(buf[s]!)) s++;
    while (e > s && isWhite(buf[e - 1]!)) e--;
    this.itemStart = s;
    this.itemEnd = e;
    return true;
  }

  private scanToComma(): void {
    if (this.scanDone) return;
    const buf = this.buf;
    const n = this.end;
    let i = this.scanPos;
    let depth = this.depth;
    while (i < n) {
      const c = buf[i]!;
      if (c === QUOTE) {
        i = skipStringBytes(buf, i, lineEnd);
        continue;
      }
      if (c === LT && i > this.start && isAnnotationStartBytes(buf, i, this.lo)) {
        i = skipAnnotationBytes(buf, i, n);
        continue;
      }
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93 || c === 125) depth--;
      else if (c === 44 && depth <= 0) {
        this.commas[this.ncommas++] = i;
        this.scanPos = i + 1;
        this.depth = depth;
        return;
      }
      i++;
    }
    this.scanPos = n;
    this.depth = depth;
    this.scanDone = true;
  }
}

/** The scanned text's end for a string literal (the string ArgList skips a literal over the whole line). */
let lineEnd = 0;

/** Set where the current line ends (ByteArgs skips string literals up to it, as the string lexer does). */
export function setLineEnd(end: number): void {
  lineEnd = end;
}

/** An fd reference read from bytes (values.ts parseFdRefAt): fd, and its plain annotation's bounds. */
export interface ByteFdRef {
  fd: number;
  /** Annotation text [annStart, annEnd) inside `<…>`; annStart -1 when none. */
  annStart: number;
  annEnd: number;
  deleted: boolean;
  /** The annotation holds escapes: its text is decodeAnnotationText's, not its bytes. */
  escaped: boolean;
  /** The annotation holds a -yy `<…>` (a device): its path is annotationPath's of its text. */
  nested: boolean;
}

export const AT_FDCWD = -100;

/** Where the last readFdRefBytes stopped (after the fd, its annotation and `(deleted)`). */
let fdRefEnd = 0;

/**
 * values.ts parseFdRefAt on buf[start, end) into `out`. Returns 1 when read, 0 when not an fd, -1 when
 * the annotation is not plain (the caller gives the file up).
 */
/** Where the last readFdRefBytes that returned 1 stopped reading. */
export function lastFdRefEnd(): number {
  return fdRefEnd;
}

export function readFdRefBytes(buf: Uint8Array, start: number, end: number, out: ByteFdRef): number {
  let i = start;
  let fd: number;
  if (end - start >= 8 && startsWithAt(buf, start, end, 'AT_FDCWD')) {
    fd = AT_FDCWD;
    i = start + 8;
  } else {
    let neg = false;
    if (i < end && buf[i] === 45) {
      neg = true;
      i++;
    }
    const digitsStart = i;
    let v = 0;
    while (i < end) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    if (i === digitsStart || i - digitsStart > 10) return 0;
    fd = neg ? -v : v;
  }
  out.fd = fd;
  out.annStart = -1;
  out.annEnd = -1;
  out.deleted = false;
  out.escaped = false;
  out.nested = false;
  fdRefEnd = i;
  if (i < end && buf[i] === LT) {
    // An annotation the argument scan walked (nothing odd in it, so it ends where skipAnnotationBytes ends it).
    let close = scannedAnnotationEnd(buf, i);
    let flags: number;
    if (close > i + 1 && close <= end) {
      if (!scannedPlain) return -1;
      flags = scannedFlags;
    } else {
      close = skipAnnotationBytes(buf, i, end);
      if (buf[close - 1] !== GT || close - 1 <= i) return -1;
      flags = plainOrEscaped(buf, i + 1, close - 1);
      if (flags < 0) return -1;
    }
    out.escaped = (flags & ANN_ESCAPED) !== 0;
    out.nested = (flags & ANN_NESTED) !== 0;
    out.annStart = i + 1;
    out.annEnd = close - 1;
    fdRefEnd = close;
    if (close + 9 <= end && startsWithAt(buf, close, end, '(deleted)')) {
      out.deleted = true;
      fdRefEnd = close + 9;
    }
  }
  return 1;
}

/** values.ts annotationKind on bytes. */
export function annotationKindBytes(buf: Uint8Array, s: number, e: number): 'file' | 'pipe' | 'socket' | 'anon' | 'memfd' {
  if (startsWithAt(buf, s, e, '/memfd:')) return 'memfd';
  if (buf[s] === 47) return 'file';
  if (startsWithAt(buf, s, e, 'pipe:')) return 'pipe';
  if (startsWithAt(buf, s, e, 'anon_inode:')) return 'anon';
  return 'socket';
}

/** Whether buf[s, e) holds exactly the characters of `t`. */
export function sameText(buf: Uint8Array, s: number, e: number, t: string | undefined): boolean {
  return t !== undefined && bytesEqual(buf, s, e, t);
}
