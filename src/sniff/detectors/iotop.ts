/**
 * Recognizes `iotop -b` (batch) output of the Python iotop (0.4 .. 0.6) and the same layout printed by iotop-c:
 * the summary lines `Total DISK READ: … | Total DISK WRITE: …` and `Current|Actual DISK READ: … | …`, the
 * column header `[TIME] TID|PID PRIO USER DISK READ DISK WRITE SWAPIN IO COMMAND`, and, for `-qqq` files that
 * have neither, rows of the unmistakable shape `TID be/4 user 0.00 B/s 11.96 M/s ?unavailable?  command`.
 * Variant: the flags the lines show (-t time column, -P processes, -a accumulated, -k kilobytes).
 *
 * The parser (`src/parsers/iotop.ts`) reuses the line readers exported here.
 */
import type { Detector, SniffResult } from '../types.js';

/** `[HH:MM:SS ]Total DISK READ:   0.00 B/s | Total DISK WRITE:   31.89 K/s` (also `Current`/`Actual`). */
export const IOTOP_SUMMARY_RE =
  /^(?:(\d{2}:\d{2}:\d{2}) )?(Total|Current|Actual) DISK READ ?: +(-?\d+\.\d+) ([BKMGTPE])(\/s)? \| (?:Total|Current|Actual) DISK WRITE ?: +(-?\d+\.\d+) ([BKMGTPE])(\/s)? *$/;

/** The column header (batch mode prints no sort marker `>`, interactive captures may). */
export const IOTOP_HEADER_RE = /^ *(TIME +)?(TID|PID) +PRIO +USER +DISK READ>? +DISK WRITE>? +(?:SWAPIN>? +IO>? +)?COMMAND>? *$/;

/**
 * One task row: `[HH:MM:SS ]  TID PRIO USER  READ WRITE  SWAPIN % IO % COMMAND` or with `?unavailable?` in
 * place of the two percentages (kernel.task_delayacct off). Groups: 1 time, 2 id, 3 prio, 4 user, 5/6/7 read
 * value/unit/per-second, 8/9/10 write, 11 swapin %, 12 io %, 13 command.
 */
export const IOTOP_ROW_RE =
  /^(?:(\d{2}:\d{2}:\d{2}) )? *(\d+) (\S+) +(\S+) +(-?\d+\.\d+) ([BKMGTPE])(\/s)? +(-?\d+\.\d+) ([BKMGTPE])(\/s)? +(?:(\d+\.\d+) % +(\d+\.\d+) %|\?unavail(?:able)?\?) +(.*)$/;

export interface IotopFlags {
  time: boolean;
  processes: boolean;
  accumulated: boolean;
  kilobytes: boolean;
  delayAccounting?: boolean;
}

export function iotopVariant(f: IotopFlags): string {
  const flags = ['-b'];
  if (f.time) flags.push('-t');
  if (f.processes) flags.push('-P');
  if (f.accumulated) flags.push('-a');
  if (f.kilobytes) flags.push('-k');
  const notes = f.delayAccounting === undefined ? '' : f.delayAccounting ? ', SWAPIN/IO shown' : ', SWAPIN/IO unavailable (task_delayacct off)';
  return `iotop ${flags.join(' ')}${notes}`;
}

function iotop(head: readonly string[]): SniffResult | null {
  let summary = 0;
  let header: RegExpExecArray | null = null;
  let rows = 0;
  const flags: IotopFlags = { time: false, processes: false, accumulated: false, kilobytes: false };
  // -k prints every size in K (`0.00 K/s`); human sizes print zeros as `0.00 B/s` and switch units.
  let units = '';
  for (const line of head) {
    const s = IOTOP_SUMMARY_RE.exec(line);
    if (s) {
      summary++;
      units += s[4]! + s[7]!;
      if (s[1]) flags.time = true;
      if (s[5] === undefined) flags.accumulated = true;
      continue;
    }
    const h = IOTOP_HEADER_RE.exec(line);
    if (h) {
      header ??= h;
      if (h[1]) flags.time = true;
      if (h[2] === 'PID') flags.processes = true;
      continue;
    }
    const r = IOTOP_ROW_RE.exec(line);
    if (r) {
      rows++;
      if (r[1]) flags.time = true;
      if (r[7] === undefined) flags.accumulated = true;
      units += r[6]! + r[9]!;
      flags.delayAccounting = r[11] !== undefined;
    }
  }
  if (summary === 0 && !header && rows < 2) return null;
  flags.kilobytes = units !== '' && /^K+$/.test(units);
  const evidence = header ? `header "${header[0].trim()}"` : summary > 0 ? 'the "Total DISK READ: … | Total DISK WRITE: …" summary lines' : `${rows} rows "TID PRIO USER READ WRITE … COMMAND"`;
  return {
    tool: 'iotop',
    variant: iotopVariant(flags),
    confidence: header || summary > 0 ? 0.98 : 0.85,
    evidence,
  };
}

export const detector: Detector = { tool: 'iotop', detect: iotop };
