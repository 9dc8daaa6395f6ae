/** Run the built CLI as a user would, capturing exit code, stdout and stderr. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], input?: string | Buffer): CliRun {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, input, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}
