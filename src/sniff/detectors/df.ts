/**
 * Recognizes coreutils `df` by its header: `Filesystem [Type] <size column> Used|IUsed Avail|Available|IFree
 * Use%|Capacity|IUse% Mounted on`, where the size column is `1K-blocks`, `1024-blocks` (-P), `512-blocks`,
 * `Size` (-h/-H) or `Inodes` (-i).
 */
import type { Detector, SniffResult } from '../types.js';

export type DfMeasure = 'blocks' | 'human' | 'inodes';

export interface DfHeaderInfo {
  hasType: boolean;
  measure: DfMeasure;
  /** Bytes per block for `N-blocks` headers. */
  blockSize?: number;
  sizeTitle: string;
  pctTitle: string;
}

const BLOCKS_RE = /^(\d+)([kKMGTPEZY]?)(B?)-blocks$/;
const POWERS = 'KMGTPEZY';

/** Bytes per block of a `1K-blocks` / `1024-blocks` / `512-blocks` / `1MB-blocks` title. */
export function blockSizeOf(title: string): number | undefined {
  const m = BLOCKS_RE.exec(title);
  if (!m) return undefined;
  let size = Number(m[1]);
  if (m[2]) {
    const power = POWERS.indexOf(m[2].toUpperCase()) + 1;
    // coreutils: `1K` is 1024, `1kB` is 1000 (the B asks for powers of ten).
    size *= (m[3] ? 1000 : 1024) ** power;
  }
  return size > 0 ? size : undefined;
}

/** What a df header line says, or undefined when the line is not one. */
export function dfHeaderInfo(line: string): DfHeaderInfo | undefined {
  if (!line.startsWith('Filesystem')) return undefined;
  const t = line.trim().split(/\s+/);
  if (t[0] !== 'Filesystem' || t[t.length - 2] !== 'Mounted' || t[t.length - 1] !== 'on') return undefined;
  const middle = t.slice(1, -2);
  const hasType = middle[0] === 'Type';
  const [size, used, avail, pct, ...extra] = hasType ? middle.slice(1) : middle;
  if (size === undefined || used === undefined || avail === undefined || pct === undefined || extra.length > 0) return undefined;
  let measure: DfMeasure;
  let blockSize: number | undefined;
  if (size === 'Size') measure = 'human';
  else if (size === 'Inodes') measure = 'inodes';
  else {
    blockSize = blockSizeOf(size);
    if (blockSize === undefined) return undefined;
    measure = 'blocks';
  }
  const inodes = measure === 'inodes';
  if (used !== (inodes ? 'IUsed' : 'Used')) return undefined;
  if (inodes ? avail !== 'IFree' : avail !== 'Avail' && avail !== 'Available') return undefined;
  if (inodes ? pct !== 'IUse%' : pct !== 'Use%' && pct !== 'Capacity') return undefined;
  const info: DfHeaderInfo = { hasType, measure, sizeTitle: size, pctTitle: pct };
  if (blockSize !== undefined) info.blockSize = blockSize;
  return info;
}

export function dfVariant(info: DfHeaderInfo): string {
  const flags: string[] = [];
  if (info.pctTitle === 'Capacity') flags.push('P');
  if (info.hasType) flags.push('T');
  if (info.measure === 'human') flags.push('h');
  if (info.measure === 'inodes') flags.push('i');
  const name = flags.length ? `df -${flags.join('')}` : 'df';
  return info.measure === 'blocks' ? `${name} (${info.sizeTitle})` : name;
}

function df(head: readonly string[]): SniffResult | null {
  for (let i = 0; i < head.length; i++) {
    const info = dfHeaderInfo(head[i]!);
    if (!info) continue;
    const before = head.slice(0, i).filter((l) => l.trim() !== '');
    return {
      tool: 'df',
      variant: dfVariant(info),
      confidence: before.every((l) => l.startsWith('df: ')) ? 0.95 : 0.8,
      evidence: `header "${head[i]!.trim().replace(/\s+/g, ' ')}"`,
    };
  }
  return null;
}

export const detector: Detector = { tool: 'df', detect: df };
