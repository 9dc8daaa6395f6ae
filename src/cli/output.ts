/** Where CLI output goes, and how errors become one clear line and an exit code. */
import { createWriteStream, mkdirSync, openSync, type Stats, statSync, type WriteStream, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

/**
 * Create the folder an output file goes in, and its missing parents (`mkdir -p`). Not
 * `mkdirSync(dir, { recursive: true })`: Node 20's spins forever when a folder exists but cannot hold
 * one (under /proc mkdir says ENOENT, its parent EEXIST, and it tries again), which hung
 * `report --out-dir /proc/x`. Here each missing folder is made once, from the top, and the first
 * failure is an error naming it.
 */
export function makeParentFolder(file: string): void {
  const missing: string[] = [];
  for (let dir = dirname(resolve(file)); ; ) {
    const stat = statIfAny(dir);
    if (stat?.isDirectory()) break;
    if (stat) throw new Error(`cannot write ${file}: ${dir} is not a folder`);
    missing.push(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      // A folder made meanwhile (by another run) is fine; anything else stops here, named.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statIfAny(dir)?.isDirectory()) continue;
      const why = code === 'EEXIST' ? `${dir} is a link to nothing` : (err as Error).message;
      throw new Error(`cannot create the folder ${dir} for ${file}: ${why}`);
    }
  }
}

/** A path's stat, or undefined when nothing is there (also when a parent is a file: ENOTDIR). */
function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * A stream to write an output file to, its folder made first. The file is opened here, so a path that
 * cannot be written is an error at once, named (a stream would report it later as an unhandled 'error'
 * event: a stack trace); a write that fails later (a full disk) is one line on stderr and exit code 2.
 */
export function openOutputFile(file: string): WriteStream {
  makeParentFolder(file);
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (err) {
    throw new Error(`cannot write ${file}: ${(err as Error).message}`);
  }
  const stream = createWriteStream(file, { fd });
  stream.on('error', (err) => {
    process.stderr.write(`perftriage: cannot write ${forTerminal(file)}: ${forTerminal(err.message)}\n`);
    process.exit(EXIT_UNUSABLE);
  });
  return stream;
}

/** Write to `-o FILE` or stdout. Text for a terminal has its control characters made visible. */
export function writeOutput(content: string, outFile: string | undefined): void {
  beforeOutput?.();
  if (outFile && outFile !== '-') {
    makeParentFolder(outFile);
    try {
      writeFileSync(outFile, content);
    } catch (err) {
      throw new Error(`cannot write ${outFile}: ${(err as Error).message}`);
    }
    return;
  }
  process.stdout.write(content);
}

export function note(message: string): void {
  beforeOutput?.();
  process.stderr.write(`${forTerminal(message)}\n`);
}
