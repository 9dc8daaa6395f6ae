/**
 * biotop: block I/O per process and disk, per interval — bcc `tools/biotop.py` and libbpf-tools `biotop`.
 * Commands read: `biotop [-C] [-r MAXROWS] [-p PID] [INTERVAL [COUNT]]`.
 *
 * Layout per interval (the same as filetop's): `HH:MM:SS loadavg: …`, a blank line, the header
 * `PID COMM D MAJ MIN DISK I/O Kbytes AVGms`, rows; bcc python adds `Tracing... Output every N secs…` first and
 * `Detaching...` at the end; without -C, `clear`'s ANSI sequences start each interval.
 *
 * Emits
 * - `biotop.interval` per loadavg line: load1, load5, load15, runnable_tasks, total_tasks, last_pid.
 * - `biotop.process` per row: pid (the task on-CPU when the I/O was issued: for writeback, a kworker), comm
 *   (≤ 15 characters, may hold spaces), direction (`R` read, `W` write), major, minor, disk (`?` when unknown),
 *   ios (I/O count in the interval), bytes (Kbytes × 1024; python 3 bcc prints a decimal), avg_latency_s
 *   (AVGms / 1000: mean issue-to-completion time).
 * Time: the loadavg line's time, `{ clock: 'time-of-day', sample, interval_s? }` as for filetop: the rows cover the
 * interval ending at that time.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { KIB, parseNumber, round } from '../common/units.js';
import { parseTimeOfDay } from '../common/time.js';
import { SysstatClock } from './sysstat-common.js';
import { FILETOP_LOADAVG_RE, FILETOP_TRACING_RE, stripClearScreen } from '../sniff/detectors/filetop.js';
import { BIOTOP_COMMAND_RE, BIOTOP_HEADER_RE, biotopVariant } from '../sniff/detectors/biotop.js';
import { intervalFromCommand, loadavgFields } from './filetop.js';
import { splitAroundComm } from './biosnoop.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

const TITLES = ['PID', 'COMM', 'D', 'MAJ', 'MIN', 'DISK', 'I/O', 'Kbytes', 'AVGms'];

/** Read one row; a string is the reason it could not be read. */
export function readBiotopRow(line: string): Omit<TimelineRecord, 'kind' | 'source'> | string {
  const cells = splitAroundComm(line, TITLES);
  if (typeof cells === 'string') return cells;
  const int = (t: string): number | undefined => (/^\d+$/.test(cells.get(t)!) ? Number(cells.get(t)) : undefined);
  const pid = int('PID');
  const major = int('MAJ');
  const minor = int('MIN');
  const ios = int('I/O');
  const kbytes = parseNumber(cells.get('Kbytes')!);
  const avgMs = parseNumber(cells.get('AVGms')!);
  const d = cells.get('D')!;
  if (pid === undefined) return `PID "${cells.get('PID')}" is not a number`;
  if (d !== 'R' && d !== 'W') return `D "${d}" is neither R nor W`;
  if (major === undefined || minor === undefined) return 'MAJ/MIN are not numbers';
  if (ios === undefined || kbytes === undefined || avgMs === undefined) return 'I/O, Kbytes or AVGms is not a number';
  return { pid, comm: cells.get('COMM')!, direction: d, major, minor, disk: cells.get('DISK')!, ios, bytes: Math.round(kbytes * KIB), avg_latency_s: round(avgMs / 1000, 9) };
}

export const parser: ParserModule = {
  meta: {
    tool: 'biotop',
    title: 'biotop (bcc python and libbpf-tools): block I/O per process and interval',
    commands: ['biotop -C 1 10', 'biotop -C 5'],
    recordKinds: ['biotop.interval', 'biotop.process'],
    recollect: 'run `biotop -C INTERVAL COUNT > biotop.txt` (-C keeps the ANSI clear-screen codes out of the file)',
  },
  create(ctx: ParseContext) {
    const clock = new SysstatClock();
    let headerSeen = false;
    let tracingBanner = false;
    let command: string | undefined;
    let intervalS: number | undefined;
    let sample = -1;
    let intervalTime: RecordTime | undefined;
    let firstContent: 'interval' | 'other' | undefined;
    let seenContent = false;

    return {
      line(raw: string, lineNo: number): LineOutcome {
        const text = stripClearScreen(raw);
        const trimmed = text.trim();
        if (trimmed === '') return 'skip';
        const first = !seenContent;
        seenContent = true;
        const la = FILETOP_LOADAVG_RE.exec(text);
        if (la) {
          firstContent ??= 'interval';
          const tod = parseTimeOfDay(la[1]!);
          if (!tod) return { unparsed: `loadavg line with an impossible time "${la[1]}"` };
          sample++;
          intervalTime = clock.at(tod, sample, intervalS !== undefined ? { interval_s: intervalS } : {});
          ctx.emit({
            kind: 'biotop.interval', source: { file: ctx.file, line: lineNo }, time: intervalTime,
            ...loadavgFields(la),
          });
          return 'data';
        }
        const header = BIOTOP_HEADER_RE.exec(text);
        if (header) {
          firstContent ??= 'other';
          if (!headerSeen) ctx.setVariant(biotopVariant(3 + header[1]!.length - 1, tracingBanner, firstContent === 'interval', command));
          headerSeen = true;
          return 'skip';
        }
        if (headerSeen && /^\d/.test(text)) {
          const row = readBiotopRow(text);
          if (typeof row === 'string') return { unparsed: `${row} (header: ${TITLES.join(' ')})` };
          ctx.emit({ kind: 'biotop.process', source: { file: ctx.file, line: lineNo }, time: intervalTime ?? { clock: 'ordinal', sample: Math.max(sample, 0) }, ...row });
          return 'data';
        }
        const banner = FILETOP_TRACING_RE.exec(text);
        if (banner) {
          tracingBanner = true;
          firstContent ??= 'other';
          intervalS ??= Number(banner[1]);
          return 'skip';
        }
        if (trimmed === 'Detaching...' || trimmed === '^C') return 'skip';
        if (first) {
          const cmd = BIOTOP_COMMAND_RE.exec(text);
          if (cmd) {
            command = (cmd[1] ?? '').trim();
            intervalS = intervalFromCommand(command);
            seenContent = false;
            return 'skip';
          }
        }
        return { unparsed: headerSeen ? 'expected a biotop row "PID COMM D MAJ MIN DISK I/O Kbytes AVGms"' : 'no biotop header seen yet (expected "PID COMM D MAJ MIN DISK I/O Kbytes AVGms")' };
      },
      end(): void {},
    };
  },
};
