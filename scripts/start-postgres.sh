#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints, on stdout,
# the shell lines that point the tests at it:
#
#   eval "$(scripts/start-postgres.sh)"     # exports HOOKCTL_TEST_POSTGRES_URL
#   go test ./...
#   scripts/stop-postgres.sh "$HOOKCTL_POSTGRES_DIR"
#
# With an argument, the same lines are also written to that file.
#
# - Installs Debian's postgresql when it is missing (as root: apt-get) and
#   uses the newest /usr/lib/postgresql/*/bin.
# - Runs as an unprivileged user (hookctl-ci, created when needed) when started
#   as root; as the calling user otherwise.
# - Everything lives in one temporary directory: the cluster (initdb), its
#   log, its unix socket (mode 0700: only that user and root reach it). The
#   system's clusters, /etc/postgresql and a busy 5432 do not matter: the
#   cluster listens on 127.0.0.1 on a free random port.
# - Database hookctl, owned by role hookctl (LOGIN CREATEDB, not a superuser)
#   with a random password; TCP connections authenticate with SCRAM, so the
#   URL carries a password. The superuser postgres is reachable only through
#   the socket.
# - Durability is traded for speed (fsync, synchronous_commit and
#   full_page_writes off: a crash of the machine may lose the cluster, which
#   is thrown away anyway); everything else that decides what queries return
#   (isolation, locking, time zone) keeps PostgreSQL's defaults.
# - Waits (at most HOOKCTL_POSTGRES_WAIT seconds, 60 by default) until the
#   cluster accepts connections (pg_isready) and the role can log in.
# Progress and errors go to stderr; on failure the cluster is stopped, its log
# shown, and the script exits 1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out_file=${1:-}
wait_s=${HOOKCTL_POSTGRES_WAIT:-60}

log() { echo "start-postgres: $*" >&2; }

newest_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# --- install -------------------------------------------------------------
pg_bin=$(newest_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL is not installed; run as root, or: sudo apt-get install postgresql"
    exit 1
  fi
  log "installing postgresql (apt-get)"
  t0=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  log "installed in $(( $(date +%s) - t0 ))s"
  pg_bin=$(newest_bin)
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then log "initdb not found under /usr/lib/postgresql"; exit 1; fi
fi

# --- free port -------------------------------------------------------------
. "$here/lib/free-port.sh"
free_port port

# --- user and directory ---------------------------------------------------------
. "$here/lib/service-user.sh"
service_user
dir=$(mktemp -d "${TMPDIR:-/tmp}/hookctl-postgres.XXXXXX")
chmod 755 "$dir"
mkdir -p "$dir/socket"
password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
super_password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$super_password" >"$dir/superuser.pw"
chmod 600 "$dir/superuser.pw"
if [ "$(id -u)" = 0 ]; then chown -R "$user:" "$dir"; fi

cat >"$dir/state" <<EOF
pg_bin=$pg_bin
port=$port
user=$user
EOF

# the environment of the cluster's programs, one VAR=value a line (read by
# env -i: nothing of the caller's PG* variables leaks in)
cat >"$dir/env" <<EOF
HOME=$dir
PATH=$pg_bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LANG=C.UTF-8
LC_ALL=C.UTF-8
PGHOST=$dir/socket
PGPORT=$port
PGUSER=postgres
PGDATABASE=postgres
EOF
# $dir/psql runs psql as the superuser through the socket: $dir/psql -c 'select 1'
cat >"$dir/psql" <<EOF
#!/usr/bin/env bash
set -f
mapfile -t envv <"$dir/env"
exec env -i "\${envv[@]}" ${run_as[*]} "$pg_bin/psql" -X -v ON_ERROR_STOP=1 "\$@"
EOF
chmod 755 "$dir/psql"

# as: runs a command as the cluster's user in its environment
as() {
  local envv
  mapfile -t envv <"$dir/env"
  env -i "${envv[@]}" "${run_as[@]}" "$@"
}

fail() {
  log "$*"
  for f in "$dir/initdb.out" "$dir/pg_ctl.out" "$dir/postgres.log"; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  "$here/stop-postgres.sh" "$dir" >&2 || true
  exit 1
}

# --- initdb ---------------------------------------------------------------
t0=$(date +%s)
t0_ms=$(( $(date +%s%N) / 1000000 ))
as "$pg_bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/superuser.pw" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.out" 2>&1 || fail "initdb failed"
cat >>"$dir/data/postgresql.conf" <<EOF

# --- hookctl test cluster (scripts/start-postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/socket'
unix_socket_permissions = 0700
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
log_connections = off
EOF

# --- start -----------------------------------------------------------------
# setsid: the postmaster is not in the caller's process group (a Ctrl-C in
# the terminal that started it does not reach it); stop-postgres.sh stops it
(
  mapfile -t envv <"$dir/env"
  cd "$dir"
  exec setsid env -i "${envv[@]}" "${run_as[@]}" \
    "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -W start
) </dev/null >"$dir/pg_ctl.out" 2>&1 || fail "pg_ctl start failed"
log "cluster $pg_bin (user $user) starting: 127.0.0.1:$port, dir $dir"

# --- wait -------------------------------------------------------------------
deadline=$(( $(date +%s) + wait_s ))
until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1; do
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    kill -0 "$pid" 2>/dev/null || fail "the cluster exited before it accepted connections"
  elif [ "$(( $(date +%s) - t0 ))" -gt 10 ]; then
    fail "the cluster did not start (no postmaster.pid after 10s)"
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail "the cluster did not accept connections within ${wait_s}s"
  sleep 0.2
done

# --- role and database ----------------------------------------------------------
"$dir/psql" -q -c "CREATE ROLE hookctl LOGIN CREATEDB PASSWORD '$password'" >&2 || fail "CREATE ROLE failed"
"$dir/psql" -q -c "CREATE DATABASE hookctl OWNER hookctl" >&2 || fail "CREATE DATABASE failed"
url="postgres://hookctl:$password@127.0.0.1:$port/hookctl?sslmode=disable"
# the role logs in over TCP with its password
env -i PATH=/usr/bin:/bin "$pg_bin/psql" -X -q -At "$url" -c 'select 1' >/dev/null 2>"$dir/login.err" ||
  { cat "$dir/login.err" >&2; fail "role hookctl cannot log in over TCP"; }
ms=$(( $(date +%s%N) / 1000000 - t0_ms ))
log "ready in $((ms / 1000)).$(printf %03d $((ms % 1000)))s"

lines="export HOOKCTL_TEST_POSTGRES_URL=$url
export HOOKCTL_POSTGRES_DIR=$dir
# stop with: $here/stop-postgres.sh $dir"
echo "$lines"
if [ -n "$out_file" ]; then echo "$lines" >"$out_file"; fi
