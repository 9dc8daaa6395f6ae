/**
 * A floor for a byte-level strace reader (issue #3's 150 MB/s): what the least per-line work of an
 * aggregate pass costs when it reads the file's bytes and makes no string per line. Not a parser and not
 * used by perftriage: the bench runs it beside the parser and the string lexer on the same trace, in the
 * same run, to say how much a redesign on bytes could gain before anyone builds one.
 *
 * Per line it does what every analysis of a `strace -f -tt -T -y` trace must do at the least:
 *   - the `[pid N]` prefix → TID, and the `HH:MM:SS.ffffff` time → seconds of the day;
 *   - the syscall's name → an id (interned from its bytes: no string unless the name is new);
 *   - the duration `<S.ffffff>` and the return value (number or `-1 ERRNO`), read from the line's end;
 *   - an fd argument's `-y` path → a path id (interned likewise), then that (TID, path)'s calls, bytes
 *     read or written, time and first/last time, and the syscall's calls, errors and time;
 *   - an fd a call returns with its `-y` path (openat) into the task's fd table, and close out of it.
 * It does not do what the parser also does: tasks and threads, quotes and escapes inside arguments,
 * `<unfinished ...>`/`resumed`, signals and exits, other timestamp forms, diagnostics. Lines of those
 * shapes are counted as `other` and skipped, so the figure is a floor, not a target met.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';

/** Byte strings → dense ids (open addressing on an FNV-1a hash; the bytes are compared on a hit). */
class ByteInterner {
  private readonly mask: number;
  private readonly slots: Int32Array;
  private readonly hashes: number[] = [];
  private readonly keys: Buffer[] = [];
  constructor(bits: number) {
    this.mask = (1 << bits) - 1;
    this.slots = new Int32Array(1 << bits).fill(-1);
  }
  get size(): number {
    return this.keys.length;
  }
  text(id: number): string {
    return this.keys[id]!.toString('latin1');
  }
  id(bytes: Buffer, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]!;
      if (id < 0) {
        // A real reader would grow the table; the floor only needs room for the bench trace's keys.
        if (this.keys.length >= this.mask >> 1) throw new Error('interner full');
        this.slots[slot] = this.keys.length;
        this.hashes.push(h);
        this.keys.push(Buffer.from(bytes.subarray(start, end)));
        return this.keys.length - 1;
      }
      if (this.hashes[id] === h) {
        const key = this.keys[id]!;
        if (key.length === end - start && bytes.compare(key, 0, key.length, start, end) === 0) return id;
      }
    }
  }
}

/** (TID, path id) → aggregate index, and the aggregates' counters in typed arrays. */
class PathCounters {
  private readonly mask = (1 << 22) - 1;
  private readonly slots = new Int32Array(1 << 22).fill(-1);
  private readonly tids = new Int32Array(1 << 21);
  private readonly paths = new Int32Array(1 << 21);
  readonly calls = new Float64Array(1 << 21);
  readonly readBytes = new Float64Array(1 << 21);
  readonly writtenBytes = new Float64Array(1 << 21);
  readonly timeS = new Float64Array(1 << 21);
  readonly firstS = new Float64Array(1 << 21);
  readonly lastS = new Float64Array(1 << 21);
  size = 0;
  indexOf(tid: number, path: number, now: number): number {
    for (let slot = (Math.imul(tid, 0x9e3779b1) ^ Math.imul(path, 0x85ebca6b)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const a = this.slots[slot]!;
      if (a >= 0) {
        if (this.tids[a] === tid && this.paths[a] === path) return a;
        continue;
      }
      if (this.size >= this.tids.length) throw new Error('aggregates full');
      const fresh = this.size++;
      this.slots[slot] = fresh;
      this.tids[fresh] = tid;
      this.paths[fresh] = path;
      this.firstS[fresh] = now;
      return fresh;
    }
  }
}

/** The parser's read and write families (src/parsers/strace/syscalls.ts). */
const READS: ReadonlySet<string> = new Set(['read', 'pread64', 'readv', 'preadv', 'preadv2', 'recvfrom', 'recvmsg', 'recv']);
const WRITES: ReadonlySet<string> = new Set(['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'sendto', 'sendmsg', 'send']);

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

export interface BytesFloorResult {
  lines: number;
  bytes: number;
  /** Lines read as a complete call. */
  calls: number;
  /** Lines of another shape (unfinished, resumed, signal, exit, strace's own messages): skipped. */
  other: number;
  syscalls: number;
  paths: number;
  aggregates: number;
  /** Sums over every aggregate: something the work is checked against, so it cannot be optimized away. */
  writtenBytes: number;
  readBytes: number;
}

class BytesFloor {
  private readonly names = new ByteInterner(10);
  private readonly pathIds = new ByteInterner(21);
  private readonly counters = new PathCounters();
  private readonly callCounts = new Float64Array(1024);
  private readonly errorCounts = new Float64Array(1024);
  private readonly callTime = new Float64Array(1024);
  private readonly fdTables = new Map<number, Int32Array>();
  /** Per name id: 1 reads, 2 writes (the parser's read and write families), 0 neither. */
  private readonly ioOfName = new Int8Array(1024);
  private namesClassified = 0;
  lines = 0;
  calls = 0;
  other = 0;

  /** One line, bytes [s, e) of `b` (no newline). */
  line(b: Buffer, s: number, e: number): void {
    this.lines++;
    let i = s;
    let tid = 0;
    if (b[i] === 91 /* [ */) {
      for (i += 5; isDigit(b[i]); i++) tid = tid * 10 + b[i]! - 48;
      for (i++; b[i] === 32; i++);
    }
    if (!isDigit(b[i]) || b[i + 2] !== 58 /* : */ || b[i + 8] !== 46 /* . */) {
      this.other++;
      return;
    }
    const now = (b[i]! * 10 + b[i + 1]! - 528) * 3600 + (b[i + 3]! * 10 + b[i + 4]! - 528) * 60 + (b[i + 6]! * 10 + b[i + 7]! - 528) + fraction(b, i + 9);
    i += 16;
    const nameStart = i;
    while (i < e && b[i] !== 40 /* ( */ && b[i] !== 32) i++;
    if (b[i] !== 40 || i === nameStart) {
      this.other++;
      return;
    }
    const name = this.names.id(b, nameStart, i);
    if (name === this.namesClassified) {
      const text = this.names.text(name);
      this.ioOfName[name] = READS.has(text) ? 1 : WRITES.has(text) ? 2 : 0;
      this.namesClassified++;
    }
    // From the end: ` <S.ffffff>`, then `) = RET`.
    let j = e - 1;
    let duration = 0;
    if (b[j] === 62 /* > */) {
      let k = j - 1;
      while (k > i && b[k] !== 60 /* < */) k--;
      duration = decimal(b, k + 1);
      j = k - 1;
    }
    // ` = ` after the closing parenthesis, which strace pads with spaces (`getpid()    = 26246`).
    let eq = j;
    for (; eq > i; eq--) {
      if (b[eq] !== 61 || b[eq - 1] !== 32 || b[eq + 1] !== 32) continue;
      let k = eq - 1;
      while (b[k] === 32) k--;
      if (b[k] === 41) break;
    }
    if (eq <= i) {
      this.other++;
      return;
    }
    let r = eq + 2;
    const failed = b[r] === 45; /* - */
    if (failed) r++;
    let ret = 0;
    for (; isDigit(b[r]); r++) ret = ret * 10 + b[r]! - 48;
    this.calls++;
    this.callCounts[name] = this.callCounts[name]! + 1;
    if (failed) this.errorCounts[name] = this.errorCounts[name]! + 1;
    this.callTime[name] = this.callTime[name]! + duration;
    let p = i + 1;
    if (isDigit(b[p])) {
      let fd = 0;
      for (; isDigit(b[p]); p++) fd = fd * 10 + b[p]! - 48;
      if (b[p] !== 60) return;
      let q = p + 1;
      while (q < e && b[q] !== 62) q++;
      const a = this.counters.indexOf(tid, this.pathIds.id(b, p + 1, q), now);
      const c = this.counters;
      c.calls[a] = c.calls[a]! + 1;
      c.timeS[a] = c.timeS[a]! + duration;
      c.lastS[a] = now;
      const io = this.ioOfName[name];
      if (!failed && ret > 0) {
        if (io === 2) c.writtenBytes[a] = c.writtenBytes[a]! + ret;
        else if (io === 1) c.readBytes[a] = c.readBytes[a]! + ret;
      }
      if (b[nameStart] === 99 /* c */ && b[nameStart + 1] === 108 /* l */) {
        const table = this.fdTables.get(tid);
        if (table && fd < table.length) table[fd] = -1;
      }
    } else if (!failed && b[r] === 60 /* < */) {
      let q = r + 1;
      while (q < e && b[q] !== 62) q++;
      const path = this.pathIds.id(b, r + 1, q);
      let table = this.fdTables.get(tid);
      if (!table) this.fdTables.set(tid, (table = new Int32Array(1024).fill(-1)));
      if (ret < table.length) table[ret] = path;
    }
  }

  result(bytes: number): BytesFloorResult {
    let writtenBytes = 0;
    let readBytes = 0;
    for (let a = 0; a < this.counters.size; a++) {
      writtenBytes += this.counters.writtenBytes[a]!;
      readBytes += this.counters.readBytes[a]!;
    }
    return { lines: this.lines, bytes, calls: this.calls, other: this.other, syscalls: this.names.size, paths: this.pathIds.size, aggregates: this.counters.size, writtenBytes, readBytes };
  }
}

/** Digits after a decimal point, as a fraction. */
function fraction(b: Buffer, i: number): number {
  let value = 0;
  let scale = 1;
  for (; isDigit(b[i]); i++) {
    value = value * 10 + b[i]! - 48;
    scale *= 10;
  }
  return value / scale;
}

/** `S.ffffff` at `i`. */
function decimal(b: Buffer, i: number): number {
  let whole = 0;
  for (; isDigit(b[i]); i++) whole = whole * 10 + b[i]! - 48;
  return b[i] === 46 ? whole + fraction(b, i + 1) : whole;
}

/** Read `file` in 4 MiB chunks (a line cut by a chunk's end is carried into the next read). */
export function straceBytesFloor(file: string): BytesFloorResult {
  const chunk = 4 << 20;
  let buf = Buffer.allocUnsafe(chunk * 2);
  const floor = new BytesFloor();
  const fd = openSync(file, 'r');
  let carried = 0;
  try {
    for (;;) {
      if (buf.length - carried < chunk) {
        const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than a chunk
        buf.copy(bigger, 0, 0, carried);
        buf = bigger;
      }
      const n = readSync(fd, buf, carried, chunk, null);
      const end = carried + n;
      let start = 0;
      for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < end; nl = buf.indexOf(10, start)) {
        floor.line(buf, start, nl);
        start = nl + 1;
      }
      if (n === 0) {
        if (start < end) floor.line(buf, start, end);
        break;
      }
      buf.copy(buf, 0, start, end);
      carried = end - start;
    }
  } finally {
    closeSync(fd);
  }
  return floor.result(statSync(file).size);
}
