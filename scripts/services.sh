#!/usr/bin/env bash
# A private PostgreSQL and Redis for the integration tests and the benchmark,
# on loopback ports of their own, with their data under var/ (git-ignored).
#
#   scripts/services.sh start    start both (if not running), wait until they answer,
#                                then print the export lines:  eval "$(scripts/services.sh start)"
#   scripts/services.sh env      print the export lines only
#   scripts/services.sh status   exit 0 if both answer
#   scripts/services.sh stop     stop both
#
# Ports: SERVICES_PG_PORT (55432) and SERVICES_REDIS_PORT (56379).
# PostgreSQL refuses to run as root: under root the cluster belongs to the `postgres` user.
# The cluster is for tests: fsync is off, so a machine crash may lose it (it is rebuilt on demand).
# Messages go to stderr; only the export lines go to stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VAR="$ROOT/var"
PG_PORT="${SERVICES_PG_PORT:-55432}"
REDIS_PORT="${SERVICES_REDIS_PORT:-56379}"
DB_NAME=cadre
DB_USER=cadre
PG_BASE="$VAR/pg"
REDIS_DIR="$VAR/redis"
PASSWORD_FILE="$PG_BASE/password"

say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }

pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] || return 1
    echo "$dir"
}

# Who runs PostgreSQL: ourselves, or `postgres` when we are root.
pg_user() {
    if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")  # from /: the work tree may be closed to postgres
    else
        "$@"
    fi
}

# Data directory: var/pg/data, unless the postgres user cannot reach into the work tree
# (a checkout under a private home folder): then a folder of its own under /tmp, named after the tree.
pg_data() {
    if [ -f "$PG_BASE/datadir" ]; then
        cat "$PG_BASE/datadir"
        return
    fi
    echo "$PG_BASE/data"
}

choose_pg_data() {
    mkdir -p "$PG_BASE"
    chmod 755 "$PG_BASE"
    local data="$PG_BASE/data"
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$data"
        chown postgres: "$data"
        chmod 700 "$data"
        if ! runuser -u postgres -- test -w "$data"; then
            rmdir "$data" 2>/dev/null || true
            data="/tmp/cadre-pg-$(echo -n "$ROOT" | md5sum | cut -c1-12)/data"
            mkdir -p "$data"
            chown postgres: "$(dirname "$data")" "$data"
            chmod 700 "$data"
            say "postgres cannot write under $ROOT; using $data"
        fi
    fi
    echo "$data" > "$PG_BASE/datadir"
    echo "$data"
}

pg_password() {
    [ -f "$PASSWORD_FILE" ] || return 1
    cat "$PASSWORD_FILE"
}

database_url() { echo "postgres://$DB_USER:$(pg_password)@127.0.0.1:$PG_PORT/$DB_NAME"; }
redis_url() { echo "redis://127.0.0.1:$REDIS_PORT/0"; }

pg_answers() {
    local bin
    bin="$(pg_bin)" || return 1
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2
}

redis_answers() {
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# The postmaster of our data directory, if one is alive (a stale pid file is removed).
our_postmaster_pid() {
    local data pidfile pid
    data="$(pg_data)"
    pidfile="$data/postmaster.pid"
    [ -f "$pidfile" ] || return 1
    pid="$(head -n 1 "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$data"; then
        echo "$pid"
        return 0
    fi
    say "removing stale $pidfile (pid ${pid:-?} is not our postgres)"
    rm -f "$pidfile"
    return 1
}

our_redis_pid() {
    local pidfile="$REDIS_DIR/redis.pid" pid
    [ -f "$pidfile" ] || return 1
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "redis-server.*:$REDIS_PORT"; then
        echo "$pid"
        return 0
    fi
    say "removing stale $pidfile"
    rm -f "$pidfile"
    return 1
}

start_pg() {
    local bin data
    bin="$(pg_bin)" || die "PostgreSQL is not installed (scripts/install_system_deps.sh installs it)"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    data="$(pg_data)"
    if [ ! -f "$data/PG_VERSION" ]; then
        data="$(choose_pg_data)"
        local password pwfile
        password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)"
        pwfile="$(mktemp)"
        echo "$password" > "$pwfile"
        chmod 644 "$pwfile"
        say "initdb $data"
        as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 \
            --auth-local=peer --encoding=UTF8 --locale=C.UTF-8 >"$PG_BASE/initdb.log" 2>&1 \
            || { rm -f "$pwfile"; cat "$PG_BASE/initdb.log" >&2; die "initdb failed"; }
        rm -f "$pwfile"
        (umask 077; echo "$password" > "$PASSWORD_FILE")
    fi
    [ -f "$PASSWORD_FILE" ] || die "$PASSWORD_FILE is missing: remove $data and $PG_BASE to start afresh"
    if our_postmaster_pid >/dev/null; then
        say "postgres already running on 127.0.0.1:$PG_PORT"
    else
        if pg_answers; then
            die "port $PG_PORT already answers for another PostgreSQL; set SERVICES_PG_PORT"
        fi
        say "starting postgres on 127.0.0.1:$PG_PORT"
        # No unix socket (its path could be too long or unwritable); TCP on loopback only.
        as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >/dev/null || { tail -n 20 "$data/server.log" >&2; die "postgres did not start"; }
    fi
    local i
    for i in $(seq 1 60); do
        pg_answers && break
        sleep 0.5
    done
    pg_answers || die "postgres does not answer on 127.0.0.1:$PG_PORT"
    ensure_database "$bin"
}

ensure_database() {
    local bin="$1" password
    password="$(pg_password)"
    local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA)
    # The role may create databases (pytest-django makes test_cadre) but is no superuser, as in production.
    if [ "$(PGPASSWORD="$password" "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
        PGPASSWORD="$password" "${psql[@]}" -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$password'"
    fi
    if [ "$(PGPASSWORD="$password" "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
        PGPASSWORD="$password" "${psql[@]}" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING 'UTF8'"
    fi
}

start_redis() {
    command -v redis-server >/dev/null || die "redis-server is not installed (scripts/install_system_deps.sh installs it)"
    mkdir -p "$REDIS_DIR"
    if our_redis_pid >/dev/null; then
        say "redis already running on 127.0.0.1:$REDIS_PORT"
    else
        if redis_answers; then
            die "port $REDIS_PORT already answers for another Redis; set SERVICES_REDIS_PORT"
        fi
        say "starting redis on 127.0.0.1:$REDIS_PORT"
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
            --pidfile "$REDIS_DIR/redis.pid" --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" \
            --save "" --appendonly no --protected-mode yes >/dev/null
    fi
    local i
    for i in $(seq 1 60); do
        redis_answers && break
        sleep 0.25
    done
    redis_answers || { tail -n 20 "$REDIS_DIR/redis.log" >&2 || true; die "redis does not answer on 127.0.0.1:$REDIS_PORT"; }
}

stop_pg() {
    local bin data pid
    bin="$(pg_bin)" || return 0
    data="$(pg_data)"
    if pid="$(our_postmaster_pid)"; then
        say "stopping postgres (pid $pid)"
        as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || kill "$pid" 2>/dev/null || true
    fi
}

stop_redis() {
    local pid i
    if pid="$(our_redis_pid)"; then
        say "stopping redis (pid $pid)"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
        for i in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        rm -f "$REDIS_DIR/redis.pid"
    fi
}

print_env() {
    pg_password >/dev/null || die "no PostgreSQL cluster yet: run $0 start"
    echo "export DATABASE_URL=$(database_url)"
    echo "export REDIS_URL=$(redis_url)"
}

case "${1:-}" in
    start)
        start_pg
        start_redis
        print_env
        ;;
    stop)
        stop_pg
        stop_redis
        ;;
    env)
        print_env
        ;;
    status)
        if our_postmaster_pid >/dev/null && pg_answers && redis_answers; then
            say "running: postgres 127.0.0.1:$PG_PORT, redis 127.0.0.1:$REDIS_PORT"
        else
            say "not running"
            exit 1
        fi
        ;;
    *)
        echo "usage: $0 start|stop|env|status" >&2
        exit 2
        ;;
esac
