# Sourced by the start-*.sh scripts: service_user sets user, who runs the
# throw-away service, and run_as, the command prefix that runs a program as
# that user. As root: the unprivileged hookctl-ci (created when missing, a
# system user without a home or login shell); otherwise the calling user, and
# run_as is empty.
service_user() {
  run_as=()
  if [ "$(id -u)" = 0 ]; then
    user=hookctl-ci
    if ! id -u "$user" >/dev/null 2>&1; then
      useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
    fi
    run_as=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups)
  else
    user=$(id -un)
  fi
}
