/**
 * `timeline`'s output. JSON and NDJSON of a bundle that can be read twice are streamed: the analysis
 * pass (buildTimeline with `summarize`, as `report` reads it) gives the header (files, clock,
 * diagnostics) and the model, then src/timeline/stream.ts reads every file again and each record is
 * annotated and written as it is parsed. Memory stays flat whatever the bundle's size, and every record
 * is written. CSV (whose columns are every record's fields, known only at the end) and a bundle read
 * once (stdin, a pipe) hold the timeline, up to its record budget (timelineMaxRecords).
 *
 * The two ways write the same bytes: the analysis pass's model and header equal the full timeline's
 * (test/cli/timeline-stream.test.ts holds them to it on every sample and real capture).
 */
import type { Diagnostic, TimelineRecord } from '../common/types.js';
import { isRereadable } from '../bundle/bundle.js';
import { buildTimeline, type Timeline, type TimelineOptions } from '../timeline/build.js';
import { streamRecords, type StreamedFile } from '../timeline/stream.js';
import { buildModel } from '../model/build.js';
import { annotateRecords, recordAnnotator } from '../model/annotate.js';
import { recordsToCsv } from './csv-records.js';
import { jsonFrame, jsonPieces, ndjsonPieces, PieceWriter, writePieces } from './stream-out.js';
import { writeOutput } from './output.js';
import { collectGarbageAbove } from '../timeline/collector.js';

export type TimelineFormat = 'json' | 'ndjson' | 'csv';

/** What was written: the timeline's header (its `records` empty when streamed), how many records, and any file whose two passes disagree. */
export interface WrittenTimeline {
  timeline: Timeline;
  records: number;
  streamed: boolean;
  /** Files whose second pass gave another record count than the first (the file changed between them). */
  mismatches: StreamedFile[];
}

/** Whether `timeline` streams this output: JSON or NDJSON of a bundle that can be read twice. */
export function streamsTimeline(path: string, format: TimelineFormat): boolean {
  return format !== 'csv' && isRereadable(path);
}

export async function writeTimeline(path: string, options: TimelineOptions, format: TimelineFormat, outFile: string | undefined, stream = streamsTimeline(path, format)): Promise<WrittenTimeline> {
  return stream && format !== 'csv' ? writeStreamed(path, options, format, outFile) : writeHeld(path, options, format, outFile);
}

async function writeHeld(path: string, options: TimelineOptions, format: TimelineFormat, outFile: string | undefined): Promise<WrittenTimeline> {
  const timeline = await buildTimeline(path, options);
  // The joins are made once, here: each record carries the ids of the model's entities it is about.
  if (timeline.files.length > 0) annotateRecords(timeline.records, buildModel(timeline));
  if (format === 'csv') writeOutput(recordsToCsv(timeline.records), outFile);
  else if (format === 'ndjson') {
    const { records, ...header } = timeline;
    await writePieces(ndjsonPieces(header, records), outFile);
  } else await writePieces(jsonPieces(timeline as unknown as Record<string, unknown>, 'records', 1), outFile);
  return { timeline, records: timeline.records.length, streamed: false, mismatches: [] };
}

async function writeStreamed(path: string, options: TimelineOptions, format: 'json' | 'ndjson', outFile: string | undefined): Promise<WrittenTimeline> {
  const { header, annotate } = await analysisPass(path, options);
  // The analysis pass's records and outcomes are garbage now: collected before the second pass allocates
  // on top of them (as the report does between its stages: pipeline.ts).
  collectGarbageAbove();
  const expected = header.files.reduce((n, f) => n + f.records, 0);
  const writer = new PieceWriter(outFile);
  let written = 0;
  let write: (r: TimelineRecord) => void;
  let after = '';
  if (format === 'ndjson') {
    const { records: _none, ...rest } = header;
    writer.push(`${JSON.stringify(rest)}\n`);
    write = (r) => writer.push(`${JSON.stringify(r)}\n`);
  } else if (expected === 0) {
    // No record to come: the document is whole now (an empty array is written `[]`, not framed).
    writer.push(`${JSON.stringify(header, null, 1)}\n`);
    write = () => {};
  } else {
    const frame = jsonFrame(header as unknown as Record<string, unknown>, 'records', 1);
    writer.push(frame.before);
    write = (r) => writer.push(frame.item(r, written));
    after = frame.after;
  }
  const progress = options.onProgress;
  // Nothing parsed (the command then says "nothing analyzable"): no second pass to make.
  const streamed = header.files.length === 0 ? [] : await streamRecords(path, header, {
    ...options,
    // The files are read a second time: the progress line says which pass it is.
    ...(progress ? { onProgress: (file: string, bytes: number, size: number | undefined) => progress(`${file} (records)`, bytes, size) } : {}),
    onRecord: (r) => {
      annotate?.(r);
      write(r);
      written++;
    },
    beforeChunk: () => writer.drain(),
  });
  writer.push(after);
  await writer.end();
  return { timeline: header, records: written, streamed: true, mismatches: streamed.filter((f) => f.records !== f.expected) };
}

/**
 * The header and the model's joins from the analysis pass. Its records (the model's input) are let go
 * here, before the second pass: on the bench's 1 GiB bundle they are ~100 MB of the stream's peak.
 */
async function analysisPass(path: string, options: TimelineOptions): Promise<{ header: Timeline; annotate: ((r: TimelineRecord) => boolean) | undefined }> {
  const analysis = await buildTimeline(path, { ...options, summarize: true });
  const annotate = analysis.files.length > 0 ? recordAnnotator(buildModel(analysis)) : undefined;
  return { header: { ...analysis, diagnostics: forFullTimeline(analysis.diagnostics), records: [] }, annotate };
}

/**
 * The analysis pass's diagnostics as the full timeline states them. That a sampled file's rows were merged
 * for analysis is not true of the records written (every one is); that a file's records were cut from
 * analysis is true only of the model that annotates them (its ids name the entities of the records
 * analysed), so the warning says that.
 */
export function forFullTimeline(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .filter((d) => d.code !== 'analysis-downsampled')
    .map((d) =>
      d.code !== 'analysis-truncated'
        ? d
        : {
            ...d,
            code: 'annotation-partial',
            message: `every record of ${d.file ?? 'the file'} is in this timeline, but the model whose ids the records carry (entities) was built from the records before line ${d.line ?? '?'} only (analysis keeps a share of each file's records within memory): a later record names an entity only if one before that line did`,
            hint: 'a larger share of each file for the model: --max-records (the records written are every one either way)',
          },
    );
}
