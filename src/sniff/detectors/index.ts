/** Every detector perftriage has, one per tool (see `src/sniff/detectors/<tool>.ts`). */
import type { Detector } from '../types.js';
import { detector as iostat } from './iostat.js';
import { detector as pidstat } from './pidstat.js';
import { detector as top } from './top.js';
import { detector as vmstat } from './vmstat.js';
import { detector as mpstat } from './mpstat.js';
import { detector as uname } from './uname.js';
import { detector as date } from './date.js';
import { detector as ps } from './ps.js';
import { detector as lsof } from './lsof.js';
import { detector as df } from './df.js';
import { detector as findmnt } from './findmnt.js';
import { detector as lsblk } from './lsblk.js';
import { detector as strace } from './strace.js';
import { detector as filetop } from './filetop.js';
import { detector as opensnoop } from './opensnoop.js';
import { detector as iotop } from './iotop.js';
import { detector as biotop } from './biotop.js';
import { detector as biosnoop } from './biosnoop.js';
import { detector as dmesg } from './dmesg.js';
import { detector as pressure } from './pressure.js';
import { detector as meminfo } from './meminfo.js';

export const detectors: readonly Detector[] = [iostat, pidstat, top, vmstat, mpstat, uname, date, ps, lsof, df, findmnt, lsblk, strace, filetop, opensnoop, iotop, biotop, biosnoop, dmesg, pressure, meminfo];
