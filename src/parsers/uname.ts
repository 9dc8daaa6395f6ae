/**
 * `uname -a` → `host.info` (hostname, kernel, arch) and `uname.info` (every field). See `docs/parsers/uname.md`.
 *
 * `uname -a` prints, space-separated: kernel name, node name, kernel release, kernel version (several words:
 * `#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)`), machine, processor, hardware platform, operating
 * system. GNU coreutils leaves out processor and platform when they are `unknown` (Debian, Ubuntu >= 20.04,
 * Alpine); Red Hat's patched coreutils prints them (`x86_64 x86_64 x86_64 GNU/Linux`); macOS and the BSDs
 * print no operating system (`… RELEASE_X86_64 x86_64`). The line is therefore read from both ends: the
 * first three words, then from the right the operating system (a word holding `/`, or a known OS name), then
 * the machine — or machine, processor, platform when the last three words all look like architectures.
 *
 * Records (per `uname -a` line; a file normally has one):
 * - `host.info`: tool 'uname', hostname (node name), kernel (`<kernel name> <release>`, as the sysstat
 *   banners give it), arch (machine).
 * - `uname.info`: kernel_name, hostname, kernel_release, kernel_version, machine, processor?,
 *   hardware_platform?, operating_system? (absent when not printed).
 *
 * Not read: `uname` without `-a` (one word such as `Linux`): reported as unparsed, it says nothing of the host.
 */
import type { TimelineRecord } from '../common/types.js';
import { parseSysstatBanner, tokens } from './sysstat-common.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

/** Operating-system names `uname -o` prints without a slash (the GNU ones hold one: GNU/Linux, GNU/Hurd). */
const OS_NAMES = new Set(['Linux', 'Android', 'Toybox', 'Cygwin', 'Msys', 'FreeBSD', 'Solaris', 'illumos']);
/** Machine names of the architectures Linux and the BSDs run on (and `unknown`). */
const ARCH_RE = /^(?:x86_64|amd64|i[3-7]86|athlon|aarch64(?:_be)?|arm64|armv\d+\w*|arm|ppc64(?:le)?|ppc|powerpc\w*|s390x?|riscv(?:32|64)|mips\w*|loongarch64|sparc\w*|ia64|alpha|parisc\w*|m68k|unknown)$/;
/** A kernel name: a word such as Linux, Darwin, FreeBSD, CYGWIN_NT-10.0-19045, MSYS_NT-10.0. */
const KERNEL_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;
/** What a machine word may hold. */
const MACHINE_RE = /^[A-Za-z0-9_.+-]+$/;

export interface UnameFields {
  kernel_name: string;
  hostname: string;
  kernel_release: string;
  kernel_version: string;
  machine: string;
  processor?: string;
  hardware_platform?: string;
  operating_system?: string;
}

/** Splits one `uname -a` line, or says why it is not one. */
export function parseUnameLine(line: string): UnameFields | string {
  const toks = tokens(line);
  if (toks.length < 5) return 'expected the one line of `uname -a` (kernel name, host name, release, version, machine)';
  if (parseSysstatBanner(line)) return 'a sysstat banner, not `uname -a`';
  if (!KERNEL_NAME_RE.test(toks[0]!)) return `'${toks[0]}' is not a kernel name (\`uname -a\` starts with Linux, Darwin, FreeBSD, …)`;
  if (!/^\d/.test(toks[2]!)) return `'${toks[2]}' is not a kernel release (the third word of \`uname -a\` is e.g. 6.1.0-13-amd64)`;
  const rest = toks.slice(3);
  let operatingSystem: string | undefined;
  const last = rest[rest.length - 1]!;
  if (last.includes('/') || OS_NAMES.has(last)) operatingSystem = rest.pop();
  let processor: string | undefined;
  let platform: string | undefined;
  let machine: string;
  const n = rest.length;
  if (n >= 4 && ARCH_RE.test(rest[n - 1]!) && ARCH_RE.test(rest[n - 2]!) && ARCH_RE.test(rest[n - 3]!)) {
    platform = rest.pop();
    processor = rest.pop();
    machine = rest.pop()!;
  } else {
    machine = rest.pop()!;
  }
  if (rest.length === 0) return 'expected a kernel version between the release and the machine (`uname -a`)';
  if (!MACHINE_RE.test(machine)) return `'${machine}' does not look like a machine architecture (\`uname -a\` ends with it, before the OS)`;
  // The version keeps its own spacing (`Sun Dec  1 18:59:03`): cut it out of the line rather than re-join.
  const fields: UnameFields = {
    kernel_name: toks[0]!,
    hostname: toks[1]!,
    kernel_release: toks[2]!,
    kernel_version: versionText(line, toks, rest.length),
    machine,
  };
  if (processor !== undefined) fields.processor = processor;
  if (platform !== undefined) fields.hardware_platform = platform;
  if (operatingSystem !== undefined) fields.operating_system = operatingSystem;
  return fields;
}

/** The text of the version words (tokens 3 … 3+count-1), with their original inner spacing. */
function versionText(line: string, toks: readonly string[], count: number): string {
  let pos = 0;
  for (let i = 0; i < 3; i++) pos = line.indexOf(toks[i]!, pos) + toks[i]!.length;
  const start = line.indexOf(toks[3]!, pos);
  let end = start;
  for (let i = 3; i < 3 + count; i++) end = line.indexOf(toks[i]!, end) + toks[i]!.length;
  return line.slice(start, end);
}

class UnameReader implements LineParser {
  constructor(private readonly ctx: ParseContext) {}

  line(text: string, lineNo: number): LineOutcome {
    if (text.trim() === '') return 'skip';
    const fields = parseUnameLine(text);
    if (typeof fields === 'string') return { unparsed: fields };
    const source = { file: this.ctx.file, line: lineNo };
    const host: TimelineRecord = {
      kind: 'host.info',
      source,
      tool: 'uname',
      hostname: fields.hostname,
      kernel: `${fields.kernel_name} ${fields.kernel_release}`,
      arch: fields.machine,
    };
    this.ctx.emit(host);
    this.ctx.emit({ kind: 'uname.info', source: { ...source }, ...fields });
    return 'data';
  }

  end(): void {}
}

export const parser: ParserModule = {
  meta: {
    tool: 'uname',
    title: 'uname -a: host name, kernel and architecture',
    commands: ['uname -a'],
    recordKinds: ['host.info', 'uname.info'],
    recollect: 'uname -a > uname.txt',
  },
  create(ctx: ParseContext): LineParser {
    return new UnameReader(ctx);
  },
};
