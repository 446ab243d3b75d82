#!/usr/bin/env bash
# Ends every process of the remote-site test user (only that test-only user: its launchers and agents),
# then the sshd start-remote-user.sh started. The user and its home stay (runs there are evidence).
# Usage: stop-remote-user.sh [STATE_DIR] [--purge]
set -uo pipefail
STATE="${1:-/tmp/swarmps-test/sshd-remote}"
REMOTE_USER="${REMOTE_USER:-swarmps-remote}"
if getent passwd "$REMOTE_USER" >/dev/null; then
  uid="$(id -u "$REMOTE_USER")"
  # never root or a system account, whatever the variable says
  if [ "$uid" -ge 1000 ]; then
    pkill -TERM -u "$uid" 2>/dev/null || true
    for _ in $(seq 1 30); do pgrep -u "$uid" >/dev/null || break; sleep 0.1; done
    pkill -KILL -u "$uid" 2>/dev/null || true
  fi
fi
bash "$(dirname "${BASH_SOURCE[0]}")/stop-sshd.sh" "$STATE" "${2:-}"
