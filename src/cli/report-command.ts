/**
 * `perftriage report PATH... [--format html|md|json] [-o FILE] [--out-dir DIR]`: the incident report of a
 * bundle. `--out-dir` writes report.html, report.md and report.json at once and prints where. Several
 * bundles need --out-dir: each gets a folder of its own, named after the bundle, and they are spread
 * over the worker pool.
 */
import { basename, join } from 'node:path';
import { type Command, bundlePaths, bundleReadOptions, timelineOptions, writeRedactionMap } from './args.js';
import type { TimelineOptions } from '../timeline/build.js';
import type { ResolvedConfig } from '../rules/index.js';
import { EXIT_OK, UsageError, note, writeOutput } from './output.js';

type Format = 'html' | 'md' | 'json';
const FORMATS: readonly Format[] = ['html', 'md', 'json'];
const FILE_NAMES: Record<Format, string> = { html: 'report.html', md: 'report.md', json: 'report.json' };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const reportCommand: Command = {
  name: 'report <paths..>',
  describe: 'Write the incident report: verdict, causal chain, findings with their raw lines, charts, tables and capture quality (HTML, Markdown or JSON)',
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'Bundle: folder, .tar, .tar.gz/.tgz, .zip, a single file, or - for stdin; several need --out-dir' })
      .option('format', { choices: FORMATS, default: 'html' as Format, describe: 'html: one self-contained page; md: GitHub-flavoured Markdown for a ticket; json: the machine-readable twin (schema: perftriage schemas report)' })
      .option('o', { alias: 'output', type: 'string', describe: 'Write to this file instead of stdout' })
      .option('out-dir', { type: 'string', describe: 'Write report.html, report.md and report.json into this folder (instead of --format/-o)' })
      .option('config', { type: 'string', describe: 'Rule settings (default: ./perftriage.config.json when it exists; schema: perftriage schemas config)' })
      .option('tool', { type: 'string', array: true, describe: 'Force the tool of a file instead of sniffing: FILE=NAME (path inside the bundle), or NAME for a single file' })
      .options(bundleReadOptions)
      .example('$0 report capture.tar.gz -o report.html', 'The HTML report of a bundle')
      .example('$0 report ./bundle --format md -o ticket.md', 'Markdown to paste into a ticket')
      .example('$0 report ./bundle --out-dir out', 'out/report.html, out/report.md and out/report.json')
      .example('$0 report a.tar.gz b.tar.gz --out-dir out', 'out/a/report.html, out/b/report.html, …'),
  run: async (args) => {
    const outDir = str(args['out-dir'] ?? args.outDir);
    const output = str(args.o);
    if (outDir !== undefined && output !== undefined) throw new UsageError('--out-dir writes every format; do not combine it with -o');
    const paths = bundlePaths(args.paths);
    if (paths.length === 0) throw new UsageError('report: name a bundle');
    if (paths.length > 1 && outDir === undefined) throw new UsageError('several bundles: give --out-dir (each bundle gets a folder of its own in it)');
    // The pipeline (rules, model, workers) loads with the command that runs it, not with the CLI.
    const { forEachBundle, loadConfig } = await import('./pipeline.js');
    const config = loadConfig(str(args.config));
    const options = timelineOptions(args);
    if (paths.length === 1) {
      const render = await renderBundle(paths[0]!, options, config);
      writeRedactionMap(args, options);
      if (outDir !== undefined) return writeAll(render, outDir);
      const format = (FORMATS as readonly string[]).includes(String(args.format)) ? (args.format as Format) : 'html';
      writeOutput(render.render(format), output);
      if (output && output !== '-') note(`wrote ${output}`);
      return EXIT_OK;
    }
    const folders = bundleFolders(paths);
    // Each bundle's report is written as soon as it is ready; its timeline and model are then dropped.
    await forEachBundle(paths, options, async (path, o) => {
      writeAll(await renderBundle(path, o, config), join(outDir!, folders[paths.indexOf(path)]!));
    });
    writeRedactionMap(args, options);
    return EXIT_OK;
  },
};

interface Rendered {
  render(format: Format): string;
}

async function renderBundle(path: string, options: TimelineOptions, config: ResolvedConfig): Promise<Rendered> {
  // The report's modules (handlebars, marked: ~30 ms to load) load while the bundle is parsed, not
  // before its workers start.
  const loading = import('../report/index.js');
  const { runPipeline } = await import('./pipeline.js');
  const input = await runPipeline(path, options, config);
  const { buildReportView, renderHtml, renderJson, renderMarkdown } = await loading;
  const redactor = options.redactor;
  const view = await buildReportView(input, path, redactor ? (text) => redactor.text(text) : undefined);
  return { render: (format) => (format === 'html' ? renderHtml(view) : format === 'md' ? renderMarkdown(view) : renderJson(view, input)) };
}

function writeAll(rendered: Rendered, outDir: string): number {
  for (const format of FORMATS) writeOutput(rendered.render(format), join(outDir, FILE_NAMES[format]));
  note(`wrote ${FORMATS.map((f) => join(outDir, FILE_NAMES[f])).join(', ')}`);
  return EXIT_OK;
}

/**
 * A folder name per bundle: its base name without the archive extension, reduced to safe characters
 * (a name comes from the command line, but may hold anything), made unique with -2, -3… in path order.
 */
export function bundleFolders(paths: readonly string[]): string[] {
  const used = new Set<string>();
  return paths.map((p) => {
    const base = (p === '-' ? 'stdin' : basename(p.replace(/[\\/]+$/, ''))).replace(/\.(tar\.gz|tgz|tar|zip)$/i, '');
    const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'bundle';
    let name = safe;
    for (let k = 2; used.has(name); k++) name = `${safe}-${k}`;
    used.add(name);
    return name;
  });
}
