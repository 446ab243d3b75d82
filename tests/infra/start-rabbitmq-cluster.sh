#!/usr/bin/env bash
# A three-node RabbitMQ 3.10 cluster on 127.0.0.1 for the failover tests (quorum queues), no systemd.
# Each node is one start-rabbitmq.sh instance (its own state dir, AMQP port, node name rabbit_<port>@localhost,
# dist port PORT+20000); this script adds what a cluster needs on top:
#  - one Erlang cookie, written into each node's dir before start-rabbitmq.sh runs (it keeps an existing one);
#  - one epmd for all three nodes (127.0.0.1:BASE_PORT-1303, pid in BASE/epmd.pid): a node finds its peers
#    through the epmd port it was given, so the nodes cannot each have their own;
#  - nodes 2 and 3 joined to node 1 (rabbitmqctl stop_app / join_cluster / start_app).
# The three nodes boot in parallel; only node 1 creates the test user/vhost (join_cluster resets the
# joining node, which then takes the cluster's users).
# Usage:  start-rabbitmq-cluster.sh [BASE_DIR] [--node N]   (default: /tmp/swarmps-infra/rabbitmq-cluster)
#         --node N: (re)start node N only (1, 2 or 3), e.g. after kill -9; it rejoins the running nodes
#         (from its own data, or by join_cluster if it has none). The other two must be running: a node
#         with cluster data waits at boot for its peers, and start-rabbitmq.sh gives up after 120 s.
# Env:    RABBITMQ_CLUSTER_PORT (5681): node i listens on PORT+i-1 (5681, 5682, 5683)
#         RABBITMQ_TEST_USER (test)  RABBITMQ_TEST_PASSWORD (test)  RABBITMQ_TEST_VHOST (test)
# Prints: per node "node=<name> port=<amqp port> pid=<beam pid> ctl=<rabbitmqctl wrapper>", then
#         "user=<u> password=<p> vhost=<v>" and "started_in=<seconds>".
#         (A node's other CLIs: `. <node dir>/env.sh; /usr/lib/rabbitmq/bin/rabbitmq-queues ...`.)
# Idempotent: if all three nodes are up and clustered, prints "already running" (stderr) and the lines.
# Stop with: stop-rabbitmq-cluster.sh [BASE_DIR] [--purge]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE=""; ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --node) ONLY="${2:-}"; shift 2 ;;
    *) BASE="$1"; shift ;;
  esac
done
BASE="${BASE:-${RABBITMQ_CLUSTER_DIR:-/tmp/swarmps-infra/rabbitmq-cluster}}"
case "$ONLY" in ""|1|2|3) ;; *) echo "[start-rabbitmq-cluster] --node takes 1, 2 or 3" >&2; exit 2 ;; esac
BASE_PORT="${RABBITMQ_CLUSTER_PORT:-5681}"
EPMD_PORT="$((BASE_PORT - 1303))"
T_USER="${RABBITMQ_TEST_USER:-test}"
T_PASS="${RABBITMQ_TEST_PASSWORD:-test}"
T_VHOST="${RABBITMQ_TEST_VHOST:-test}"
T0=$(date +%s%N)
log() { echo "[start-rabbitmq-cluster] $*" >&2; }
elapsed() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
port() { echo $((BASE_PORT + $1 - 1)); }
dir() { echo "$BASE/node$1"; }
name() { echo "rabbit_$(port "$1")@localhost"; }
ctl() { "$(dir "$1")/rabbitmqctl" "${@:2}"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# alive PIDFILE STRING: the pid exists, is not a zombie, and its command line contains STRING
alive() {
  local p st
  [ -s "$1" ] || return 1
  p="$(cat "$1")"
  st="$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] || return 1
  tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$2"
}
node_up() { alive "$(dir "$1")/rabbitmq.pid" "-home $(dir "$1") " && port_open "$(port "$1")"; }
# members I: the node names in node I's view of the cluster (disk nodes), one a line
members() {
  ctl "$1" -q cluster_status --formatter json 2>/dev/null \
    | sed -n 's/.*"disk_nodes":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | tr -d '"'
}
running_members() {
  ctl "$1" -q cluster_status --formatter json 2>/dev/null \
    | sed -n 's/.*"running_nodes":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | tr -d '"'
}
print_result() {
  local i
  for i in 1 2 3; do
    echo "node=$(name "$i") port=$(port "$i") pid=$(cat "$(dir "$i")/rabbitmq.pid") ctl=$(dir "$i")/rabbitmqctl"
  done
  echo "user=$T_USER password=$T_PASS vhost=$T_VHOST"
  echo "started_in=$(elapsed)"
}
fail_node() {  # I MESSAGE: the node's start output and log tail, then exit 1
  log "node $1: $2"
  tail -20 "$(dir "$1").start.log" "$(dir "$1")/log/rabbit.log" >&2 2>/dev/null || true
  exit 1
}

mkdir -p "$BASE"
BASE="$(cd "$BASE" && pwd)"

# ---------------------------------------------------------------- already running?
if [ -z "$ONLY" ] && node_up 1 && node_up 2 && node_up 3 && port_open "$EPMD_PORT" \
   && [ "$(running_members 1 | grep -cxF -e "$(name 1)" -e "$(name 2)" -e "$(name 3)")" = 3 ]; then
  log "already running"
  print_result
  exit 0
fi

# ---------------------------------------------------------------- shared cookie and epmd
if [ ! -s "$BASE/.erlang.cookie" ]; then
  (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' > "$BASE/.erlang.cookie")
fi
for i in 1 2 3; do
  mkdir -p "$(dir "$i")"
  if ! cmp -s "$BASE/.erlang.cookie" "$(dir "$i")/.erlang.cookie"; then
    rm -f "$(dir "$i")/.erlang.cookie"
    (umask 077; cp "$BASE/.erlang.cookie" "$(dir "$i")/.erlang.cookie")
  fi
done
if ! alive "$BASE/epmd.pid" "-port $EPMD_PORT "; then
  rm -f "$BASE/epmd.pid"
  if port_open "$EPMD_PORT"; then log "127.0.0.1:$EPMD_PORT (epmd) is already taken by something else"; exit 1; fi
  setsid "$(command -v epmd)" -address 127.0.0.1 -port "$EPMD_PORT" </dev/null >>"$BASE/epmd.log" 2>&1 &
  echo $! > "$BASE/epmd.pid"
  for _ in $(seq 1 50); do port_open "$EPMD_PORT" && break; sleep 0.1; done
  port_open "$EPMD_PORT" || { log "epmd did not come up"; exit 1; }
fi

# ---------------------------------------------------------------- boot the nodes (in parallel)
# start_node I: start-rabbitmq.sh for node I (a no-op if it is up); its output goes to node<I>.start.log
start_node() {
  local setup=0   # the users live in the cluster's database: node 1 makes them on the first start
  [ "$1" = 1 ] && [ -z "$ONLY" ] && setup=1
  RABBITMQ_PORT="$(port "$1")" RABBITMQ_EPMD_PORT="$EPMD_PORT" RABBITMQ_TEST_USER_SETUP="$setup" \
  RABBITMQ_TEST_USER="$T_USER" RABBITMQ_TEST_PASSWORD="$T_PASS" RABBITMQ_TEST_VHOST="$T_VHOST" \
    bash "$HERE/start-rabbitmq.sh" "$(dir "$1")" >"$(dir "$1").start.log" 2>&1 </dev/null
}
NODES="${ONLY:-1 2 3}"
declare -A STARTER=()
for i in $NODES; do start_node "$i" & STARTER[$i]=$!; done
for i in $NODES; do wait "${STARTER[$i]}" || fail_node "$i" "start-rabbitmq.sh failed"; done
log "nodes $NODES booted after $(elapsed)s"

# ---------------------------------------------------------------- join the cluster
# A node with data of this cluster rejoins by itself at boot (a restart after kill -9); one without
# (first start, or its dir was purged) is joined to a running member.
seed=""
for i in 1 2 3; do
  case " $NODES " in *" $i "*) continue ;; esac
  node_up "$i" && { seed="$i"; break; }
done
[ -z "$seed" ] && seed=1
known="$(members "$seed")"
joining=""
for i in $NODES; do
  [ "$i" = "$seed" ] && continue
  grep -qxF "$(name "$i")" <<<"$known" || joining="$joining $i"
done
if [ -n "$joining" ]; then
  for i in $joining; do ctl "$i" -q stop_app >/dev/null 2>>"$(dir "$i").start.log" & STARTER[$i]=$!; done
  for i in $joining; do wait "${STARTER[$i]}" || fail_node "$i" "stop_app failed"; done
  # one at a time: both joins change the cluster's schema on the seed
  for i in $joining; do
    ctl "$i" -q join_cluster "$(name "$seed")" >/dev/null 2>>"$(dir "$i").start.log" || fail_node "$i" "join_cluster $(name "$seed") failed"
  done
  for i in $joining; do
    { ctl "$i" -q start_app && ctl "$i" -q await_startup --timeout 120; } >/dev/null 2>>"$(dir "$i").start.log" & STARTER[$i]=$!
  done
  for i in $joining; do wait "${STARTER[$i]}" || fail_node "$i" "start_app after join_cluster failed"; done
  log "joined node(s)$joining to $(name "$seed") after $(elapsed)s"
fi

# every node must now be a running member, seen from the seed
running="$(running_members "$seed")"
for i in 1 2 3; do
  grep -qxF "$(name "$i")" <<<"$running" || fail_node "$i" "not a running member of the cluster (seen from $(name "$seed")): $(tr '\n' ' ' <<<"$running")"
done
log "cluster of 3 ready after $(elapsed)s"
print_result
