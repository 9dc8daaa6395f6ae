/**
 * Evidence citations in a report. Every `file:line` the report shows goes through one registry: it
 * gives the line its appendix anchor (a hash, never the file name), remembers which raw lines must be
 * re-read from the bundle, and — once they are — drops the anchors of lines the bundle could not give
 * back (stdin, a file gone), so no link points nowhere.
 */
import type { SourceRef } from '../common/types.js';
import { evidenceAnchor } from './escape.js';
import type { Excerpts } from './excerpts.js';

export interface EvidenceLink {
  file: string;
  line: number;
  /** `file:line` as shown. */
  label: string;
  /** Appendix anchor (`ev-<hash>-<line>`) when the raw line is in the appendix. */
  anchor?: string;
}

export interface AppendixLine {
  line: number;
  text: string;
  cut: boolean;
  /** Set on cited lines: the target of the links. */
  anchor?: string;
}

export interface AppendixBlock {
  file: string;
  /** First and last line of the block, for its heading. */
  from: number;
  to: number;
  lines: AppendixLine[];
}

/** Cited lines the appendix shows at most; further citations are listed without a link. */
export const MAX_APPENDIX_REFS = 400;

export class EvidenceRegistry {
  /** Each citation and the anchor it gets once its raw line is in the appendix. */
  private readonly intended = new Map<EvidenceLink, string>();
  private readonly wanted = new Map<string, SourceRef>();

  /** A citation: linked to the appendix while there is room. */
  cite(ref: SourceRef): EvidenceLink {
    const key = `${ref.file}\u0000${ref.line}`;
    const link: EvidenceLink = { file: ref.file, line: ref.line, label: `${ref.file}:${ref.line}` };
    if (this.wanted.has(key) || this.wanted.size < MAX_APPENDIX_REFS) {
      this.wanted.set(key, { file: ref.file, line: ref.line });
      link.anchor = evidenceAnchor(ref.file, ref.line);
      this.intended.set(link, link.anchor);
    }
    return link;
  }

  citeAll(refs: readonly SourceRef[] | undefined, max = Infinity): EvidenceLink[] {
    return (refs ?? []).slice(0, max).map((r) => this.cite(r));
  }

  /** The lines to re-read from the bundle, sorted by file then line. */
  wantedRefs(): SourceRef[] {
    return [...this.wanted.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }

  /**
   * The appendix: one block per run of nearby cited lines (their context windows overlap), raw lines
   * from `excerpts`. Citations link to the appendix exactly when their line is in it (callable again).
   */
  appendix(excerpts: Excerpts | undefined): AppendixBlock[] {
    const available = new Set<string>();
    const blocks: AppendixBlock[] = [];
    const byFile = new Map<string, number[]>();
    for (const ref of this.wantedRefs()) {
      const lines = excerpts?.get(ref.file);
      if (!lines?.has(ref.line)) continue;
      available.add(evidenceAnchor(ref.file, ref.line));
      const list = byFile.get(ref.file) ?? [];
      list.push(ref.line);
      byFile.set(ref.file, list);
    }
    for (const [link, anchor] of this.intended) {
      if (available.has(anchor)) link.anchor = anchor;
      else delete link.anchor;
    }
    for (const [file, cited] of byFile) {
      const kept = excerpts!.get(file)!;
      const citedSet = new Set(cited);
      let block: AppendixBlock | undefined;
      for (const n of [...kept.keys()].sort((a, b) => a - b)) {
        if (!block || n > block.to + 1) {
          block = { file, from: n, to: n, lines: [] };
          blocks.push(block);
        }
        const raw = kept.get(n)!;
        const line: AppendixLine = { line: n, text: raw.text, cut: raw.cut };
        if (citedSet.has(n)) line.anchor = evidenceAnchor(file, n);
        block.lines.push(line);
        block.to = n;
      }
    }
    // Blocks without any cited line (context of a cited line that was not read) are dropped.
    return blocks.filter((b) => b.lines.some((l) => l.anchor));
  }
}
