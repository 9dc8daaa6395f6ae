/**
 * SARIF 2.1.0 for code scanning (GitHub upload-sarif, Azure DevOps, any SARIF viewer). One run for the
 * whole `check`, whatever the number of bundles (GitHub accepts at most 20 runs per file).
 *
 * - `tool.driver.rules`: one descriptor per rule the run knows, with its title, description, help
 *   (text and Markdown, naming its doc page) and its configured level; rules turned off are `enabled: false`.
 * - Each finding is one result: `ruleId`, `level`, the message, a physical location in the capture file
 *   and line range that prove it (the first evidence file, from its first to its last cited line) and
 *   `relatedLocations` for the other evidence lines. A finding without evidence points at line 1 of the
 *   bundle's first file: GitHub rejects the whole file when one result has no location
 *   (github/codeql-action#1738).
 * - `partialFingerprints["perftriage/v1"]` is the finding's fingerprint, so alerts stay the same alert
 *   across captures of the same workload; `baselineState` is set when `--baseline` was given.
 * - `invocations[0]`: `executionSuccessful` (false when a path could not be analyzed or a rule crashed),
 *   the exit code, and every bundle diagnostic as a `toolExecutionNotification`.
 *
 * URIs: relative to the directory `check` ran in (`captures/popularity/iostat.txt`), with uriBaseId
 * `%SRCROOT%`. In CI that directory is the repository root, which is how GitHub resolves relative URIs
 * (it ignores `originalUriBaseIds`: github/codeql-action#2215), so alerts land on the committed capture
 * files. A member of an archive is shown below the archive's path (`captures/x.tar.gz/iostat.txt`).
 */
import { showBidi } from '../common/escape.js';
import type { Diagnostic, SourceRef } from '../common/types.js';
import type { Severity } from '../rules/types.js';
import { bundleOf, otherEvidence, primaryLocation, repoPath, type CheckedBundle, type CheckFinding, type CheckResult, type RuleInfo } from './check.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const SRCROOT = '%SRCROOT%';
export const FINGERPRINT_KEY = 'perftriage/v1';

type Level = 'error' | 'warning' | 'note' | 'none';
type Json = Record<string, unknown>;

const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', note: 'note' };

/** A relative path as a URI reference: each segment percent-encoded (spaces, `#`, `?`, `%` in names). */
export function toUriReference(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '.' || segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}

function artifact(bundle: CheckedBundle, file: string): Json {
  return { uri: toUriReference(repoPath(bundle, file)), uriBaseId: SRCROOT };
}

function physical(bundle: CheckedBundle, file: string, startLine: number, endLine = startLine): Json {
  return { artifactLocation: artifact(bundle, file), region: { startLine, endLine } };
}

/** `disk-saturation` → `DiskSaturation`: SARIF's `name` is an identifier a person can read. */
function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function descriptor(rule: RuleInfo): Json {
  const level: Level = rule.severity === 'off' ? LEVEL[rule.default_severity] : LEVEL[rule.severity];
  const d: Json = {
    id: rule.id,
    name: pascal(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: `${rule.description} Evidence, thresholds and what to collect next: ${rule.docs} in the perftriage repository.`,
      markdown: `**${rule.title}**\n\n${rule.description}\n\nEvidence, thresholds and what to collect next: \`${rule.docs}\` in the perftriage repository.`,
    },
    defaultConfiguration: { level, ...(rule.severity === 'off' ? { enabled: false } : {}) },
    properties: { tags: ['performance', 'capture'], docs: rule.docs },
  };
  return d;
}

function result(f: CheckFinding, bundle: CheckedBundle | undefined, ruleIndex: Map<string, number>): Json | undefined {
  if (!bundle) return undefined;
  const primary = primaryLocation(f, bundle);
  if (!primary) return undefined;
  const related = otherEvidence(f, primary).map((e: SourceRef, i) => ({
    id: i + 1,
    physicalLocation: physical(bundle, e.file, Math.max(1, e.line)),
    message: { text: 'Also shows it' },
  }));
  const message = `${f.title}. ${f.message}${primary.fallback ? ' (No single line shows it: the location is the first line of the bundle.)' : ''}`;
  const r: Json = {
    ruleId: f.rule,
    level: LEVEL[f.severity],
    message: { text: showBidi(message) },
    locations: [{ physicalLocation: physical(bundle, primary.file, primary.startLine, primary.endLine) }],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    properties: {
      bundle: f.bundle,
      recommendation: f.recommendation,
      entities: f.entities,
      gating: f.gating,
      policy: f.policy,
      ...(f.collect ? { collect: f.collect } : {}),
      ...(f.when ? { when: f.when } : {}),
    },
  };
  const index = ruleIndex.get(f.rule);
  if (index !== undefined) r.ruleIndex = index;
  if (related.length > 0) r.relatedLocations = related;
  if (f.baseline) r.baselineState = f.baseline;
  return r;
}

const NOTIFICATION_LEVEL: Record<Diagnostic['severity'], Level> = { error: 'error', warning: 'warning', info: 'note' };

function notifications(bundles: readonly CheckedBundle[]): Json[] {
  const out: Json[] = [];
  for (const b of bundles) {
    if (b.error !== undefined) {
      out.push({ level: 'error', message: { text: showBidi(`${b.path}: nothing analyzable: ${b.error}`) }, descriptor: { id: 'nothing-analyzable' } });
    }
    for (const d of b.diagnostics) {
      const n: Json = { level: NOTIFICATION_LEVEL[d.severity], message: { text: showBidi(`${b.path}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`) }, descriptor: { id: d.code } };
      if (d.file !== undefined) n.locations = [{ physicalLocation: d.line !== undefined && d.line >= 1 ? physical(b, d.file, d.line) : { artifactLocation: artifact(b, d.file) } }];
      out.push(n);
    }
    if (b.diagnostic_count > b.diagnostics.length) {
      out.push({ level: 'note', message: { text: `${b.path}: ${b.diagnostic_count - b.diagnostics.length} more diagnostic(s) not listed (perftriage timeline shows them all)` }, descriptor: { id: 'diagnostics-truncated' } });
    }
  }
  return out;
}

export function formatSarif(check: CheckResult): string {
  const ruleIndex = new Map(check.rules.map((r, i) => [r.id, i]));
  const results: Json[] = [];
  for (const f of check.findings) {
    const r = result(f, bundleOf(check, f), ruleIndex);
    if (r) results.push(r);
  }
  const crashed = check.bundles.some((b) => b.analysis?.rules.some((r) => r.status === 'failed'));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: check.tool.name,
            version: check.tool.version,
            semanticVersion: check.tool.version,
            rules: check.rules.map(descriptor),
          },
        },
        originalUriBaseIds: {
          [SRCROOT]: { description: { text: 'The directory perftriage check ran in; in CI, the repository root. Every uri is relative to it.' } },
        },
        invocations: [
          {
            executionSuccessful: !crashed && check.summary.unanalyzable === 0,
            exitCode: check.exit_code,
            toolExecutionNotifications: notifications(check.bundles),
            properties: { fail_on: check.fail_on, failed: check.failed, reasons: check.reasons },
          },
        ],
        results,
        columnKind: 'unicodeCodePoints',
        properties: {
          bundles: check.bundles.map((b) => ({ path: b.path, name: b.name, kind: b.kind, analyzed: b.error === undefined })),
          ...(check.baseline ? { baseline: { file: check.baseline.file, new: check.baseline.new, unchanged: check.baseline.unchanged, resolved: check.baseline.resolved } } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
