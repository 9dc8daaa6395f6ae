/**
 * coreutils `df`: `df`, `df -k`, `df -h`, `df -T`, `df -P`, `df -PT`, `df -B1M`, `df -i`, `df -ih`.
 *
 * Emits `df.filesystem` per row of a size table: filesystem (the Filesystem column: device or source),
 * fstype? (Type), size_bytes, used_bytes, avail_bytes (blocks × block size, or the `-h` value × 1024^n),
 * use_pct (Use% / Capacity; absent when `-`), mounted_on, block_size (from `1K-blocks`, `1024-blocks`,
 * `512-blocks`, …), approximate (true in `-h` tables: df rounds values up to 2-3 significant digits),
 * total (the `--total` row). Amounts df printed as `-` are absent.
 * Emits `df.inodes` per row of `df -i`: inodes, inodes_used, inodes_free, inodes_use_pct, plus
 * filesystem, fstype?, mounted_on, approximate, total.
 * Time: `{ clock: 'ordinal', sample }`; a repeated header starts a new snapshot.
 *
 * Reading rows: the four numbers and the percentage are found as a run of words (the first run from
 * the left that reads as amount, amount, amount, `N%`/`-`); what is before them is the filesystem (and
 * type), what is after is the mount point, spaces kept. A filesystem name printed alone on its line
 * (old coreutils wrap long names) is joined with the indented numbers on the next line: both lines
 * count as data. `df: …` lines (stderr) are skipped with an info diagnostic.
 *
 * Quirks: `df -H` (powers of 1000) prints the same header as `df -h`; sizes are read as powers of 1024
 * unless the `k` suffix (only -H prints it lower-case) shows otherwise, which raises a warning.
 */
import type { TimelineRecord } from '../common/types.js';
import { parseSizedNumber } from '../common/units.js';
import { dfHeaderInfo, dfVariant, type DfHeaderInfo } from '../sniff/detectors/df.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** Offsets of the words of a line, flat: [s0, e0, s1, e1, …]. */
function wordSpans(line: string): number[] {
  const spans: number[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    spans.push(start, i);
  }
  return spans;
}

const DIGITS = /^\d+$/;
const PCT = /^(\d+)%$/;

/** An amount cell: `-`, or digits (blocks, inodes), or a sized number (`-h`, `-ih`). */
function amountOf(text: string, info: DfHeaderInfo): { value?: number; approximate: boolean; si: boolean } | undefined {
  if (text === '-') return { approximate: false, si: false };
  if (DIGITS.test(text)) {
    const n = Number(text);
    return { value: info.measure === 'blocks' ? n * info.blockSize! : n, approximate: false, si: false };
  }
  if (info.measure === 'blocks') return undefined;
  const v = parseSizedNumber(text, 1);
  if (v === undefined) return undefined;
  // Integer bytes (or inodes): the integer part, as jc does; df rounded the printed value up anyway.
  return { value: Math.floor(v), approximate: true, si: text.endsWith('k') };
}

function isPct(text: string): boolean {
  return text === '-' || PCT.test(text);
}

interface RowParts {
  filesystem?: string;
  fstype?: string;
  amounts: [string, string, string];
  pct: string;
  mountedOn: string;
}

/**
 * Split a row into its parts. `continuation`: the line continues a filesystem name printed alone on the
 * line before, so it starts at Type (or the first amount).
 */
function splitRow(line: string, info: DfHeaderInfo, continuation: boolean): RowParts | string {
  const spans = wordSpans(line);
  const count = spans.length / 2;
  const word = (i: number): string => line.slice(spans[2 * i]!, spans[2 * i + 1]!);
  const typeWords = info.hasType ? 1 : 0;
  const firstAnchor = continuation ? typeWords : 1 + typeWords;
  const lastAnchor = continuation ? typeWords : count - 5;
  for (let i = firstAnchor; i <= lastAnchor; i++) {
    if (i + 4 >= count) break; // the four cells and at least one word of mount point
    const a = word(i);
    const b = word(i + 1);
    const c = word(i + 2);
    const p = word(i + 3);
    if (!amountOf(a, info) || !amountOf(b, info) || !amountOf(c, info) || !isPct(p)) continue;
    const mountedOn = line.slice(spans[2 * (i + 3) + 1]!).trim(); // not empty: a word follows (see above)
    const parts: RowParts = { amounts: [a, b, c], pct: p, mountedOn };
    if (info.hasType) parts.fstype = word(i - 1);
    if (!continuation) parts.filesystem = line.slice(0, spans[2 * (i - typeWords)]!).trim();
    return parts;
  }
  const expected = `${info.hasType ? 'Type, ' : ''}three amounts (${info.sizeTitle}, used, available), a percentage and a mount point`;
  return continuation ? `continuation of a wrapped filesystem name does not read as ${expected}` : `row does not read as Filesystem, ${expected}`;
}

export const parser: ParserModule = {
  meta: {
    tool: 'df',
    title: 'coreutils df (filesystem space and inodes)',
    commands: ['df', 'df -k', 'df -h', 'df -T', 'df -P', 'df -PT', 'df -i'],
    recordKinds: ['df.filesystem', 'df.inodes'],
    recollect: 'run `df -PT > df.txt` (exact 1024-byte blocks, one line per filesystem, with types) and `df -iPT > df-i.txt`, LC_ALL=C',
  },
  create(ctx: ParseContext) {
    let info: DfHeaderInfo | undefined;
    let sample = -1;
    let rowsInSample = 0;
    let pending: { filesystem: string; lineNo: number } | undefined;
    let warnedSi = false;

    const dropPending = (): void => {
      if (!pending) return;
      ctx.settle(pending.lineNo, { unparsed: 'filesystem name alone on its line, not followed by an indented line with its numbers' });
      pending = undefined;
    };

    const emitRow = (parts: RowParts, filesystem: string, lineNo: number): void => {
      const header = info!;
      const amounts = parts.amounts.map((a) => amountOf(a, header)!);
      const inodes = header.measure === 'inodes';
      const record: TimelineRecord = {
        kind: inodes ? 'df.inodes' : 'df.filesystem',
        source: { file: ctx.file, line: lineNo },
        time: { clock: 'ordinal', sample },
        // The Filesystem column is `filesystem`: `source` is the envelope's file:line.
        filesystem,
      };
      if (parts.fstype !== undefined) record.fstype = parts.fstype;
      const names = inodes ? ['inodes', 'inodes_used', 'inodes_free'] : ['size_bytes', 'used_bytes', 'avail_bytes'];
      amounts.forEach((a, i) => {
        if (a.value !== undefined) record[names[i]!] = a.value;
      });
      const pct = PCT.exec(parts.pct);
      if (pct) record[inodes ? 'inodes_use_pct' : 'use_pct'] = Number(pct[1]);
      record.mounted_on = parts.mountedOn;
      if (header.blockSize !== undefined && !inodes) record.block_size = header.blockSize;
      record.approximate = header.measure === 'human' || amounts.some((a) => a.approximate);
      record.total = filesystem === 'total' && parts.mountedOn === '-';
      if (!warnedSi && amounts.some((a) => a.si)) {
        warnedSi = true;
        ctx.diagnostic({
          severity: 'warning',
          code: 'df-si-units',
          message: 'a size ends in lower-case k: this looks like df -H (powers of 1000), but sizes were read as powers of 1024 (7% too large for G, 10% for T)',
          line: lineNo,
          hint: 'collect with `df -PT` (exact 1024-byte blocks)',
        });
      }
      ctx.emit(record);
      rowsInSample++;
    };

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (text.trim() === '') {
          dropPending();
          return 'skip';
        }
        if (text.startsWith('df: ')) {
          ctx.diagnostic({ severity: 'info', code: 'tool-message', message: `df said: ${text.trim()}`, line: lineNo });
          return 'skip';
        }
        const header = dfHeaderInfo(text);
        if (header) {
          dropPending();
          if (sample < 0 || rowsInSample > 0) {
            sample++;
            rowsInSample = 0;
          }
          if (!info) ctx.setVariant(dfVariant(header));
          info = header;
          return 'skip';
        }
        if (!info) return { unparsed: 'no df header seen yet (expected a line like "Filesystem 1K-blocks Used Available Use% Mounted on")' };

        const indented = text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9;
        if (pending && indented) {
          const parts = splitRow(text, info, true);
          const held = pending;
          pending = undefined;
          if (typeof parts === 'string') {
            ctx.settle(held.lineNo, { unparsed: 'filesystem name alone on its line, and the next line does not hold its numbers' });
            return { unparsed: parts };
          }
          emitRow(parts, held.filesystem, held.lineNo);
          ctx.settle(held.lineNo, 'data');
          return 'data';
        }
        dropPending();
        const trimmed = text.trim();
        if (!indented && !/\s/.test(trimmed)) {
          // A long filesystem name that old coreutils printed alone; its numbers follow on the next line.
          pending = { filesystem: trimmed, lineNo };
          return 'defer';
        }
        const parts = splitRow(text, info, false);
        if (typeof parts === 'string') return { unparsed: parts };
        emitRow(parts, parts.filesystem!, lineNo);
        return 'data';
      },
      end(): void {
        dropPending();
      },
    };
  },
};
