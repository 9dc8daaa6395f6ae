/**
 * Recognizes util-linux `findmnt` default output (tree or `-l` list) by its header: `TARGET SOURCE FSTYPE OPTIONS`
 * (and the other string columns perftriage reads: VFS-OPTIONS, FS-OPTIONS, PROPAGATION).
 */
import type { Detector, SniffResult } from '../types.js';

export const FINDMNT_TITLES: ReadonlySet<string> = new Set(['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS', 'VFS-OPTIONS', 'FS-OPTIONS', 'PROPAGATION']);

/** The words of a findmnt header line, or undefined. */
export function findmntHeaderTitles(line: string): string[] | undefined {
  if (!line.startsWith('TARGET')) return undefined;
  const titles = line.trim().split(/\s+/);
  if (titles.length < 2 || !titles.includes('SOURCE')) return undefined;
  return titles.every((t) => FINDMNT_TITLES.has(t)) ? titles : undefined;
}

function findmnt(head: readonly string[]): SniffResult | null {
  const first = head.findIndex((l) => l.trim() !== '');
  if (first < 0) return null;
  const titles = findmntHeaderTitles(head[first]!);
  if (!titles) return null;
  const body = head.slice(first + 1);
  const tree = body.some((l) => /^(?:[│|` ] )*[├└|`][─-]/.test(l));
  const ascii = body.some((l) => /^(?:[|` ] )*[|`]-/.test(l));
  const variant = `findmnt${tree ? (ascii ? ' (tree, ASCII)' : ' (tree)') : ' (no tree: -l, -T PATH or a single mount)'}`;
  return { tool: 'findmnt', variant, confidence: 0.95, evidence: `header "${titles.join(' ')}"` };
}

export const detector: Detector = { tool: 'findmnt', detect: findmnt };
