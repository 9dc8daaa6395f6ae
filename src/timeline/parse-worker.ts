/**
 * A worker thread of the parse pool (pool.ts): reads one bundle file at a time with the same readFile
 * as the main thread, from chunks the main thread posts, and posts the outcome back. It acknowledges
 * each chunk as the parser takes it, which is what paces the main thread (bounded bytes in flight).
 */
import { parentPort } from 'node:worker_threads';
import { readFile } from './build.js';
import { tuneCollector } from './collector.js';
import type { FromWorker, ToWorker } from './pool.js';

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

port.on('message', (message: ToWorker) => {
  switch (message.t) {
    case 'open': {
      queue = [];
      ended = false;
      const { id, entry, forced, manifestTool, manifestCommand, summarize, recordBudget, seriesBudget, seriesShare } = message;
      readFile(entry, chunks(id), { forced, manifestTool, manifestCommand, summarize, recordBudget, seriesBudget, seriesShare }).then(
        (outcome) => port.postMessage({ t: 'done', id, outcome } satisfies FromWorker),
        (err: unknown) => port.postMessage({ t: 'fail', id, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker),
      );
      break;
    }
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
