#!/bin/sh
# Record a sample bundle with scripts/collect.sh while a workload runs (bounded, loopback only, cleaned up).
#
#   sh samples/workloads/record.sh tempfiles|tempfiles-lowdirty|logstorm|quiet OUT_DIR
#
# Writes OUT_DIR/bundle.tar.gz and OUT_DIR/ground-truth.txt (pid, threads, requests, device).
set -u
SCENARIO=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
COLLECT="$HERE/../../scripts/collect.sh"
# The workloads run from a neutral place with the system Python, so the recorded command lines name
# /srv/perftriage-demo/…, not the checkout's path on the recording machine.
DEMO=/srv/perftriage-demo
PY=/usr/bin/python3
mkdir -p "$DEMO"
cp "$HERE/tempfiles_app.py" "$HERE/logstorm_app.py" "$COLLECT" "$DEMO/"
mkdir -p "$OUT"
GT="$OUT/ground-truth.txt"
: > "$GT"
APP_PID=""
DRIVER_PID=""
SAVED_DIRTY=""

restore() {
  [ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null
  if [ -n "$SAVED_DIRTY" ]; then
    # Put the dirty-page limits back as they were: a non-zero *_bytes wins, else the ratios (writing a
    # ratio resets its *_bytes twin to 0, and writing 0 bytes is refused).
    set -- $SAVED_DIRTY
    if [ "$1" != 0 ]; then sysctl -q -w vm.dirty_bytes="$1"; else sysctl -q -w vm.dirty_ratio="$3"; fi
    if [ "$2" != 0 ]; then sysctl -q -w vm.dirty_background_bytes="$2"; else sysctl -q -w vm.dirty_background_ratio="$4"; fi
  fi
  wait 2>/dev/null
  # What a killed workload leaves behind: the temp app's half-written /tmp/<uuid1> folders, the log storm's log.
  find /tmp -maxdepth 1 -newer "$GT" -regextype posix-extended -regex '/tmp/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' -exec rm -rf {} + 2>/dev/null
  rm -rf /var/tmp/perftriage-logstorm "$DEMO"
}
trap restore EXIT INT TERM

echo "scenario: $SCENARIO" >> "$GT"
echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n) $(uname -r), $(nproc) CPUs" >> "$GT"
echo "root device: $(findmnt -n -o SOURCE /)" >> "$GT"

case "$SCENARIO" in
  tempfiles | tempfiles-lowdirty)
    if [ "$SCENARIO" = tempfiles-lowdirty ]; then
      SAVED_DIRTY="$(sysctl -n vm.dirty_bytes) $(sysctl -n vm.dirty_background_bytes) $(sysctl -n vm.dirty_ratio) $(sysctl -n vm.dirty_background_ratio)"
      # Tiny limits: writeback starts at once and writers are throttled, so the data reaches the disk.
      sysctl -q -w vm.dirty_background_bytes=1048576 vm.dirty_bytes=4194304
      echo "vm.dirty_bytes=4194304 vm.dirty_background_bytes=1048576 during the capture (restored after)" >> "$GT"
    fi
    FILES=1000 SIZE=131072 PORT=18080 MAX_REQUESTS=40 LIFETIME=90 $PY "$DEMO/tempfiles_app.py" > "$OUT/app.out" 2> "$OUT/app.err" &
    APP_PID=$!
    sleep 1
    # One request every ~2 s, so a 15 s window holds a handful of 1000-file requests (a sample small
    # enough for the repository).
    ( while kill -0 "$APP_PID" 2>/dev/null; do curl -s --max-time 60 http://127.0.0.1:18080/work >> "$OUT/requests.jsonl" || sleep 0.2; sleep 2; done ) &
    DRIVER_PID=$!
    ;;
  logstorm)
    RATE=3000 LIFETIME=60 $PY "$DEMO/logstorm_app.py" > "$OUT/app.out" 2> "$OUT/app.err" &
    APP_PID=$!
    ;;
  quiet) ;;
  *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;;
esac
sleep 2
if [ -n "$APP_PID" ]; then
  echo "app pid: $APP_PID ($(tr '\0' ' ' < /proc/$APP_PID/cmdline))" >> "$GT"
  echo "app threads at start: $(ls /proc/$APP_PID/task | tr '\n' ' ')" >> "$GT"
  sh "$DEMO/collect.sh" -d 15 -s 2 -p "$APP_PID" -m 16 -o "$OUT/bundle.tar.gz"
  echo "app threads at end: $(ls /proc/$APP_PID/task 2>/dev/null | tr '\n' ' ')" >> "$GT"
else
  sh "$DEMO/collect.sh" -d 15 -m 16 -o "$OUT/bundle.tar.gz"
fi
