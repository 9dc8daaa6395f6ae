/**
 * iotop batch mode: `iotop -b [-o] [-t] [-P] [-a] [-k] [-q|-qq|-qqq] [-d SECS] [-n N] [-p PID] [-u USER]` of the
 * Python iotop (0.4 .. 0.6; iotop-c prints the same layout). Each iteration prints two summary lines, the column
 * header, then one row per task (only tasks doing I/O with -o).
 *
 * Emits
 * - `iotop.summary` per summary line: scope `total` (`Total DISK READ/WRITE`: sum over tasks, from taskstats) or
 *   `current` (`Current`/`Actual DISK READ/WRITE`: what reached the block layer, from /proc/vmstat),
 *   read_bytes_per_s, written_bytes_per_s.
 * - `iotop.task` per row: tid (default: threads) or pid (`-P`, header PID), prio (`be/4`, `rt/0`, `idle`, …),
 *   user (≤ 8 characters as printed), read_bytes_per_s / written_bytes_per_s — or, with `-a`, read_bytes /
 *   written_bytes accumulated since iotop started —, swapin_pct and io_pct (% of the interval waiting on swap-in /
 *   block I/O; absent when printed `?unavailable?`, i.e. kernel.task_delayacct is off), command (cmdline as
 *   printed), thread_name (the ` [name]` iotop appends for a thread named unlike its process), kernel_thread.
 * Units: human sizes `B K M G T P E` are powers of 1024 (`11.96 M/s` = 11.96 × 2^20 bytes/s); `-k` prints K
 * throughout. Written bytes are iotop's write_bytes − cancelled_write_bytes, floored at 0.
 * Time: `sample` counts iterations (a `Total DISK READ` line starts one; without summaries, `-qqq`, a task id seen
 * again starts one). With `-t` each line's `HH:MM:SS` gives `{ clock: 'time-of-day' }`, else `{ clock: 'ordinal' }`.
 * The first iteration's rates are 0 for tasks iotop had not seen before: iotop prints deltas between iterations.
 *
 * Quirks: without a header (`-qq`, `-qqq`) the id column is taken as a TID (iotop's default) — a `-P` capture
 * with `-qq` cannot be told apart. COMMAND is the rest of the line, spaces kept.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { binarySuffixFactor, round } from '../common/units.js';
import { formatTimeOfDay, parseTimeOfDay } from '../common/time.js';
import { IOTOP_HEADER_RE, IOTOP_ROW_RE, IOTOP_SUMMARY_RE } from '../sniff/detectors/iotop.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** `11.96` `M` → bytes (B, K, M, G … are powers of 1024 in iotop's human_size). */
export function iotopBytes(value: string, unit: string): number {
  return round(Number(value) * (binarySuffixFactor(unit) ?? 1), 3);
}

/** ` [pt-writer 1]` at the end of a thread's cmdline → the thread name; `[kworker/0:1]` alone → a kernel thread. */
export function splitCommand(command: string): { command: string; thread_name?: string; kernel_thread: boolean } {
  if (command.startsWith('[') && command.endsWith(']')) return { command, kernel_thread: true };
  const open = command.lastIndexOf(' [');
  if (command.endsWith(']') && open > 0) return { command, thread_name: command.slice(open + 2, -1), kernel_thread: false };
  return { command, kernel_thread: false };
}

export const parser: ParserModule = {
  meta: {
    tool: 'iotop',
    title: 'iotop -b (batch): disk I/O per thread or process',
    commands: ['iotop -b -o -t -d 1 -n 30', 'iotop -b -o -P -k -d 1 -n 30', 'iotop -b -o -a -qqq -d 1 -n 30'],
    recordKinds: ['iotop.summary', 'iotop.task'],
    recollect: 'run `iotop -b -o -t -d 1 -n 30 > iotop.txt` as root with `sysctl kernel.task_delayacct=1` for the IO % column',
  },
  create(ctx: ParseContext) {
    let idKind: 'tid' | 'pid' = 'tid';
    let sample = -1;
    let seenInSample = new Set<number>();
    let summariesSeen = false;
    let lastSummaryScope: string | undefined;

    const timeOf = (clock: string | undefined): RecordTime | undefined => {
      if (!clock) return { clock: 'ordinal', sample: Math.max(sample, 0) };
      const tod = parseTimeOfDay(clock);
      return tod ? { clock: 'time-of-day', iso: formatTimeOfDay(tod), sample: Math.max(sample, 0) } : undefined;
    };

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (text.trim() === '') return 'skip';
        const s = IOTOP_SUMMARY_RE.exec(text);
        if (s) {
          summariesSeen = true;
          const scope = s[2] === 'Total' ? 'total' : 'current';
          // `Total` opens an iteration; a file cut before it still counts its first `Current` line.
          if (scope === 'total' || lastSummaryScope !== 'total') {
            sample++;
            seenInSample = new Set();
          }
          lastSummaryScope = scope;
          const time = timeOf(s[1]);
          if (!time) return { unparsed: `summary line with an impossible time "${s[1]}"` };
          const perSecond = s[5] !== undefined;
          const record: TimelineRecord = { kind: 'iotop.summary', source: { file: ctx.file, line: lineNo }, time, scope };
          record[perSecond ? 'read_bytes_per_s' : 'read_bytes'] = iotopBytes(s[3]!, s[4]!);
          record[perSecond ? 'written_bytes_per_s' : 'written_bytes'] = iotopBytes(s[6]!, s[7]!);
          ctx.emit(record);
          return 'data';
        }
        const h = IOTOP_HEADER_RE.exec(text);
        if (h) {
          idKind = h[2] === 'PID' ? 'pid' : 'tid';
          return 'skip';
        }
        const r = IOTOP_ROW_RE.exec(text);
        if (r) {
          lastSummaryScope = undefined;
          const id = Number(r[2]);
          if (!summariesSeen && (sample < 0 || seenInSample.has(id))) {
            sample++;
            seenInSample = new Set();
          }
          seenInSample.add(id);
          const time = timeOf(r[1]);
          if (!time) return { unparsed: `row with an impossible time "${r[1]}"` };
          const perSecond = r[7] !== undefined;
          const record: TimelineRecord = { kind: 'iotop.task', source: { file: ctx.file, line: lineNo }, time };
          record[idKind] = id;
          record.prio = r[3]!;
          record.user = r[4]!;
          record[perSecond ? 'read_bytes_per_s' : 'read_bytes'] = iotopBytes(r[5]!, r[6]!);
          record[perSecond ? 'written_bytes_per_s' : 'written_bytes'] = iotopBytes(r[8]!, r[9]!);
          if (r[11] !== undefined) {
            record.swapin_pct = Number(r[11]);
            record.io_pct = Number(r[12]);
          }
          Object.assign(record, splitCommand(r[13]!));
          ctx.emit(record);
          return 'data';
        }
        return { unparsed: 'expected an iotop row "TID PRIO USER DISK READ DISK WRITE SWAPIN IO COMMAND", a "Total/Current DISK READ" line or the header' };
      },
      end(): void {},
    };
  },
};
