/**
 * Recognizes the kernel ring buffer as `dmesg` prints it (util-linux): every line starts with a timestamp in
 * brackets, seconds since boot (`[ 1234.567890] `) or, with `-T`, a local date (`[Fri Nov 27 20:24:04 2026] `);
 * `--time-format iso` starts it with an ISO date instead. `-x` puts the facility and level first
 * (`kern  :warn  : `), `-r` the raw priority (`<4>`). The parser (`src/parsers/dmesg.ts`) reads lines with
 * the prefix reader exported here, so both agree on what a dmesg line is.
 */
import type { Detector, SniffResult } from '../types.js';

export interface DmesgPrefix {
  /** `-x`: facility and level names. */
  facility?: string;
  level?: string;
  /** `-r`: the raw priority (facility × 8 + level). */
  priority?: number;
  /** Seconds since boot (the default), as printed. */
  sinceBoot?: string;
  /** `-T`: `Fri Nov 27 20:24:04 2026`. */
  ctime?: string;
  /** `--time-format iso`: `2026-11-27T20:24:04,123456+00:00`. */
  iso?: string;
  /** Where the message starts. */
  messageAt: number;
}

const LEVEL_PREFIX_RE = /^([a-z0-9]+) *:([a-z]+) *: /;
const RAW_PRIORITY_RE = /^<(\d{1,3})>/;
const SINCE_BOOT_RE = /^\[ *(\d+\.\d+)\]/;
const CTIME_RE = /^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})\]/;
const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2},\d{6}[+-]\d{2}:\d{2})/;

/** The prefix of one dmesg line, or undefined when the line has none (not a dmesg line). */
export function readDmesgPrefix(line: string): DmesgPrefix | undefined {
  const out: DmesgPrefix = { messageAt: 0 };
  let rest = line;
  let at = 0;
  const level = LEVEL_PREFIX_RE.exec(rest);
  if (level) {
    out.facility = level[1]!;
    out.level = level[2]!;
    at += level[0].length;
  } else {
    const raw = RAW_PRIORITY_RE.exec(rest);
    if (raw) {
      out.priority = Number(raw[1]);
      at += raw[0].length;
    }
  }
  rest = line.slice(at);
  let m = SINCE_BOOT_RE.exec(rest);
  if (m) out.sinceBoot = m[1]!;
  else if ((m = CTIME_RE.exec(rest))) out.ctime = m[1]!;
  else if ((m = ISO_RE.exec(rest))) out.iso = m[1]!;
  else return undefined;
  at += m[0].length;
  // One space before the message; an empty message (a blank printk) has none.
  if (line.charCodeAt(at) === 32) at++;
  out.messageAt = at;
  return out;
}

/** What the prefixes of a file's lines say of the command that printed them. */
export function dmesgVariant(prefixes: readonly DmesgPrefix[]): string {
  const first = prefixes[0];
  const flags: string[] = [];
  if (first?.facility !== undefined) flags.push('-x');
  if (first?.priority !== undefined) flags.push('-r');
  if (first?.ctime !== undefined) flags.push('-T');
  if (first?.iso !== undefined) flags.push('--time-format iso');
  const clock = first?.sinceBoot !== undefined ? 'seconds since boot' : 'wall-clock time';
  return `dmesg${flags.length > 0 ? ` ${flags.join(' ')}` : ''} (${clock})`;
}

function detect(head: readonly string[]): SniffResult | null {
  const lines = head.filter((l) => l.trim() !== '');
  if (lines.length === 0) return null;
  const prefixes: DmesgPrefix[] = [];
  for (const line of lines) {
    const p = readDmesgPrefix(line);
    if (p) prefixes.push(p);
  }
  // dmesg prefixes every line; a file cut mid-line or with a pasted note may have a few without.
  if (prefixes.length < Math.max(1, Math.ceil(lines.length * 0.9))) return null;
  const confidence = prefixes.length >= 3 ? 0.95 : 0.7;
  return { tool: 'dmesg', variant: dmesgVariant(prefixes), confidence, evidence: `${prefixes.length} of ${lines.length} lines start like "${lines[0]!.slice(0, prefixes[0]!.messageAt).trim()}"` };
}

export const detector: Detector = { tool: 'dmesg', detect };
