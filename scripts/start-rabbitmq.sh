#!/usr/bin/env bash
# Starts a throw-away RabbitMQ node for the tests and prints, on stdout, the
# shell lines that point the tests at it:
#
#   eval "$(scripts/start-rabbitmq.sh)"     # exports HOOKCTL_TEST_AMQP_URL
#   go test ./...
#   scripts/stop-rabbitmq.sh "$HOOKCTL_RABBITMQ_DIR"
#
# With an argument, the same lines are also written to that file.
#
# - Installs Debian's rabbitmq-server when it is missing (as root: apt-get).
# - Runs as an unprivileged user (hookctl-ci, created when needed) when started
#   as root; as the calling user otherwise.
# - Everything lives in one temporary directory: data, logs, config, the
#   Erlang cookie, HOME. The system's /etc/rabbitmq and /var/lib/rabbitmq are
#   not read nor written; a system broker, a busy 5672, 25672 or 4369 do not
#   matter: the node gets its own free ports for AMQP, Erlang distribution and
#   its own epmd, all bound to 127.0.0.1.
# - Waits (at most HOOKCTL_RABBITMQ_WAIT seconds, 90 by default) until the node
#   answers the AMQP 0-9-1 protocol header with a Connection.Start frame.
# Progress and errors go to stderr; on failure the node is stopped, its log
# shown, and the script exits 1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out_file=${1:-}
wait_s=${HOOKCTL_RABBITMQ_WAIT:-90}
rmq_bin=/usr/lib/rabbitmq/bin/rabbitmq-server

log() { echo "start-rabbitmq: $*" >&2; }

# --- install -------------------------------------------------------------
if [ ! -x "$rmq_bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "rabbitmq-server is not installed; run as root, or: sudo apt-get install rabbitmq-server"
    exit 1
  fi
  log "installing rabbitmq-server (apt-get)"
  t0=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends rabbitmq-server >&2
  log "installed in $(( $(date +%s) - t0 ))s"
fi
epmd_bin=$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -1)
if [ -z "$epmd_bin" ]; then log "epmd not found"; exit 1; fi

# --- free ports ------------------------------------------------------------
. "$here/lib/free-port.sh"
free_port amqp_port
free_port dist_port
free_port epmd_port
# the CLI tools (rabbitmqctl) take ports from dist+10000 up; keep them free too
port_busy $((dist_port + 10000)) && log "warning: port $((dist_port + 10000)) is busy (only rabbitmqctl needs it)"

# --- user and directory ---------------------------------------------------------
. "$here/lib/service-user.sh"
service_user
dir=$(mktemp -d "${TMPDIR:-/tmp}/hookctl-rabbitmq.XXXXXX")
chmod 755 "$dir"
mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
node="hookctl-ci-$$@localhost"

cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$amqp_port
loopback_users.guest = true
log.console = false
log.file.level = info
disk_free_limit.absolute = 50MB
EOF
echo '[].' >"$dir/enabled_plugins"
: >"$dir/rabbitmq-env.conf"
# a fresh cookie: only this node and its own CLI calls know it
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/home/.erlang.cookie"
chmod 400 "$dir/home/.erlang.cookie"
if [ "$(id -u)" = 0 ]; then chown -R "$user:" "$dir"; fi

# the environment of the node, one VAR=value a line (read by env -i, not by a
# shell: no quoting); $dir/ctl runs rabbitmqctl with it: $dir/ctl status
cat >"$dir/env" <<EOF
HOME=$dir/home
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LANG=C.UTF-8
LC_ALL=C.UTF-8
RABBITMQ_NODENAME=$node
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_NODE_PORT=$amqp_port
RABBITMQ_DIST_PORT=$dist_port
ERL_EPMD_PORT=$epmd_port
ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_MNESIA_BASE=$dir/mnesia
RABBITMQ_LOG_BASE=$dir/log
RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config
RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf
RABBITMQ_PID_FILE=$dir/rabbitmq.pid
RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}
EOF

cat >"$dir/ctl" <<EOF
#!/usr/bin/env bash
# rabbitmqctl for node $node, as $user, in its environment: ctl status
set -f
mapfile -t envv <"$dir/env"
exec env -i "\${envv[@]}" ${run_as[*]} /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" "\$@"
EOF
chmod 755 "$dir/ctl"

cat >"$dir/state" <<EOF
node=$node
amqp_port=$amqp_port
dist_port=$dist_port
epmd_port=$epmd_port
EOF

fail() {
  log "$*"
  for f in "$dir/server.out" "$dir"/log/*.log; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  "$here/stop-rabbitmq.sh" "$dir" >&2 || true
  exit 1
}

# --- start -----------------------------------------------------------------
t0=$(date +%s)
# our own epmd on our own port, on loopback only: the node registers there and
# a system epmd on 4369 (or anything else on it) is never touched
setsid env -i $(cat "$dir/env" | grep -E '^(HOME|PATH)=') \
  "${run_as[@]}" "$epmd_bin" -port "$epmd_port" -address 127.0.0.1 \
  </dev/null >"$dir/epmd.out" 2>&1 &
echo "epmd_pid=$!" >>"$dir/state"

# env -i: nothing of the caller's environment (RABBITMQ_*, ERL_*) leaks in
(
  set -f
  mapfile -t envv <"$dir/env"
  cd "$dir"
  exec setsid env -i "${envv[@]}" "${run_as[@]}" "$rmq_bin" </dev/null >"$dir/server.out" 2>&1
) &
server_pid=$!
echo "server_pid=$server_pid" >>"$dir/state"
log "node $node (user $user) starting: amqp 127.0.0.1:$amqp_port, dist $dist_port, epmd $epmd_port, dir $dir"

# --- wait for AMQP ---------------------------------------------------------
# Ready = the broker answers the AMQP 0-9-1 header with a method frame
# (type 1, channel 0: Connection.Start).
amqp_ready() {
  local reply
  reply=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    head -c 3 <&3 | od -An -tx1 | tr -d " \n"
  ' _ "$amqp_port" 2>/dev/null) || return 1
  [ "$reply" = 010000 ]
}
deadline=$(( $(date +%s) + wait_s ))
until amqp_ready; do
  kill -0 "$server_pid" 2>/dev/null || fail "the node exited before it accepted AMQP connections"
  [ "$(date +%s)" -lt "$deadline" ] || fail "the node did not accept AMQP connections within ${wait_s}s"
  sleep 0.5
done
log "ready in $(( $(date +%s) - t0 ))s"

url="amqp://guest:guest@127.0.0.1:$amqp_port/"
lines="export HOOKCTL_TEST_AMQP_URL=$url
export HOOKCTL_RABBITMQ_DIR=$dir
# stop with: $here/stop-rabbitmq.sh $dir"
echo "$lines"
if [ -n "$out_file" ]; then echo "$lines" >"$out_file"; fi
