/**
 * Rule settings, ESLint-like: `perftriage.config.json` says per rule `off`, `note`, `warning` or `error`,
 * optionally with options — `"disk-saturation": ["error", { "min_util_pct": 90 }]` or
 * `{ "severity": "error", "options": { … } }`. The file is validated against `schemas/config.schema.json`,
 * each rule's options against that rule's own schema (after its defaults are filled in).
 */
import { validate, validateWith } from '../timeline/schemas.js';
import type { AnyRule, SeveritySetting } from './types.js';
import { parsers } from '../parsers/index.js';
import type { CapturePolicy } from './policy.js';

export interface RuleSetting {
  severity: SeveritySetting;
  options: Record<string, unknown>;
  /** Where the setting came from: the rule's defaults or the config file. */
  from: 'default' | 'config';
}

export interface ResolvedConfig {
  settings: Map<string, RuleSetting>;
  /** Problems in the file; any error makes the whole config unusable (the CLI exits 2). */
  errors: string[];
  /** The capture policy `perftriage check` enforces (src/rules/policy.ts), when the file sets one. */
  policy?: CapturePolicy;
}

type RawSetting = SeveritySetting | [SeveritySetting, Record<string, unknown>?] | { severity?: SeveritySetting; options?: Record<string, unknown> };

function splitSetting(raw: RawSetting): { severity?: SeveritySetting; options?: Record<string, unknown> } {
  if (typeof raw === 'string') return { severity: raw };
  if (Array.isArray(raw)) return raw[1] === undefined ? { severity: raw[0] } : { severity: raw[0], options: raw[1] };
  const out: { severity?: SeveritySetting; options?: Record<string, unknown> } = {};
  if (raw.severity !== undefined) out.severity = raw.severity;
  if (raw.options !== undefined) out.options = raw.options;
  return out;
}

/** Settings for every rule: defaults, overridden by `raw` (a parsed config file, or undefined). */
export function resolveConfig(raw: unknown, rules: readonly AnyRule[], source = 'perftriage.config.json'): ResolvedConfig {
  const settings = new Map<string, RuleSetting>();
  for (const rule of rules) settings.set(rule.meta.id, { severity: rule.meta.defaultSeverity, options: { ...(rule.meta.defaults as Record<string, unknown>) }, from: 'default' });
  const errors: string[] = [];
  if (raw === undefined) return { settings, errors };
  const shape = validate('config', raw);
  if (!shape.valid) return { settings, errors: shape.errors.map((e) => `${source}: ${e}`) };
  const ruleSettings = (raw as { rules?: Record<string, RawSetting> }).rules ?? {};
  const byId = new Map(rules.map((r) => [r.meta.id, r]));
  for (const id of Object.keys(ruleSettings).sort()) {
    const rule = byId.get(id);
    if (!rule) {
      errors.push(`${source}: unknown rule '${id}' (known: ${[...byId.keys()].sort().join(', ')})`);
      continue;
    }
    const { severity, options } = splitSetting(ruleSettings[id]!);
    const merged = { ...(rule.meta.defaults as Record<string, unknown>), ...(options ?? {}) };
    const check = validateWith(rule.meta.optionsSchema, merged);
    if (!check.valid) {
      errors.push(...check.errors.map((e) => `${source}: rules.${id} options${e.startsWith('/') ? e : ` ${e}`}`));
      continue;
    }
    settings.set(id, { severity: severity ?? rule.meta.defaultSeverity, options: merged, from: 'config' });
  }
  const policy = (raw as { policy?: CapturePolicy }).policy;
  if (policy === undefined) return { settings, errors };
  for (const tool of policy.required_tools ?? []) {
    if (!parsers.has(tool)) errors.push(`${source}: policy.required_tools: unknown tool '${tool}' (known: ${[...parsers.keys()].sort().join(', ')})`);
  }
  return { settings, errors, policy };
}
