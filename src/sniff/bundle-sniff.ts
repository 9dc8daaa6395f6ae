/**
 * `perftriage sniff`: what each file of a bundle is, without parsing it. Reads each file once to keep
 * its first lines and count the rest.
 */
import type { Readable } from 'node:stream';
import { LineSplitter } from '../bundle/lines.js';
import type { BundleEntry } from '../bundle/bundle.js';
import { sniffLines, type SniffOutcome } from './sniff.js';
import { SNIFF_LINES } from './types.js';
import { detectors } from './detectors/index.js';

export interface FileSniff {
  path: string;
  bytes: number;
  lines: number;
  outcome: SniffOutcome;
}

export async function sniffEntry(entry: BundleEntry, stream: Readable): Promise<FileSniff> {
  const head: string[] = [];
  const splitter = new LineSplitter((text) => {
    if (head.length < SNIFF_LINES) head.push(text);
  });
  try {
    for await (const chunk of stream) splitter.push(chunk as Buffer);
  } catch {
    // A read error ends the file early; sniffing what was read is still useful. The bundle reports the error.
  }
  splitter.end();
  return { path: entry.path, bytes: splitter.bytesSeen, lines: splitter.linesEmitted, outcome: sniffLines(head, detectors) };
}
