#!/bin/sh
# perftriage collector: run on the slow server (as root), send the bundle it writes.
#
#   collect.sh [-d SECONDS] [-p PID] [-s STRACE_SECONDS] [-o bundle.tar.gz] [-m MAX_MB_PER_FILE]
#
# Runs the monitoring tools concurrently over the same window (top, iostat, pidstat, vmstat, PSI, meminfo, and where they
# work opensnoop and filetop), snapshots ps/df/findmnt/lsblk/uname/date before and after, and with -p traces
# that process with `strace -f` for a bounded time. Every command is bounded in time and output size; a tool
# that is missing or fails is noted in manifest.json and in notes.txt, never fatal. Needs only POSIX sh and
# the tools themselves (no Node.js, no Python). Writes nothing outside a temporary folder and the bundle.
#
# Printed by `perftriage collector`; the bundle is read by `perftriage report bundle.tar.gz`.

COLLECTOR_VERSION="perftriage-collect 1.0.0"
DURATION=30
PID=""
STRACE_SECONDS=""
OUT=""
MAX_MB=64

usage() {
  echo "usage: $0 [-d SECONDS] [-p PID] [-s STRACE_SECONDS] [-o bundle.tar.gz] [-m MAX_MB_PER_FILE]" >&2
  echo "  -d  length of the capture window (default $DURATION s)" >&2
  echo "  -p  the slow process: adds lsof -p, top -H -p and strace -f -p (strace for -s seconds, default min(d, 10))" >&2
  echo "  -o  bundle to write (default ./perftriage-HOST-TIME.tar.gz)" >&2
  echo "  -m  cap on each output file in MiB (default $MAX_MB); a capped file is marked truncated" >&2
  exit 2
}

while getopts "d:p:s:o:m:h" opt; do
  case "$opt" in
    d) DURATION=$OPTARG ;;
    p) PID=$OPTARG ;;
    s) STRACE_SECONDS=$OPTARG ;;
    o) OUT=$OPTARG ;;
    m) MAX_MB=$OPTARG ;;
    *) usage ;;
  esac
done

is_uint() { case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
is_uint "$DURATION" && [ "$DURATION" -ge 1 ] || { echo "collect.sh: -d needs a number of seconds >= 1" >&2; exit 2; }
is_uint "$MAX_MB" && [ "$MAX_MB" -ge 1 ] || { echo "collect.sh: -m needs a number of MiB >= 1" >&2; exit 2; }
if [ -n "$PID" ]; then
  is_uint "$PID" || { echo "collect.sh: -p needs a numeric PID" >&2; exit 2; }
  [ -d "/proc/$PID" ] || { echo "collect.sh: no process $PID" >&2; exit 2; }
fi
if [ -z "$STRACE_SECONDS" ]; then
  STRACE_SECONDS=$DURATION
  [ "$STRACE_SECONDS" -gt 10 ] && STRACE_SECONDS=10
fi
is_uint "$STRACE_SECONDS" || { echo "collect.sh: -s needs a number of seconds" >&2; exit 2; }

HOST=$(uname -n 2>/dev/null || echo host)
STAMP=$(date +%Y%m%dT%H%M%S)
NAME="perftriage-$(printf '%s' "$HOST" | tr -c 'A-Za-z0-9._-' '_')-$STAMP"
[ -n "$OUT" ] || OUT="./$NAME.tar.gz"
case "$OUT" in /*) ;; *) OUT="$(pwd)/$OUT" ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/perftriage.XXXXXX") || { echo "collect.sh: cannot make a temporary folder" >&2; exit 1; }
DIR="$TMP/$NAME"
META="$TMP/meta"
mkdir -p "$DIR" "$META" || exit 1
# ulimit -f counts 512-byte blocks (POSIX): a command that writes past it gets SIGXFSZ / EFBIG.
MAX_BLOCKS=$((MAX_MB * 2048))

cleanup() {
  # Stop whatever is still running (timeout's children die with it), then remove the temporary folder.
  for job in $(jobs -p); do kill "$job" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap 'cleanup; exit 130' INT TERM
trap 'cleanup' EXIT

# Nanoseconds where date has %N (GNU), seconds elsewhere (busybox).
if date +%N 2>/dev/null | grep -q '^[0-9][0-9]*$'; then
  now() { date +%Y-%m-%dT%H:%M:%S.%N%z | sed 's/\([+-][0-9][0-9]\)\([0-9][0-9]\)$/\1:\2/'; }
else
  now() { date +%Y-%m-%dT%H:%M:%S%z | sed 's/\([+-][0-9][0-9]\)\([0-9][0-9]\)$/\1:\2/'; }
fi

json_string() {
  # JSON string of $1: backslash, quote and control characters escaped.
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | tr -d '\000-\010\013\014\016-\037' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
}

note() {
  echo "$*" >> "$DIR/notes.txt"
  echo "collect.sh: $*" >&2
}

have() { command -v "$1" >/dev/null 2>&1; }

version_of() {
  # First line a tool prints about its version, when it has such a flag.
  case "$1" in
    iostat | pidstat) "$1" -V 2>&1 | head -n 1 ;;
    top | ps | vmstat | findmnt | lsblk) "$1" -V 2>&1 | head -n 1 ;;
    df | uname | dmesg) "$1" --version 2>/dev/null | head -n 1 ;;
    strace) strace -V 2>&1 | head -n 1 ;;
    lsof) lsof -v 2>&1 | grep -i 'revision' | head -n 1 | sed 's/^ *//' ;;
    bpftrace) bpftrace --version 2>&1 | head -n 1 ;;
    *) echo "" ;;
  esac
}

# run FILE SECONDS TOOL CMD...: run CMD in the background with its stdout in FILE (stderr kept beside it),
# killed by SIGINT after SECONDS (tools print their summary on SIGINT), output capped at MAX_MB. The
# manifest entry is written when it ends.
run() {
  file=$1 secs=$2 tool=$3
  shift 3
  cmdline="$*"
  (
    started=$(now)
    ulimit -f "$MAX_BLOCKS" 2>/dev/null
    timeout -s INT -k 5 "$secs" "$@" > "$DIR/$file" 2> "$META/$file.stderr"
    status=$?
    ended=$(now)
    truncated=false
    size=$(wc -c < "$DIR/$file" 2>/dev/null || echo 0)
    [ "$size" -ge $((MAX_MB * 1048576)) ] && truncated=true
    # timeout's 124 (and a tool's exit on SIGINT, 130) is the planned end of a bounded run.
    # A non-zero status with no stderr and some output is how some tools end a timed run (libbpf-tools
    # opensnoop -d returns the last poll count): kept in the manifest, not reported as a failure.
    quiet_end=false
    [ ! -s "$META/$file.stderr" ] && [ -s "$DIR/$file" ] && quiet_end=true
    case "$status" in
      0 | 124 | 130) ;;
      *) [ "$quiet_end" = true ] || echo "$file: '$cmdline' exited with status $status: $(head -c 300 "$META/$file.stderr" | tr '\n' ' ')" >> "$DIR/notes.txt" ;;
    esac
    printf '{"path":"%s","tool":"%s","command":"%s","started_at":"%s","ended_at":"%s","exit_status":%s,"truncated":%s,"tool_version":"%s"}\n' \
      "$(json_string "$file")" "$tool" "$(json_string "$cmdline")" "$started" "$ended" "$status" "$truncated" "$(json_string "$(version_of "$tool")")" > "$META/$file.json"
  ) &
}

# snapshot FILE TOOL CMD...: a one-shot command, run now, bounded to 30 s.
snapshot() {
  run "$@"
}

# The tools that must run for the whole window; each may be missing.
start_window() {
  d=$DURATION
  if have top; then run top.txt $((d + 5)) top top -b -d 1 -n "$d" -w 512; else note "top is missing (procps): no CPU/memory summary"; fi
  if have iostat; then run iostat.txt $((d + 5)) iostat iostat -x -t -y 1 "$d"; else note "iostat is missing (install sysstat): no disk utilization and latency"; fi
  if have pidstat; then run pidstat.txt $((d + 5)) pidstat pidstat -d -u -t -h 1 "$d"; else note "pidstat is missing (install sysstat): no per-process and per-thread I/O"; fi
  if have vmstat; then run vmstat.txt $((d + 5)) vmstat vmstat -t 1 "$((d + 1))"; else note "vmstat is missing (procps)"; fi
  if [ -n "$PID" ] && have top; then run top-H.txt $((d + 5)) top top -b -H -d 1 -n "$d" -w 512 -p "$PID"; fi
  # PSI: the share of time tasks waited for I/O, memory or a CPU, timestamped each second.
  if [ -r /proc/pressure/io ]; then
    run pressure.txt $((d + 5)) pressure sh -c "i=0; while [ \$i -lt $d ]; do date -u +%Y-%m-%dT%H:%M:%SZ; grep -H . /proc/pressure/*; i=\$((i + 1)); sleep 1; done"
  else
    note "no /proc/pressure (a kernel without PSI, or booted with psi=0): stall times unknown"
  fi
  # The kernel's memory counters each second: Dirty and Writeback are the page cache's backlog.
  if [ -r /proc/meminfo ]; then
    run meminfo.txt $((d + 5)) meminfo sh -c "i=0; while [ \$i -lt $d ]; do date -u +%Y-%m-%dT%H:%M:%SZ; cat /proc/meminfo; i=\$((i + 1)); sleep 1; done"
  fi
  start_ebpf
}

# eBPF tools need tracefs; libbpf-tools first, then bcc, then bpftrace scripts, whichever is installed and works.
start_ebpf() {
  if [ ! -e /sys/kernel/tracing/available_events ] && [ ! -e /sys/kernel/debug/tracing/available_events ]; then
    mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null ||
      note "tracefs is not mounted and could not be mounted: opensnoop and filetop may fail"
  fi
  d=$DURATION
  pid_opt=""
  [ -n "$PID" ] && pid_opt="-p $PID"
  if have opensnoop; then
    # libbpf-tools (and bcc under this name): -T prints a TIME(s) column; -d bounds it.
    run opensnoop.txt $((d + 5)) opensnoop opensnoop -T -d "$d" $pid_opt
  elif have opensnoop-bpfcc; then
    run opensnoop.txt $((d + 5)) opensnoop opensnoop-bpfcc -T -d "$d" $pid_opt
  elif have bpftrace && [ -r /usr/sbin/opensnoop.bt ]; then
    run opensnoop.txt "$d" opensnoop bpftrace /usr/sbin/opensnoop.bt
  else
    note "no opensnoop (libbpf-tools, bpfcc-tools or bpftrace): full paths of opened files are unknown"
  fi
  if have filetop; then
    run filetop.txt "$d" filetop filetop -C 1 "$d"
  elif have filetop-bpfcc; then
    run filetop.txt "$d" filetop filetop-bpfcc -C 1 "$d"
  else
    note "no filetop (libbpf-tools or bpfcc-tools): per-thread file I/O is unknown"
  fi
}

snapshots() {
  suffix=$1
  have ps && snapshot "ps-efT$suffix.txt" 30 ps ps -efT
  have ps && snapshot "ps-eLf$suffix.txt" 30 ps ps -eLf
  if [ -n "$PID" ] && have lsof; then snapshot "lsof$suffix.txt" 30 lsof lsof -n -P -p "$PID"; fi
}

echo "collect.sh: capturing for $DURATION s into $OUT" >&2
date > "$DIR/date.txt"
snapshot uname.txt 10 uname uname -a
have df && snapshot df.txt 30 df df -kT
have findmnt && snapshot findmnt.txt 30 findmnt findmnt
have lsblk && snapshot lsblk.txt 30 lsblk lsblk
snapshots ""
[ -n "$PID" ] || note "no -p PID: no strace and no lsof of the slow process"
[ -n "$PID" ] && ! have lsof && note "lsof is missing: open files of $PID unknown"
start_window
if [ -n "$PID" ]; then
  if have strace; then
    # -f follows every thread (the classic mistake is -p without -f); -o keeps strace's own messages apart.
    run strace.txt "$STRACE_SECONDS" strace strace -f -tt -T -y -s 128 -o "$DIR/strace.txt" -p "$PID"
  else
    note "strace is missing: the process's system calls are unknown"
  fi
fi
sleep "$DURATION"
snapshots "-end"
# The kernel's own account of the window (hung tasks, I/O errors, OOM kills), with levels and local times.
have dmesg && snapshot dmesg.txt 30 dmesg dmesg -x -T
wait

# manifest.json: what ran, when, how it ended.
{
  printf '{\n "version": "1.0.0",\n "collector": "%s",\n' "$COLLECTOR_VERSION"
  printf ' "host": "%s",\n "kernel": "%s",\n' "$(json_string "$HOST")" "$(json_string "$(uname -r)")"
  printf ' "timezone": "%s",\n "collected_at": "%s",\n' "$(date +%z | sed 's/\([+-][0-9][0-9]\)\([0-9][0-9]\)$/\1:\2/')" "$(now)"
  printf ' "cpus": %s,\n' "$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)"
  printf ' "files": [\n'
  first=1
  for m in "$META"/*.json; do
    [ -e "$m" ] || continue
    [ $first -eq 1 ] || printf ',\n'
    first=0
    printf '  %s' "$(cat "$m")"
  done
  printf '\n ]\n}\n'
} > "$DIR/manifest.json"

# stderr of each command, for the engineer (not parsed).
mkdir -p "$DIR/stderr"
for e in "$META"/*.stderr; do
  # strace's own stderr holds only its attach/detach lines (the trace is in strace.txt via -o).
  case "$e" in */strace.txt.stderr) continue ;; esac
  [ -s "$e" ] && cp "$e" "$DIR/stderr/$(basename "$e")"
done
rmdir "$DIR/stderr" 2>/dev/null

tar -czf "$OUT" -C "$TMP" "$NAME" || { echo "collect.sh: could not write $OUT" >&2; exit 1; }
echo "collect.sh: wrote $OUT ($(wc -c < "$OUT") bytes)" >&2
