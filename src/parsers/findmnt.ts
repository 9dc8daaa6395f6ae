/**
 * util-linux `findmnt` default output: the mount tree (`findmnt`, `findmnt -R PATH`, box-drawing or `--ascii`
 * connectors), the list (`findmnt -l`) and single lookups (`findmnt -T PATH`, `findmnt PATH`), with the columns
 * TARGET SOURCE FSTYPE OPTIONS (and VFS-OPTIONS, FS-OPTIONS, PROPAGATION).
 *
 * Emits `findmnt.mount` per row: target (the tree connectors removed), filesystem (the SOURCE column, named as in
 * df.filesystem), device + fsroot for a bind or subvolume source `dev[/path]`, fstype, options (as printed) +
 * read_only (`ro` among them), vfs_options, fs_options, propagation, depth (0 for a root of the tree or a list
 * row) and parent_target (the mount it is under, from the tree). Time: `{ clock: 'ordinal', sample }`; a repeated header starts a new snapshot.
 *
 * Columns are cut at their titles' positions: findmnt (libsmartcols) left-aligns every one of these columns under
 * its title and does not escape spaces in paths, so words alone cannot tell `/mnt/b space` from two cells.
 */
import type { TimelineRecord } from '../common/types.js';
import { findmntHeaderTitles } from '../sniff/detectors/findmnt.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** Two-character groups util-linux draws before a tree node: continuation groups, then one connector. */
const TREE_CONTINUATION = new Set(['│ ', '| ', '  ']);
const TREE_CONNECTOR = new Set(['├─', '└─', '|-', '`-']);

/** Depth of a tree node and where its text starts (`│ └─/sys/fs/cgroup/cpu` → depth 2, text at 4). */
export function treePrefix(cell: string): { depth: number; textStart: number } {
  let i = 0;
  while (i + 2 <= cell.length && TREE_CONTINUATION.has(cell.slice(i, i + 2))) i += 2;
  if (i + 2 <= cell.length && TREE_CONNECTOR.has(cell.slice(i, i + 2))) return { depth: i / 2 + 1, textStart: i + 2 };
  return { depth: 0, textStart: 0 };
}

const FIELD_OF: Readonly<Record<string, string>> = {
  TARGET: 'target',
  // `source` is every record's file:line envelope; the SOURCE column is `filesystem`, as in df.filesystem.
  SOURCE: 'filesystem',
  FSTYPE: 'fstype',
  OPTIONS: 'options',
  'VFS-OPTIONS': 'vfs_options',
  'FS-OPTIONS': 'fs_options',
  PROPAGATION: 'propagation',
};

interface Column {
  title: string;
  start: number;
}

function readHeader(line: string, titles: readonly string[]): Column[] {
  let from = 0;
  return titles.map((title) => {
    const start = line.indexOf(title, from);
    from = start + title.length;
    return { title, start };
  });
}

/** Cut a row at the title positions; a cell must start right after a blank (or at the line start). */
function cutRow(line: string, columns: readonly Column[]): Map<string, string> | string {
  const cells = new Map<string, string>();
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    if (col.start > 0 && col.start < line.length && line[col.start - 1] !== ' ') return `${col.title} cell does not start under its title (row not aligned with the header)`;
    const end = i + 1 < columns.length ? columns[i + 1]!.start : line.length;
    if (col.start >= line.length) return `row ends before the ${col.title} column`;
    // The first column keeps its leading tree connectors for treePrefix().
    const raw = line.slice(col.start, end);
    cells.set(col.title, i === 0 ? raw.trimEnd() : raw.trim());
  }
  return cells;
}

export const parser: ParserModule = {
  meta: {
    tool: 'findmnt',
    title: 'util-linux findmnt (mount tree)',
    commands: ['findmnt', 'findmnt -l', 'findmnt --ascii', 'findmnt -T PATH', 'findmnt -R PATH'],
    recordKinds: ['findmnt.mount'],
    recollect: 'run `findmnt -l > findmnt.txt` (or plain `findmnt`) with the default columns and the header kept',
  },
  create(ctx: ParseContext) {
    let columns: Column[] | undefined;
    let sample = -1;
    let rowsInSample = 0;
    /** Targets of the current path from the root: ancestors[d] is the last node seen at depth d. */
    const ancestors: string[] = [];

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (text.trim() === '') return 'skip';
        const titles = findmntHeaderTitles(text);
        if (titles) {
          if (sample < 0 || rowsInSample > 0) {
            sample++;
            rowsInSample = 0;
          }
          columns = readHeader(text, titles);
          ancestors.length = 0;
          return 'skip';
        }
        if (!columns) return { unparsed: 'no findmnt header seen yet (expected "TARGET SOURCE FSTYPE OPTIONS")' };
        const cells = cutRow(text, columns);
        if (typeof cells === 'string') return { unparsed: cells };
        const record: TimelineRecord = { kind: 'findmnt.mount', source: { file: ctx.file, line: lineNo }, time: { clock: 'ordinal', sample } };
        for (const col of columns) {
          let value = cells.get(col.title)!;
          if (col.title === 'TARGET') {
            const { depth, textStart } = treePrefix(value);
            value = value.slice(textStart);
            if (depth > ancestors.length) return { unparsed: `tree node at depth ${depth} has no parent row` };
            record.depth = depth;
            if (depth > 0) record.parent_target = ancestors[depth - 1];
            ancestors.length = depth;
            ancestors.push(value);
          }
          if (value === '') continue;
          record[FIELD_OF[col.title]!] = value;
        }
        if (record.target === undefined) return { unparsed: 'TARGET is empty' };
        const fs = record.filesystem;
        if (typeof fs === 'string') {
          // A bind mount or btrfs subvolume: `/dev/vda[/srv/data]` (device, then the root inside it).
          const open = fs.indexOf('[');
          if (open > 0 && fs.endsWith(']')) {
            record.device = fs.slice(0, open);
            record.fsroot = fs.slice(open + 1, -1);
          }
        }
        if (typeof record.options === 'string') record.read_only = record.options.split(',').includes('ro');
        ctx.emit(record);
        rowsInSample++;
        return 'data';
      },
      end(): void {},
    };
  },
};
