#!/usr/bin/env node
/**
 * perftriage command line. Exit codes: 0 success; 1 a check or validation failed; 2 usage error or
 * nothing analyzable. Errors are one line naming the file (and line when there is one); `--debug`
 * adds the stack trace.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.js';
import { UsageError, reportError, stopWhenOutputCloses } from './output.js';
import { endProgress } from './args.js';
import { tuneCollector } from '../timeline/collector.js';

async function main(argv: string[]): Promise<number> {
  stopWhenOutputCloses();
  tuneCollector();
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const cli: Argv = yargs(argv)
    .scriptName('perftriage')
    .usage('$0 <command> [options]\n\nRead a Linux performance capture bundle (a folder, .tar.gz, .tgz, .tar or .zip of top, iostat, pidstat, strace, filetop, opensnoop, ps, lsof, df… outputs): one normalized timeline, the joins between processes, threads, files and devices, findings with their evidence, an incident report and CI checks.')
    .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces on errors' })
    .option('quiet', { type: 'boolean', default: false, describe: 'No progress line on stderr (it is drawn only on a terminal, for reads over 2 s)' })
    .strict()
    .demandCommand(1, 'Name a command: report, analyze, check, model, timeline, sniff, parse, collector, validate or schemas.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Exit codes: 0 success; 1 a check or validation failed; 2 usage error or nothing analyzable.')
    .fail((msg, err) => {
      if (err) throw err;
      // yargs puts some messages on several lines (Invalid values:\n  Argument: …): errors are one line.
      throw new UsageError(msg.replace(/\s*\n\s*/g, ' '));
    });
  skipHelpCache(cli);
  for (const command of commands) {
    cli.command(command.name, command.describe, command.builder, async (args) => {
      try {
        exitCode = await command.run(args as Record<string, unknown>);
      } finally {
        endProgress();
      }
    });
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportError(err, debug);
  }
  return exitCode;
}

/**
 * yargs renders the chosen command's whole help before running it (usage.cacheHelpMessage), to show it
 * should the command fail later: ~15–25 ms of every run, a tenth of `parse` on a small file, for a text
 * perftriage never shows (its fail handler throws, and errors are one line). `--help` renders its own.
 * Turned off where this yargs has the method; an internal of yargs, so a missing one is left alone.
 */
function skipHelpCache(cli: Argv): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } | undefined } | undefined };
  const usage = (cli as unknown as Internals).getInternalMethods?.()?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = (): void => {};
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err, process.argv.includes('--debug'));
  },
);
