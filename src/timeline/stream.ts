/**
 * A bundle's every record, streamed: the second pass of `timeline` on a bundle of any size. The first
 * pass is the analysis (buildTimeline with `summarize`): it gives what only the whole bundle knows, the
 * clock, the files' summaries and diagnostics, and the model whose ids each record carries. This pass
 * reads every file again, in the timeline's order (files by path, records in file order), and hands each
 * record on with its time resolved on that clock (and redacted, with --redact) as soon as it is parsed,
 * so memory stays flat whatever the bundle's size. The caller annotates and writes it.
 *
 * Only for bundles that can be read twice (a folder, a file, an archive on disk); a tar archive whose
 * files are not stored in path order is read once per run of files in order.
 */
import { openBundle, type BundleEntry, type OpenedBundle } from '../bundle/bundle.js';
import type { TimelineRecord } from '../common/types.js';
import { FileClockResolver } from './clock.js';
import { manifestHints, readFile, type Timeline, type TimelineOptions } from './build.js';

/** Shared time objects a file's resolver remembers (FileClockResolver): the records of a few samples. */
const REMEMBERED_TIMES = 4096;

export interface StreamOptions extends Pick<TimelineOptions, 'toolOverrides' | 'limits' | 'redactor' | 'onProgress'> {
  /** Each record, in timeline order, its time resolved (and redacted). */
  onRecord(record: TimelineRecord): void;
  /** Awaited before each chunk of a file is parsed: the destination's back-pressure. */
  beforeChunk?: () => Promise<void>;
}

/** What the second pass found of one parsed file, beside what the first pass said. */
export interface StreamedFile {
  path: string;
  records: number;
  /** The record count of the timeline's summary of the file (the first pass). */
  expected: number | undefined;
}

/**
 * Read `path` again and hand every record of `timeline` (its analysis pass) to `onRecord`. Returns the
 * files read, with their record counts against the first pass's: a file that changed between the two
 * passes shows there.
 */
export async function streamRecords(path: string, timeline: Pick<Timeline, 'clock' | 'files'>, options: StreamOptions): Promise<StreamedFile[]> {
  const bundle = await openBundle(path, options.limits);
  const { tools, commands, hints } = await manifestHints(bundle);
  const single = bundle.entries.length === 1;
  const streamed: StreamedFile[] = [];
  const readOne = async (entry: BundleEntry, stream: AsyncIterable<Buffer>): Promise<void> => {
    const resolver = new FileClockResolver(timeline.clock, hints.fileStart?.get(entry.path), REMEMBERED_TIMES);
    const redactor = options.redactor;
    const onRecord = (r: TimelineRecord): void => {
      resolver.resolve(r);
      options.onRecord(redactor ? redactor.record(r) : r);
    };
    const paced = options.beforeChunk ? pacedBy(stream, options.beforeChunk) : stream;
    const outcome = await readFile(entry, paced, {
      forced: options.toolOverrides?.get(entry.path) ?? (single ? options.toolOverrides?.get('*') : undefined),
      manifestTool: tools.get(entry.path),
      manifestCommand: commands.get(entry.path),
      onRecord,
      ...(options.onProgress ? { onBytes: (bytes: number): void => options.onProgress!(entry.path, bytes, entry.size) } : {}),
    });
    if (outcome.sniff) streamed.push({ path: entry.path, records: outcome.recordCount, expected: timeline.files[streamed.length]?.records });
  };
  await inPathOrder(bundle, readOne);
  return streamed;
}

/** Visit every entry of the bundle in `entries` order (by path), walking it again while an archive's order differs. */
async function inPathOrder(bundle: OpenedBundle, visit: (entry: BundleEntry, stream: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const wanted = bundle.entries.map((e) => e.path);
  let next = 0;
  while (next < wanted.length) {
    const before = next;
    await bundle.forEach(async (entry, stream) => {
      if (entry.path !== wanted[next]) return;
      next++;
      await visit(entry, stream);
    });
    // An entry listed at the first walk and not met again (an archive changed meanwhile): no endless walk.
    if (next === before) next++;
  }
}

/** `stream`'s chunks, each after `beforeChunk` settles (a writer's drain: a slow destination slows the reading). */
export async function* pacedBy(stream: AsyncIterable<Buffer>, beforeChunk: () => Promise<void>): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    await beforeChunk();
    yield chunk;
  }
}
