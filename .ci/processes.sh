# Sourced by .ci/run (and tests/infra/leftover-check.test.sh): which processes a CI run left behind.
#
# Two signals, because neither is enough alone:
#  - marked: the process's environment holds SWARMPS_CI_RUN=<this run's id>. .ci/run exports it, so every
#    process it or a test starts inherits it, however it detaches (setsid, double fork, nohup).
#  - new: the process (pid and start time) was not there when the run began. This catches daemons that
#    overwrite their environment: OpenSSH's sshd rewrites its argv and environ area for its process title,
#    so the marker is gone from /proc/<pid>/environ (the leftover sshd of issue 11 was such a one), and
#    processes started through an ssh login get a fresh environment from sshd.
# "new" assumes the machine is the run's own (CI's is); on a shared machine it also names other people's
# processes, which is why only marked processes are ever stopped.
#
# Only bash builtins read /proc, so the scan itself starts no process that it would then report.

# record_processes FILE: writes "pid starttime" of every process now present.
record_processes() {
  local file="$1" dir
  : >"$file"
  for dir in /proc/[0-9]*; do
    _process_start_time "$dir" && printf '%s %s\n' "${dir#/proc/}" "$REPLY" >>"$file"
  done
  return 0
}

# check_leftovers MARKER BASELINE: fails (status 1) naming on stderr every leftover that every scan lists
# for LEFTOVER_SCANS x 0.5 s (default 20: 10 s), so one still exiting or a short-lived one is not named;
# then stops the marked ones, so the next run on this machine starts clean.
check_leftovers() {
  local marker="$1" baseline="$2" leftovers pid reason command
  leftovers="$(list_leftovers "$marker" "$baseline")"
  for _ in $(seq 1 "${LEFTOVER_SCANS:-20}"); do
    [ -z "$leftovers" ] && { echo "::: no process left behind"; return 0; }
    sleep 0.5
    leftovers="$(still_listed "$leftovers" "$(list_leftovers "$marker" "$baseline")")"
  done
  [ -z "$leftovers" ] && { echo "::: no process left behind"; return 0; }
  echo "::: FAILED: processes left running after the run (started by .ci/run or a test, never stopped):" >&2
  while IFS=$'\t' read -r pid reason command; do
    case "$reason" in
      marked) echo "  pid ${pid}: ${command}   (carries SWARMPS_CI_RUN=${marker}; stopping it now)" >&2 ;;
      *) echo "  pid ${pid}: ${command}   (started during the run, without the marker: its environment was rewritten or not inherited; not stopped)" >&2 ;;
    esac
  done <<<"$leftovers"
  stop_marked_leftovers "$leftovers"
  return 1
}

# list_leftovers MARKER BASELINE: prints "pid<TAB>marked|new<TAB>command line" for every process that carries
# SWARMPS_CI_RUN=MARKER or is not in BASELINE (a record_processes file). Skips this shell and its subshells,
# kernel threads and zombies (no command line: they hold no port, file or memory).
list_leftovers() {
  local marker="SWARMPS_CI_RUN=$1" baseline="$2" dir pid reason entry
  local -A known=()
  local -a argv environment
  while read -r pid REPLY; do known["$pid $REPLY"]=1; done <"$baseline"
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
    _process_start_time "$dir" || continue
    [ -n "${known["$pid $REPLY"]:-}" ] && reason=known || reason=new
    { mapfile -d '' -t argv <"$dir/cmdline"; } 2>/dev/null || continue
    [ "${#argv[@]}" -gt 0 ] || continue
    if { mapfile -d '' -t environment <"$dir/environ"; } 2>/dev/null; then
      for entry in "${environment[@]}"; do
        [ "$entry" = "$marker" ] && { reason=marked; break; }
      done
    fi
    [ "$reason" = known ] && continue
    printf '%s\t%s\t%s\n' "$pid" "$reason" "${argv[*]}"
  done
  return 0
}

# still_listed EARLIER LATER: the rows of LATER whose pid is also in EARLIER (both list_leftovers listings),
# so a process that comes and goes between two scans (one that is just exiting, or a short-lived one
# the machine itself starts) is not named as a leftover.
still_listed() {
  local pid rest
  local -A earlier=()
  while IFS=$'\t' read -r pid rest; do [ -n "$pid" ] && earlier["$pid"]=1; done <<<"$1"
  while IFS=$'\t' read -r pid rest; do
    [ -n "$pid" ] && [ -n "${earlier["$pid"]:-}" ] && printf '%s\t%s\n' "$pid" "$rest"
  done <<<"$2"
  return 0
}

# stop_marked_leftovers LISTING: TERM, then after 5 s KILL, every "marked" pid of a list_leftovers listing.
stop_marked_leftovers() {
  local pid reason command pids=()
  while IFS=$'\t' read -r pid reason command; do
    [ "$reason" = marked ] && pids+=("$pid")
  done <<<"$1"
  [ "${#pids[@]}" -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "${pids[@]}" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null
  return 0
}

# Sets REPLY to the start time (clock ticks since boot, field 22 of /proc/<pid>/stat) of the process in
# DIR; fails when it has gone. With the pid it identifies a process even after the pid is reused.
_process_start_time() {
  local stat fields
  { read -r stat <"$1/stat"; } 2>/dev/null || return 1
  # The command name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
  read -r -a fields <<<"${stat##*) }"
  REPLY="${fields[19]}"
}
