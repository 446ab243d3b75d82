#!/usr/bin/env bash
# Adapted from /work/shared/realparts (state under /tmp/swarmps-infra); used by bench/SwarmPS.Bench.Exchange.
# Stops the RabbitMQ broker started by start-rabbitmq.sh for STATE_DIR, and the private epmd that
# start-rabbitmq.sh started for it (only if it did; recorded in STATE_DIR/epmd.pid).
# Only processes recorded in STATE_DIR's pid files are touched (checked against their command
# line first), never anything found by name.
# Usage:  stop-rabbitmq.sh [STATE_DIR] [--purge]   (default: /tmp/swarmps-infra/rabbitmq)
#         --purge also deletes STATE_DIR (data, logs, cookie).
# Idempotent: nothing running -> exits 0.
set -euo pipefail

STATE=""; PURGE=0
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    *) STATE="$a" ;;
  esac
done
STATE="${STATE:-${RABBITMQ_STATE_DIR:-/tmp/swarmps-infra/rabbitmq}}"
log() { echo "[stop-rabbitmq] $*" >&2; }

if [ ! -d "$STATE" ]; then log "no state dir $STATE - nothing to stop"; exit 0; fi
STATE="$(cd "$STATE" && pwd)"
PIDF="$STATE/rabbitmq.pid"          # beam.smp
WRAPF="$STATE/rabbitmq-server.pid"  # rabbitmq-server sh wrapper
EPMDF="$STATE/epmd.pid"             # epmd, only if start-rabbitmq.sh started it
CTL="$STATE/rabbitmqctl"
EPMD_PORT="$(sed -n "s/^export ERL_EPMD_PORT='\(.*\)'\$/\1/p" "$STATE/env.sh" 2>/dev/null || true)"

# alive_pid PID STRING: the pid exists, is not a zombie, and its command line contains STRING
alive_pid() {
  local st
  [ -n "$1" ] || return 1
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] || return 1
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_gone PID STRING SECONDS
wait_gone() {
  local i
  for i in $(seq 1 $(( $3 * 10 ))); do alive_pid "$1" "$2" || return 0; sleep 0.1; done
  return 1
}
# terminate PID STRING NAME: SIGTERM, wait, then SIGKILL - by recorded pid only
terminate() {
  alive_pid "$1" "$2" || return 0
  log "SIGTERM $3 (pid $1)"
  kill -TERM "$1" 2>/dev/null || true
  if ! wait_gone "$1" "$2" 15; then
    log "SIGKILL $3 (pid $1)"
    kill -KILL "$1" 2>/dev/null || true
    wait_gone "$1" "$2" 5 || log "WARNING: $3 (pid $1) still there"
  fi
}

stopped=0
BEAM_MATCH="-home $STATE "
BEAM_PID="$(cat "$PIDF" 2>/dev/null || true)"
WRAP_PID="$(cat "$WRAPF" 2>/dev/null || true)"
EPMD_PID="$(cat "$EPMDF" 2>/dev/null || true)"
if alive_pid "$BEAM_PID" "$BEAM_MATCH"; then
  # rabbitmqctl needs the node's epmd; without it the CLI would spawn a stray "epmd -daemon"
  if [ -n "$EPMD_PORT" ] && port_open "$EPMD_PORT" && timeout 90 "$CTL" -q shutdown >/dev/null 2>&1; then
    log "stopped broker (beam pid $BEAM_PID) via rabbitmqctl shutdown"
    wait_gone "$BEAM_PID" "$BEAM_MATCH" 30 || terminate "$BEAM_PID" "$BEAM_MATCH" "beam.smp"
  else
    terminate "$BEAM_PID" "$BEAM_MATCH" "beam.smp"   # SIGTERM = graceful shutdown in RabbitMQ 3.10
  fi
  stopped=1
fi
# the sh wrapper normally exits together with beam; its TERM trap shuts beam down too
wait_gone "$WRAP_PID" rabbitmq-server 5 || terminate "$WRAP_PID" rabbitmq-server "rabbitmq-server wrapper"
if [ -n "$EPMD_PORT" ] && alive_pid "$EPMD_PID" "-port $EPMD_PORT "; then
  terminate "$EPMD_PID" "-port $EPMD_PORT " "epmd"
  stopped=1
fi
rm -f "$PIDF" "$WRAPF" "$EPMDF"
[ "$stopped" = 1 ] && log "stopped" || log "was not running"

if [ "$PURGE" = 1 ]; then
  rm -rf "$STATE"
  log "purged $STATE"
fi
