/**
 * mpstat (sysstat): a table header `<time> CPU %usr %nice %sys %iowait %irq %soft …` (or `NODE`), `CPU intr/s`,
 * or `CPU` followed by per-interrupt rates (`NMI/s LOC/s`, `HI/s TIMER/s`). sar prints `%user … %system`
 * and `INTR intr/s`, pidstat and iostat have no `CPU` id column of this shape, so these headers are mpstat's.
 */
import type { Detector, SniffResult } from '../types.js';

const TIME = String.raw`(?:\S+(?: [AP]M)?|\S+ ?:)`;
const UTIL_HEADER = new RegExp(String.raw`^${TIME}\s+(CPU|NODE)\s+%(usr|user)\s+%nice\s+%sys\s+%iowait\s+%irq\s+%soft\b`);
const SUM_HEADER = new RegExp(String.raw`^${TIME}\s+CPU\s+intr/s\s*$`);
const IRQ_HEADER = new RegExp(String.raw`^${TIME}\s+CPU(\s+\S+/s)+\s*$`);
const KNOWN_IRQ = /\s(NMI|LOC|HI|TIMER|NET_RX|RCU)\/s\b/;

function detect(head: readonly string[]): SniffResult | null {
  let util = 0;
  let node = 0;
  let sum = 0;
  let irq = 0;
  let twelveHour = false;
  let evidence = '';
  for (const line of head) {
    const u = UTIL_HEADER.exec(line);
    if (u) {
      if (u[1] === 'NODE') node++;
      else util++;
    } else if (SUM_HEADER.test(line)) {
      sum++;
    } else if (IRQ_HEADER.test(line) && KNOWN_IRQ.test(line)) {
      irq++;
    } else {
      continue;
    }
    if (/^\d{1,2}:\d{2}:\d{2} [AP]M\s/.test(line)) twelveHour = true;
    if (!evidence) evidence = `header "${line.trim().replace(/\s+/g, ' ').slice(0, 100)}"`;
  }
  if (util + node + sum + irq === 0) return null;
  const tables: string[] = [];
  if (util) tables.push('-u');
  if (node) tables.push('-n');
  if (sum) tables.push('-I SUM');
  if (irq) tables.push('-I CPU/SCPU');
  const variant = `mpstat ${util && node && sum && irq ? '-A' : tables.join(' ')}${twelveHour ? ', 12-hour times' : ''}`;
  return { tool: 'mpstat', variant, confidence: util || node ? 0.95 : 0.9, evidence };
}

export const detector: Detector = { tool: 'mpstat', detect };
