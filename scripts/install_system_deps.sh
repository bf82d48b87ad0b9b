#!/usr/bin/env bash
# Debian packages the full test suite needs beside the Python venv:
#   postgresql, redis-server  - the real servers of the integration tests (scripts/services.sh)
#   chromium                  - the browser the Playwright tests drive (never Playwright's own download)
#   fonts-wqy-microhei        - the TrueType Chinese font embedded in certificates
#   poppler-utils, zbar-tools - pdffonts/pdftotext/pdftoppm/pdfinfo and zbarimg, with which the
#                               certificate tests read the PDFs and decode their QR codes
#   wrk                       - only for the request benchmark (make bench)
#
# Usage: scripts/install_system_deps.sh [--run | --test | --bench | --all]
#   --run: only fonts-wqy-microhei, what the app itself needs on the embedded default (`make run`)
#   --test (default): postgresql, redis-server, chromium, fonts-wqy-microhei, poppler-utils, zbar-tools
#   --bench: postgresql, redis-server, wrk;  --all: all of them
# Idempotent: when every command is present it returns at once without touching apt.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

want_test=1
want_bench=0
want_servers=1
case "${1:-}" in
    "" | --test) ;;
    --run) want_test=0; want_servers=0 ;;
    --bench) want_test=0; want_bench=1 ;;
    --all) want_bench=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--run|--test|--bench|--all]" >&2; exit 2 ;;
esac

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; }
have_font() { [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; }

missing=()
if [ "$want_servers" = 1 ]; then
    have_postgres || missing+=(postgresql)
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
else
    have_font || missing+=(fonts-wqy-microhei)
fi
if [ "$want_test" = 1 ]; then
    command -v chromium >/dev/null || missing+=(chromium)
    have_font || missing+=(fonts-wqy-microhei)
    for tool in pdffonts pdftotext pdftoppm pdfinfo; do
        command -v "$tool" >/dev/null || { missing+=(poppler-utils); break; }
    done
    command -v zbarimg >/dev/null || missing+=(zbar-tools)
fi
if [ "$want_bench" = 1 ]; then
    command -v wrk >/dev/null || missing+=(wrk)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install_system_deps: all present"
    exit 0
fi

if [ "$(id -u)" = 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "install_system_deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "install_system_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_system_deps: done"
