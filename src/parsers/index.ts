/** The parser registry: tool name → parser module. */
import type { ParserModule } from './types.js';
import { parser as iostat } from './iostat.js';
import { parser as pidstat } from './pidstat.js';
import { parser as top } from './top.js';
import { parser as vmstat } from './vmstat.js';
import { parser as mpstat } from './mpstat.js';
import { parser as uname } from './uname.js';
import { parser as date } from './date.js';
import { parser as ps } from './ps.js';
import { parser as lsof } from './lsof.js';
import { parser as df } from './df.js';
import { parser as findmnt } from './findmnt.js';
import { parser as lsblk } from './lsblk.js';
import { parser as strace } from './strace.js';
import { parser as filetop } from './filetop.js';
import { parser as opensnoop } from './opensnoop.js';
import { parser as iotop } from './iotop.js';
import { parser as biotop } from './biotop.js';
import { parser as biosnoop } from './biosnoop.js';
import { parser as dmesg } from './dmesg.js';
import { parser as pressure } from './pressure.js';
import { parser as meminfo } from './meminfo.js';

const modules: ParserModule[] = [iostat, pidstat, top, vmstat, mpstat, uname, date, ps, lsof, df, findmnt, lsblk, strace, filetop, opensnoop, iotop, biotop, biosnoop, dmesg, pressure, meminfo];

export const parsers: ReadonlyMap<string, ParserModule> = new Map(modules.map((m) => [m.meta.tool, m]));

export function parserFor(tool: string): ParserModule | undefined {
  return parsers.get(tool);
}
