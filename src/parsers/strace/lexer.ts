/**
 * The strace line grammar: prefix (`[pid N] `, a TID column, `TID<comm> `), decorations (`-t`, `-tt`,
 * `-ttt`, `-r`, `-n`, `-i`), then the body (complete call, `<unfinished ...>` half, `<... NAME resumed>`
 * half, `--- SIG ---`, `+++ exited +++`), and the return part (`= RET [ERRNO (text)] [(note)] [<dur>]`).
 *
 * A hand-written scanner over char codes: strace lines are long and numerous (hundreds of MB), and the
 * boundary between arguments and return value needs quote- and paren-awareness that regexes do badly.
 */
import { type FdRef, isAnnotationStart, isTrimmed, parseFdRefAt, parseInteger, skipAnnotation, skipString } from './values.js';
import { digitsValue } from '../../common/units.js';

export type TimestampKind = 't' | 'tt' | 'ttt' | 'r';

export interface Prefix {
  /** TID from `[pid N]` or the column; undefined when the line has no prefix. */
  tid?: number;
  /** How the TID was given. */
  style?: 'bracket' | 'column';
  /** `-Y`: the task's comm after the TID. */
  comm?: string;
  tsKind?: TimestampKind;
  /** Timestamp text as printed (`17:28:13.249541`, `1795714094.381831`, `0.000434`). */
  tsText?: string;
  /** Offset of the body. */
  body: number;
}

const SPACE = 32;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function skipSpaces(text: string, i: number): number {
  while (text.charCodeAt(i) === SPACE) i++;
  return i;
}

function digitsEnd(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

/**
 * A Prefix whose fields are all present (undefined when absent), reused line after line: the parser
 * reads one prefix per line and must not allocate for it (nothing keeps it past its line).
 */
export interface PrefixScratch {
  tid: number | undefined;
  style: 'bracket' | 'column' | undefined;
  comm: string | undefined;
  tsKind: TimestampKind | undefined;
  tsText: string | undefined;
  body: number;
}

export function newPrefixScratch(): PrefixScratch {
  return { tid: undefined, style: undefined, comm: undefined, tsKind: undefined, tsText: undefined, body: 0 };
}

/** Read the prefix and the decorations of a line. Never fails: a line without them has `body` 0. */
export function readPrefix(text: string): Prefix {
  const s = readPrefixInto(text, newPrefixScratch());
  const p: Prefix = { body: s.body };
  if (s.tid !== undefined) p.tid = s.tid;
  if (s.style !== undefined) p.style = s.style;
  if (s.comm !== undefined) p.comm = s.comm;
  if (s.tsKind !== undefined) p.tsKind = s.tsKind;
  if (s.tsText !== undefined) p.tsText = s.tsText;
  return p;
}

/** `readPrefix` into a reused object (every field is overwritten). */
export function readPrefixInto(text: string, p: PrefixScratch): PrefixScratch {
  p.tid = undefined;
  p.style = undefined;
  p.comm = undefined;
  p.tsKind = undefined;
  p.tsText = undefined;
  let i = 0;
  const c0 = text.charCodeAt(0);
  if (c0 === 91 /* [ */ && text.startsWith('[pid ')) {
    const s = skipSpaces(text, 5);
    const e = digitsEnd(text, s);
    if (e > s && text.charCodeAt(e) === 93 /* ] */) {
      p.tid = digitsValue(text, s, e);
      p.style = 'bracket';
      i = skipSpaces(text, e + 1);
    }
  } else if (isDigit(c0)) {
    const e = digitsEnd(text, 0);
    const next = text.charCodeAt(e);
    // A TID column: up to 7 digits (pid_max ≤ 4194304) then a space or `<comm>`. Ten digits and a space
    // would be an integral epoch (`--absolute-timestamps=unix,s`).
    if (e <= 7 && next === SPACE) {
      p.tid = digitsValue(text, 0, e);
      p.style = 'column';
      i = skipSpaces(text, e);
    } else if (e <= 7 && next === 60 /* < */) {
      const close = text.indexOf('> ', e);
      if (close > 0) {
        p.tid = digitsValue(text, 0, e);
        p.style = 'column';
        p.comm = text.slice(e + 1, close);
        i = skipSpaces(text, close + 1);
      }
    }
  }
  // Timestamps: -r is right-aligned (leading spaces), so skip spaces first when there is no prefix.
  const tsStart = p.style === undefined ? skipSpaces(text, i) : i;
  if (isDigit(text.charCodeAt(tsStart))) {
    const e = digitsEnd(text, tsStart);
    const c = text.charCodeAt(e);
    if (c === 58 /* : */ && e - tsStart === 2) {
      // HH:MM:SS[.frac]
      if (text.charCodeAt(e + 3) === 58 && isDigit(text.charCodeAt(e + 1)) && isDigit(text.charCodeAt(e + 5))) {
        let end = e + 6;
        let kind: TimestampKind = 't';
        if (text.charCodeAt(end) === 46) {
          end = digitsEnd(text, end + 1);
          kind = 'tt';
        }
        if (text.charCodeAt(end) === SPACE) {
          p.tsKind = kind;
          p.tsText = text.slice(tsStart, end);
          i = end + 1;
        }
      }
    } else if (c === 46 /* . */) {
      const end = digitsEnd(text, e + 1);
      if (end > e + 1 && text.charCodeAt(end) === SPACE) {
        p.tsKind = e - tsStart >= 9 ? 'ttt' : 'r';
        p.tsText = text.slice(tsStart, end);
        i = end + 1;
      }
    } else if (c === SPACE && e - tsStart >= 9) {
      p.tsKind = 'ttt'; // --absolute-timestamps=unix,s
      p.tsText = text.slice(tsStart, e);
      i = e + 1;
    }
  }
  // -n `[  59] ` and -i `[00007f8d1899bad7] `.
  while (text.charCodeAt(i) === 91 /* [ */ && !text.startsWith('[pid', i)) {
    const close = text.indexOf('] ', i);
    if (close < 0 || close - i > 20) break;
    let ok = true;
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      if (!(c === SPACE || isDigit(c) || (c >= 97 && c <= 102))) {
        ok = false;
        break;
      }
    }
    if (!ok) break;
    i = close + 2;
  }
  p.body = i;
  return p;
}

/**
 * The return part of a call: `= RET [annotation] [ERRNO (text)] [(note)] [<duration>]`. Every field is
 * present (undefined when absent): one hidden class, read on every call.
 */
export interface ReturnInfo {
  /** The return value when it is a number that fits a double exactly. */
  ret: number | undefined;
  /** The return token as printed (`0x7f9d…`, `?`, `3`). */
  retText: string;
  hex: boolean;
  /** `-y` annotation of a returned fd. */
  retFd: FdRef | undefined;
  errno: string | undefined;
  errnoText: string | undefined;
  /** Parenthesised notes after the value: `Timeout`, `INJECTED`, `flags O_RDONLY`, … */
  note: string | undefined;
  durationS: number | undefined;
}

/**
 * Index of the `)` that closes the argument list opened just before `from`, provided it is followed by
 * spaces and `= `; -1 when the line has no such end. Quote- and annotation-aware, depth-counting; when
 * the parens do not balance (a path with `(` in an annotation), falls back to the last `) =` seen.
 */
export function findArgsEnd(text: string, from: number): number {
  const n = text.length;
  let depth = 1;
  let lastCandidate = -1;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = skipString(text, i);
      continue;
    }
    if (c === 60 && isAnnotationStart(text, i)) {
      i = skipAnnotation(text, i);
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (isFollowedByEquals(text, i + 1)) {
        if (depth === 0) return i;
        lastCandidate = i;
      }
    }
    i++;
  }
  return lastCandidate;
}

function isFollowedByEquals(text: string, i: number): boolean {
  const j = skipSpaces(text, i);
  if (j === i || text.charCodeAt(j) !== 61 /* = */) return false;
  const after = text.charCodeAt(j + 1);
  return after === SPACE || Number.isNaN(after);
}

/** A ReturnInfo with every field present, for `readReturnInto`. */
export function newReturnInfo(): ReturnInfo {
  return { ret: undefined, retText: '', hex: false, retFd: undefined, errno: undefined, errnoText: undefined, note: undefined, durationS: undefined };
}

/** Parse what follows `)` + spaces: `= …`. */
export function readReturn(text: string, close: number): ReturnInfo | undefined {
  const info = newReturnInfo();
  return readReturnInto(text, close, info) ? info : undefined;
}

/**
 * `readReturn` into a reused object (every field is overwritten); false when there is no readable
 * return part. The parser reads one return per call line and keeps none past its call.
 */
export function readReturnInto(text: string, close: number, info: ReturnInfo): boolean {
  let i = skipSpaces(text, close + 1);
  if (text.charCodeAt(i) !== 61) return false;
  i = skipSpaces(text, i + 1);
  let end = text.length;
  while (end > i && text.charCodeAt(end - 1) === SPACE) end--;
  info.ret = undefined;
  info.retText = '';
  info.hex = false;
  info.retFd = undefined;
  info.errno = undefined;
  info.errnoText = undefined;
  info.note = undefined;
  info.durationS = undefined;
  // -T: ` <0.000123>` at the very end. The `<` is looked for backwards by hand (lastIndexOf is a
  // runtime call, and the duration is a few characters from the end).
  if (text.charCodeAt(end - 1) === 62 /* > */) {
    let lt = end - 2;
    while (lt > i && text.charCodeAt(lt) !== 60) lt--;
    if (lt > i) {
      const seconds = decimalAt(text, lt + 1, end - 1);
      if (seconds >= 0) {
        info.durationS = seconds;
        end = lt;
        while (end > i && text.charCodeAt(end - 1) === SPACE) end--;
      }
    }
  }
  // The value token: up to a space, or an fd annotation. `firstLt`: its first `<` (where the value ends).
  let k = i;
  let firstLt = -1;
  while (k < end) {
    const c = text.charCodeAt(k);
    if (c === SPACE) break;
    if (c === 60) {
      if (firstLt < 0) firstLt = k;
      if (isAnnotationStart(text, k)) {
        k = skipAnnotation(text, k);
        if (text.startsWith('(deleted)', k)) k += 9;
        break;
      }
    }
    k++;
  }
  if (k === i) return false;
  // A token starting with `<` is all value text (and then not a number).
  const valueEnd = firstLt > i ? firstLt : k;
  if (valueEnd - i === 1 && text.charCodeAt(i) === 63 /* ? */) info.retText = '?';
  else {
    const v = integerAt(text, i, valueEnd);
    if (v === undefined) return false;
    info.retText = valueEnd - i === 1 && text.charCodeAt(i) === 48 ? '0' : text.slice(i, valueEnd);
    info.hex = valueEnd - i >= 2 && text.charCodeAt(i) === 48 && text.charCodeAt(i + 1) === 120 /* 0x */;
    if (Number.isSafeInteger(v)) info.ret = v;
    if (firstLt > i) info.retFd = parseFdRefAt(text, i, k);
  }
  // ERRNO (text), then notes in parentheses. Read in place: [s, e) is what `text.slice(k, end).trim()`
  // would give, and every field is cut once, at its final bounds.
  let s = skipWhite(text, k, end);
  if (s >= end) return true;
  let e = end;
  while (s < e && isTrimmed(text.charCodeAt(s))) s++;
  while (e > s && isTrimmed(text.charCodeAt(e - 1))) e--;
  if (s < e && text.charCodeAt(s) === 69 /* E */) {
    let sp = text.indexOf(' ', s);
    if (sp >= e) sp = -1;
    if (sp < 0) {
      info.errno = text.slice(s, e);
      s = e;
    } else {
      info.errno = text.slice(s, sp);
      s = sp + 1;
      while (s < e && isTrimmed(text.charCodeAt(s))) s++;
    }
    if (s < e && text.charCodeAt(s) === 40) s = readParenText(text, s, e, info);
  } else if (text.startsWith('(errno ', s) && s + 7 <= e) {
    s = readParenText(text, s, e, info);
  }
  if (s < e) {
    info.note = text.charCodeAt(s) === 40 && text.charCodeAt(e - 1) === 41 && matchingParenIn(text, s, e) === e - 1 ? text.slice(s + 1, e - 1) : text.slice(s, e);
  }
  return true;
}

/** `(errno text)` at text[s] within [s, e): sets errnoText, returns where the rest starts (trimmed). */
function readParenText(text: string, s: number, e: number, info: ReturnInfo): number {
  const close2 = matchingParenIn(text, s, e);
  info.errnoText = text.slice(s + 1, close2);
  let r = close2 + 1;
  while (r < e && isTrimmed(text.charCodeAt(r))) r++;
  return r;
}

/**
 * `matchingParen` on text[open, e) as if that were the whole string: the index of the `)` matching
 * the `(` at `open`, or e - 1 when unbalanced.
 */
function matchingParenIn(text: string, open: number, e: number): number {
  let depth = 0;
  for (let i = open; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const after = skipString(text, i);
      i = (after > e ? e : after) - 1;
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i;
  }
  return e - 1;
}

/** `parseInteger(text.slice(s, e))` without the copy. */
function integerAt(text: string, s: number, e: number): number | undefined {
  const n = e - s;
  if (n === 0 || n > 20) return undefined;
  let i = s;
  let neg = false;
  if (text.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  if (text.charCodeAt(i) === 48 && text.charCodeAt(i + 1) === 120 && i + 1 < e) return parseInteger(text.slice(s, e));
  if (i === e) return undefined;
  let v = 0;
  for (let k = i; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** Skip what String.prototype.trim would remove at the start of text[i, end) (ASCII whitespace; others stop). */
function skipWhite(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === SPACE || (c >= 9 && c <= 13)) i++;
    else break;
  }
  return i;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The value of `D+.D+` at text[start, end) (a -T duration), or -1 when it is not that. Computed as
 * digits / 10^k, which is the correctly rounded value (the one Number() gives) while the digits fit
 * 2^53 and 10^k is exact; longer forms go through Number().
 */
function decimalAt(text: string, start: number, end: number): number {
  let dot = -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 46 && dot < 0) dot = k;
    else if (isDigit(c)) v = v * 10 + (c - 48);
    else return -1;
  }
  if (dot <= start || dot === end - 1) return -1;
  const fracDigits = end - dot - 1;
  if (end - start - 1 > 15 || fracDigits >= POW10.length) return Number(text.slice(start, end));
  return v / POW10[fracDigits]!;
}

/** Index of the `)` matching the `(` at `open` (quote-aware), or the last index when unbalanced. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = skipString(text, i) - 1;
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i;
  }
  return text.length - 1;
}

/** Read a syscall name at `i` (`[a-z_][a-z0-9_]*`); returns its end, or `i` when there is none. */
export function nameEnd(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (!((first >= 97 && first <= 122) || first === 95)) return i;
  let k = i + 1;
  for (;;) {
    const c = text.charCodeAt(k);
    if ((c >= 97 && c <= 122) || c === 95 || isDigit(c)) k++;
    else return k;
  }
}

export const UNFINISHED = '<unfinished ...>';
export const DETACHED = '<detached ...>';

/**
 * Where a call line ends its entry half: ` <unfinished ...>`, ` <detached ...>` or
 * ` <pid changed to N ...>`. Returns the start of that marker, or -1.
 */
export interface EntryHalf {
  at: number;
  marker: 'unfinished' | 'detached' | 'pid-changed';
  newTid: number | undefined;
}

export function entryHalfEnd(text: string): EntryHalf | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  // Every marker ends in `...>`; a -T duration (`<0.000012>`) ends in a digit and `>`: look at the
  // character before `>` first, since this runs on every call line.
  if (text.charCodeAt(end - 1) !== 62 || text.charCodeAt(end - 2) !== 46) return undefined;
  if (text.endsWith(UNFINISHED, end)) return { at: end - UNFINISHED.length, marker: 'unfinished', newTid: undefined };
  if (text.endsWith(DETACHED, end)) return { at: end - DETACHED.length, marker: 'detached', newTid: undefined };
  if (text.endsWith(' ...>', end)) {
    const start = text.lastIndexOf('<pid changed to ', end);
    if (start >= 0) {
      const v = Number(text.slice(start + 16, end - 5));
      if (Number.isInteger(v)) return { at: start, marker: 'pid-changed', newTid: v };
    }
  }
  return undefined;
}

/** Argument text of an entry half: everything before the marker, less the one space strace put before it. */
export function entryArgs(text: string, from: number, at: number): string {
  let end = at;
  if (end > from && text.charCodeAt(end - 1) === SPACE) end--;
  return text.slice(from, end);
}

/**
 * The first `strace: ` in text, or -1. Searched as `: ` then checked for `strace` before it: a search
 * for the whole pattern restarts at every `s` of the line, and `:` followed by a space is rare in trace
 * lines (timestamps have no space after their colons).
 */
function indexOfStraceColon(text: string, from: number): number {
  let at = text.indexOf(': ', from + 6);
  while (at >= 0) {
    if (text.startsWith('strace', at - 6)) return at - 6;
    at = text.indexOf(': ', at + 1);
  }
  return -1;
}

/** `strace: ` spliced into a line at a position outside any string literal, or -1. */
export function splicedMessageAt(text: string): number {
  const at = indexOfStraceColon(text, 0);
  if (at <= 0) return at;
  // Make sure the match is not inside a quoted string (a traced program may write "strace: ").
  let i = 0;
  while (i < at) {
    if (text.charCodeAt(i) === 34) {
      i = skipString(text, i);
      if (i > at) return indexOfStraceColon(text, i) > 0 ? splicedAfter(text, i) : -1;
      continue;
    }
    i++;
  }
  return at;
}

function splicedAfter(text: string, from: number): number {
  const rest = text.slice(from);
  const at = splicedMessageAt(rest);
  return at < 0 ? -1 : from + at;
}
