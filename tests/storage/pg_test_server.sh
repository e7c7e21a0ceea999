#!/bin/sh
# A throwaway PostgreSQL server for the tests of the central store (issue 15):
# a fresh cluster in a temporary directory, listening on a free loopback port
# only, with trust authentication except for members of the role
# ivyd_password_users, who must give a password (scram-sha-256), so a test can
# check a wrong password.
#
#   pg_test_server.sh start STATE    initdb + start; STATE gets "PORT DIR"
#   pg_test_server.sh halt STATE     stop the server, keep its data
#   pg_test_server.sh resume STATE   start it again on the same port
#   pg_test_server.sh stop STATE     stop it and delete everything
#
# initdb refuses to run as root: as root, the cluster belongs to the
# `postgres` user (created by Debian's postgresql package) and the commands
# run as that user. fsync is off (IVYD_PG_FSYNC=on for benchmarks): a test
# cluster needs no durability against power cuts. The server's log is DIR/log. Nothing here uses a system
# PostgreSQL instance.
set -eu
command="${1:?usage: pg_test_server.sh start|halt|resume|stop STATE}"
state="${2:?usage: pg_test_server.sh start|halt|resume|stop STATE}"
bin="${IVYD_PG_BIN:-/usr/lib/postgresql/15/bin}"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

run_server() {  # port dir
  as_owner "$bin/pg_ctl" -D "$2/data" -l "$2/log" -w -t 30 \
    -o "-p $1 -k $2 -c listen_addresses=127.0.0.1 -c fsync=${IVYD_PG_FSYNC:-off} -c max_connections=200" start >/dev/null
}

case "$command" in
start)
  if [ -f "$state" ]; then "$0" stop "$state" || true; fi
  dir=$(mktemp -d /tmp/ivyd-pg-XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --auth=trust >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; exit 1; }
  cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host all +ivyd_password_users 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
HBA
  # A free port: try from a pseudo-random one upwards (postgres refuses a
  # port in use, and pg_ctl says so).
  port=$(( 20000 + $$ % 9000 ))
  tries=0
  until run_server "$port" "$dir" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -ge 40 ]; then echo "pg_test_server.sh: no free port" >&2; cat "$dir/log" >&2; exit 1; fi
    port=$((port + 1))
  done
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -X -q -d postgres \
    -c "CREATE ROLE ivyd_password_users NOLOGIN" >/dev/null
  echo "$port $dir" >"$state"
  echo "pg_test_server.sh: PostgreSQL on 127.0.0.1:$port ($dir)"
  ;;
halt)
  read -r port dir <"$state"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
  ;;
resume)
  read -r port dir <"$state"
  run_server "$port" "$dir"
  ;;
stop)
  [ -f "$state" ] || exit 0
  read -r port dir <"$state"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  rm -rf "$dir" "$state"
  ;;
*)
  echo "pg_test_server.sh: unknown command $command" >&2
  exit 2
  ;;
esac
