#!/usr/bin/env bash
# Stop the sshd started by start-sshd.sh (by pid file, and every other listener of the same state directory),
# closing any ControlMaster sockets first.
# Usage: stop-sshd.sh [STATE_DIR] [--purge]
set -uo pipefail
STATE="${1:-${SSHD_STATE_DIR:-/tmp/swarmps-test/sshd}}"
PIDF="$STATE/sshd.pid"
# ask any multiplexing masters (ControlPath under STATE: ssh_config's cm-*, the tests' mux/, also in the
# subfolders some tests make there) to exit
if [ -d "$STATE" ]; then
  find "$STATE" -type s -print0 2>/dev/null | while IFS= read -r -d '' sock; do
    ssh -o ControlPath="$sock" -O exit dummy >/dev/null 2>&1 || true
  done
fi
# shellcheck source=sshd-listeners.sh
. "$(dirname "${BASH_SOURCE[0]}")/sshd-listeners.sh"
stop_listener() {
  local pid="$1" kids
  # never a recycled pid: only an sshd is stopped
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ] || return 0
  # per-connection children of our listener (sessions held open by clients)
  kids="$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' | tr '\n' ' ')"
  kill -TERM "$pid"
  for k in $kids; do kill -TERM "$k" 2>/dev/null || true; done
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "[stop-sshd] stopped sshd (pid $pid)"
}
# The pid file's daemon, and any other listener of this state directory: whoever (re)started it, the stop
# leaves none behind.
if [ -s "$PIDF" ]; then
  stop_listener "$(cat "$PIDF")"
  rm -f "$PIDF"
fi
if [ -d "$STATE" ]; then
  for pid in $(sshd_listeners "$(cd "$STATE" && pwd)"); do stop_listener "$pid"; done
fi
[ "${2:-}" = "--purge" ] && rm -rf "$STATE" && echo "[stop-sshd] purged $STATE"
exit 0
