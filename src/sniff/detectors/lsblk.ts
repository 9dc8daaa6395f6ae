/**
 * Recognizes util-linux `lsblk` default output by its header: `NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS`
 * (`MOUNTPOINT` before util-linux 2.37).
 */
import type { Detector, SniffResult } from '../types.js';

export const LSBLK_TITLES: ReadonlySet<string> = new Set(['NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINT', 'MOUNTPOINTS']);

/** The words of an lsblk header line (default columns, in any order, NAME first), or undefined. */
export function lsblkHeaderTitles(line: string): string[] | undefined {
  if (!line.startsWith('NAME')) return undefined;
  const titles = line.trim().split(/\s+/);
  if (!titles.includes('MAJ:MIN')) return undefined;
  return titles.every((t) => LSBLK_TITLES.has(t)) ? titles : undefined;
}

function lsblk(head: readonly string[]): SniffResult | null {
  const first = head.findIndex((l) => l.trim() !== '');
  if (first < 0) return null;
  const titles = lsblkHeaderTitles(head[first]!);
  if (!titles) return null;
  const exact = head.slice(first + 1).some((l) => /^\S+\s+\d+:\d+\s+\d\s+\d{4,}\s/.test(l));
  const variant = `lsblk${exact ? ' -b' : ''}${titles.includes('MOUNTPOINT') ? ', util-linux < 2.37 (MOUNTPOINT)' : ''}`;
  return { tool: 'lsblk', variant, confidence: 0.95, evidence: `header "${titles.join(' ')}"` };
}

export const detector: Detector = { tool: 'lsblk', detect: lsblk };
