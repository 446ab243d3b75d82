#!/usr/bin/env bash
# Stops the three-node cluster of start-rabbitmq-cluster.sh: each node through stop-rabbitmq.sh (by the
# pids recorded in its dir, checked against their command lines), in parallel, then the cluster's shared
# epmd (BASE_DIR/epmd.pid, checked against its command line). Never anything found by name.
# Usage:  stop-rabbitmq-cluster.sh [BASE_DIR] [--purge]   (default: /tmp/swarmps-infra/rabbitmq-cluster)
#         --purge also deletes BASE_DIR (data, logs, cookie).
# Idempotent: nothing running -> exits 0.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE=""; PURGE=0
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    *) BASE="$a" ;;
  esac
done
BASE="${BASE:-${RABBITMQ_CLUSTER_DIR:-/tmp/swarmps-infra/rabbitmq-cluster}}"
log() { echo "[stop-rabbitmq-cluster] $*" >&2; }

if [ ! -d "$BASE" ]; then log "no state dir $BASE - nothing to stop"; exit 0; fi
BASE="$(cd "$BASE" && pwd)"

# alive_pid PID STRING: the pid exists, is not a zombie, and its command line contains STRING
alive_pid() {
  local st
  [ -n "$1" ] || return 1
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] || return 1
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# The nodes first (their rabbitmqctl shutdown needs the shared epmd), all at once: each stop is
# mostly waiting for its own node to shut down.
declare -A STOPPER=()
for i in 1 2 3; do
  [ -d "$BASE/node$i" ] || continue
  bash "$HERE/stop-rabbitmq.sh" "$BASE/node$i" </dev/null 2>&1 | sed "s/^/[node$i] /" >&2 &
  STOPPER[$i]=$!
done
status=0
for i in "${!STOPPER[@]}"; do wait "${STOPPER[$i]}" || status=1; done

# the epmd port the nodes were given (start-rabbitmq.sh wrote it into each node's env.sh)
EPMD_PID="$(cat "$BASE/epmd.pid" 2>/dev/null || true)"
EPMD_PORT="$(sed -n "s/^export ERL_EPMD_PORT='\(.*\)'\$/\1/p" "$BASE/node1/env.sh" 2>/dev/null || true)"
EPMD_MATCH="epmd -address 127.0.0.1 -port $EPMD_PORT "
if [ -n "$EPMD_PID" ] && [ -n "$EPMD_PORT" ] && alive_pid "$EPMD_PID" "$EPMD_MATCH"; then
  log "SIGTERM epmd (pid $EPMD_PID)"
  kill -TERM "$EPMD_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do alive_pid "$EPMD_PID" "$EPMD_MATCH" || break; sleep 0.1; done
  if alive_pid "$EPMD_PID" "$EPMD_MATCH"; then kill -KILL "$EPMD_PID" 2>/dev/null || true; fi
fi
rm -f "$BASE/epmd.pid"
[ "$status" = 0 ] || { log "a node did not stop cleanly (see above)"; exit 1; }
log "stopped"

if [ "$PURGE" = 1 ]; then
  rm -rf "$BASE"
  log "purged $BASE"
fi
