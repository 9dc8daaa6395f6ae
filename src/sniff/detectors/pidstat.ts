/**
 * pidstat detector. Evidence, strongest first:
 * - a section header only pidstat prints: a time (or `#`, `# Time`, `Average:`), then `UID`/`USER`, then
 *   `PID` or `TGID TID`, then metric columns, ending with `Command` (ps says `CMD`, top `COMMAND`);
 * - sysstat JSON (`{"sysstat": {`) whose task objects carry `"cmd"` with `"PID"`/`"TGID"`, or whose sections
 *   are pidstat's (`"task-cpu-load"`, `"task-memory"`, …); iostat/mpstat/sar JSON have none of these.
 * The variant names the flags the header columns reveal and the sysstat version they imply.
 */
import type { Detector, SniffResult } from '../types.js';

const TIME_RE = /^(?:\d{1,2}:\d{2}:\d{2}(?:\s+[AP]M)?|Average:|#\s+Time)\s+/;
const IDS_RE = /^(?:UID|USER)\s+(?:PID|TGID\s+TID)\s+/;
const BANNER_RE = /^\S+ \S+ \(.*\)\s+\S+\s+_\S+_\s+\(\d+ CPU\)\s*$/;
const JSON_TASK_RE = /"cmd":\s*"/;
const JSON_ID_RE = /"(?:PID|TGID)":\s*"/;
const EPOCH_ROW_RE = /^\d{9,11}\s/;
const JSON_SECTION_RE = /"(?:task-cpu-load|task-memory|context-switch)":\s*\[/;

/** Column → the pidstat options that print it. */
const COLUMN_FLAGS: ReadonlyArray<[string, readonly string[]]> = [
  ['%usr', ['-u']],
  ['usr-ms', ['-u', '-T CHILD']],
  ['minflt/s', ['-r']],
  ['minflt-nr', ['-r', '-T CHILD']],
  ['StkSize', ['-s']],
  ['kB_rd/s', ['-d']],
  ['cswch/s', ['-w']],
  ['threads', ['-v']],
  ['prio', ['-R']],
];

/** What the headers seen say: columns (union over sections), one-line mode and its generation, epoch rows. */
interface Seen {
  columns: Set<string>;
  oneLine: boolean;
  oldOneLine: boolean;
  epochRows: boolean;
}

function variantOf(seen: Seen): string {
  const flags = new Set<string>();
  for (const [column, columnFlags] of COLUMN_FLAGS) if (seen.columns.has(column)) for (const f of columnFlags) flags.add(f);
  // Task and child tables side by side: -T ALL.
  const c = seen.columns;
  if (flags.delete('-T CHILD')) flags.add((c.has('%usr') && c.has('usr-ms')) || (c.has('minflt/s') && c.has('minflt-nr')) ? '-T ALL' : '-T CHILD');
  if (c.has('TGID')) flags.add('-t');
  if (c.has('USER')) flags.add('-U');
  const hints: string[] = [];
  if (seen.oneLine) {
    flags.add('-h');
    if (seen.epochRows && !seen.oldOneLine) flags.add('-H');
    hints.push(seen.oldOneLine ? 'sysstat < 11.6' : 'sysstat >= 11.6');
  }
  if (seen.columns.has('%wait')) hints.push('sysstat >= 11.5.5');
  if (seen.columns.has('kB_rd/s') && !seen.columns.has('iodelay')) hints.push('sysstat < 10.2.1');
  return `pidstat ${[...flags].join(' ')}${hints.length ? `, ${hints.join(', ')}` : ''}`.trimEnd();
}

export const detector: Detector = {
  tool: 'pidstat',
  detect(head: readonly string[]): SniffResult | null {
    let banner = false;
    let json = false;
    let jsonSection = false;
    let jsonTask = false;
    let firstHeader: string | undefined;
    const seen: Seen = { columns: new Set(), oneLine: false, oldOneLine: false, epochRows: false };
    for (const raw of head) {
      const line = raw.trim();
      if (line === '') continue;
      if (BANNER_RE.test(line)) {
        banner = true;
        continue;
      }
      if (line.startsWith('{"sysstat"')) json = true;
      if (json) {
        if (JSON_SECTION_RE.test(line)) jsonSection = true;
        if (JSON_TASK_RE.test(line) && JSON_ID_RE.test(line)) jsonTask = true;
        continue;
      }
      if (firstHeader !== undefined && EPOCH_ROW_RE.test(line)) seen.epochRows = true;
      if (!line.endsWith('Command')) continue;
      const time = TIME_RE.exec(line);
      if (!time) continue;
      const rest = line.slice(time[0].length);
      if (!IDS_RE.test(rest)) continue;
      firstHeader ??= line;
      for (const column of rest.split(/\s+/)) seen.columns.add(column);
      if (line.startsWith('#')) {
        seen.oneLine = true;
        if (/^#\s{2,}Time/.test(raw.trimStart())) seen.oldOneLine = true;
      }
    }
    if (firstHeader !== undefined) {
      return {
        tool: 'pidstat',
        variant: variantOf(seen),
        confidence: banner ? 0.97 : 0.92,
        evidence: `pidstat section header: '${firstHeader.replace(/\s+/g, ' ').slice(0, 80)}'`,
      };
    }
    if (json && (jsonSection || jsonTask)) {
      return {
        tool: 'pidstat',
        variant: 'pidstat -o JSON',
        confidence: 0.95,
        evidence: jsonSection ? 'sysstat JSON with pidstat sections (task-cpu-load, task-memory, …)' : 'sysstat JSON with task objects ("PID"/"TGID" and "cmd")',
      };
    }
    return null;
  },
};
