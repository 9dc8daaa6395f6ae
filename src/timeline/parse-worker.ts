/**
 * A worker thread of the parse pool (pool.ts): reads one bundle file at a time with the same readFile
 * as the main thread, from chunks the main thread posts, and posts the outcome back. It acknowledges
 * each chunk as the parser takes it, which is what paces the main thread (bounded bytes in flight).
 */
import { parentPort } from 'node:worker_threads';
import { type HeadOf, readAll, readFile, readTail } from './build.js';
import type { AnyTailOutput } from '../parsers/segments.js';
import { tuneCollector } from './collector.js';
import type { FileRange, FromWorker, ToWorker } from './pool.js';
import { readRange } from '../bundle/bundle.js';

tuneCollector();

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs only as a worker thread');

/** Chunks of the file being read, and the reader waiting for the next one. */
let queue: Buffer[] = [];
let ended = false;
let wake: (() => void) | undefined;

async function* chunks(id: number): AsyncGenerator<Buffer> {
  for (;;) {
    const next = queue.shift();
    if (next !== undefined) {
      port!.postMessage({ t: 'ack', id, bytes: next.length } satisfies FromWorker);
      yield next;
      continue;
    }
    if (ended) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}

/** The head of a split file waits here for its tail's output (undefined: read the rest yourself). */
let tailArrived: ((output: AnyTailOutput | undefined) => void) | undefined;

/** A range of a folder bundle's file read here, each chunk acknowledged (progress, as for posted chunks). */
async function* readSource(id: number, range: FileRange): AsyncGenerator<Buffer> {
  for await (const chunk of readRange(range.path, range.start, range.end)) {
    port!.postMessage({ t: 'ack', id, bytes: chunk.length } satisfies FromWorker);
    yield chunk;
  }
}


port.on('message', (message: ToWorker) => {
  switch (message.t) {
    case 'open': {
      queue = [];
      ended = false;
      const { id, entry } = message;
      const fail = (err: unknown): void => port.postMessage({ t: 'fail', id, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
      if (message.role === 'tail') {
        const { variant, warm, source, fast } = message;
        readAll(readRange(warm.path, warm.start, warm.end))
          .then((bytes) => readTail(entry.path, variant, bytes, readSource(id, source), warm.start === 0, undefined, fast))
          .then((output) => port.postMessage({ t: 'tail-done', id, output } satisfies FromWorker), fail);
        break;
      }
      const { forced, manifestTool, manifestCommand, summarize, recordBudget, seriesBudget, seriesShare, noFastStrace, source, rest } = message;
      const tail = new Promise<AnyTailOutput | undefined>((resolve) => (tailArrived = resolve));
      const headOf: HeadOf | undefined = message.role === 'head' && rest ? { tail: () => tail, rest: () => readSource(id, rest), fast: message.fast === true } : undefined;
      // The whole file again, for a fast reader that gives it up: a head's bytes run on to its rest's end.
      const reread = source ? { reread: () => readRange(source.path, source.start, headOf ? rest!.end : source.end) } : {};
      readFile(entry, source ? readSource(id, source) : chunks(id), { forced, manifestTool, manifestCommand, summarize, recordBudget, seriesBudget, seriesShare, noFastStrace, ...(headOf ? { headOf } : {}), ...reread }).then((outcome) => {
        // 'free' first: the main thread hands this worker its next file while the outcome is serialized here.
        port.postMessage({ t: 'free', id } satisfies FromWorker);
        port.postMessage({ t: 'done', id, outcome } satisfies FromWorker);
      }, fail);
      break;
    }
    case 'tail':
      tailArrived?.(message.output);
      tailArrived = undefined;
      break;
    case 'chunk':
      queue.push(Buffer.from(message.bytes));
      wake?.();
      break;
    case 'end':
      ended = true;
      wake?.();
      break;
  }
});
