/**
 * Recognizes procps `top` batch output (`top -b`) and names its variant: threads (`-H`), per-CPU lines
 * (`1` toggle), the memory scale (`KiB` … `EiB`), custom task fields, wide lines, and the procps version
 * range the summary lines betray (see notes/formats.md §3 and docs/parsers/top.md).
 *
 * Only top prints `top - HH:MM:SS up …` followed by `Tasks:`/`Threads:` lines, and only top's task table
 * has the titles `PR`, `VIRT`, `RES`, `SHR`, `TIME+` (ps says PRI, VSZ, RSS, TIME; pidstat uses `Command`).
 * A `Mem:` line alone proves nothing (`free` prints one too).
 *
 * The title table lives here (sniffing comes before parsing) and `src/parsers/top.ts` reuses it.
 */
import type { Detector, SniffResult } from '../types.js';

/**
 * Every task-table column title of procps top 3.2 … procps-ng 4.0.x (the `Fields Management` names),
 * whether perftriage types its values or keeps them raw.
 */
export const TOP_TITLES: ReadonlySet<string> = new Set([
  'PID', 'PPID', 'UID', 'USER', 'RUID', 'RUSER', 'SUID', 'SUSER', 'GID', 'GROUP', 'PGRP', 'TTY', 'TPGID', 'SID',
  'PR', 'NI', 'nTH', 'P', '%CPU', 'TIME', 'TIME+', '%MEM', 'VIRT', 'SWAP', 'RES', 'CODE', 'DATA', 'SHR',
  'nMaj', 'nMin', 'nDRT', 'S', 'COMMAND', 'WCHAN', 'Flags', 'CGROUPS', 'SUPGIDS', 'SUPGRPS', 'TGID', 'OOMa', 'OOMs',
  'ENVIRON', 'vMj', 'vMn', 'USED', 'nsIPC', 'nsMNT', 'nsNET', 'nsPID', 'nsUSER', 'nsUTS', 'LXC', 'RSan', 'RSfd',
  'RSlk', 'RSsh', 'CGNAME', 'NU', 'LOGID', 'EXE', 'RSS', 'PSS', 'PSan', 'PSfd', 'PSsh', 'USS', 'ioR', 'ioRop',
  'ioW', 'ioWop', 'AGID', 'AGNI', 'STARTED', 'ELAPSED', '%CUU', '%CUC', 'nsCGROUP', 'nsTIME', 'CLS', 'DOCKER',
  // procps 3.2 names that procps-ng renamed or dropped
  'nFLT',
]);

/** Titles only top's task table has: two of them (with PID) make a header top's. */
const TOP_ONLY_TITLES: ReadonlySet<string> = new Set(['PR', 'VIRT', 'RES', 'SHR', 'TIME+']);

/** The default columns of every procps-ng version; any other title means `-o`/`f` custom fields. */
const DEFAULT_TITLES: ReadonlySet<string> = new Set(['PID', 'USER', 'PR', 'NI', 'VIRT', 'RES', 'SHR', 'S', '%CPU', '%MEM', 'TIME+', 'COMMAND']);

const TOP_LINE_RE = /^top - \d{1,2}:\d{2}:\d{2} up /;
const TASKS_RE = /^(Tasks|Threads):\s*\d+ total,/;
const CPU_RE = /^%?(?:Cpu(?:\(s\)|\d+(?:-\d+)?)|Node\d+)\s*:/;
const MEM_RE = /^(?:([KMGTPE]iB) )?(?:Mem|Swap)\s*:/;
/** Lines longer than this come from `-w` (or a wide COLUMNS): 80-column terminals are the default. */
const WIDE_LINE = 200;

/**
 * The titles of a line when it is a top task-table header: every word a top title (the last one may be
 * cut by the screen width), PID among them and `minTopOnly` titles only top prints (two when sniffing; a
 * parser that already knows the file is top's accepts any fields selection, e.g. `PID USER COMMAND`).
 * Else undefined.
 */
export function topHeaderTitles(line: string, minTopOnly = 2): string[] | undefined {
  const titles = line.trim().split(/\s+/);
  if (titles.length < 2) return undefined;
  let known = 0;
  let topOnly = 0;
  let hasPid = false;
  for (let i = 0; i < titles.length; i++) {
    const t = titles[i]!;
    if (TOP_TITLES.has(t)) {
      known++;
      if (TOP_ONLY_TITLES.has(t)) topOnly++;
      if (t === 'PID') hasPid = true;
    } else if (i !== titles.length - 1) {
      return undefined;
    }
  }
  return hasPid && topOnly >= minTopOnly && known >= titles.length - 1 ? titles : undefined;
}

/** The version range the summary lines show (procps-ng's format changes, notes/formats.md §3.1). */
function versionOf(head: readonly string[]): string | undefined {
  if (head.some((l) => TASKS_RE.test(l) && l.includes('d-sleep'))) return 'procps-ng >= 4.0.5';
  if (head.some((l) => /^[KMGTPE]iB Mem :/.test(l))) return 'procps-ng >= 3.3.10';
  if (head.some((l) => /^KiB Mem:/.test(l))) return 'procps-ng 3.3.0-3.3.9';
  if (head.some((l) => /^Cpu(?:\(s\)|\d+)\s*:.*%us/.test(l) || /^Mem:\s+\d+k total/.test(l))) return 'procps 3.2';
  return undefined;
}

/** A human-readable variant, e.g. `top -b -H, procps-ng >= 3.3.10, MiB`. */
export function topVariant(head: readonly string[]): string {
  let flags = 'top -b';
  if (head.some((l) => l.startsWith('Threads:'))) flags += ' -H';
  const parts = [flags];
  const version = versionOf(head);
  if (version) parts.push(version);
  const mem = head.map((l) => MEM_RE.exec(l)?.[1]).find((u) => u !== undefined);
  if (mem) parts.push(mem);
  if (head.some((l) => /^%?(?:Cpu\d|Node\d)/.test(l))) parts.push('per-CPU lines');
  const header = head.map((l) => topHeaderTitles(l)).find((t) => t !== undefined);
  if (header && header.some((t) => !DEFAULT_TITLES.has(t))) parts.push(`custom fields (${header.length} columns)`);
  if (head.some((l) => l.length > WIDE_LINE)) parts.push('wide lines (-w)');
  return parts.join(', ');
}

function detect(head: readonly string[]): SniffResult | null {
  const topLine = head.find((l) => TOP_LINE_RE.test(l));
  const tasks = head.find((l) => TASKS_RE.test(l));
  const header = head.find((l) => topHeaderTitles(l) !== undefined);
  const summaryLines = head.filter((l) => CPU_RE.test(l) || MEM_RE.test(l)).length;
  let confidence: number;
  let evidence: string;
  if (topLine && (tasks || header)) {
    confidence = 0.98;
    evidence = `summary line "${topLine.slice(0, 40)}…" and ${tasks ? 'a Tasks/Threads line' : 'a task-table header'}`;
  } else if (topLine) {
    confidence = 0.9;
    evidence = `summary line "${topLine.slice(0, 40)}…"`;
  } else if (header) {
    confidence = 0.85;
    evidence = `task-table header "${header.trim().slice(0, 60)}"`;
  } else if (tasks && summaryLines > 0) {
    confidence = 0.8;
    evidence = `"${tasks.trim()}" with %Cpu/Mem summary lines`;
  } else {
    return null;
  }
  return { tool: 'top', variant: topVariant(head), confidence, evidence };
}

export const detector: Detector = { tool: 'top', detect };
