/** Where CLI output goes, and how errors become one clear line and an exit code. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { forTerminal } from '../common/escape.js';

/** A mistake in how perftriage was called, or an input that cannot be analyzed at all: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_UNUSABLE = 2;

/** Print one line for an error (the stack only with --debug) and return the exit code. */
export function reportError(err: unknown, debug: boolean): number {
  beforeOutput?.();
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`perftriage: ${forTerminal(message)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_UNUSABLE;
}

/**
 * A reader that stops early (`perftriage parse FILE --format ndjson | head`) closes the pipe, and the next
 * write fails with EPIPE, which Node raises as an unhandled 'error' event: a stack trace. Like `cat` or
 * `grep` in a pipe, perftriage then stops quietly (nothing is left to read its output; exit code 0, as
 * the cut is the reader's choice). Any other failure to write stdout or stderr (a full disk behind `>`)
 * is one line on stderr when stderr can still take it, and exit code 2.
 */
export function stopWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_OK);
      if (stream === process.stdout) {
        try {
          process.stderr.write(`perftriage: cannot write the output: ${forTerminal(err.message)}\n`);
        } catch {
          // stderr is gone too: the exit code is all that is left.
        }
      }
      process.exit(EXIT_UNUSABLE);
    });
  }
}

/** Run before anything is printed: erases a progress line so output never lands after it. */
let beforeOutput: (() => void) | undefined;

export function setBeforeOutput(fn: (() => void) | undefined): void {
  beforeOutput = fn;
}

/** For writers that do not go through writeOutput (streamed output). */
export function prepareOutput(): void {
  beforeOutput?.();
}

/** Write to `-o FILE` or stdout. Text for a terminal has its control characters made visible. */
export function writeOutput(content: string, outFile: string | undefined): void {
  beforeOutput?.();
  if (outFile && outFile !== '-') {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, content);
    return;
  }
  process.stdout.write(content);
}

export function note(message: string): void {
  beforeOutput?.();
  process.stderr.write(`${forTerminal(message)}\n`);
}
