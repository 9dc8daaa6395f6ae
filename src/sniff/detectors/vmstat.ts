/**
 * vmstat: the group header `procs -----------memory---------- ---swap-- …` and the column header
 * ` r  b   swpd   free …` are printed by no other tool. `vmstat -d` (disk report) is recognized too, so that
 * the bundle says what the file is; its parser reports those lines as not read.
 */
import type { Detector, SniffResult } from '../types.js';

const GROUP_HEADER = /^\s*-*procs-*\s+-+memory-+\s+-+swap-+\s+-+io-+\s+-+system-+\s+-+cpu-+(\s+-+timestamp-+)?\s*$/;
const COLUMN_HEADER = /^\s*r\s+b\s+swpd\s+free\s+(buff\s+cache|inact\s+active)\s+si\s+so\s+bi\s+bo\s+in\s+cs\s+us\s+sy\s+id\s+wa(\s+st)?(\s+gu)?(\s+\S+)?\s*$/;
const DISK_HEADER = /^\s*disk-\s+-+reads-+\s+-+writes-+\s+-+IO-+/;

function detect(head: readonly string[]): SniffResult | null {
  const groupIndex = head.findIndex((l) => GROUP_HEADER.test(l));
  const columnLine = head.find((l) => COLUMN_HEADER.test(l));
  if (groupIndex >= 0 || columnLine !== undefined) {
    const group = groupIndex >= 0 ? head[groupIndex]! : '';
    const flags: string[] = [];
    if (columnLine && /\binact\b/.test(columnLine)) flags.push('-a');
    if (/^\s*--procs--/.test(group) || (columnLine !== undefined && /\bswpd\s{9,}free\b/.test(columnLine))) flags.push('-w');
    if (group.includes('-timestamp-')) flags.push('-t');
    const variant = `vmstat${flags.length ? ' ' + flags.join(' ') : ''}${columnLine && /\bgu\b/.test(columnLine) ? ', procps-ng >= 4' : ''}`;
    const both = groupIndex >= 0 && columnLine !== undefined;
    return {
      tool: 'vmstat',
      variant,
      confidence: both ? 0.98 : 0.9,
      evidence: both ? 'procs/memory/swap/io/system/cpu group header and r b swpd free … column header' : `header "${(columnLine ?? group).trim()}"`,
    };
  }
  const disk = head.find((l) => DISK_HEADER.test(l));
  if (disk) {
    return { tool: 'vmstat', variant: 'vmstat -d (disk statistics, not read by perftriage)', confidence: 0.9, evidence: `header "${disk.trim()}"` };
  }
  return null;
}

export const detector: Detector = { tool: 'vmstat', detect };
