/**
 * `perftriage report PATH [--format html|md|json] [-o FILE] [--out-dir DIR]`: the incident report of a
 * bundle. `--out-dir` writes report.html, report.md and report.json at once and prints where.
 */
import { join } from 'node:path';
import { type Command, redactOptions, timelineOptions, writeRedactionMap } from './args.js';
import { loadConfig, runPipeline } from './pipeline.js';
import { EXIT_OK, UsageError, note, writeOutput } from './output.js';
import { buildReportView, renderHtml, renderJson, renderMarkdown } from '../report/index.js';

type Format = 'html' | 'md' | 'json';
const FORMATS: readonly Format[] = ['html', 'md', 'json'];
const FILE_NAMES: Record<Format, string> = { html: 'report.html', md: 'report.md', json: 'report.json' };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const pathArg = (v: unknown): string => (v === '' || v === undefined ? '-' : String(v));

export const reportCommand: Command = {
  name: 'report <path>',
  describe: 'Write the incident report: verdict, causal chain, findings with their raw lines, charts, tables and capture quality (HTML, Markdown or JSON)',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Bundle: folder, .tar, .tar.gz/.tgz, .zip, a single file, or - for stdin' })
      .option('format', { choices: FORMATS, default: 'html' as Format, describe: 'html: one self-contained page; md: GitHub-flavoured Markdown for a ticket; json: the machine-readable twin (schema: perftriage schemas report)' })
      .option('o', { alias: 'output', type: 'string', describe: 'Write to this file instead of stdout' })
      .option('out-dir', { type: 'string', describe: 'Write report.html, report.md and report.json into this folder (instead of --format/-o)' })
      .option('config', { type: 'string', describe: 'Rule settings (default: ./perftriage.config.json when it exists; schema: perftriage schemas config)' })
      .option('tool', { type: 'string', array: true, describe: 'Force the tool of a file instead of sniffing: FILE=NAME (path inside the bundle), or NAME for a single file' })
      .options(redactOptions)
      .example('$0 report capture.tar.gz -o report.html', 'The HTML report of a bundle')
      .example('$0 report ./bundle --format md -o ticket.md', 'Markdown to paste into a ticket')
      .example('$0 report ./bundle --out-dir out', 'out/report.html, out/report.md and out/report.json'),
  run: async (args) => {
    const outDir = str(args['out-dir'] ?? args.outDir);
    const output = str(args.o);
    if (outDir !== undefined && output !== undefined) throw new UsageError('--out-dir writes every format; do not combine it with -o');
    const path = pathArg(args.path);
    const config = loadConfig(str(args.config));
    const options = timelineOptions(args);
    const input = await runPipeline(path, options, config);
    const redactor = options.redactor;
    const view = await buildReportView(input, path, redactor ? (text) => redactor.text(text) : undefined);
    writeRedactionMap(args, options);
    const render = (format: Format): string => (format === 'html' ? renderHtml(view) : format === 'md' ? renderMarkdown(view) : renderJson(view, input));
    if (outDir !== undefined) {
      for (const format of FORMATS) writeOutput(render(format), join(outDir, FILE_NAMES[format]));
      note(`wrote ${FORMATS.map((f) => join(outDir, FILE_NAMES[f])).join(', ')}`);
      return EXIT_OK;
    }
    const format = (FORMATS as readonly string[]).includes(String(args.format)) ? (args.format as Format) : 'html';
    writeOutput(render(format), output);
    if (output && output !== '-') note(`wrote ${output}`);
    return EXIT_OK;
  },
};
