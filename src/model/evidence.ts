/**
 * Evidence lists: the `file:line` references that prove an entity or a join. Capped so a process seen in
 * 10,000 lsof rows does not carry 10,000 references, and spread over files so every tool that saw it is
 * cited. Records arrive in timeline order (files by path, lines ascending), so the result is deterministic.
 */
import type { SourceRef } from '../common/types.js';

export const MAX_EVIDENCE = 8;
const MAX_PER_FILE = 2;

export class EvidenceList {
  private readonly refs: SourceRef[] = [];
  private readonly perFile = new Map<string, number>();

  add(ref: SourceRef): void {
    if (this.refs.length >= MAX_EVIDENCE) return;
    const n = this.perFile.get(ref.file) ?? 0;
    if (n >= MAX_PER_FILE) return;
    if (this.refs.some((r) => r.file === ref.file && r.line === ref.line)) return;
    this.perFile.set(ref.file, n + 1);
    this.refs.push({ file: ref.file, line: ref.line });
  }

  list(): SourceRef[] {
    return [...this.refs].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }
}

export function sortedNumbers(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

export function mergeEvidence(...lists: SourceRef[][]): SourceRef[] {
  const e = new EvidenceList();
  for (const list of lists) for (const ref of list) e.add(ref);
  return e.list();
}
