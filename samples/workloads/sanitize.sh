#!/bin/sh
# Re-pack a recorded bundle without the ps rows of the recording harness itself: the sandbox agent whose
# command line carries its environment, and record.sh, whose path is the checkout's on the recording
# machine. Whole lines are removed from ps-*.txt only; every other file is kept byte for byte.
#
#   sh samples/workloads/sanitize.sh IN.tar.gz OUT.tar.gz
set -eu
IN=$1
OUT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
tar -xzf "$IN" -C "$TMP"
TOP=$(ls "$TMP")
for f in "$TMP/$TOP"/ps-*.txt; do
  [ -e "$f" ] || continue
  grep -v -e 'line_io_tools/binary_backend' -e 'samples/workloads/record\.sh' "$f" > "$f.kept" || true
  removed=$(( $(wc -l < "$f") - $(wc -l < "$f.kept") ))
  mv "$f.kept" "$f"
  echo "$(basename "$f"): removed $removed harness line(s)" >&2
done
tar -czf "$OUT" -C "$TMP" "$TOP"
