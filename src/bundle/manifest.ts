/**
 * `manifest.json` at the bundle root: what the collector knew about each file (tool, command, start and
 * end time, timezone). Optional. Its schema is schemas/manifest.schema.json; the timeline stage
 * validates `manifestRaw` against it. Here, to stay left of that stage, only a structural check runs:
 * the JSON types of every known field, enough for code to rely on `Manifest`.
 */
import type { Diagnostic } from '../common/types.js';
import { MANIFEST_INVALID, formatBytes } from './diagnostics.js';

/** A manifest bigger than this is ignored (and never buffered beyond it). */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

export interface ManifestFile {
  /** Path relative to the bundle root, as in `BundleEntry.path`. */
  path: string;
  /** Tool that wrote the file (`iostat`, `pidstat`, …): overrides sniffing. */
  tool?: string;
  /** Exact command line that produced it. */
  command?: string;
  /** ISO 8601 date-time the command started / ended (an offset, or local time in `timezone`). */
  started_at?: string;
  ended_at?: string;
  exit_status?: number;
  /** The collector cut the output (size or time limit). */
  truncated?: boolean;
  tool_version?: string;
  /** Timezone of this file's times when it differs from the bundle's (IANA name or ±HH:MM). */
  timezone?: string;
  notes?: string;
}

export interface Manifest {
  /** Manifest format version (`1.0`, `1.0.0`). */
  version: string;
  host?: string;
  kernel?: string;
  /** IANA name (`Europe/Paris`) or UTC offset (`+02:00`). */
  timezone?: string;
  collected_at?: string;
  /** Name and version of the script that collected the bundle. */
  collector?: string;
  /** Online CPU count of the host. */
  cpus?: number;
  files: ManifestFile[];
}

type JsonType = 'string' | 'integer' | 'boolean';

const TOP_FIELDS: Record<string, JsonType> = {
  version: 'string',
  host: 'string',
  kernel: 'string',
  timezone: 'string',
  collected_at: 'string',
  collector: 'string',
  cpus: 'integer',
};

const FILE_FIELDS: Record<string, JsonType> = {
  path: 'string',
  tool: 'string',
  command: 'string',
  started_at: 'string',
  ended_at: 'string',
  exit_status: 'integer',
  truncated: 'boolean',
  tool_version: 'string',
  timezone: 'string',
  notes: 'string',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: JsonType): boolean {
  return type === 'integer' ? Number.isInteger(value) : typeof value === type;
}

function fieldProblems(obj: Record<string, unknown>, fields: Record<string, JsonType>, at: string): string[] {
  const problems: string[] = [];
  for (const [name, type] of Object.entries(fields)) {
    if (name in obj && !hasType(obj[name], type)) problems.push(`${at}${name} must be ${type === 'integer' ? 'an integer' : `a ${type}`}`);
  }
  return problems;
}

/** What keeps `data` from being a `Manifest` (JSON types only; formats and unknown fields are the schema's job). */
export function manifestProblems(data: unknown): string[] {
  if (!isObject(data)) return ['the manifest must be a JSON object'];
  const problems = fieldProblems(data, TOP_FIELDS, '');
  if (!('version' in data)) problems.push('version is required');
  if (!Array.isArray(data.files)) {
    problems.push('files must be an array');
    return problems;
  }
  data.files.forEach((file: unknown, i) => {
    if (!isObject(file)) problems.push(`files[${i}] must be an object`);
    else {
      if (!('path' in file)) problems.push(`files[${i}].path is required`);
      problems.push(...fieldProblems(file, FILE_FIELDS, `files[${i}].`));
    }
  });
  return problems;
}

export interface ManifestReading {
  raw?: unknown;
  manifest?: Manifest;
  diagnostics: Diagnostic[];
}

/** Parse and check the manifest's bytes (`tooBig` when the reader stopped at MANIFEST_MAX_BYTES). */
export function readManifest(bytes: Buffer | 'too-big', archive: string): ManifestReading {
  const invalid = (why: string): Diagnostic => ({
    severity: 'warning',
    code: MANIFEST_INVALID,
    message: `${archive}: manifest.json is ignored: ${why}`,
    file: 'manifest.json',
  });
  if (bytes === 'too-big') return { diagnostics: [invalid(`it is bigger than ${formatBytes(MANIFEST_MAX_BYTES)}`)] };
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    return { diagnostics: [invalid(`not valid JSON (${err instanceof Error ? err.message : String(err)})`)] };
  }
  const problems = manifestProblems(raw);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    return { raw, diagnostics: [invalid(shown)] };
  }
  return { raw, manifest: raw as Manifest, diagnostics: [] };
}
