/**
 * `perftriage check PATH...`: the CI gate. Runs the pipeline on every path, applies the capture policy
 * of the config file, compares with a baseline, writes every requested format (all of them, before the
 * exit code is decided, so CI keeps its reports when the check fails) and returns:
 *
 *   0  nothing at or above --fail-on (or only baseline findings), no capture-policy violation
 *   1  a finding at or above --fail-on that is not in the baseline, or a capture-policy violation
 *   2  a usage error (bad option, unreadable config or baseline), or a path with nothing analyzable —
 *      one such path among several is enough: an upload CI cannot read is not a pass
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../common/paths.js';
import type { Diagnostic } from '../common/types.js';
import { evaluatePolicy } from '../rules/policy.js';
import type { Finding } from '../rules/types.js';
import { buildCheckResult, readBaseline, FAIL_ON_VALUES, MAX_BUNDLE_DIAGNOSTICS, type CheckedBundle, type CheckResult, type FailOn, type BaselineFinding } from '../report/check.js';
import { formatSarif } from '../report/sarif.js';
import { formatJunit } from '../report/junit.js';
import { formatGithub, formatMarkdownSummary } from '../report/github.js';
import { formatCodeQuality } from '../report/codequality.js';
import { formatCheckJson, formatCheckText } from '../report/check-text.js';
import { forTerminal } from '../common/escape.js';
import { type Command, DEFAULT_CONFIG, bundlePaths, bundleReadOptions, timelineOptions, writeRedactionMap } from './args.js';
import type { TimelineOptions } from '../timeline/build.js';
import type { ResolvedConfig } from '../rules/index.js';
import { UsageError, note, writeOutput } from './output.js';

export const CHECK_FORMATS = ['text', 'json', 'sarif', 'junit', 'github', 'codequality'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

const FORMATTERS: Record<CheckFormat, (c: CheckResult) => string> = {
  text: (c) => formatCheckText(c).split('\n').map(forTerminal).join('\n'),
  json: formatCheckJson,
  sarif: formatSarif,
  junit: formatJunit,
  github: formatGithub,
  codequality: formatCodeQuality,
};

const isFormat = (v: string): v is CheckFormat => (CHECK_FORMATS as readonly string[]).includes(v);

/** `--output FORMAT=FILE` (repeatable) → [format, file] pairs, in the order given. */
export function parseOutputs(values: unknown): [CheckFormat, string][] {
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
  return list.map((v) => {
    const text = String(v);
    const eq = text.indexOf('=');
    const format = eq > 0 ? text.slice(0, eq) : '';
    const file = eq > 0 ? text.slice(eq + 1) : '';
    if (!isFormat(format) || file === '') throw new UsageError(`--output ${text}: expected FORMAT=FILE with FORMAT one of ${CHECK_FORMATS.join(', ')}`);
    return [format, file];
  });
}

/** The bundle's files as seen from the working directory (`/`-separated): see CheckedBundle.root. */
export function bundleRoot(path: string, kind: string, cwd = process.cwd()): string {
  if (path === '-' || kind === 'stdin') return '';
  const rel = relative(cwd, resolve(cwd, path)).split(sep).join('/');
  const dir = kind === 'file' ? dirname(rel) : rel;
  return dir === '.' ? '' : dir;
}

function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function loadBaseline(file: string): { file: string; findings: BaselineFinding[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--baseline ${file}: not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const findings = readBaseline(doc);
  if (!findings) throw new UsageError(`--baseline ${file}: not the output of perftriage check --format json (no findings with fingerprints)`);
  return { file, findings };
}

/** The reason part of the pipeline's `PATH: nothing analyzable (why)`, or the error's own message. */
function whyUnanalyzable(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /^.*?: nothing analyzable(?: \((.*)\))?$/s.exec(message);
  if (!m) return message;
  return m[1] ?? 'no file in it is the output of a tool perftriage reads';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

async function checkOne(path: string, config: ResolvedConfig, options: TimelineOptions): Promise<{ bundle: CheckedBundle; violations: Finding[] }> {
  try {
    const { runPipeline } = await import('./pipeline.js');
    const { timeline, analysis } = await runPipeline(path, options, config);
    const policy = evaluatePolicy(timeline, config.policy);
    const diagnostics: Diagnostic[] = [...timeline.diagnostics, ...analysis.diagnostics];
    const bundle: CheckedBundle = {
      path,
      root: bundleRoot(path, timeline.bundle.kind),
      name: timeline.bundle.name,
      kind: timeline.bundle.kind,
      analysis,
      policy: { checks: policy.checks, violations: policy.violations.length },
      diagnostics: diagnostics.slice(0, MAX_BUNDLE_DIAGNOSTICS),
      diagnostic_count: diagnostics.length,
    };
    if (timeline.files[0]) bundle.first_file = timeline.files[0].path;
    return { bundle, violations: policy.violations };
  } catch (err) {
    // One unreadable path does not hide the others: it is reported in every format and makes the exit code 2.
    const message = whyUnanalyzable(err);
    note(`perftriage: ${path}: nothing analyzable: ${message}`);
    return { bundle: { path, root: bundleRoot(path, 'folder'), name: path, kind: 'unknown', diagnostics: [], diagnostic_count: 0, error: message }, violations: [] };
  }
}

export const checkCommand: Command = {
  name: 'check <paths..>',
  describe: 'CI gate: exit 1 on findings at or above --fail-on or a capture-policy violation; SARIF, JUnit, GitHub annotations, GitLab Code Quality',
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'Bundles: folders, .tar, .tar.gz/.tgz, .zip or single files (several are checked in one run)' })
      .option('fail-on', { choices: FAIL_ON_VALUES, default: 'error' as FailOn, describe: 'Lowest severity that fails the run (none: only the capture policy and unreadable paths fail it)' })
      .option('format', { choices: CHECK_FORMATS, default: 'text' as CheckFormat, describe: 'Output format for stdout or -o' })
      .option('o', { type: 'string', describe: 'Write --format to this file instead of stdout' })
      .option('output', { type: 'string', array: true, nargs: 1, describe: 'Also write FORMAT=FILE (repeatable): --output sarif=perftriage.sarif --output junit=junit.xml' })
      .option('baseline', { type: 'string', describe: 'A previous `check --format json`: fail only on findings whose fingerprints are new; list the resolved ones' })
      .option('config', { type: 'string', describe: `Rule settings and capture policy (default: ./${DEFAULT_CONFIG} when it exists)` })
      .options(bundleReadOptions)
      .example('$0 check captures/case-42 --fail-on warning', 'Exit 1 when a warning or an error is found')
      .example('$0 check captures/*.tar.gz --format github --output sarif=perftriage.sarif', 'Annotations in the log, SARIF for code scanning')
      .example('$0 check new/ --baseline previous.json --output json=current.json', 'Fail only on what is new since previous.json'),
  run: async (args) => {
    const paths = bundlePaths(args.paths);
    if (paths.length === 0) throw new UsageError('check: name at least one bundle');
    const failOn = String(args['fail-on'] ?? 'error') as FailOn;
    const format = String(args.format ?? 'text');
    if (!isFormat(format)) throw new UsageError(`--format ${format}: expected one of ${CHECK_FORMATS.join(', ')}`);
    const outputs = parseOutputs(args.output);
    // The pipeline (rules, model, workers) loads with the command that runs it, not with the CLI.
    const [{ forEachBundle, loadConfig }, { allRules }] = await Promise.all([import('./pipeline.js'), import('../rules/index.js')]);
    const config = loadConfig(str(args.config));
    const baselineFile = str(args.baseline);
    const baseline = baselineFile !== undefined ? loadBaseline(baselineFile) : undefined;

    // One redactor for every bundle of the run: the same host gets the same pseudonym in all of them.
    const options = timelineOptions(args);
    const bundles: CheckedBundle[] = [];
    const violations = new Map<string, Finding[]>();
    // Several bundles: spread over the worker pool, results in the order the paths were given.
    for (const { bundle, violations: v } of await forEachBundle(paths, options, (path, o) => checkOne(path, config, o))) {
      bundles.push(bundle);
      violations.set(bundle.path, v);
    }
    const result = buildCheckResult({
      tool: { name: 'perftriage', version: toolVersion() },
      failOn,
      bundles,
      violations,
      rules: allRules,
      ...(baseline ? { baseline } : {}),
    });

    writeRedactionMap(args, options);
    writeOutput(FORMATTERS[format](result), str(args.o));
    for (const [f, file] of outputs) {
      writeOutput(FORMATTERS[f](result), file);
      if (file !== '-') note(`wrote ${file} (${f})`);
    }
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      try {
        appendFileSync(summaryFile, formatMarkdownSummary(result));
      } catch (err) {
        note(`perftriage: cannot append to GITHUB_STEP_SUMMARY (${summaryFile}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return result.exit_code;
  },
};
