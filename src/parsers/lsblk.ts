/**
 * util-linux `lsblk` default output (`lsblk`, `lsblk -b`, `lsblk -a`, device arguments): NAME MAJ:MIN RM SIZE RO TYPE
 * MOUNTPOINTS (MOUNTPOINT before util-linux 2.37), with the device tree drawn before NAME.
 *
 * Emits `lsblk.device` per device: name (tree connectors removed), parent (the device it is drawn under) and depth,
 * major / minor, removable, size_bytes (+ approximate when lsblk rounded it to a `K/M/G/T` suffix; `-b` gives exact
 * bytes), read_only, type, mountpoints (all of them: util-linux 2.37+ prints each further mount point alone on a
 * continuation line below the device). Time: `{ clock: 'ordinal', sample }`.
 *
 * Rows are read by words (device names hold no blanks); the mount point column is the rest of the line, spaces
 * kept. A device record is emitted when the next device row (or the end) shows no more mount points follow.
 */
import type { TimelineRecord } from '../common/types.js';
import { parseSizedNumber } from '../common/units.js';
import { lsblkHeaderTitles } from '../sniff/detectors/lsblk.js';
import { treePrefix } from './findmnt.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

interface Header {
  titles: string[];
  /** Where the mount point column starts (continuation lines are blank up to it). */
  mountStart: number;
}

const MAJ_MIN = /^(\d+):(\d+)$/;

/** Fill one cell; returns a reason when it does not read. */
function applyCell(record: TimelineRecord, title: string, text: string): string | undefined {
  switch (title) {
    case 'MAJ:MIN': {
      const m = MAJ_MIN.exec(text);
      if (!m) return `MAJ:MIN "${text}" is not major:minor`;
      record.major = Number(m[1]);
      record.minor = Number(m[2]);
      return undefined;
    }
    case 'RM':
    case 'RO':
      if (text !== '0' && text !== '1') return `${title} "${text}" is not 0 or 1`;
      record[title === 'RM' ? 'removable' : 'read_only'] = text === '1';
      return undefined;
    case 'SIZE': {
      const bytes = parseSizedNumber(text, 1);
      if (bytes === undefined) return `SIZE "${text}" is not a size`;
      record.size_bytes = Math.floor(bytes);
      record.approximate = !/^\d+B?$/.test(text);
      return undefined;
    }
    case 'TYPE':
      record.type = text;
      return undefined;
    default:
      return `column ${title} is not read`;
  }
}

export const parser: ParserModule = {
  meta: {
    tool: 'lsblk',
    title: 'util-linux lsblk (block devices)',
    commands: ['lsblk', 'lsblk -b', 'lsblk -a'],
    recordKinds: ['lsblk.device'],
    recollect: 'run `lsblk -b > lsblk.txt` (exact sizes) with the default columns and the header kept',
  },
  create(ctx: ParseContext) {
    let header: Header | undefined;
    let sample = -1;
    let rowsInSample = 0;
    let held: TimelineRecord | undefined;
    const ancestors: string[] = [];

    const flush = (): void => {
      if (held) ctx.emit(held);
      held = undefined;
    };

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (text.trim() === '') return 'skip';
        const titles = lsblkHeaderTitles(text);
        if (titles) {
          flush();
          if (sample < 0 || rowsInSample > 0) {
            sample++;
            rowsInSample = 0;
          }
          const last = titles[titles.length - 1]!;
          const hasMount = last === 'MOUNTPOINT' || last === 'MOUNTPOINTS';
          if (!hasMount && titles.some((t) => t.startsWith('MOUNTPOINT'))) {
            header = undefined;
            return { unparsed: 'lsblk header with the mount point column not last: not read' };
          }
          header = { titles, mountStart: hasMount ? text.lastIndexOf(last) : text.length };
          ancestors.length = 0;
          return 'skip';
        }
        if (!header) return { unparsed: 'no lsblk header seen yet (expected "NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS")' };

        // A further mount point of the device above: blank up to the mount point column.
        if (held && text.startsWith(' ') && text.slice(0, header.mountStart).trim() === '') {
          const mounts = (held.mountpoints as string[] | undefined) ?? [];
          mounts.push(text.trim());
          held.mountpoints = mounts;
          return 'data';
        }
        flush();

        const { depth, textStart } = treePrefix(text);
        const body = text.slice(textStart);
        const words = body.trim().split(/\s+/);
        const hasMount = header.titles[header.titles.length - 1]!.startsWith('MOUNTPOINT');
        const fixed = hasMount ? header.titles.length - 1 : header.titles.length;
        if (words.length < fixed || words[0] === '') return { unparsed: `row has ${words.length} word(s), the header ${fixed} column(s) before the mount point` };
        const record: TimelineRecord = { kind: 'lsblk.device', source: { file: ctx.file, line: lineNo }, time: { clock: 'ordinal', sample } };
        let offset = 0;
        for (let i = 0; i < fixed; i++) {
          const title = header.titles[i]!;
          const word = words[i]!;
          if (title === 'NAME') {
            if (depth > ancestors.length) return { unparsed: `tree node at depth ${depth} has no parent row` };
            record.name = word;
            record.depth = depth;
            if (depth > 0) record.parent = ancestors[depth - 1];
            ancestors.length = depth;
            ancestors.push(word);
          } else {
            const error = applyCell(record, title, word);
            if (error) return { unparsed: error };
          }
          offset = body.indexOf(word, offset) + word.length;
        }
        if (hasMount) {
          const mount = body.slice(offset).trim();
          if (mount !== '') record.mountpoints = [mount];
        }
        held = record;
        rowsInSample++;
        return 'data';
      },
      end(): void {
        flush();
      },
    };
  },
};
