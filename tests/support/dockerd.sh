# shellcheck shell=bash
# shellcheck disable=SC2317  # helpers are called from the callers' EXIT traps
# tests/support/dockerd.sh: a private Debian dockerd for scripts that compare
# gorae with Docker (tests/bench/run-api-bench, tests/differential/run-against-dockerd).
#
# Source it; it defines functions and runs nothing. dockerd gets its own socket,
# data root, exec root, pidfile and --config-file under a directory the caller
# owns, no bridge and no iptables/forwarding changes, so it never touches
# /var/run/docker.sock, /var/lib/docker, /etc/docker/daemon.json or the host's
# network. Everything is stopped by PID, never by name:
#
#   dockerd_start DIR       start dockerd on DIR/docker.sock (data DIR/ddata,
#                           exec root DIR/dexec, log DIR/dockerd.log); sets
#                           DOCKERD_PID, DOCKERD_SOCK, DOCKERD_LOG; returns 1
#                           with the reason on stderr if it cannot
#   dockerd_stop            stop that dockerd, any child it left behind and
#                           any process still naming DIR on its command line
#                           (a containerd-shim whose containerd is gone), then
#                           remove the host directories it created
#   unmount_under DIR       lazily unmount everything mounted at or below DIR
#   stop_daemon PID NAME    SIGTERM (SIGKILL after 15 s) PID, then its leftovers
#   alive PID, start_time PID, descendants PID, stop_pid PID NAME
#   wait_ping SOCK PID NAME LOG   wait until GET /_ping answers (60 s max)
#   log MESSAGE...          print to stderr
#
# wait_ping asks ping_socket SOCK, which uses curl; a caller may redefine
# ping_socket after sourcing this file (run-api-bench uses its own client).

DOCKERD_PID=
DOCKERD_DIR=
DOCKERD_SOCK=
DOCKERD_LOG=
_dockerd_made_dirs=()

log() { printf '%s\n' "$*" >&2; }

# A zombie still answers kill -0, so look at the state letter as well.
alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  [[ ${stat##*) } != Z* ]]
}

# Field 22 of /proc/PID/stat, the start time: with the PID it names a process
# unambiguously, so a recycled PID is never signalled by mistake.
start_time() {
  local stat f
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  read -r -a f <<<"${stat##*) }"
  echo "${f[19]}"
}

# All descendants of PID, as "pid:starttime" words, found by walking ppid links
# in /proc (children lists are per thread and miss reparented processes).
descendants() {
  local -A kids=()
  local f stat rest pid ppid
  for f in /proc/[0-9]*/stat; do
    read -r stat 2>/dev/null <"$f" || continue
    pid=${f#/proc/}; pid=${pid%/stat}
    rest=${stat##*) }
    read -r _ ppid _ <<<"$rest"
    kids[$ppid]+=" $pid"
  done
  local queue=("$1") out=() p c
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    for c in ${kids[$p]:-}; do
      out+=("$c:$(start_time "$c" || echo gone)")
      queue+=("$c")
    done
  done
  echo "${out[@]:-}"
}

# stop_pid PID NAME: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 i
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
  fi
  wait "$pid" 2>/dev/null || true  # reap it if it is our child
}

# stop_daemon PID NAME: stop the daemon, then any descendant it left behind (a
# supervised containerd, or a containerd-shim, outlives a SIGKILLed dockerd).
stop_daemon() {
  local pid=$1 name=$2 d cpid cstart kids
  kids=$(descendants "$pid")
  stop_pid "$pid" "$name"
  for d in $kids; do
    cpid=${d%%:*}; cstart=${d#*:}
    if alive "$cpid" && [[ $(start_time "$cpid") == "$cstart" ]]; then
      stop_pid "$cpid" "$name child $(cat "/proc/$cpid/comm" 2>/dev/null)"
    fi
  done
}

# A daemon that had to be SIGKILLed can leave mounts under its roots; detach
# them (deepest first) so rm never walks into a live mount.
unmount_under() {
  local dir=$1 m
  [[ -d $dir ]] || return 0
  awk -v t="$dir" '$5 == t || index($5, t "/") == 1 {print $5}' /proc/self/mountinfo |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# stop_strays DIR NAME: stop every process (other than this shell) whose
# command line names a path under DIR. A containerd-shim is not a descendant
# of dockerd (it daemonizes) but is started with -address DIR/...; the unique
# temporary DIR makes this match nothing else.
stop_strays() {
  local dir=$1 name=$2 f pid
  for f in $(grep -alsF -- "$dir/" /proc/[0-9]*/cmdline || true); do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    alive "$pid" || continue
    log "$name: stopping leftover pid $pid: $(tr '\0' ' ' <"$f" 2>/dev/null)"
    stop_pid "$pid" "$name leftover"
  done
}

ping_socket() {
  curl -fsS --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1
}

# wait_ping SOCKET PID NAME LOGFILE: poll GET /_ping until it answers 2xx.
wait_ping() {
  local sock=$1 pid=$2 name=$3 logfile=$4 i
  for ((i = 0; i < 600; i++)); do
    if ! alive "$pid"; then
      log "$name exited during startup; last log lines:"
      tail -n 20 "$logfile" >&2 || true
      return 1
    fi
    if [[ -S $sock ]] && ping_socket "$sock"; then return 0; fi
    sleep 0.1
  done
  log "$name did not answer GET /_ping within 60 s; last log lines:"
  tail -n 20 "$logfile" >&2 || true
  return 1
}

# dockerd starts its own containerd (state under <exec-root>/containerd, root
# under <data-root>/containerd) unless /run/containerd/containerd.sock already
# exists, in which case it silently uses the system one; hence the note.
dockerd_start() {
  local dir=$1 d
  command -v dockerd >/dev/null || { log "dockerd is not installed (apt-get install docker.io)"; return 1; }
  command -v containerd >/dev/null || { log "containerd is not installed (apt-get install containerd)"; return 1; }
  ((EUID == 0)) || { log "dockerd needs root"; return 1; }
  if [[ -S /run/containerd/containerd.sock ]]; then
    log "note: a system containerd is running; dockerd will use it instead of its own"
  fi
  # Our own config file hides /etc/docker/daemon.json; deprecated-key-path
  # keeps the libtrust key.json that 20.10 still writes out of /etc/docker.
  printf '{"deprecated-key-path": "%s/dockerd-key.json"}\n' "$dir" >"$dir/daemon.json"
  # Two host paths no flag moves: dockerd's legacy plugin-socket dir
  # /run/docker/plugins, and containerd's shim sockets /run/containerd/s
  # (created once a container runs). dockerd_stop removes the ones that were
  # not there before, and only if they are empty.
  for d in /run/docker /run/containerd; do
    [[ -e $d ]] || _dockerd_made_dirs+=("$d")
  done
  DOCKERD_DIR=$dir
  DOCKERD_SOCK=$dir/docker.sock
  DOCKERD_LOG=$dir/dockerd.log
  dockerd -H "unix://$DOCKERD_SOCK" --data-root "$dir/ddata" --exec-root "$dir/dexec" \
    --pidfile "$dir/dockerd.pid" --config-file "$dir/daemon.json" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --log-level=warn >"$DOCKERD_LOG" 2>&1 &
  DOCKERD_PID=$!
  wait_ping "$DOCKERD_SOCK" "$DOCKERD_PID" dockerd "$DOCKERD_LOG"
}

dockerd_stop() {
  local d
  if [[ -n $DOCKERD_PID ]]; then
    stop_daemon "$DOCKERD_PID" dockerd
    DOCKERD_PID=
  fi
  if [[ -n $DOCKERD_DIR ]]; then stop_strays "$DOCKERD_DIR" dockerd; fi
  for d in "${_dockerd_made_dirs[@]}"; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
    rmdir "$d" 2>/dev/null || log "note: $d was created by dockerd and is not empty; left in place"
  done
  _dockerd_made_dirs=()
}
