/** Every detector perftriage has, one per tool (see `src/sniff/detectors/<tool>.ts`). */
import type { Detector } from '../types.js';
import { detector as iostat } from './iostat.js';
import { detector as pidstat } from './pidstat.js';
import { detector as top } from './top.js';
import { filetopDetector, opensnoopDetector, straceDetector } from './trace-tools.js';

export const detectors: readonly Detector[] = [iostat, pidstat, top, straceDetector, filetopDetector, opensnoopDetector];
