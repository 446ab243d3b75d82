#!/usr/bin/env bash
# "Another machine" for remote-site tests: a user of its own (default swarmps-remote, home /home/<user>,
# no SwarmPS, no pwsh on its PATH) and an sshd on 127.0.0.1 (default port 2223) that lets only that user
# in, with its own key. A launch that quietly runs locally as the caller cannot pass a test that checks the
# processes' uid and that the run directory is under this user's home.
# Usage:  start-remote-user.sh [STATE_DIR]   (default: /tmp/swarmps-test/sshd-remote)
# Env:    REMOTE_USER (swarmps-remote)  REMOTE_SSHD_PORT (2223)
# Prints: start-sshd.sh's line, then "user=<name> uid=<uid> home=<home>".
# Stop with: stop-remote-user.sh [STATE_DIR]  (ends every process of that user, then its sshd)
set -euo pipefail
STATE="${1:-/tmp/swarmps-test/sshd-remote}"
REMOTE_USER="${REMOTE_USER:-swarmps-remote}"
PORT="${REMOTE_SSHD_PORT:-2223}"
if ! getent passwd "$REMOTE_USER" >/dev/null; then
  # its own group and home, a POSIX login shell
  useradd --create-home --shell /bin/sh --user-group "$REMOTE_USER"
fi
# no password, yet not "locked" ('!'), which sshd without PAM refuses even for a key login
usermod -p '*' "$REMOTE_USER"
home="$(getent passwd "$REMOTE_USER" | cut -d: -f6)"
chmod 0700 "$home"
SSHD_PORT="$PORT" SSHD_USER="$REMOTE_USER" bash "$(dirname "${BASH_SOURCE[0]}")/start-sshd.sh" "$STATE"
echo "user=$REMOTE_USER uid=$(id -u "$REMOTE_USER") home=$home"
