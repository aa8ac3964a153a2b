#!/usr/bin/env bash
# Free LocalStack (4.14.0, the last free release) on the host, for machines without Docker.
#   scripts/localstack.sh install   create .localstack/venv with Python 3.13 and the pinned packages
#   scripts/localstack.sh start     install if needed, start on 127.0.0.1:4566, wait until healthy
#   scripts/localstack.sh stop      stop the instance this script started
#   scripts/localstack.sh status    print the health endpoint's answer
# LocalStack 4.14 needs Python 3.13; the pins below are the set found to install and run together.
set -euo pipefail
cd "$(dirname "$0")/.."

HERE=".localstack"
VENV="$HERE/venv"
PIDFILE="$HERE/localstack.pid"
LOG="$HERE/localstack.log"
LISTEN="${LOCALSTACK_LISTEN:-127.0.0.1:4566}"
HEALTH_URL="http://$LISTEN/_localstack/health"
WAIT_SECONDS="${LOCALSTACK_WAIT_SECONDS:-180}"
PINS=("localstack-core[runtime]==4.14.0" "cbor2<5.7" "pyopenssl<24.3" "cryptography<44" "service_identity<24.3")

find_python313() {
    if command -v pyenv >/dev/null 2>&1; then
        local prefix
        prefix="$(pyenv prefix 3.13 2>/dev/null || true)"
        if [ -z "$prefix" ]; then
            prefix="$(ls -d "$(pyenv root)"/versions/3.13* 2>/dev/null | sort -V | tail -1 || true)"
        fi
        if [ -n "$prefix" ] && [ -x "$prefix/bin/python" ]; then
            echo "$prefix/bin/python"
            return 0
        fi
    fi
    for root in "${PYENV_ROOT:-}" "$HOME/.pyenv"; do
        if [ -n "$root" ]; then
            local found
            found="$(ls -d "$root"/versions/3.13*/bin/python 2>/dev/null | sort -V | tail -1 || true)"
            if [ -n "$found" ]; then
                echo "$found"
                return 0
            fi
        fi
    done
    if command -v python3.13 >/dev/null 2>&1; then
        command -v python3.13
        return 0
    fi
    return 1
}

install() {
    if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.pins" ] && [ "$(cat "$VENV/.pins")" = "${PINS[*]}" ]; then
        return 0
    fi
    local python
    if ! python="$(find_python313)"; then
        echo "LocalStack 4.14 needs Python 3.13, and none was found." >&2
        echo "Install it (for example 'pyenv install 3.13') or put python3.13 on PATH, then run 'make localstack' again." >&2
        exit 3
    fi
    mkdir -p "$HERE"
    echo "creating $VENV with $python"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
    echo "${PINS[*]}" >"$VENV/.pins"
}

healthy() {
    "$VENV/bin/python" - "$HEALTH_URL" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
}

running_pid() {
    if [ -f "$PIDFILE" ]; then
        local pid
        pid="$(cat "$PIDFILE")"
        if kill -0 "$pid" 2>/dev/null; then
            echo "$pid"
            return 0
        fi
    fi
    return 1
}

start() {
    install
    if running_pid >/dev/null && healthy; then
        echo "LocalStack is already running on $LISTEN"
        return 0
    fi
    echo "starting LocalStack on $LISTEN (log: $LOG)"
    # setsid: its own process group, so stop can end it and every child it starts.
    GATEWAY_LISTEN="$LISTEN" LOCALSTACK_VOLUME_DIR="$PWD/$HERE/volume" SKIP_SSL_CERT_DOWNLOAD=1 \
        DISABLE_EVENTS=1 setsid "$VENV/bin/python" -m localstack.runtime.main >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    local waited=0
    until healthy; do
        if ! running_pid >/dev/null; then
            echo "LocalStack exited while starting; the end of $LOG:" >&2
            tail -20 "$LOG" >&2
            exit 1
        fi
        if [ "$waited" -ge "$WAIT_SECONDS" ]; then
            echo "LocalStack did not answer $HEALTH_URL within ${WAIT_SECONDS}s; see $LOG" >&2
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "LocalStack is healthy on $LISTEN after ${waited}s"
}

stop() {
    local pid
    if pid="$(running_pid)"; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        echo "LocalStack stopped"
    fi
    rm -f "$PIDFILE"
}

status() {
    "$VENV/bin/python" -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())" "$HEALTH_URL"
}

case "${1:-start}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
