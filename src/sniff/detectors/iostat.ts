/**
 * Recognizes iostat (sysstat) output, text or `-o JSON`, and names its variant: flags visible in the
 * layout and the sysstat version range its columns betray, e.g. `iostat -d -x, sysstat >= 12.3`,
 * `iostat -x --pretty --human`, `iostat -o JSON -d -x, sysstat >= 12.3`.
 *
 * Only iostat prints an `avg-cpu:` header or a `Device`/`Device:` header with iostat's columns (sar -d
 * says `DEV`, pidstat -d `kB_rd/s`, tapestat `Tape:`), and only iostat's JSON has `"disk_device"` or
 * `"avg-cpu"` (sar's JSON says `"disk-device"`). A sysstat banner alone proves nothing: every sysstat
 * tool prints one.
 */
import { parseDate, parseIsoInstant, parseTimeOfDay } from '../../common/time.js';
import type { Detector, SniffResult } from '../types.js';

/** `Linux 5.8.0-53-generic (ubuntu) \t12/02/2021 \t_x86_64_\t(2 CPU)` */
const BANNER_RE = /^\S+ \S+ \(.*\)\s+\S+\s+_\S+_\s+\(\d+ CPU\)\s*$/;

/** Columns that make a `Device` header iostat's. */
const IOSTAT_COLUMNS = new Set(['tps', 'r/s', 'w/s', 'rrqm/s', 'wrqm/s', 'kB_read/s', 'MB_read/s', 'GB_read/s', 'Blk_read/s', 'rkB/s', 'rMB/s', 'rsec/s', '%util', 'aqu-sz', 'avgqu-sz', 'f/s']);

const SIZE_SUFFIX_RE = /^\d+(?:[.,]\d+)?[kMGTP]$/;

function split(line: string): string[] {
  const t = line.trim();
  return t === '' ? [] : t.split(/\s+/);
}

function isTimestampLine(toks: readonly string[]): boolean {
  if (toks.length === 1) return parseIsoInstant(toks[0]!) !== undefined;
  if (toks.length !== 2 && toks.length !== 3) return false;
  return parseDate(toks[0]!) !== undefined && parseTimeOfDay(toks[1]!, toks[2]) !== undefined;
}

function isDeviceHeader(toks: readonly string[]): 'first' | 'last' | undefined {
  const first = toks[0];
  const last = toks[toks.length - 1];
  const where = first === 'Device' || first === 'Device:' ? 'first' : last === 'Device' ? 'last' : undefined;
  if (!where || !toks.some((t) => IOSTAT_COLUMNS.has(t))) return undefined;
  return where;
}

/** The sysstat versions a set of column names was printed by (from the variants in notes/formats.md §1). */
function versionOf(columns: ReadonlySet<string>, colon: boolean): string | undefined {
  if (colon) return 'sysstat <= 11.4';
  if (columns.has('f/s')) return 'sysstat >= 12.3';
  if (columns.has('d/s')) return 'sysstat 12.1-12.2';
  for (const c of columns) if (c.endsWith('_dscd/s') || c.endsWith('_w+d/s')) return 'sysstat >= 12.1';
  if (columns.has('aqu-sz') && columns.has('svctm')) return 'sysstat 11.5-12.0';
  if (columns.has('areq-sz')) return 'sysstat >= 11.5';
  if (columns.has('tps')) return 'sysstat 11.5-12.0';
  return undefined;
}

/** The unit the size columns are in, when it is not the default kB: a flag (-m) or a note. */
function sizeUnit(columns: ReadonlySet<string>): { flag?: string; note?: string } {
  for (const c of columns) {
    if (c.startsWith('MB_') || c === 'rMB/s' || c === 'MB/s') return { flag: '-m' };
    if (c.startsWith('GB_') || c === 'rGB/s' || c === 'GB/s') return { note: 'GB units' };
    if (c.startsWith('Blk_') || c === 'rsec/s' || c === 'sec/s') return { note: '512-byte blocks (POSIXLY_CORRECT or no -k)' };
  }
  return {};
}

/** `iostat <flags>[, <note>…][, <sysstat version>]` */
function variantText(flags: readonly string[], notes: readonly string[], version: string | undefined): string {
  return [['iostat', ...flags].join(' '), ...notes, ...(version ? [version] : [])].join(', ');
}

function detectText(head: readonly string[]): SniffResult | null {
  let banner = false;
  let cpu = false;
  let human = false;
  let timestamps = false;
  let group = false;
  let oldHumanLayout = false;
  let colon = false;
  let deviceLast = false;
  const headers = new Set<string>();
  const columns = new Set<string>();
  let table: 'first' | 'last' | undefined;
  let firstHeader = '';
  for (let i = 0; i < head.length; i++) {
    const line = head[i]!;
    const toks = split(line);
    if (toks.length === 0) continue;
    if (BANNER_RE.test(line)) {
      banner = true;
      continue;
    }
    if (toks[0] === 'avg-cpu:') {
      cpu = true;
      table = undefined;
      if ((head[i + 1] ?? '').includes('%')) human = true;
      continue;
    }
    const where = isDeviceHeader(toks);
    if (where) {
      table = where;
      if (headers.size === 0) firstHeader = line.trim();
      headers.add(toks.join(' '));
      for (const t of toks) if (t !== 'Device' && t !== 'Device:') columns.add(t);
      if (toks[0] === 'Device:') colon = true;
      if (where === 'last') deviceLast = true;
      continue;
    }
    if (!cpu && headers.size === 0 && isTimestampLine(toks)) {
      timestamps = true;
      continue;
    }
    if (table === 'first') {
      if (line.charCodeAt(0) === 32 && line.charCodeAt(1) !== 32 && toks.length > 1) group = true;
      if (toks.length === 1 && !/^\d/.test(toks[0]!)) oldHumanLayout = true;
    } else if (table === 'last') {
      const end = line.trimEnd();
      const name = toks[toks.length - 1]!;
      if (end.charCodeAt(end.length - name.length - 2) === 32) group = true;
    }
    if (table && toks.some((t) => SIZE_SUFFIX_RE.test(t))) human = true;
  }
  if (!cpu && headers.size === 0) return null;

  const flags: string[] = [];
  if (cpu && headers.size === 0) flags.push('-c');
  if (!cpu && headers.size > 0) flags.push('-d');
  const extended = columns.has('r/s') || columns.has('rrqm/s') || columns.has('areq-sz');
  if (extended) flags.push('-x');
  if (columns.has('areq-sz') || [...columns].some((c) => c.endsWith('_w+d/s'))) flags.push('-s');
  const notes: string[] = [];
  const unit = sizeUnit(columns);
  if (unit.flag) flags.push(unit.flag);
  if (unit.note) notes.push(unit.note);
  if (timestamps) flags.push('-t');
  if (group) flags.push('-g');
  if (deviceLast) {
    flags.push('--pretty');
    // --compact keeps the extended report in one Device-last table.
    if (extended && columns.has('r/s') && [...headers].some((h) => h.includes('r/s') && h.includes('w/s'))) flags.push('--compact');
  }
  if (human) flags.push('--human');
  if (oldHumanLayout) {
    flags.push('-h');
    notes.push('device name on its own line');
  }
  const version = headers.size > 0 ? versionOf(columns, colon) : undefined;
  const evidence = headers.size > 0 ? `iostat Device header: ${JSON.stringify(firstHeader.slice(0, 80))}` : 'iostat avg-cpu: header';
  return {
    tool: 'iostat',
    variant: variantText(flags, notes, version),
    confidence: banner ? 0.97 : 0.92,
    evidence: banner ? `sysstat banner and ${evidence}` : evidence,
  };
}

function detectJson(head: readonly string[]): SniffResult | null {
  const text = head.join('\n');
  if (!/^\s*\{\s*"sysstat"\s*:/.test(text)) return null;
  const hasDisk = text.includes('"disk_device"');
  const hasCpu = text.includes('"avg-cpu"');
  if (!hasDisk && !hasCpu) return null;
  const flags = ['-o JSON'];
  if (hasCpu && !hasDisk) flags.push('-c');
  if (hasDisk && !hasCpu) flags.push('-d');
  const keys = new Set<string>();
  for (const m of text.matchAll(/"([^"]+)":/g)) keys.add(m[1]!);
  const legacy = keys.has('r') && !keys.has('r/s');
  if (keys.has('r/s') || keys.has('rqm/s') || legacy) flags.push('-x');
  if (keys.has('rqm/s') || [...keys].some((k) => k.endsWith('_w+d/s'))) flags.push('-s');
  const notes: string[] = [];
  const unit = sizeUnit(keys);
  if (unit.flag) flags.push(unit.flag);
  if (unit.note) notes.push(unit.note);
  if (keys.has('timestamp')) flags.push('-t');
  if (/"disk_device": " /.test(text)) flags.push('-g');
  let version: string | undefined;
  if (legacy || keys.has('kB_read_per_sec')) version = 'sysstat <= 11.4 (legacy JSON keys)';
  else if (keys.has('f/s')) version = 'sysstat >= 12.3';
  else if (keys.has('d/s')) version = 'sysstat 12.1-12.2';
  else if ([...keys].some((k) => k.endsWith('_dscd/s') || k.endsWith('_w+d/s'))) version = 'sysstat >= 12.1';
  return {
    tool: 'iostat',
    variant: variantText(flags, notes, version),
    confidence: 0.95,
    evidence: `sysstat JSON with ${hasDisk ? '"disk_device"' : '"avg-cpu"'} objects`,
  };
}

export const detector: Detector = {
  tool: 'iostat',
  detect(head) {
    const first = head.find((l) => l.trim() !== '');
    if (first === undefined) return null;
    return first.trimStart().startsWith('{') ? detectJson(head) : detectText(head);
  },
};
