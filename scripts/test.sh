#!/usr/bin/env bash
# The README's test command (`make test`) runs this. Arguments go to pytest in both phases.
#
# 1. Everything except the real-server tests, on the embedded default (SQLite, eager Celery),
#    browser tests included.
# 2. With DATABASE_URL and REDIS_URL pointing at real servers: the whole non-browser suite again on
#    PostgreSQL, integration tests included (a real Celery worker on Redis).
#    Without those variables, scripts/services.sh starts a private PostgreSQL and Redis (and stops
#    them afterwards). If no servers can be had: under CI=true that is a failure; elsewhere the
#    integration tests are listed as skipped and the script ends after phase 1.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

mkdir -p var
SUMMARY_FILE=var/test-summary.txt
rm -f "$SUMMARY_FILE"
passed=0 failed=0 skipped=0
phase_log="$(mktemp)"

# pytest's exit code 5 means "no tests collected" (e.g. a -k that matches nothing in one phase).
run_pytest() {
    local rc=0 closing
    "$PY" -m pytest "$@" 2>&1 | tee "$phase_log" || rc=$?
    closing="$(grep -E '[0-9]+ (passed|failed|errors?|skipped|deselected).* in [0-9.]+s' "$phase_log" | tail -n 1 || true)"
    count() { echo "$closing" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }
    passed=$((passed + $(count passed)))
    failed=$((failed + $(count failed) + $(count errors?)))
    skipped=$((skipped + $(count skipped)))
    if [ "$rc" = 5 ]; then
        echo "test.sh: no tests collected in this phase"
        rc=0
    fi
    return "$rc"
}

started_services=0
cleanup() {
    local rc=$?
    if [ "$started_services" = 1 ]; then
        scripts/services.sh stop || true
    fi
    rm -f "$phase_log"
    # Both phases in one closing line (also kept in var/test-summary.txt for .ci/run).
    echo "test.sh: $passed passed, $failed failed, $skipped skipped" | tee "$SUMMARY_FILE"
    exit "$rc"
}
trap cleanup EXIT

phase_start=$SECONDS
echo "=== test.sh phase 1: not integration, on SQLite ==="
DATABASE_URL= REDIS_URL= run_pytest -m "not integration" "$@"
echo "test.sh: phase 1 took $((SECONDS - phase_start)) s"

servers_reachable() {
    "$PY" - <<'EOF'
import os, sys
url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    sys.exit("DATABASE_URL is not a PostgreSQL URL")
if not redis_url.startswith("redis://"):
    sys.exit("REDIS_URL is not set")
import dj_database_url, psycopg, redis
db = dj_database_url.parse(url)
try:
    psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
                    port=db["PORT"] or 5432, connect_timeout=5).close()
except Exception as exc:
    sys.exit(f"PostgreSQL at {db['HOST']}:{db['PORT']} does not answer: {exc}")
try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
except Exception as exc:
    sys.exit(f"Redis at {redis_url} does not answer: {exc}")
EOF
}

why=""
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && command -v redis-server >/dev/null; then
        scripts/services.sh status 2>/dev/null || started_services=1
        if exports="$(scripts/services.sh start)"; then
            eval "$exports"
        else
            why="scripts/services.sh could not start PostgreSQL and Redis"
        fi
    else
        why="DATABASE_URL/REDIS_URL are not set and PostgreSQL or Redis is not installed (scripts/install_system_deps.sh)"
    fi
fi
if [ -z "$why" ]; then
    why="$(servers_reachable 2>&1)" && why=""
fi

if [ -n "$why" ]; then
    if [ "${CI:-}" = true ]; then
        echo "test.sh: FAILED: the integration tests need real PostgreSQL and Redis: $why" >&2
        failed=$((failed + 1))
        exit 1
    fi
    echo "test.sh: SKIPPED phase 2 (PostgreSQL suite and integration tests): $why"
    echo "test.sh: these integration tests did not run:"
    not_run="$(DATABASE_URL= REDIS_URL= "$PY" -m pytest -q --collect-only -m integration -p no:cacheprovider 2>/dev/null \
        | grep '::' || true)"
    if [ -n "$not_run" ]; then
        echo "$not_run" | sed 's/^/  skipped: /'
        skipped=$((skipped + $(echo "$not_run" | wc -l)))
    fi
    exit 0
fi

phase_start=$SECONDS
echo "=== test.sh phase 2: not browser (integration included), on PostgreSQL and Redis ==="
run_pytest -m "not browser" "$@"
echo "test.sh: phase 2 took $((SECONDS - phase_start)) s"
