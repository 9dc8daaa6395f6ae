/**
 * Numbers for the series a sampled file's rows belong to (the parser's SeriesSpec key: pid and tid, a
 * device), so the downsampler finds a row's bucket entry with a number instead of building a key string
 * per row (a string per row, hashed again for every Map lookup, was ~8 % of reading a long top file).
 *
 * A series is its kind and the values of its key fields (and, for pidstat without -h, the section it was
 * printed in). Values compare as the key strings did: a number by value, anything else by its text
 * (`undefined` as ''); a field holds one type throughout a kind (the record schemas say so).
 *
 * Memory: one small entry per series. Files whose keys never repeat (a new pid in every sample) would
 * grow the table without end, so `prune` drops the series no bucket row refers to any more.
 */
import type { TimelineRecord } from '../common/types.js';
import type { SeriesSpec } from '../parsers/types.js';

interface SeriesEntry {
  readonly kind: string;
  /** The key values as compared: numbers, or text. */
  readonly values: readonly (number | string)[];
  readonly id: number;
  next: SeriesEntry | undefined;
}

/** The section field a pidstat row was printed in ('' for none): the first of spec.sections it has. */
function sectionOf(r: TimelineRecord, sections: readonly string[]): string {
  for (const f of sections) if (r[f] !== undefined) return f;
  return '';
}

/** A value as the key compares it. */
function keyValue(v: unknown): number | string {
  return typeof v === 'number' ? v : typeof v === 'string' ? v : String(v ?? '');
}

function sameValue(a: number | string, b: number | string): boolean {
  // NaN is one value here, as String(NaN) was in the key strings; 0 and -0 are one too.
  return a === b || (a !== a && b !== b);
}

/**
 * A hash of a string from its length and at most HASHED_CHARS of its characters, half from each end:
 * paths and command lines can be long, and they differ at their ends (`/tmp/<uuid>/43.txt`). Strings
 * that agree there collide and are told apart by the full comparison in `matches`.
 */
function hashString(h: number, s: string): number {
  const n = s.length;
  h = Math.imul(h ^ n, 16777619);
  if (n <= HASHED_CHARS) {
    for (let k = 0; k < n; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
    return h;
  }
  const half = HASHED_CHARS >> 1;
  for (let k = 0; k < half; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
  for (let k = n - half; k < n; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
  return h;
}

const HASHED_CHARS = 24;

function hashValue(h: number, v: number | string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return Math.imul(h ^ (v | 0), 16777619) ^ 0x5bd1e995;
    return hashString(h ^ 0x27d4eb2d, String(v));
  }
  return hashString(h, v);
}

/**
 * A spec's key read by code made for its fields (`r.pid`, `r.comm`… as named loads): the generic loop reads
 * `r[keys[i]]`, a keyed load that is slow on records of many shapes (15 % of reading opensnoop's events,
 * whose key has eight fields; with pidstat's section test, 13 % of pidstat's). Same hash and same
 * comparison as the generic path. Field names come from
 * the parsers' specs, never from a bundle; they are quoted as JSON strings all the same.
 */
interface CompiledKey {
  /** The section field the row was printed in ('' for none), undefined when the spec has no sections. */
  section(r: TimelineRecord): string | undefined;
  hash(r: TimelineRecord, section: string | undefined): number;
  matches(values: readonly (number | string)[], r: TimelineRecord, section: string | undefined): boolean;
}

type KeyHelpers = [typeof hashValue, typeof keyValue, typeof sameValue, typeof hashString, (kind: string) => number];

/**
 * hashString(0x811c9dc5, kind), remembered for the last kind: a spec's rows are of one kind (or a few,
 * in runs), and its hash was computed again for every row: the bench's top file in analysis 2.76–2.87 s
 * against 2.85–2.93 s (alternating runs).
 */
function lastKindHash(): (kind: string) => number {
  let lastKind: string | undefined;
  let lastHash = 0;
  return (kind) => {
    if (kind !== lastKind) {
      lastKind = kind;
      lastHash = hashString(0x811c9dc5, kind);
    }
    return lastHash;
  };
}

function compileKey(spec: SeriesSpec): CompiledKey {
  const load = (f: string): string => `r[${JSON.stringify(f)}]`;
  const loads = spec.key.map(load);
  // sectionOf: the first of spec.sections the row has.
  const sectionBody = spec.sections ? `return ${spec.sections.map((f) => `${load(f)} !== undefined ? ${JSON.stringify(f)} : `).join('')}'';` : 'return undefined;';
  const hashBody = `let h = kindHash(r.kind);\n${loads.map((l) => `h = hashValue(h, keyValue(${l}));`).join('\n')}\nif (section !== undefined) h = hashString(h ^ 0x1b873593, section);\nreturn h;`;
  const matchBody = `return ${loads.map((l, i) => `sameValue(values[${i}], keyValue(${l})) && `).join('')}(section === undefined || values[${loads.length}] === section);`;
  const make = new Function('hashValue', 'keyValue', 'sameValue', 'hashString', 'kindHash', `return { section(r) { ${sectionBody} }, hash(r, section) { ${hashBody} }, matches(values, r, section) { ${matchBody} } };`) as (...h: KeyHelpers) => CompiledKey;
  return make(hashValue, keyValue, sameValue, hashString, lastKindHash());
}

export class SeriesIds {
  /** Compiled key readers, per spec. */
  private readonly compiledKeys = new Map<SeriesSpec, CompiledKey>();
  /** Use compiled key readers (tests compare with the generic path). */
  constructor(private readonly compiled = true) {}

  private readonly buckets = new Map<number, SeriesEntry>();
  private nextId = 0;
  /** Extra ids for the n-th row of a series within one sample (a key printed twice): [base][n - 1]. */
  private readonly duplicates = new Map<number, number[]>();
  /** Series held (duplicates included). */
  size = 0;

  /** The id of the series `r` belongs to (made on first sight). */
  idOf(r: TimelineRecord, spec: SeriesSpec): number {
    if (this.compiled) return this.compiledIdOf(r, spec);
    const keys = spec.key;
    const section = spec.sections ? sectionOf(r, spec.sections) : undefined;
    let h = hashString(0x811c9dc5, r.kind);
    for (let i = 0; i < keys.length; i++) h = hashValue(h, keyValue(r[keys[i]!]));
    if (section !== undefined) h = hashString(h ^ 0x1b873593, section);
    for (let e = this.buckets.get(h); e !== undefined; e = e.next) {
      if (e.kind === r.kind && this.matches(e, r, keys, section)) return e.id;
    }
    const values = keys.map((f) => keyValue(r[f]));
    if (section !== undefined) values.push(section);
    const entry: SeriesEntry = { kind: r.kind, values, id: this.nextId++, next: this.buckets.get(h) };
    this.buckets.set(h, entry);
    this.size++;
    return entry.id;
  }

  private compiledIdOf(r: TimelineRecord, spec: SeriesSpec): number {
    let key = this.compiledKeys.get(spec);
    if (!key) this.compiledKeys.set(spec, (key = compileKey(spec)));
    const section = key.section(r);
    const h = key.hash(r, section);
    for (let e = this.buckets.get(h); e !== undefined; e = e.next) {
      if (e.kind === r.kind && key.matches(e.values, r, section)) return e.id;
    }
    const values = spec.key.map((f) => keyValue(r[f]));
    if (section !== undefined) values.push(section);
    const entry: SeriesEntry = { kind: r.kind, values, id: this.nextId++, next: this.buckets.get(h) };
    this.buckets.set(h, entry);
    this.size++;
    return entry.id;
  }

  private matches(e: SeriesEntry, r: TimelineRecord, keys: readonly string[], section: string | undefined): boolean {
    const values = e.values;
    for (let i = 0; i < keys.length; i++) if (!sameValue(values[i]!, keyValue(r[keys[i]!]))) return false;
    return section === undefined || values[keys.length] === section;
  }

  /** The id of the n-th (n ≥ 1) extra row of series `base` in one sample. */
  duplicate(base: number, n: number): number {
    let list = this.duplicates.get(base);
    if (!list) this.duplicates.set(base, (list = []));
    while (list.length < n) {
      list.push(this.nextId++);
      this.size++;
    }
    return list[n - 1]!;
  }

  /** Forget every series whose id (or whose duplicates' ids) `live` does not hold. */
  prune(live: ReadonlySet<number>): void {
    let size = 0;
    for (const [base, list] of this.duplicates) {
      if (live.has(base) || list.some((id) => live.has(id))) size += list.length;
      else this.duplicates.delete(base);
    }
    for (const [h, first] of this.buckets) {
      let head: SeriesEntry | undefined;
      let tail: SeriesEntry | undefined;
      for (let e: SeriesEntry | undefined = first; e !== undefined; e = e.next) {
        if (!live.has(e.id) && !this.duplicates.has(e.id)) continue;
        size++;
        if (tail) tail.next = e;
        else head = e;
        tail = e;
      }
      if (tail) tail.next = undefined;
      if (head) this.buckets.set(h, head);
      else this.buckets.delete(h);
    }
    this.size = size;
  }
}
