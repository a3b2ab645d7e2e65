# Sourced by the start-*.sh scripts: free_port prints a free TCP port of
# 127.0.0.1, drawn at random in 20000-44999 (RabbitMQ's CLI tools use
# distribution port + 10000, which stays below 65535), never one it already
# handed out in this shell.
#
# A port is taken when something listens on it (ss) or accepts a connection on
# 127.0.0.1. The caller defines log (a message to stderr).
used_ports=" "
port_busy() {
  local p=$1
  case "$used_ports" in *" $p "*) return 0 ;; esac
  if command -v ss >/dev/null 2>&1 && ss -Htan "( sport = :$p )" 2>/dev/null | grep -q .; then
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
  return 1
}
# free_port VAR: sets VAR (not a subshell's output, so that used_ports keeps
# what was handed out)
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 25000 ))
    if ! port_busy "$p"; then
      used_ports="$used_ports$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  log "no free port found"; return 1
}
