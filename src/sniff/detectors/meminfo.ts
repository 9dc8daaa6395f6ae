/**
 * Recognizes `/proc/meminfo` (`MemTotal:       24683904 kB`, one `Key: value [kB]` a line), bare (`cat`),
 * after the file's path (`grep -H`), under a `==> /proc/meminfo <==` header (`head`), with timestamp lines
 * between snapshots (a loop with `date`). The parser (`src/parsers/meminfo.ts`) reads lines with the
 * patterns exported here, so both agree on what a meminfo line is.
 */
import type { Detector, SniffResult } from '../types.js';
import { isDateLine } from './date.js';

/** `MemTotal:       24683904 kB`, `HugePages_Total:       0`, `Active(anon):     123 kB`. */
export const MEMINFO_LINE_RE = /^([A-Za-z][A-Za-z0-9_]*(?:\([a-z_]+\))?):\s+(\d+)(?: (kB))?$/;
/** `/proc/meminfo:` before a line (grep -H). */
export const MEMINFO_GREP_PREFIX = '/proc/meminfo:';
export const MEMINFO_HEADER = '==> /proc/meminfo <==';

function detect(head: readonly string[]): SniffResult | null {
  const lines = head.map((l) => l.trim()).filter((l) => l !== '');
  let keys = 0;
  let memTotal = false;
  let prefixed = false;
  let stamps = 0;
  for (const line of lines) {
    const body = line.startsWith(MEMINFO_GREP_PREFIX) ? line.slice(MEMINFO_GREP_PREFIX.length) : line;
    const m = MEMINFO_LINE_RE.exec(body);
    if (m) {
      keys++;
      if (m[1] === 'MemTotal') memTotal = true;
      if (body !== line) prefixed = true;
    } else if (line === MEMINFO_HEADER) continue;
    else if (isDateLine(line)) stamps++;
    else return null;
  }
  // MemTotal is the kernel's first line: without it, `Key: number` lines could be anything.
  if (!memTotal || keys < 3) return null;
  const variant = `${prefixed ? 'grep -H' : 'cat'}${stamps > 0 ? ', timestamped snapshots' : ''}`;
  return { tool: 'meminfo', variant, confidence: 0.95, evidence: `${keys} meminfo line(s), "${lines.find((l) => l.includes('MemTotal'))!.slice(0, 60)}"` };
}

export const detector: Detector = { tool: 'meminfo', detect };
