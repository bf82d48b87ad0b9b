#!/usr/bin/env bash
# `make bench`: runs every bench/*.py with the project's venv and prints its figures.
# Each script starts what it needs (scripts/services.sh, gunicorn) and stops it after;
# the figures are recorded by hand in docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

scripts/install_system_deps.sh --bench

status=0
for script in bench/*.py; do
    echo "=== $script ==="
    "$PY" "$script" || { echo "bench: $script failed" >&2; status=1; }
done
exit "$status"
