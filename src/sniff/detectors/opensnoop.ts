/**
 * Recognizes opensnoop output — bcc `tools/opensnoop.py`, libbpf-tools `opensnoop`, bpftrace
 * `tools/opensnoop.bt` — by its column header, assembled from optional and fixed parts:
 * `[TIME(s)|TIME] [UID] PID|TID COMM FD ERR [FLAGS [MODE]] PATH[/CALLER]`.
 *
 * Which implementation wrote it (see docs/parsers/opensnoop.md):
 * - bpftrace: the `Attaching N probes...` / `Attached N probes` and `Tracing open syscalls...` lines, or an
 *   echoed `opensnoop.bt` command;
 * - libbpf-tools: wall-clock `TIME`, `UID` padded to 7, FD in 3 columns (`COMM` + 14 blanks + `FD`), `/CALLER`;
 * - bcc python: `TIME(s)` (seconds since the first event), `TID` (-t), FD in 4 columns without bpftrace lines;
 *   the 2015/2016 narrow layout (`COMM      FD`) is bcc only.
 * A first line echoing the command (`# ./opensnoop -T`, ` ./opensnoop -Tp 1956`) names the flags.
 *
 * The parser (`src/parsers/opensnoop.ts`) reuses the header reader exported here.
 */
import type { Detector, SniffResult } from '../types.js';

const HEADER_RE = /^(?:(TIME\(s\)|TIME) +)?(?:(UID) +)?(PID|TID) +COMM +FD +ERR +(?:(FLAGS) +)?(?:(MODE) +)?PATH(\/CALLER)? *$/;

/** `Attaching 3 probes...` (bpftrace before 2025-05) or `Attached 3 probes`. */
export const BPFTRACE_ATTACH_RE = /^Attach(?:ing \d+ probes?\.\.\.|ed \d+ probes?) *$/;
export const BPFTRACE_TRACING_RE = /^Tracing open syscalls\.\.\. Hit Ctrl-C to end\. *$/;

/** A shell line echoing the command: `# ./opensnoop -T`, ` ./opensnoop -Tp 1956`, `$ sudo opensnoop-bpfcc -x`. */
export const OPENSNOOP_COMMAND_RE = /^ *(?:[#$] *)?(?:sudo +)?(?:(?:timeout +(?:-s +\S+ +)?\S+ +)?bpftrace +)?(?:\S*\/)?(opensnoop[\w.-]*)(?: +(.*))?$/;

export type OpensnoopImplementation = 'bcc python' | 'libbpf-tools' | 'bpftrace' | 'bcc python or bpftrace';

export interface OpensnoopHeader {
  /** `TIME(s)`: seconds since the first event (bcc -T); `TIME`: wall-clock HH:MM:SS (libbpf-tools -T). */
  time?: 'TIME(s)' | 'TIME';
  uid: boolean;
  /** `PID` (process, TGID) or `TID` (bcc -t: thread id). */
  id: 'PID' | 'TID';
  flags: boolean;
  mode: boolean;
  callers: boolean;
  /** Offsets in the header line: where COMM starts, where the right-aligned FD and ERR titles end. */
  commStart: number;
  fdEnd: number;
  errEnd: number;
  /** Blanks between the UID title and the next one (bcc 3, libbpf-tools 5, libbpf-tools before 2022-09: 4). */
  uidGap: number;
}

export function readOpensnoopHeader(line: string): OpensnoopHeader | undefined {
  // Cheap test first: the parser asks this of every line.
  if (!line.includes(' COMM ')) return undefined;
  const m = HEADER_RE.exec(line);
  if (!m) return undefined;
  const commStart = line.indexOf('COMM');
  const fdEnd = line.indexOf(' FD ', commStart) + 3;
  const errEnd = line.indexOf('ERR', fdEnd) + 3;
  const header: OpensnoopHeader = {
    uid: m[2] !== undefined,
    id: m[3] as 'PID' | 'TID',
    flags: m[4] !== undefined,
    mode: m[5] !== undefined,
    callers: m[6] !== undefined,
    commStart,
    fdEnd,
    errEnd,
    uidGap: 0,
  };
  if (m[1] !== undefined) header.time = m[1] as 'TIME(s)' | 'TIME';
  if (header.uid) {
    const uidEnd = line.indexOf('UID') + 3;
    let k = uidEnd;
    while (line.charCodeAt(k) === 32) k++;
    header.uidGap = k - uidEnd;
  }
  return header;
}

/** Which implementation printed this header, from its widths and titles alone (bpftrace needs its banner lines). */
export function implementationOf(h: OpensnoopHeader, bpftraceLines: boolean): OpensnoopImplementation {
  if (bpftraceLines) return 'bpftrace';
  if (h.time === 'TIME' || h.callers || (h.uid && h.uidGap !== 3)) return 'libbpf-tools';
  const fdWidth = h.fdEnd - h.commStart - 17; // COMM is %-16s then a blank, then FD right-aligned
  if (fdWidth === 3) return 'libbpf-tools';
  if (h.time === 'TIME(s)' || h.id === 'TID' || h.uid || fdWidth !== 4) return 'bcc python';
  return 'bcc python or bpftrace';
}

/** The flags the header implies, as a command line (`opensnoop -T -U -e`). */
export function flagsOf(h: OpensnoopHeader): string {
  const flags: string[] = [];
  if (h.time) flags.push('-T');
  if (h.uid) flags.push('-U');
  if (h.id === 'TID') flags.push('-t TID');
  if (h.flags) flags.push('-e');
  if (h.callers) flags.push('-c');
  return flags.join(' ');
}

export function opensnoopVariant(h: OpensnoopHeader, bpftraceLines: boolean, command?: { name: string; args: string }): string {
  let impl = command?.name.endsWith('.bt') ? 'bpftrace' : implementationOf(h, bpftraceLines);
  // An echoed command that is not a .bt script rules bpftrace out.
  if (impl === 'bcc python or bpftrace' && command) impl = 'bcc python';
  const shown = command ? `${command.name} ${command.args}`.trim() : `opensnoop ${flagsOf(h)}`.trim();
  const notes: string[] = [impl];
  if (h.flags) notes.push(h.mode ? 'FLAGS and MODE (2025+)' : 'FLAGS without MODE');
  const fdWidth = h.fdEnd - h.commStart - 17;
  if (fdWidth < 3) notes.push('narrow 2015-2016 layout');
  return `${shown} (${notes.join(', ')})`;
}

function opensnoop(head: readonly string[]): SniffResult | null {
  let header: OpensnoopHeader | undefined;
  let headerLine = '';
  let bpftraceLines = false;
  let command: { name: string; args: string } | undefined;
  let seenContent = false;
  for (const line of head) {
    if (line.trim() === '') continue;
    if (!seenContent) {
      seenContent = true;
      const cmd = OPENSNOOP_COMMAND_RE.exec(line);
      if (cmd) {
        command = { name: cmd[1]!, args: (cmd[2] ?? '').trim() };
        continue;
      }
    }
    if (BPFTRACE_ATTACH_RE.test(line) || BPFTRACE_TRACING_RE.test(line)) bpftraceLines = true;
    if (!header) {
      header = readOpensnoopHeader(line);
      if (header) headerLine = line.trim();
    }
  }
  if (!header) return null;
  return {
    tool: 'opensnoop',
    variant: opensnoopVariant(header, bpftraceLines, command),
    // The header is opensnoop's alone; bpftrace's banner lines or an echoed command confirm it.
    confidence: bpftraceLines || command ? 0.99 : 0.98,
    evidence: `header "${headerLine}"${bpftraceLines ? ' after bpftrace "Attaching/Tracing open syscalls" lines' : ''}${command ? ` after the command line "${command.name} ${command.args}"` : ''}`,
  };
}

export const detector: Detector = { tool: 'opensnoop', detect: opensnoop };
