#!/usr/bin/env bash
# The leftover check of .ci/run (.ci/processes.sh) against planted processes: a detached sleep carrying the
# run's marker, a sleep started after the baseline without the marker, and one that was there before.
# .ci/run runs this first, so the check that ends the run is known to find what it must.
# Usage: bash tests/infra/leftover-check.test.sh      (exit 0: every assertion held; 1: one failed)
set -uo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../.ci/processes.sh
. "$REPO_ROOT/.ci/processes.sh"

work="$(mktemp -d /tmp/swarmps-leftover-test.XXXXXX)"
planted=()
cleanup() {
  [ "${#planted[@]}" -gt 0 ] && kill -KILL "${planted[@]}" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
check() {  # description, then a command that must succeed
  local description="$1"; shift
  if "$@"; then echo "ok   - $description"; else echo "FAIL - $description"; failures=$((failures + 1)); fi
}
listed_as() {  # pid reason: the listing has exactly that row's pid and reason
  grep -q "^$1	$2	" <<<"$listing"
}
not_listed() {
  ! grep -q "^$1	" <<<"$listing"
}
# A distinct argv per planted process, so the listing can be checked for the command line too.
plant() {  # name, then env arguments; detached (setsid) as a daemon would be, its pid in REPLY
  local name="$1"; shift
  setsid env "$@" bash -c "exec -a swarmps-leftover-$name sleep 300" </dev/null >/dev/null 2>&1 &
  REPLY=$!
  disown "$REPLY"   # killed on purpose below: no "Killed" job notices
  planted+=("$REPLY")
}

marker="leftover-test-$$"
plant before -u SWARMPS_CI_RUN
before=$REPLY
sleep 0.2
record_processes "$work/baseline"

plant marked "SWARMPS_CI_RUN=$marker"
marked=$REPLY
plant unmarked -u SWARMPS_CI_RUN
unmarked=$REPLY
plant other-run "SWARMPS_CI_RUN=$marker-not-this-one"
other_run=$REPLY
sleep 0.2

listing="$(list_leftovers "$marker" "$work/baseline")"
check "the baseline holds the process that was there before" grep -q "^$before " "$work/baseline"
check "a process carrying the marker is listed as marked" listed_as "$marked" marked
check "its command line is shown" grep -q "^$marked	marked	swarmps-leftover-marked 300$" <<<"$listing"
check "a process started after the baseline without the marker is listed as new" listed_as "$unmarked" new
check "another run's marker does not count as this run's" listed_as "$other_run" new
check "a process from before the baseline is not listed" not_listed "$before"
check "the scanning shell itself is not listed" not_listed "$$"

# A process that goes away between two scans is not a leftover.
plant transient "SWARMPS_CI_RUN=$marker"
transient=$REPLY
sleep 0.2
first="$(list_leftovers "$marker" "$work/baseline")"
kill -KILL "$transient"
sleep 0.2
check "still_listed keeps a process listed by both scans" \
  grep -q "^$marked	marked	" <<<"$(still_listed "$first" "$(list_leftovers "$marker" "$work/baseline")")"
check "still_listed drops a process gone by the second scan" \
  bash -c "! grep -q '^$transient	' <<<\"\$1\"" _ "$(still_listed "$first" "$(list_leftovers "$marker" "$work/baseline")")"

# The verdict: fails, names each leftover with its pid and command line, stops the marked ones only (an
# unmarked one may be anyone's on a shared machine), including a marked one from before the baseline.
plant marked-before "SWARMPS_CI_RUN=$marker"
marked_before=$REPLY
LEFTOVER_SCANS=2 check_leftovers "$marker" "$work/baseline" 2>"$work/verdict"
status=$?
check "check_leftovers fails when a process is left" test "$status" -eq 1
check "the verdict names the marked leftover" grep -q "pid $marked: swarmps-leftover-marked 300 .*carries SWARMPS_CI_RUN=$marker" "$work/verdict"
check "the verdict names the unmarked new leftover" grep -q "pid $unmarked: swarmps-leftover-unmarked 300 .*without the marker" "$work/verdict"
check "the marked leftover is stopped" bash -c "! kill -0 $marked 2>/dev/null"
check "a marked process from before the baseline is stopped too" bash -c "! kill -0 $marked_before 2>/dev/null"
check "the unmarked leftover is left alone" kill -0 "$unmarked"

kill -KILL "$unmarked" "$other_run" 2>/dev/null
sleep 0.2
listing="$(list_leftovers "$marker" "$work/baseline")"
check "nothing planted is listed once all are gone" \
  bash -c "! grep -qE '^($marked|$unmarked|$other_run|$marked_before)	' <<<\"\$1\"" _ "$listing"

[ "$failures" -eq 0 ] && echo "leftover check: all assertions held" || echo "leftover check: $failures assertion(s) failed"
[ "$failures" -eq 0 ]
