/**
 * `uname -a`: a file of one line (or a few) that reads as kernel name, host, release, version…, machine
 * [processor platform] [OS], with a known kernel name, a release starting with a digit and an architecture as
 * machine. Self-contained (sniffing comes before parsing and does not use the parsers).
 */
import type { Detector, SniffResult } from '../types.js';

const KERNEL = String.raw`(?:Linux|Darwin|FreeBSD|OpenBSD|NetBSD|DragonFly|SunOS|GNU|CYGWIN_NT\S*|MINGW\d*_NT\S*|MSYS_NT\S*)`;
const ARCH = String.raw`(?:x86_64|amd64|i[3-7]86|athlon|aarch64(?:_be)?|arm64|armv\d+\w*|arm|ppc64(?:le)?|ppc|powerpc\w*|s390x?|riscv(?:32|64)|mips\w*|loongarch64|sparc\w*|ia64|alpha|parisc\w*|m68k)`;
// kernel host release version… machine [processor platform] [OS]
const UNAME_A = new RegExp(String.raw`^${KERNEL} \S+ \d\S* (.+ )?${ARCH}(?: \S+ \S+)?(?: (\S*/\S+|Linux|Android|Toybox|Cygwin|Msys))?$`);

function detect(head: readonly string[]): SniffResult | null {
  const lines = head.map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0 || lines.length > 4) return null;
  let strong = false;
  for (const line of lines) {
    // uname -a lines are short; the length cap also bounds the regex's backtracking on a huge line.
    if (line.length > 400) return null;
    const m = UNAME_A.exec(line);
    // A sysstat banner (`Linux 5.8.0 (host) \t12/02/2021 \t_x86_64_\t(2 CPU)`) does not end in a bare arch, but be explicit.
    if (!m || /\(\d+ CPU\)$/.test(line)) return null;
    // An OS word, a Linux build number (#1 SMP …) or Darwin's "Kernel Version" are only ever seen in uname -a.
    if (m[2] !== undefined || (m[1] ?? '').startsWith('#') || (m[1] ?? '').includes(' Kernel Version ')) strong = true;
  }
  return { tool: 'uname', variant: 'uname -a', confidence: strong ? 0.9 : 0.75, evidence: `uname -a line "${lines[0]!.slice(0, 100)}"` };
}

export const detector: Detector = { tool: 'uname', detect };
