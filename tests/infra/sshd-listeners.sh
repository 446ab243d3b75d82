# Sourced by start-sshd.sh and stop-sshd.sh. sshd_listeners STATE: prints the pid of every sshd listener
# started with STATE/sshd_config, whatever the pid file says (a test may have restarted the daemon, or the
# pid file may be gone), so a start reuses it and a stop finds it. sshd's process title keeps its command
# line: "sshd: /usr/sbin/sshd -f STATE/sshd_config -E STATE/sshd.log [listener] ...".
sshd_listeners() {
  local config="$1/sshd_config" dir comm argv
  for dir in /proc/[0-9]*; do
    { read -r comm <"$dir/comm"; } 2>/dev/null || continue
    [ "$comm" = sshd ] || continue
    { mapfile -d '' -t argv <"$dir/cmdline"; } 2>/dev/null || continue
    case " ${argv[*]} " in
      *" -f $config "*"[listener]"*) echo "${dir#/proc/}" ;;
    esac
  done
}
