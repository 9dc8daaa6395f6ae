/**
 * Recognizes lsof's default (column) output by its header: `COMMAND PID [TID] [TASKCMD] USER FD TYPE DEVICE
 * SIZE/OFF NODE NAME` — COMMAND first, NAME last, PID and FD between. Lines lsof writes to stderr
 * (`lsof: WARNING: can't stat() …`) may come first when 2>&1 was used.
 */
import type { Detector, SniffResult } from '../types.js';

/** The words of an lsof header line, or undefined. */
export function lsofHeaderTitles(line: string): string[] | undefined {
  if (!line.startsWith('COMMAND')) return undefined;
  const titles = line.trim().split(/\s+/);
  if (titles.length < 5 || titles[0] !== 'COMMAND' || titles[titles.length - 1] !== 'NAME') return undefined;
  return titles.includes('PID') && titles.includes('FD') ? titles : undefined;
}

export function lsofVariant(titles: readonly string[]): string {
  const parts: string[] = [];
  if (titles.includes('TASKCMD')) parts.push('TID and TASKCMD columns (lsof >= 4.90 listing threads)');
  else if (titles.includes('TID')) parts.push('TID column (threads listed)');
  else parts.push('no TID column (lsof -p PID, or no thread rows)');
  if (titles.includes('NLINK')) parts.push('+L link counts');
  if (titles.includes('OFFSET')) parts.push('-o offsets');
  else if (titles.includes('SIZE')) parts.push('-s sizes');
  if (titles.includes('PPID')) parts.push('-R');
  if (titles.includes('PGID')) parts.push('-g');
  return `lsof, ${parts.join(', ')}`;
}

function lsof(head: readonly string[]): SniffResult | null {
  for (let i = 0; i < head.length; i++) {
    const titles = lsofHeaderTitles(head[i]!);
    if (!titles) continue;
    // Only lsof's own stderr lines may precede its header.
    const before = head.slice(0, i).filter((l) => l.trim() !== '');
    const onlyLsofBefore = before.every((l) => l.startsWith('lsof: ') || l.trim() === 'Output information may be incomplete.');
    return {
      tool: 'lsof',
      variant: lsofVariant(titles),
      confidence: onlyLsofBefore ? 0.95 : 0.8,
      evidence: `header "${titles.join(' ')}"`,
    };
  }
  return null;
}

export const detector: Detector = { tool: 'lsof', detect: lsof };
