/**
 * Recognizes Linux pressure stall information (`/proc/pressure/{cpu,io,memory,irq}`, a cgroup's
 * `*.pressure` files): lines `some avg10=0.00 avg60=0.00 avg300=0.00 total=0` and `full …`, bare (`cat`),
 * after the file's path (`grep -H`) or under `==> path <==` headers (`head`), with timestamp lines between
 * snapshots (a loop with `date`). The parser (`src/parsers/pressure.ts`) reads lines with the patterns
 * exported here, so both agree on what a PSI line is.
 */
import type { Detector, SniffResult } from '../types.js';
import { isDateLine } from './date.js';

/** `some avg10=0.00 avg60=0.11 avg300=0.14 total=34376583` */
export const PSI_STALL_RE = /^(some|full) avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d+)$/;
/** `/proc/pressure/io:` or `/sys/fs/cgroup/…/io.pressure:` before a stall line (grep -H). */
export const PSI_GREP_PREFIX_RE = /^(?:\/proc\/pressure\/(cpu|io|memory|irq)|(\/\S*)\/(cpu|io|memory|irq)\.pressure):(?=some |full )/;
/** `==> /proc/pressure/io <==` (head or tail of several files). */
export const PSI_HEADER_RE = /^==> (?:\/proc\/pressure\/(cpu|io|memory|irq)|(\/\S*)\/(cpu|io|memory|irq)\.pressure) <==$/;

function detect(head: readonly string[]): SniffResult | null {
  const lines = head.map((l) => l.trim()).filter((l) => l !== '');
  let stalls = 0;
  let prefixed = 0;
  let headers = 0;
  let stamps = 0;
  for (const line of lines) {
    const prefix = PSI_GREP_PREFIX_RE.exec(line);
    if (PSI_STALL_RE.test(prefix ? line.slice(prefix[0].length) : line)) {
      stalls++;
      if (prefix) prefixed++;
    } else if (PSI_HEADER_RE.test(line)) headers++;
    else if (isDateLine(line)) stamps++;
    else return null;
  }
  if (stalls === 0) return null;
  const form = prefixed > 0 ? 'grep -H' : headers > 0 ? 'head' : 'cat';
  const variant = `${form}${stamps > 0 ? ', timestamped snapshots' : ''}`;
  return { tool: 'pressure', variant, confidence: 0.95, evidence: `${stalls} PSI line(s) like "${lines.find((l) => l.includes('avg10='))!.slice(0, 70)}"` };
}

export const detector: Detector = { tool: 'pressure', detect };
