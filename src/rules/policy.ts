/**
 * The capture policy: what a bundle must hold before CI looks at what it shows. Configured in
 * `perftriage.config.json` under `"policy"`:
 *
 *   "policy": { "required_tools": ["iostat", "pidstat"], "min_duration_s": 10,
 *               "timestamps_required": true, "max_unparsed_lines": 0 }
 *
 * Each item the policy sets is one check; a failed check is a `capture-quality` finding of severity
 * `error` whose fingerprint comes from `['policy', item]` (never from times or PIDs), so a baseline can
 * name it. `perftriage check` fails on a violation whatever `--fail-on` says: an incomplete capture
 * cannot show that nothing is wrong.
 *
 * What each item measures:
 * - `required_tools`: a file of that tool was parsed (sniffed or named by the manifest). One check per tool.
 * - `min_duration_s`: the span between the earliest and the latest record time (`time.epoch`) over the
 *   whole bundle. Without any timed record, the longest series of one file: (last sample − first sample)
 *   × its interval, when the tool printed its interval. Neither → the duration is unknown: a violation.
 * - `timestamps_required`: every file that holds a series (records from two or more samples) places its
 *   records in time (`iso`, `epoch` or `rel`); `iostat` without `-t` does not. One check per such file.
 *   One-shot snapshots (ps, lsof, df) are exempt: they have one sample, nothing to order.
 * - `max_unparsed_lines`: the unparsed lines of all files added up; the evidence is the first of them.
 *
 * Pure: the timeline in, the checks and findings out.
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { Timeline } from '../timeline/build.js';
import { parserFor } from '../parsers/index.js';
import { fingerprintOf } from './engine.js';
import type { Finding } from './types.js';
import { list, seconds } from './format.js';

export interface CapturePolicy {
  required_tools?: string[];
  min_duration_s?: number;
  timestamps_required?: boolean;
  max_unparsed_lines?: number;
}

/** The rule id policy findings carry: the same id as the capture-quality rule, with `policy` identities. */
export const POLICY_RULE_ID = 'capture-quality';

/** What a report says about the policy when it describes the rule (SARIF descriptor, docs link). */
export const POLICY_RULE_INFO = {
  id: POLICY_RULE_ID,
  title: 'Capture quality',
  description: 'The bundle meets the capture policy of the config file: the required tools, a minimum duration, timestamps on every series, and a cap on unparsed lines.',
  docs: 'docs/ci/README.md',
} as const;

/** One item of the policy, checked. `item` is stable (`required_tools:iostat`): it names the JUnit case and the fingerprint. */
export interface PolicyCheck {
  item: string;
  passed: boolean;
  /** What was measured, in words: `iostat: iostat-t.txt`, `35.2 s`, `0 unparsed lines`. */
  detail: string;
}

export interface PolicyResult {
  checks: PolicyCheck[];
  violations: Finding[];
}

/** Per file: the range of its samples, whether any record is placed in time, and its first record's line. */
interface FileTimes {
  firstRecord?: SourceRef;
  minSample?: number;
  maxSample?: number;
  timed: boolean;
  interval?: number;
}

interface TimeFacts {
  earliest?: { epoch: number; at: SourceRef };
  latest?: { epoch: number; at: SourceRef };
  files: Map<string, FileTimes>;
}

function hasTime(r: TimelineRecord): boolean {
  const t = r.time;
  return t !== undefined && (t.epoch !== undefined || t.iso !== undefined || t.rel !== undefined);
}

/** One pass over the records: the bundle's time span and each file's samples. */
function timeFacts(records: readonly TimelineRecord[]): TimeFacts {
  const facts: TimeFacts = { files: new Map() };
  for (const r of records) {
    let f = facts.files.get(r.source.file);
    if (!f) {
      f = { firstRecord: r.source, timed: false };
      facts.files.set(r.source.file, f);
    }
    const t = r.time;
    if (!t) continue;
    if (hasTime(r)) f.timed = true;
    if (t.sample !== undefined) {
      if (f.minSample === undefined || t.sample < f.minSample) f.minSample = t.sample;
      if (f.maxSample === undefined || t.sample > f.maxSample) f.maxSample = t.sample;
    }
    if (t.interval_s !== undefined && t.interval_s > 0) f.interval = t.interval_s;
    if (t.epoch !== undefined && Number.isFinite(t.epoch)) {
      if (!facts.earliest || t.epoch < facts.earliest.epoch) facts.earliest = { epoch: t.epoch, at: r.source };
      if (!facts.latest || t.epoch > facts.latest.epoch) facts.latest = { epoch: t.epoch, at: r.source };
    }
  }
  return facts;
}

interface Violation {
  item: string;
  title: string;
  message: string;
  evidence: SourceRef[];
  recommendation: string;
  paths?: string[];
}

function toFinding(v: Violation): Finding {
  return {
    rule: POLICY_RULE_ID,
    severity: 'error',
    title: v.title,
    message: v.message,
    entities: v.paths && v.paths.length > 0 ? { paths: v.paths } : {},
    evidence: v.evidence,
    recommendation: v.recommendation,
    fingerprint: fingerprintOf(POLICY_RULE_ID, ['policy', v.item]),
  };
}

function recollect(tool: string): string | undefined {
  return parserFor(tool)?.meta.recollect;
}

function checkTools(timeline: Timeline, tools: readonly string[], checks: PolicyCheck[], out: Violation[]): void {
  for (const tool of [...new Set(tools)].sort()) {
    const files = timeline.files.filter((f) => f.tool === tool).map((f) => f.path);
    const item = `required_tools:${tool}`;
    checks.push({ item, passed: files.length > 0, detail: files.length > 0 ? `${tool}: ${list(files)}` : `no ${tool} output in the bundle` });
    if (files.length > 0) continue;
    const how = recollect(tool);
    out.push({
      item,
      title: `The capture has no ${tool} output`,
      message: `The capture policy requires ${tool}, and no file of the bundle is ${tool} output (files read: ${list(timeline.files.map((f) => `${f.path} (${f.tool})`), 8) || 'none'}).`,
      evidence: [],
      recommendation: `Collect ${tool} alongside the other tools and send the bundle again${how ? `: ${how}` : '.'}`,
    });
  }
}

/** The longest series of one file, in seconds: (last − first sample) × interval. */
function seriesDuration(facts: TimeFacts): { seconds: number; file: string } | undefined {
  let best: { seconds: number; file: string } | undefined;
  for (const [file, f] of facts.files) {
    if (f.interval === undefined || f.minSample === undefined || f.maxSample === undefined) continue;
    const s = (f.maxSample - f.minSample) * f.interval;
    if (!best || s > best.seconds) best = { seconds: s, file };
  }
  return best;
}

function checkDuration(facts: TimeFacts, min: number, checks: PolicyCheck[], out: Violation[]): void {
  const item = 'min_duration_s';
  const spanned = facts.earliest && facts.latest ? facts.latest.epoch - facts.earliest.epoch : undefined;
  const series = spanned === undefined ? seriesDuration(facts) : undefined;
  const measured = spanned ?? series?.seconds;
  const passed = measured !== undefined && measured >= min;
  const how = spanned !== undefined ? 'between the earliest and the latest record time' : series ? `from the samples and interval of ${series.file}` : '';
  checks.push({ item, passed, detail: measured === undefined ? 'unknown: no record carries a time or an interval' : `${seconds(measured)} ${how}` });
  if (passed) return;
  const evidence = facts.earliest && facts.latest ? [facts.earliest.at, facts.latest.at] : [];
  out.push({
    item,
    title: measured === undefined ? 'The capture duration is unknown' : `The capture is shorter than ${seconds(min)}`,
    message:
      measured === undefined
        ? `The capture policy requires at least ${seconds(min)} of capture, and no record of the bundle carries a time or an interval to measure it.`
        : `The capture covers ${seconds(measured)} (${how}); the capture policy requires at least ${seconds(min)}.`,
    evidence,
    recommendation: `Let the tools run for at least ${seconds(min)} while the problem happens (give each an interval and a count, e.g. \`iostat -t -x 1 ${Math.ceil(min) + 1}\`), with timestamps on.`,
  });
}

function checkTimestamps(timeline: Timeline, facts: TimeFacts, checks: PolicyCheck[], out: Violation[]): void {
  for (const file of timeline.files) {
    const f = facts.files.get(file.path);
    if (!f || f.minSample === undefined || f.maxSample === undefined || f.maxSample === f.minSample) continue;
    const item = `timestamps_required:${file.path}`;
    checks.push({ item, passed: f.timed, detail: f.timed ? `${file.path}: timed` : `${file.path}: ${f.maxSample - f.minSample + 1} samples without a time` });
    if (f.timed) continue;
    const how = recollect(file.tool);
    out.push({
      item,
      title: `${file.path} has no timestamps`,
      message: `${file.path} (${file.tool}) holds ${f.maxSample - f.minSample + 1} samples and none carries a time, so they cannot be lined up with the other tools; the capture policy requires timestamps.`,
      evidence: f.firstRecord ? [f.firstRecord] : [],
      recommendation: `Re-collect ${file.tool} with timestamps on${how ? `: ${how}` : '.'}`,
      paths: [file.path],
    });
  }
}

function checkUnparsed(timeline: Timeline, max: number, checks: PolicyCheck[], out: Violation[]): void {
  const item = 'max_unparsed_lines';
  const byFile = timeline.files.filter((f) => f.coverage.unparsed > 0);
  const total = byFile.reduce((n, f) => n + f.coverage.unparsed, 0);
  const passed = total <= max;
  checks.push({ item, passed, detail: `${total} unparsed line(s)` });
  if (passed) return;
  const evidence: SourceRef[] = [];
  for (const d of timeline.diagnostics) {
    if (d.code === 'unparsed-line' && d.file !== undefined && d.line !== undefined) evidence.push({ file: d.file, line: d.line });
    if (evidence.length >= 12) break;
  }
  out.push({
    item,
    title: `${total} line(s) of the capture could not be read`,
    message: `${total} line(s) were not understood (${list(byFile.map((f) => `${f.path}: ${f.coverage.unparsed}`))}); the capture policy allows at most ${max}.`,
    evidence,
    recommendation: 'See the unparsed-line diagnostics for what each line should have been, and re-collect those files with the commands they name (C locale, headers kept).',
    paths: byFile.map((f) => f.path),
  });
}

export function evaluatePolicy(timeline: Timeline, policy: CapturePolicy | undefined): PolicyResult {
  const checks: PolicyCheck[] = [];
  const violations: Violation[] = [];
  if (!policy) return { checks, violations: [] };
  const needsTimes = policy.min_duration_s !== undefined || policy.timestamps_required === true;
  const facts = needsTimes ? timeFacts(timeline.records) : undefined;
  if (policy.required_tools && policy.required_tools.length > 0) checkTools(timeline, policy.required_tools, checks, violations);
  if (policy.min_duration_s !== undefined && facts) checkDuration(facts, policy.min_duration_s, checks, violations);
  if (policy.timestamps_required === true && facts) checkTimestamps(timeline, facts, checks, violations);
  if (policy.max_unparsed_lines !== undefined) checkUnparsed(timeline, policy.max_unparsed_lines, checks, violations);
  return { checks, violations: violations.map(toFinding) };
}
