/**
 * strace argument values: C string literals (octal, `\xNN`, `-x`/`-xx`), top-level argument splitting
 * (quote-, bracket- and `-y`-annotation-aware) and fd references with `-y`/`-yy` annotations.
 *
 * Everything here is a hand-written scanner over char codes: no regex runs per argument.
 */

const BACKSLASH = 92;
const QUOTE = 34;
const LT = 60;
const GT = 62;

/** A decoded C string: its text (bytes read as UTF-8) and whether strace cut it at `-s N` (`"..."...`). */
export interface DecodedString {
  text: string;
  truncated: boolean;
  /** Index just after the literal (and after its `...` when truncated). */
  end: number;
}

export function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Decode the C string literal that starts at `start` (which must be `"`). strace escapes every byte
 * ≥ 0x80 (`\303\251`), so decoding goes through bytes and reads them as UTF-8 at the end.
 * Returns undefined when the literal is not closed (a line cut in the middle of a string).
 */
export function decodeCString(text: string, start = 0): DecodedString | undefined {
  if (text.charCodeAt(start) !== QUOTE) return undefined;
  // Most literals (paths above all) hold no escape: the text between the quotes is the value.
  const close = text.indexOf('"', start + 1);
  if (close > 0) {
    const bs = text.indexOf('\\', start + 1);
    if (bs < 0 || bs > close) {
      const truncated = text.startsWith('...', close + 1);
      return { text: text.slice(start + 1, close), truncated, end: truncated ? close + 4 : close + 1 };
    }
  }
  const r = decodeEscapes(text, start + 1, text.length, true);
  if (!r) return undefined;
  const truncated = text.startsWith('...', r.end);
  return { text: r.text, truncated, end: truncated ? r.end + 3 : r.end };
}

/**
 * Decode C escapes in text[from, to). With `stopAtQuote`, stops after the first unescaped `"` (and
 * fails when there is none). Returns the text (bytes read as UTF-8) and the index after what was read.
 */
function decodeEscapes(text: string, from: number, to: number, stopAtQuote: boolean): { text: string; end: number } | undefined {
  const bytes: number[] = [];
  let ascii = true;
  let i = from;
  const done = (end: number): { text: string; end: number } => ({ text: ascii ? String.fromCharCode(...bytes) : Buffer.from(bytes).toString('utf8'), end });
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === QUOTE && stopAtQuote) return done(i + 1);
    if (c !== BACKSLASH) {
      if (c < 0x80) bytes.push(c);
      else {
        // Not produced by strace itself (it escapes non-ASCII), but a file may have gone through an editor.
        // A surrogate pair is one character: encode it whole (as the escape-free fast path keeps it).
        ascii = false;
        const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < to && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
        for (const b of Buffer.from(text.slice(i, pair ? i + 2 : i + 1), 'utf8')) bytes.push(b);
        if (pair) i++;
      }
      i++;
      continue;
    }
    const e = text.charCodeAt(i + 1);
    i += 2;
    switch (e) {
      case 110: bytes.push(10); break; // \n
      case 116: bytes.push(9); break; // \t
      case 114: bytes.push(13); break; // \r
      case 102: bytes.push(12); break; // \f
      case 118: bytes.push(11); break; // \v
      case 97: bytes.push(7); break; // \a (not printed by strace, accepted)
      case 98: bytes.push(8); break; // \b
      case 120: { // \xNN
        const hi = hexValue(text.charCodeAt(i));
        const lo = hexValue(text.charCodeAt(i + 1));
        if (hi < 0 || lo < 0) return undefined;
        bytes.push(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        if (e >= 48 && e <= 55) {
          // Octal: up to 3 digits (strace prints as few as possible unless a digit follows).
          let v = e - 48;
          for (let k = 0; k < 2; k++) {
            const d = text.charCodeAt(i);
            if (d >= 48 && d <= 55) {
              v = v * 8 + (d - 48);
              i++;
            } else break;
          }
          bytes.push(v & 0xff);
        } else if (Number.isNaN(e)) {
          return undefined;
        } else {
          bytes.push(e); // \" \\ and anything else: the character itself
        }
    }
    if (bytes[bytes.length - 1]! >= 0x80) ascii = false;
  }
  return stopAtQuote ? undefined : done(to);
}

/**
 * Split an argument list at its top-level `, ` separators. Quotes, `()`, `[]`, `{}` and `-y`
 * annotations (`3</a, b>`, `9<TCP:[1.2.3.4:5->6.7.8.9:10]>`) are kept whole.
 * Returns the arguments trimmed; an empty list gives [].
 */
export function splitArgs(args: string): string[] {
  const out: string[] = [];
  const n = args.length;
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = args.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(args, i);
      continue;
    }
    if (c === LT && isAnnotationStart(args, i)) {
      i = skipAnnotation(args, i);
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 && depth <= 0) {
      out.push(args.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  const last = args.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

/**
 * The arguments of one call, split lazily: `get(i)` scans only as far as argument i (most calls need
 * argument 0 or 1), and `fdRef(i)` reads an fd without cutting the argument out. Same items as
 * `splitArgs` (trimmed; an empty list has none). One instance is reused for every call.
 */
export class ArgList {
  private text = '';
  /**
   * Offsets of the top-level commas found so far: the first `ncommas` items of `commas` (the array is
   * reused; setting `.length` is a runtime call).
   */
  private readonly commas: number[] = [];
  private ncommas = 0;
  private scanPos = 0;
  private depth = 0;
  private scanDone = true;
  private list: string[] | undefined;

  /** Where the argument text starts and ends in `text`, and the argument text itself (raw(), all()). */
  private base = 0;
  private end = 0;
  private rawText = '';

  reset(text: string): void {
    this.resetIn(text, 0, text.length, text);
  }

  /**
   * The arguments are text[start, end) (whose copy is `raw`): read in place, in the line the lexer
   * already scanned, so the `-y` annotations it skipped are found again in skipAnnotation's memo.
   */
  resetIn(text: string, start: number, end: number, raw: string): void {
    this.text = text;
    this.base = start;
    this.end = end;
    this.rawText = raw;
    this.ncommas = 0;
    this.scanPos = start;
    this.depth = 0;
    this.scanDone = false;
    this.list = undefined;
    this.lastRefIndex = -1;
    this.lastRef = undefined;
  }

  /** Argument i trimmed, or undefined when there are fewer arguments. */
  get(i: number): string | undefined {
    if (!this.bounds(i)) return undefined;
    return this.text.slice(this.itemStart, this.itemEnd);
  }

  /**
   * `parseFdRef(get(i))` without the copy. The last result is kept: calls with a dirfd read it twice
   * (for the path and for the `fd` field), and nothing changes a FdRef once made.
   */
  fdRef(i: number): FdRef | undefined {
    if (i === this.lastRefIndex) return this.lastRef;
    const ref = this.readFdRef(i);
    this.lastRefIndex = i;
    this.lastRef = ref;
    return ref;
  }

  private lastRefIndex = -1;
  private lastRef: FdRef | undefined = undefined;

  private readFdRef(i: number): FdRef | undefined {
    if (i === 0 && this.ncommas === 0 && this.scanPos === this.base) {
      // Read the fd straight from the start; when a top-level `,` (or the end) follows what it read,
      // that is the end of argument 0 and the result is the one of the full split.
      const ref = parseFdRefAt(this.text, this.base, this.end);
      if (ref !== undefined) {
        const after = this.fdEnd;
        if (after < this.end && this.text.charCodeAt(after) === 44 /* , */) {
          this.commas[this.ncommas++] = after;
          this.scanPos = after + 1;
          return ref;
        }
        if (after === this.end) return ref;
      }
    }
    if (!this.bounds(i)) return undefined;
    return parseFdRefAt(this.text, this.itemStart, this.itemEnd);
  }

  /** The whole argument text. */
  raw(): string {
    return this.rawText;
  }

  /** Every argument (`splitArgs`), for the rare calls that look at all of them. */
  all(): readonly string[] {
    this.list ??= splitArgs(this.rawText);
    return this.list;
  }

  private itemStart = 0;
  private itemEnd = 0;
  private get fdEnd(): number {
    return lastFdRefEnd;
  }

  /** Set itemStart/itemEnd to argument i (trimmed); false when there is no argument i. */
  private bounds(i: number): boolean {
    const text = this.text;
    while (this.ncommas < i && !this.scanDone) this.scanToComma();
    if (this.ncommas < i) return false;
    let s = i === 0 ? this.base : this.commas[i - 1]! + 1;
    let e: number;
    if (this.ncommas > i) e = this.commas[i]!;
    else {
      this.scanToComma();
      e = this.ncommas > i ? this.commas[i]! : this.end;
    }
    // An empty argument list has no argument 0 (splitArgs('') is []).
    if (i === 0 && this.ncommas === 0 && this.scanDone && isBlank(text, this.base, this.end)) return false;
    while (s < e && isTrimmed(text.charCodeAt(s))) s++;
    while (e > s && isTrimmed(text.charCodeAt(e - 1))) e--;
    this.itemStart = s;
    this.itemEnd = e;
    return true;
  }

  /** Advance the scan to the next top-level comma (recorded) or the end. */
  private scanToComma(): void {
    if (this.scanDone) return;
    const args = this.text;
    const n = this.end;
    let i = this.scanPos;
    let depth = this.depth;
    while (i < n) {
      const c = args.charCodeAt(i);
      if (c === QUOTE) {
        // Past n when the literal is not closed in the arguments: the scan ends as it does at n.
        i = skipString(args, i);
        continue;
      }
      // At the first argument the character before is the call's `(` (or nothing): no annotation.
      if (c === LT && i > this.base && isAnnotationStart(args, i)) {
        i = skipAnnotation(args, i, n);
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

/** What String.prototype.trim removes, for the characters an argument list can hold. */
export function isTrimmed(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000;
}

function isBlank(text: string, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (!isTrimmed(text.charCodeAt(k))) return false;
  return true;
}

/**
 * Index just after the string literal starting at `i` (or the end of text when it is not closed).
 * One forward loop to the first `"` or `\\`: two indexOf calls would each run to the end of the line
 * when the literal has no escape (the common case), for every literal of the line.
 */
export function skipString(text: string, i: number): number {
  const n = text.length;
  let k = i + 1;
  for (;;) {
    if (k >= n) return n;
    const c = text.charCodeAt(k);
    if (c === QUOTE) return k + 1;
    if (c === BACKSLASH) break;
    k++;
  }
  while (k < n) {
    const c = text.charCodeAt(k);
    if (c === BACKSLASH) k += 2;
    else if (c === QUOTE) return k + 1;
    else k++;
  }
  return n;
}

/** A `<` opens a `-y` annotation when it follows an fd number or AT_FDCWD (`3<`, `AT_FDCWD<`). */
export function isAnnotationStart(text: string, i: number): boolean {
  if (i === 0) return false;
  const p = text.charCodeAt(i - 1);
  if (p >= 48 && p <= 57) return text.charCodeAt(i + 1) !== LT; // not a `<<` shift
  return p === 68 && text.endsWith('AT_FDCWD', i);
}

/**
 * Index just after the annotation whose `<` is at `i`: nested `<...>` count (`</dev/null<char 1:3>>`),
 * `[...]` hide `->` (`TCP:[a->b]`), backslash escapes (`\74`, `\"`) are skipped.
 */
export function skipAnnotation(text: string, i: number, n = text.length): number {
  // The same annotation is skipped twice per call (by the lexer looking for the end of the arguments
  // or of the return value, then when its fd is read): the last two results are kept. A result below
  // its bound is a closing `>` found, and holds for any bound at or past it.
  if (i === memoAt0 && text === memoText0 && (n === memoN0 || (memoEnd0 < memoN0 && memoEnd0 <= n))) return memoEnd0;
  if (i === memoAt1 && text === memoText1 && (n === memoN1 || (memoEnd1 < memoN1 && memoEnd1 <= n))) return memoEnd1;
  const end = skipAnnotationScan(text, i, n);
  if (memoNext === 0) {
    memoText0 = text;
    memoAt0 = i;
    memoN0 = n;
    memoEnd0 = end;
    memoNext = 1;
  } else {
    memoText1 = text;
    memoAt1 = i;
    memoN1 = n;
    memoEnd1 = end;
    memoNext = 0;
  }
  return end;
}

let memoText0 = '';
let memoAt0 = -1;
let memoN0 = 0;
let memoEnd0 = 0;
let memoText1 = '';
let memoAt1 = -1;
let memoN1 = 0;
let memoEnd1 = 0;
let memoNext = 0;

function skipAnnotationScan(text: string, i: number, n: number): number {
  // Fast path: a plain `<path>` (no nested `<`, no `[`, no escape before the first `>`). indexOf is
  // native (memchr-like): four of them beat a JavaScript loop over the path's characters.
  const gt = text.indexOf('>', i + 1);
  if (gt >= 0 && gt < n) {
    const lt = text.indexOf('<', i + 1);
    const sq = text.indexOf('[', i + 1);
    const bs = text.indexOf('\\', i + 1);
    if ((lt < 0 || lt > gt) && (sq < 0 || sq > gt) && (bs < 0 || bs > gt)) return gt + 1;
  }
  let angle = 0;
  let square = 0;
  let k = i;
  while (k < n) {
    const c = text.charCodeAt(k);
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
  return n;
}

/** Decode the escapes strace uses inside `-y` paths (`\74` for `<`, `\"`, `\\`, `\t`, octal bytes). */
export function decodeAnnotationText(raw: string): string {
  if (raw.indexOf('\\') < 0) return raw;
  return decodeEscapes(raw, 0, raw.length, false)?.text ?? raw;
}

/** An fd argument or return value: `3`, `3</path>`, `3</path>(deleted)`, `AT_FDCWD</cwd>`, `AT_FDCWD`. */
export interface FdRef {
  /** The fd number; -100 for AT_FDCWD. */
  fd: number;
  /** The `-y` annotation, decoded (`/tmp/a.txt`, `pipe:[123]`, `TCP:[a->b]`, `/dev/null<char 1:3>` for -yy). */
  annotation: string | undefined;
  deleted: boolean;
}

export const AT_FDCWD = -100;

/** Read an fd reference at the start of `text` (an argument or a return value). */
export function parseFdRef(text: string): FdRef | undefined {
  return parseFdRefAt(text, 0, text.length);
}

/** Where the last `parseFdRefAt` stopped reading (after the fd, its annotation and `(deleted)`). */
let lastFdRefEnd = 0;

/** `parseFdRef` of text[start, end), without cutting it out first. */
export function parseFdRefAt(text: string, start: number, end: number): FdRef | undefined {
  let i = start;
  let fd: number;
  if (text.startsWith('AT_FDCWD', start) && end - start >= 8) {
    fd = AT_FDCWD;
    i = start + 8;
  } else {
    let neg = false;
    if (i < end && text.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    const digitsStart = i;
    let v = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    if (i === digitsStart || i - digitsStart > 10) return undefined;
    fd = neg ? -v : v;
    // -X verbose prints `-100 /* AT_FDCWD */`
  }
  // Every field present: one hidden class for every FdRef (they are read on every fd call).
  const ref: FdRef = { fd, annotation: undefined, deleted: false };
  lastFdRefEnd = i;
  if (i < end && text.charCodeAt(i) === LT) {
    const close = skipAnnotation(text, i, end);
    ref.annotation = decodeAnnotationText(text.slice(i + 1, close - 1));
    lastFdRefEnd = close;
    if (close + 9 <= end && text.startsWith('(deleted)', close)) {
      ref.deleted = true;
      lastFdRefEnd = close + 9;
    } else if (ref.annotation.charCodeAt(ref.annotation.length - 1) === 41 /* ) */ && ref.annotation.endsWith(' (deleted)')) {
      // strace < 5.19 printed the marker inside the brackets.
      ref.annotation = ref.annotation.slice(0, -10);
      ref.deleted = true;
    }
  }
  return ref;
}

/** What an annotation designates: a file path, a pipe, a socket, an anonymous inode, a memfd. */
export type FdKind = 'file' | 'pipe' | 'socket' | 'anon' | 'memfd';

export function annotationKind(annotation: string): FdKind {
  if (annotation.startsWith('/memfd:')) return 'memfd';
  if (annotation.startsWith('/')) return 'file';
  if (annotation.startsWith('pipe:')) return 'pipe';
  if (annotation.startsWith('anon_inode:')) return 'anon';
  return 'socket'; // socket:[N], TCP:[...], UDP:[...], UNIX-STREAM:[...], NETLINK:[...] …
}

/** `-yy` adds device info to character/block devices: `/dev/null<char 1:3>` → `/dev/null`. */
export function annotationPath(annotation: string): string {
  if (annotation.charCodeAt(annotation.length - 1) === GT && annotation.startsWith('/')) {
    const lt = annotation.lastIndexOf('<');
    if (lt > 0) {
      const tail = annotation.slice(lt + 1, -1);
      if (tail.startsWith('char ') || tail.startsWith('block ')) return annotation.slice(0, lt);
    }
  }
  return annotation;
}

/** Parse a non-negative or negative decimal or a hex number; undefined when the text is something else. */
export function parseInteger(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 20) return undefined;
  let i = 0;
  let neg = false;
  if (text.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  if (text.startsWith('0x', i)) {
    if (n - i - 2 < 1) return undefined;
    for (let k = i + 2; k < n; k++) if (hexValue(text.charCodeAt(k)) < 0) return undefined;
    const v = Number.parseInt(text.slice(i + 2), 16);
    return neg ? -v : v;
  }
  if (i === n) return undefined;
  let v = 0;
  for (let k = i; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** Join path `p` to a directory (no normalisation beyond `.`/`..` segments and duplicate slashes). */
export function resolvePath(dir: string, p: string): string {
  const joined = p.startsWith('/') ? p : `${dir.endsWith('/') ? dir : `${dir}/`}${p}`;
  if (joined.indexOf('/.') < 0 && joined.indexOf('//') < 0) return joined;
  const parts: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

/**
 * The fds of every `SCM_RIGHTS` control message in a recvmsg/recvmmsg argument text:
 * `cmsg_type=SCM_RIGHTS, cmsg_data=[5, 6]` or, with -y, `cmsg_data=[8<UNIX-STREAM:[88,@"x"]>]`.
 */
export function scmRightsFds(text: string): FdRef[] {
  const marker = 'cmsg_type=SCM_RIGHTS, cmsg_data=[';
  const out: FdRef[] = [];
  let at = text.indexOf(marker);
  while (at >= 0) {
    let i = at + marker.length;
    for (;;) {
      const ref = parseFdRefAt(text, i, text.length);
      if (!ref) break;
      out.push(ref);
      i = lastFdRefEnd;
      if (!text.startsWith(', ', i)) break;
      i += 2;
    }
    at = text.indexOf(marker, i);
  }
  return out;
}
