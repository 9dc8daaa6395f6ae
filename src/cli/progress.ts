/**
 * A progress line on stderr for long reads: the file, bytes done of its size, the rate and an ETA. Drawn
 * only when stderr is a terminal, only once the work has taken more than two seconds, at most four times
 * a second, and erased when done — so pipes, CI logs and `--quiet` runs see nothing.
 */
import { forTerminal } from '../common/escape.js';

const SHOW_AFTER_MS = 2000;
const REDRAW_MS = 250;
const MIB = 1024 * 1024;

interface Clock {
  now(): number;
}

export class ProgressLine {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;
  private fileStarted = 0;
  private file = '';

  constructor(
    private readonly write: (text: string) => void,
    private readonly clock: Clock = { now: () => Date.now() },
  ) {
    this.started = clock.now();
  }

  update(file: string, bytes: number, size: number | undefined): void {
    const now = this.clock.now();
    if (file !== this.file) {
      this.file = file;
      this.fileStarted = now;
    }
    if (now - this.started < SHOW_AFTER_MS || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const seconds = (now - this.fileStarted) / 1000;
    const done = size ? `${(bytes / MIB).toFixed(0)} of ${(size / MIB).toFixed(0)} MiB` : `${(bytes / MIB).toFixed(0)} MiB`;
    // A rate needs some time behind it: the first moments of a file say nothing.
    const rate = seconds >= 0.2 ? bytes / seconds : 0;
    const eta = size && rate > 0 && size > bytes ? `, ETA ${Math.ceil((size - bytes) / rate)} s` : '';
    const speed = rate > 0 ? ` (${(rate / MIB).toFixed(0)} MiB/s${eta})` : '';
    this.write(`\r\x1b[K${forTerminal(file)}: ${done}${speed}`);
    this.drawn = true;
  }

  /** Erase the line, if one was drawn. */
  done(): void {
    if (this.drawn) this.write('\r\x1b[K');
    this.drawn = false;
  }
}
