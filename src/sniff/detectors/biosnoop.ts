/**
 * Recognizes biosnoop output — bcc `tools/biosnoop.py`, libbpf-tools `biosnoop`, bpftrace `biosnoop.bt` — by its
 * header: `TIME(s)|TIMESTAMP|TIME(ms)`, then `COMM PID DISK T SECTOR BYTES [PRI] [QUE(ms)] LAT(ms)` (bcc,
 * libbpf-tools) or `DISK COMM PID LAT(ms)` (bpftrace). The variant names the implementation when the header
 * shows it (TIMESTAMP: libbpf-tools -t; TIME(ms): bpftrace) and the optional columns (-Q queue time, -P priority).
 *
 * The parser (`src/parsers/biosnoop.ts`) reuses the header reader exported here.
 */
import type { Detector, SniffResult } from '../types.js';

const KNOWN_TITLES: ReadonlySet<string> = new Set(['TIME(s)', 'TIMESTAMP', 'TIME(ms)', 'COMM', 'PID', 'DISK', 'T', 'SECTOR', 'BYTES', 'PRI', 'QUE(ms)', 'LAT(ms)']);

/** The titles of a biosnoop header line, or undefined. */
export function biosnoopHeaderTitles(line: string): string[] | undefined {
  if (!line.includes('LAT(ms)')) return undefined;
  const titles = line.trim().split(/\s+/);
  if (!titles.every((t) => KNOWN_TITLES.has(t))) return undefined;
  const has = (t: string): boolean => titles.includes(t);
  if (!has('COMM') || !has('PID') || !has('DISK') || titles[titles.length - 1] !== 'LAT(ms)') return undefined;
  if (!['TIME(s)', 'TIMESTAMP', 'TIME(ms)'].includes(titles[0]!)) return undefined;
  return titles;
}

/** `Attaching 4 probes...` / `Attached 4 probes` and bpftrace's banner. */
export const BIOSNOOP_BANNER_RE = /^(?:Attach(?:ing \d+ probes?\.\.\.|ed \d+ probes?)|Tracing block device I\/O\.\.\. Hit Ctrl-C to end\.?) *$/;

/** A shell line echoing the command: `# ./biosnoop -Q`, `$ sudo biosnoop-bpfcc`, `bpftrace biosnoop.bt`. */
export const BIOSNOOP_COMMAND_RE = /^ *(?:[#$] *)?(?:sudo +)?(?:(?:timeout +(?:-s +\S+ +)?\S+ +)?bpftrace +)?(?:\S*\/)?(biosnoop[\w.-]*)(?: +(.*))?$/;

export function biosnoopVariant(titles: readonly string[], bpftraceLines: boolean, command?: string): string {
  let impl = 'bcc python or libbpf-tools';
  if (titles[0] === 'TIME(ms)' || bpftraceLines || command?.startsWith('biosnoop.bt')) impl = 'bpftrace';
  else if (titles[0] === 'TIMESTAMP') impl = 'libbpf-tools';
  const flags: string[] = [];
  if (titles[0] === 'TIMESTAMP') flags.push('-t');
  if (titles.includes('PRI')) flags.push('-P');
  if (titles.includes('QUE(ms)')) flags.push('-Q');
  const shown = command ?? `biosnoop ${flags.join(' ')}`.trim();
  return `${shown} (${impl})`;
}

function biosnoop(head: readonly string[]): SniffResult | null {
  let titles: string[] | undefined;
  let bpftraceLines = false;
  let command: string | undefined;
  let first = true;
  for (const line of head) {
    if (line.trim() === '') continue;
    if (first) {
      first = false;
      const cmd = BIOSNOOP_COMMAND_RE.exec(line);
      if (cmd) {
        command = `${cmd[1]} ${cmd[2] ?? ''}`.trim();
        continue;
      }
    }
    if (BIOSNOOP_BANNER_RE.test(line)) bpftraceLines = true;
    titles ??= biosnoopHeaderTitles(line);
  }
  if (!titles) return null;
  return {
    tool: 'biosnoop',
    variant: biosnoopVariant(titles, bpftraceLines, command),
    confidence: 0.98,
    evidence: `header "${titles.join(' ')}"`,
  };
}

export const detector: Detector = { tool: 'biosnoop', detect: biosnoop };
