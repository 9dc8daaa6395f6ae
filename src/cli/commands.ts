/**
 * The CLI commands. Each is a yargs builder (options and examples) and a `run` that returns the exit
 * code; the work itself lives in the stages (bundle, sniff, parsers, timeline).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forTerminal } from '../common/escape.js';
import { packageRoot } from '../common/paths.js';
import type { TimelineRecord } from '../common/types.js';
import { openBundle } from '../bundle/bundle.js';
import { sniffEntry, type FileSniff } from '../sniff/bundle-sniff.js';
import { parsers } from '../parsers/index.js';
import { buildTimeline, readFile, type FileOutcome, type Timeline } from '../timeline/build.js';
import { getSchema, listSchemas, validate, TIMELINE_ID_PREFIX } from '../timeline/index.js';
import { formatAnalysisText } from './analysis-text.js';
import { type Command, DEFAULT_CONFIG, pathArg, bundleReadOptions, str, timelineOptions, toolOption, writeRedactionMap } from './args.js';
import { checkCommand } from './check-command.js';
import { reportCommand } from './report-command.js';
import { formatModelText } from './model-text.js';
import { PieceWriter } from './stream-out.js';
import type { TimelineFormat } from './timeline-out.js';
import { pacedBy } from '../timeline/stream.js';
import { EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, UsageError, note, writeOutput } from './output.js';


const sniffCommand: Command = {
  name: 'sniff <path>',
  describe: 'Say which tool wrote each file of a bundle, in which variant, how sure, and its line count',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Bundle: folder, .tar, .tar.gz/.tgz, .zip, a single file, or - for stdin' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text', describe: 'Output format' })
      .example('$0 sniff capture.tar.gz', 'One line per file: path, tool, variant, confidence, lines')
      .example('$0 sniff ./bundle --format json', 'The same as JSON, with every candidate tool'),
  run: async (args) => {
    const bundle = await openBundle(pathArg(args.path));
    const sniffs: FileSniff[] = [];
    await bundle.forEach(async (entry, stream) => {
      sniffs.push(await sniffEntry(entry, stream));
    });
    sniffs.sort((a, b) => (a.path < b.path ? -1 : 1));
    if (args.format === 'json') {
      const out = {
        bundle: { name: bundle.name, kind: bundle.kind },
        files: sniffs.map((s) => ({
          path: s.path,
          lines: s.lines,
          bytes: s.bytes,
          tool: s.outcome.result?.tool ?? null,
          variant: s.outcome.result?.variant ?? null,
          confidence: s.outcome.result?.confidence ?? 0,
          evidence: s.outcome.result?.evidence ?? null,
          parser: s.outcome.result ? parsers.has(s.outcome.result.tool) : false,
          reason: s.outcome.reason ?? null,
          candidates: s.outcome.candidates,
        })),
        diagnostics: bundle.diagnostics,
      };
      writeOutput(`${JSON.stringify(out, null, 2)}\n`, undefined);
    } else {
      const rows = sniffs.map((s) => {
        const r = s.outcome.result;
        const what = r ? `${r.tool}  ${r.variant}  (confidence ${r.confidence.toFixed(2)})${parsers.has(r.tool) ? '' : '  [no parser yet]'}` : `skipped: ${s.outcome.reason ?? ''}`;
        return `${s.path}  ${s.lines} lines  ${what}`;
      });
      const diag = bundle.diagnostics.map((d) => `${d.severity}: ${d.file ? `${d.file}: ` : ''}${d.message}`);
      writeOutput(`${[...rows, ...diag].map(forTerminal).join('\n')}\n`, undefined);
    }
    return sniffs.length === 0 ? EXIT_UNUSABLE : EXIT_OK;
  },
};

const parseCommand: Command = {
  name: 'parse <file>',
  describe: "Parse one file and print its records, diagnostics and line coverage",
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'A capture file, or - for stdin' })
      .option('tool', { type: 'string', describe: `Force the parser instead of sniffing (${[...parsers.keys()].sort().join(', ') || 'none yet'})` })
      .option('format', { choices: ['json', 'ndjson'] as const, default: 'json', describe: 'json: one document; ndjson: one record per line, then a summary line' })
      .option('o', { alias: 'output', type: 'string', describe: 'Write to this file instead of stdout' })
      .example('$0 parse iostat.txt', 'Records of an iostat capture as JSON')
      .example('$0 parse out.txt --tool pidstat --format ndjson', 'Force the pidstat parser, one record per line'),
  run: async (args) => {
    const forced = str(args.tool);
    if (forced !== undefined && !parsers.has(forced)) throw new UsageError(`--tool ${forced}: unknown tool (known: ${[...parsers.keys()].sort().join(', ')})`);
    const bundle = await openBundle(pathArg(args.file));
    if (bundle.entries.length !== 1) throw new UsageError(`${String(args.file)}: parse reads one file; this is a bundle of ${bundle.entries.length} files (use timeline)`);
    // Records are written as they are parsed: memory stays flat whatever the file's size. Nothing is
    // written before the first record, so a file no parser reads still ends in a clean usage error.
    const ndjson = args.format === 'ndjson';
    const writer = new PieceWriter(str(args.o));
    let result: Awaited<ReturnType<typeof readFile>> | undefined;
    let first = true;
    await bundle.forEach(async (entry, stream) => {
      const onRecord = (r: TimelineRecord, outcome: FileOutcome): void => {
        if (first && !ndjson) writer.push(`{\n  "file": ${JSON.stringify(entry.path)},\n  "tool": ${JSON.stringify(outcome.sniff?.tool ?? '')},\n  "records": [\n    `);
        else if (!ndjson) writer.push(',\n    ');
        first = false;
        writer.push(ndjson ? `${JSON.stringify(r)}\n` : JSON.stringify(r));
      };
      // The output is drained between input chunks: a slow destination slows the reading.
      result = await readFile(entry, pacedBy(stream, () => writer.drain()), { forced, onRecord });
    });
    if (!result || !result.sniff || !result.coverage) {
      throw new UsageError(`${String(args.file)}: ${result?.skippedReason ?? 'nothing to read'}; name the tool with --tool`);
    }
    const summary = { file: result.path, tool: result.sniff.tool, variant: result.sniff.variant, diagnostics: [...bundle.diagnostics, ...result.diagnostics], coverage: result.coverage };
    if (ndjson) writer.push(`${JSON.stringify(summary)}\n`);
    else {
      const rest = JSON.stringify({ variant: summary.variant, diagnostics: summary.diagnostics, coverage: summary.coverage }, null, 2).slice(1);
      writer.push(first ? `{\n  "file": ${JSON.stringify(summary.file)},\n  "tool": ${JSON.stringify(summary.tool)},\n  "records": [],${rest}\n` : `\n  ],${rest}\n`);
    }
    await writer.end();
    return EXIT_OK;
  },
};

const timelineCommand: Command = {
  name: 'timeline <path>',
  describe: 'Read a whole bundle into one normalized, schema-validated timeline',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Bundle: folder, .tar, .tar.gz/.tgz, .zip, a single file, or - for stdin' })
      .option('format', { choices: ['json', 'ndjson', 'csv'] as const, default: 'json', describe: 'json: one document; ndjson: a header line then one record per line; csv: one row per record' })
      .option('o', { alias: 'output', type: 'string', describe: 'Write to this file instead of stdout' })
      .option('tool', toolOption)
      .options(bundleReadOptions)
      .example('$0 timeline capture.tar.gz -o timeline.json', 'The timeline of an archived bundle')
      .example('$0 timeline ./bundle --format csv -o records.csv', 'Every record as a CSV row')
      .example('$0 timeline ./bundle --tool out.txt=iostat', 'Force the parser of one file'),
  run: async (args) => {
    const options = timelineOptions(args);
    const out = str(args.o);
    const { writeTimeline } = await import('./timeline-out.js');
    const { timeline, records, streamed, mismatches } = await writeTimeline(pathArg(args.path), options, String(args.format) as TimelineFormat, out);
    writeRedactionMap(args, options);
    for (const m of mismatches) note(`warning: ${m.path}: ${m.records} records written, but the first pass counted ${m.expected ?? 0} (did the file change while it was read?)`);
    if (out && out !== '-') {
      const unparsed = timeline.files.reduce((n, f) => n + f.coverage.unparsed, 0);
      note(`wrote ${out}: ${records} records from ${timeline.files.length} file(s), ${timeline.skipped.length} skipped, ${unparsed} unparsed line(s)${streamed ? '' : ' (held in memory)'}`);
    }
    if (timeline.files.length === 0) {
      const why = timeline.skipped.map((s) => `${s.path}: ${s.reason}`).slice(0, 5).join('; ');
      throw new UsageError(`${String(args.path)}: nothing analyzable${why ? ` (${why})` : timeline.diagnostics[0] ? ` (${timeline.diagnostics[0].message})` : ''}`);
    }
    return EXIT_OK;
  },
};

const modelCommand: Command = {
  name: 'model <path>',
  describe: 'Join what the tools saw into one graph: processes, threads, files, path patterns, mounts, devices — each link with its evidence',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Bundle: folder, .tar, .tar.gz/.tgz, .zip, a single file, or - for stdin' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text', describe: 'text: a summary for a terminal; json: the whole model (schema: perftriage schemas model)' })
      .option('o', { alias: 'output', type: 'string', describe: 'Write to this file instead of stdout' })
      .option('tool', toolOption)
      .options(bundleReadOptions)
      .example('$0 model capture.tar.gz', 'Who did the I/O, on which files, on which device')
      .example('$0 model ./bundle --format json -o model.json', 'The whole model as JSON'),
  run: async (args) => {
    const options = timelineOptions(args);
    const timeline = await buildTimeline(pathArg(args.path), { ...options, summarize: true });
    writeRedactionMap(args, options);
    if (timeline.files.length === 0) throw new UsageError(`${String(args.path)}: nothing analyzable`);
    const { buildModel } = await import('../model/build.js');
    const model = buildModel(timeline);
    const text = args.format === 'json' ? `${JSON.stringify(model, null, 1)}\n` : formatModelText(model);
    writeOutput(text, str(args.o));
    return EXIT_OK;
  },
};

/** Which schema a JSON document claims or looks like. */
export function guessSchema(doc: unknown): string | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as Record<string, unknown>;
  if (typeof d.schema === 'string' && d.schema.startsWith(TIMELINE_ID_PREFIX)) {
    const name = d.schema.slice(TIMELINE_ID_PREFIX.length).replace(/\.schema\.json$/, '');
    if (getSchema(name)) return name;
  }
  if ('records' in d && 'coverage' in d) return 'parse-output';
  if ('bundle' in d && 'files' in d && !('records' in d)) return 'sniff-output';
  if ('files' in d && Array.isArray(d.files) && !('records' in d)) return 'manifest';
  if ('kind' in d && 'source' in d) return 'any-record';
  return undefined;
}

const validateCommand: Command = {
  name: 'validate <file>',
  describe: 'Validate a JSON file (timeline, parse output, manifest, record…) against its schema',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'A JSON file written by perftriage, or a manifest.json' })
      .option('schema', { type: 'string', describe: 'Schema name (see `perftriage schemas`); guessed from the document when absent' })
      .example('$0 validate timeline.json', 'Exit 0 when it matches the timeline schema, 1 with the errors when not')
      .example('$0 validate bundle/manifest.json --schema manifest', 'Check a manifest before sending a bundle'),
  run: async (args) => {
    const file = String(args.file);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`${file}: not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const name = str(args.schema) ?? guessSchema(doc);
    if (!name) throw new UsageError(`${file}: cannot tell which schema applies; name it with --schema (see perftriage schemas)`);
    if (!getSchema(name)) throw new UsageError(`--schema ${name}: no such schema (see perftriage schemas)`);
    const result = validate(name, doc);
    if (result.valid) {
      process.stdout.write(`${forTerminal(file)}: valid ${name}\n`);
      return EXIT_OK;
    }
    process.stdout.write(`${forTerminal(file)}: not a valid ${name}:\n${result.errors.slice(0, 50).map((e) => `  ${forTerminal(e)}`).join('\n')}\n`);
    return EXIT_FAILED;
  },
};

const schemasCommand: Command = {
  name: 'schemas [name]',
  describe: 'List the JSON Schemas perftriage publishes, or print one',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Schema name, e.g. timeline, manifest, records/iostat' })
      .example('$0 schemas', 'Name, version and title of every schema')
      .example('$0 schemas timeline', 'Print the timeline schema'),
  run: async (args) => {
    const name = str(args.name);
    if (name) {
      const info = getSchema(name);
      if (!info) throw new UsageError(`no schema named '${name}' (see perftriage schemas)`);
      writeOutput(`${JSON.stringify(info.schema, null, 2)}\n`, undefined);
      return EXIT_OK;
    }
    const rows = listSchemas().map((s) => `${s.name.padEnd(22)} ${String(s.schema.version ?? '').padEnd(7)} ${s.title}`);
    writeOutput(`${rows.join('\n')}\n`, undefined);
    return EXIT_OK;
  },
};

const configOption = { type: 'string', describe: `Rule settings (default: ./${DEFAULT_CONFIG} when it exists; schema: perftriage schemas config)` } as const;

const analyzeCommand: Command = {
  name: 'analyze <path>',
  describe: 'Run the rules: what is slow, who causes it, the lines that prove it, what to do and what to collect next',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Bundle: folder, .tar, .tar.gz/.tgz, .zip, a single file, or - for stdin' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text', describe: 'text: findings for a terminal; json: the analysis (schema: perftriage schemas analysis)' })
      .option('config', configOption)
      .option('o', { alias: 'output', type: 'string', describe: 'Write to this file instead of stdout' })
      .option('tool', toolOption)
      .options(bundleReadOptions)
      .example('$0 analyze capture.tar.gz', 'Findings with evidence for a support ticket')
      .example('$0 analyze ./bundle --config perftriage.config.json --format json', 'The findings as JSON, with your thresholds'),
  run: async (args) => {
    const { loadConfig, runPipeline } = await import('./pipeline.js');
    const config = loadConfig(str(args.config));
    const options = timelineOptions(args);
    const { analysis } = await runPipeline(pathArg(args.path), options, config);
    writeRedactionMap(args, options);
    const text = args.format === 'json' ? `${JSON.stringify(analysis, null, 1)}\n` : formatAnalysisText(analysis);
    writeOutput(text, str(args.o));
    return EXIT_OK;
  },
};

const collectorCommand: Command = {
  name: 'collector',
  describe: 'Print the collector: a POSIX sh script the customer runs as root on the slow server (no Node.js needed) to capture a complete, time-aligned bundle',
  builder: (y) =>
    y
      .option('o', { alias: 'output', type: 'string', describe: 'Write the script to this file instead of stdout' })
      .example('$0 collector > collect.sh', 'Then on the server: sh collect.sh -d 30 -p PID -o bundle.tar.gz')
      .example('$0 collector -o collect.sh', 'The same, written to a file'),
  run: async (args) => {
    writeOutput(readFileSync(join(packageRoot(), 'scripts', 'collect.sh'), 'utf8'), str(args.o));
    return EXIT_OK;
  },
};

export const commands: readonly Command[] = [sniffCommand, parseCommand, timelineCommand, modelCommand, analyzeCommand, reportCommand, checkCommand, collectorCommand, validateCommand, schemasCommand];
