/**
 * Recognizes procps `ps` output by its header line: every word of it is a column title procps prints
 * (`UID PID PPID C STIME TTY TIME CMD`, `USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND`, …),
 * with a PID and a command column among them. Variant names the flags the header implies.
 *
 * The title table lives here (sniffing comes before parsing) and `src/parsers/ps.ts` reuses it.
 */
import type { Detector, SniffResult } from '../types.js';

/**
 * Column titles procps prints for the columns perftriage reads or knowingly ignores. Deliberately
 * excludes top's task-table titles (`PR`, `VIRT`, `RES`, `SHR`, `TIME+`) and anything lower-case
 * (pidstat's `Command`), so other tools' tables never read as ps headers.
 */
export const PS_TITLES: ReadonlySet<string> = new Set([
  'PID', 'PPID', 'PGID', 'SID', 'TGID', 'TPGID', 'LWP', 'SPID', 'TID', 'NLWP', 'THCNT',
  'UID', 'USER', 'EUSER', 'RUSER', 'RUID', 'EUID', 'GROUP',
  'C', '%CPU', '%MEM', 'VSZ', 'RSS', 'RSZ', 'SZ', 'PSR', 'NI', 'PRI', 'CLS', 'RTPRIO', 'F', 'S', 'STAT', 'ADDR', 'WCHAN',
  'TTY', 'TT', 'STIME', 'START', 'STARTED', 'TIME', 'ELAPSED', 'CMD', 'COMMAND', 'ARGS', 'LABEL',
]);

/** Titles of the free-text command column (args or comm); at least one must be in a ps header. */
export const PS_COMMAND_TITLES: ReadonlySet<string> = new Set(['CMD', 'COMMAND', 'ARGS']);

/** The words of a line when it is a ps header, else undefined. */
export function psHeaderTitles(line: string): string[] | undefined {
  // Cheap test first: the parser asks this of every line, and a data row rarely holds these letters.
  if (!line.includes('PID')) return undefined;
  const titles = line.trim().split(/\s+/);
  if (titles.length < 2) return undefined;
  let hasPid = false;
  let hasCommand = false;
  for (const t of titles) {
    if (!PS_TITLES.has(t)) return undefined;
    if (t === 'PID') hasPid = true;
    if (PS_COMMAND_TITLES.has(t)) hasCommand = true;
  }
  return hasPid && hasCommand ? titles : undefined;
}

/** The ps flags a header implies (best effort: `-o` lists can imitate any of them). */
export function psVariant(titles: readonly string[]): string {
  const has = (t: string): boolean => titles.includes(t);
  const joined = titles.join(' ');
  if (has('LWP')) return has('NLWP') ? 'ps -eLf' : 'ps -eL';
  if (has('SPID')) return has('PPID') ? 'ps -efT' : 'ps -eT';
  if (joined === 'UID PID PPID C STIME TTY TIME CMD') return 'ps -ef';
  if (joined === 'USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND') return 'ps aux';
  if (joined === 'UID PID PPID C SZ RSS PSR STIME TTY TIME CMD') return 'ps -eF';
  if (joined.startsWith('F S UID PID PPID C PRI NI ADDR SZ WCHAN')) return 'ps -el';
  if (joined === 'PID TTY TIME CMD') return 'ps -e';
  return `ps -o ${titles.map((t) => t.toLowerCase()).join(',')}`;
}

const PS_ROW_START = /^\s*\S+\s+\d+\s/;

function ps(head: readonly string[]): SniffResult | null {
  const firstContent = head.findIndex((l) => l.trim() !== '');
  for (let i = 0; i < head.length; i++) {
    const titles = psHeaderTitles(head[i]!);
    if (!titles) continue;
    // A row follows: its first or second word is a number (PID first in `ps -e`/`-o pid,…`, second in -ef/aux).
    const next = head.slice(i + 1).find((l) => l.trim() !== '');
    const rowFollows = next !== undefined && (PS_ROW_START.test(next) || /^\s*\d+\s/.test(next));
    const confidence = i === firstContent ? (rowFollows ? 0.95 : 0.9) : 0.8;
    return { tool: 'ps', variant: psVariant(titles), confidence, evidence: `header "${titles.join(' ')}"` };
  }
  return null;
}

export const detector: Detector = { tool: 'ps', detect: ps };
